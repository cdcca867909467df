"""Messages that say what is wrong and name the things: one function for every write path and
every report format.

A SHACL rule's own message is general ("An assignment needs exactly one leader, a company").
:func:`explain` puts in front of it the thing the result is about, named from the graph: an
assignment by its scope, its leader and its dates; a statement by its document and its quote;
anything else by its label. The rules whose message names the thing already (the single-leader
rule names the scope, the leaders and their sources) are left as they are.

Ids are given only for what the store holds. A node that a rejected write would have created
is described, never named by an id nobody can look up: its id, and its fact id in a message
(the single-leader rule lists the fact ids behind each leader), become "this write".

:func:`sparql_path` writes a result's property path in SPARQL syntax (``^akg:leader``,
``akg:a/akg:b``) for the text report.
"""

from __future__ import annotations

from collections.abc import Iterable

import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology#")
AKR = "https://w3id.org/alliance-kg/id/"
#: Said instead of the id of a node the write would create.
THIS_WRITE = "this write"


def label(graph: rdflib.Graph, node) -> str | None:
    """The preferred (else ``rdfs:``) label of ``node`` in ``graph`` (the first in order, if it
    has several), or None."""
    for prop in (SKOS.prefLabel, RDFS.label):
        values = sorted(str(v) for v in graph.objects(node, prop))
        if values:
            return values[0]
    return None


def local_id(node) -> str:
    """The id of a resource of this graph (the end of its IRI), or the IRI.

    >>> local_id(rdflib.URIRef("https://w3id.org/alliance-kg/id/assignment-Japan"))
    'assignment-Japan'
    """
    text = str(node)
    return text[len(AKR) :] if text.startswith(AKR) else text


def describe(graph: rdflib.Graph, node, *, new: bool = False) -> str:
    """``node`` in a few words, from what ``graph`` says of it; with its id unless ``new``.

    >>> g = rdflib.Graph()
    >>> a, japan, nissan = (rdflib.URIRef(AKR + x) for x in ("assignment-Japan", "Japan", "Nissan"))
    >>> g.add((a, RDF.type, AKG.LeadershipAssignment)); g.add((a, AKG.scope, japan))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> g.add((japan, SKOS.prefLabel, rdflib.Literal("Japan"))); g.add((a, AKG.leader, nissan))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> g.add((a, AKG.validFrom, rdflib.Literal("2020-05-27")))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> describe(g, a)
    'the assignment of Japan (leader Nissan, from 2020-05-27; assignment-Japan)'
    >>> describe(g, a, new=True)
    'the assignment of Japan that this write adds (leader Nissan, from 2020-05-27)'
    """
    types = set(graph.objects(node, RDF.type))
    if AKG.LeadershipAssignment in types:
        return _assignment(graph, node, new)
    if AKG.Statement in types:
        return _statement(graph, node, new)
    name = label(graph, node) or local_id(node)
    if new:
        return f"{name} (which this write adds)"
    return name if name == local_id(node) else f"{name} ({local_id(node)})"


def _names(graph: rdflib.Graph, nodes: Iterable) -> str:
    found = sorted(label(graph, n) or local_id(n) for n in nodes)
    return " and ".join(found) if found else "none"


def _assignment(graph: rdflib.Graph, node, new: bool) -> str:
    scopes = list(graph.objects(node, AKG.scope))
    what = f"the assignment of {_names(graph, scopes)}" if scopes else "an assignment without a scope"
    details = [f"leader {_names(graph, graph.objects(node, AKG.leader))}"]
    start, end = graph.value(node, AKG.validFrom), graph.value(node, AKG.validTo)
    if start is not None:
        details.append(f"from {start}" + (f" to {end}" if end is not None else ""))
    if new:
        return f"{what} that this write adds ({', '.join(details)})"
    return f"{what} ({', '.join(details)}; {local_id(node)})"


def _statement(graph: rdflib.Graph, node, new: bool) -> str:
    documents = list(graph.objects(node, AKG.document))
    cited = " and ".join(str(graph.value(d, AKG.shortName) or label(graph, d) or local_id(d)) for d in documents)
    quote = min(graph.objects(node, AKG.quote), key=str, default=None)
    what = (
        "the statement that this write adds" if new else f"statement {graph.value(node, AKG.factId) or local_id(node)}"
    )
    if cited:
        what += f", citing {cited}"
    if quote is not None:
        text = str(quote)
        what += f' ("{text[:80]}…")' if len(text) > 80 else f' ("{text}")'
    return what


def explain(message: str, graph: rdflib.Graph, focus, *, new: frozenset[str] = frozenset()) -> str:
    """The message of a result about ``focus``: the rule's ``message``, after a description of
    the focus node unless the message names it already; the ids (and fact ids) of the nodes of
    ``new`` (IRIs a write would add) replaced by "this write".

    >>> g = rdflib.Graph()
    >>> s = rdflib.URIRef(AKR + "statement-x")
    >>> g.add((s, RDF.type, AKG.Statement)); g.add((s, AKG.factId, rdflib.Literal("W-1")))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> explain("A statement needs exactly one strength.", g, s)
    'statement W-1: A statement needs exactly one strength.'
    >>> explain("Europe has two leaders: Renault (F063) and Nissan (W-1).", g, rdflib.URIRef(AKR + "Europe"),
    ...         new=frozenset([str(s)]))
    'Europe has two leaders: Renault (F063) and Nissan (this write).'
    """
    ids = {
        str(name)
        for iri in new  # ids nobody can look up; a label the writer chose is the writer's to read
        for name in (graph.value(rdflib.URIRef(iri), AKG.factId), local_id(rdflib.URIRef(iri)))
        if name is not None and len(str(name)) > 2
    }
    for name in sorted(ids, key=len, reverse=True):  # the longest first: one id may hold another
        message = message.replace(name, THIS_WRITE)
    focus_label = label(graph, focus)
    if focus_label and focus_label in message:
        return message
    if local_id(focus) in message or str(focus) in message:
        return message
    return f"{describe(graph, focus, new=str(focus) in new)}: {message}"


def sparql_path(report: rdflib.Graph, path, prefixes: dict[str, str] | None = None) -> str:
    """A SHACL property path of ``report`` in SPARQL syntax; IRIs shortened with ``prefixes``.

    >>> r = rdflib.Graph(); p = rdflib.BNode()
    >>> r.add((p, SH.inversePath, AKG.leader))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> sparql_path(r, p, {"akg": str(AKG)})
    '^akg:leader'
    """

    def name(iri) -> str:
        text = str(iri)
        for prefix, namespace in (prefixes or {}).items():
            if text.startswith(namespace) and text[len(namespace) :].replace("-", "").replace("_", "").isalnum():
                return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"

    def path_text(node, nested: bool) -> str:
        if isinstance(node, rdflib.URIRef):
            return name(node)
        for key, mark in (
            (SH.inversePath, "^"),
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = report.value(node, key)
            if inner is not None:
                text = path_text(inner, True)
                return mark + text if mark == "^" else text + mark
        alternatives = report.value(node, SH.alternativePath)
        if alternatives is not None:
            text = "|".join(path_text(item, True) for item in rdflib.collection.Collection(report, alternatives))
            return f"({text})" if nested else text
        items = list(rdflib.collection.Collection(report, node)) if report.value(node, RDF.first) is not None else []
        if items:
            text = "/".join(path_text(item, True) for item in items)
            return f"({text})" if nested else text
        return str(node)

    return path_text(path, False)
