"""Validation reports read and compared as the W3C SHACL test suite says.

The suite passes a test when the engine's report is isomorphic to the expected one
(``mf:result``), leaving out what implementations may word or add as they like. Here a report
is read as its ``sh:conforms`` and the *multiset* of its results, each result the tuple the
suite's reports state (:data:`FIELDS`): focus node, path, value, source constraint component,
source shape, severity. Left out: ``sh:resultMessage`` (each engine words its own),
``sh:sourceConstraint`` and ``sh:detail`` (optional in SHACL; the suite states them on a few
tests only). Two reports match when ``sh:conforms`` is the same and so is every result, each as
often: graph isomorphism, restricted to these fields.

Terms: IRIs as they are; literals by their lexical form, datatype and language (lower-cased),
a simple literal being an ``xsd:string``, as in RDF 1.1. The suite's files are read with
their literals as written (:class:`.manifest.Files`), so an engine that rewrites a value (Oxigraph
stores ``"300"^^xsd:byte`` as ``"300"^^xsd:integer``) reports another term. **Blank nodes** cannot be compared by
label: an engine that copies the data or re-reads the shapes gives them other labels. A blank
node is read as its description instead: the triples reachable from it through blank nodes
(its Concise Bounded Description) in the graph it belongs to, put in canonical form (rdflib's
canonicalisation, with the node marked) and hashed. A blank focus node or value is described
in the data graph, a blank source shape (a property shape written ``sh:property [ ... ]``) in
the shapes graph. Two blank nodes with the same description match; that is isomorphism of what
the result points at, and no engine can do better, since such nodes are told apart by nothing
else. A path is read as its SPARQL property path (``sh:inversePath`` as ``^``, lists as
sequences...), wherever its triples are: the report graph or the shapes graph.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_canonical_graph
from rdflib.namespace import SH
from rdflib.term import Node

#: The fields of a result that are compared, in the order of :data:`Result`.
FIELDS = ("focus", "path", "value", "component", "shape", "severity")
#: One result: each field as text (:func:`term_key`, :func:`path_key`), "-" when absent.
Result = tuple[str, str, str, str, str, str]
SHORT = {str(SH): "sh:", str(XSD): "xsd:"}
ROOT_MARK = URIRef("urn:x-conformance:described-node")
PATH_OPERATORS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


@dataclass(frozen=True)
class Report:
    """What a report says that the suite compares: ``conforms`` and its results (a multiset)."""

    conforms: bool | None
    results: Counter


def short(iri: str) -> str:
    """An IRI as text: ``<iri>``, or ``sh:``/``xsd:`` names for SHACL's and XSD's.

    >>> short("http://www.w3.org/ns/shacl#Violation"), short("http://e/x")
    ('sh:Violation', '<http://e/x>')
    """
    for namespace, prefix in SHORT.items():
        if iri.startswith(namespace) and iri[len(namespace) :].isidentifier():
            return prefix + iri[len(namespace) :]
    return f"<{iri}>"


def term_key(term: Node | None, graph: Graph | None = None) -> str:
    """A term as compared: IRIs and literals as written (N-Triples-like), a blank node by its
    description in ``graph`` (:func:`describe`), "-" for no term.

    >>> term_key(Literal("a")) == term_key(Literal("a", datatype=XSD.string))
    True
    >>> term_key(Literal("Chat", lang="FR")), term_key(Literal("01", datatype=XSD.integer, normalize=False))
    ('"Chat"@fr', '"01"^^xsd:integer')
    >>> term_key(URIRef("http://e/x")), term_key(None)
    ('<http://e/x>', '-')
    """
    if term is None:
        return "-"
    if isinstance(term, URIRef):
        return short(str(term))
    if isinstance(term, Literal):
        text = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language.lower()}"
        return f"{text}^^{short(str(term.datatype or XSD.string))}"
    if isinstance(term, BNode):
        return describe(term, graph)
    return str(term)


def closure(node: Node, graph: Graph) -> Graph:
    """The triples reachable from ``node`` through blank nodes: its Concise Bounded Description
    (without reification)."""
    found = Graph()
    todo, seen = [node], {node}
    while todo:
        for s, p, o in graph.triples((todo.pop(), None, None)):
            found.add((s, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return found


def describe(node: BNode, graph: Graph | None) -> str:
    """A blank node as compared: ``_:`` and a hash of its description in ``graph`` in canonical
    form; the same for two nodes that only their labels tell apart.

    >>> g = Graph().parse(data="@prefix e: <http://e/> . e:s e:p [ e:q 1 ], [ e:q 1 ], [ e:q 2 ] .", format="turtle")
    >>> keys = Counter(describe(o, g) for o in g.objects(predicate=URIRef("http://e/p")))
    >>> sorted(keys.values()), all(k.startswith("_:") for k in keys)
    ([1, 2], True)
    """
    description = closure(node, graph) if graph is not None else Graph()
    description.add((node, ROOT_MARK, ROOT_MARK))
    canonical = sorted(line for line in to_canonical_graph(description).serialize(format="nt").splitlines() if line)
    digest = hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:12]
    return f"_:{digest}" + ("" if len(description) > 1 else " (undescribed)")


def path_key(path: Node | None, graphs: Iterable[Graph]) -> str:
    """A ``sh:resultPath`` as a SPARQL property path, read from the first of ``graphs`` that
    describes its blank nodes (the report's graph, then the shapes graph).

    >>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix e: <http://e/> .
    ...   e:r sh:resultPath ( e:a [ sh:inversePath e:b ] [ sh:zeroOrMorePath [ sh:alternativePath ( e:c e:d ) ] ] ) .''')
    >>> path_key(g.value(URIRef("http://e/r"), SH.resultPath), [g])
    '(<http://e/a>/^<http://e/b>/((<http://e/c>|<http://e/d>))*)'
    """
    if path is None:
        return "-"
    if not isinstance(path, BNode):
        return term_key(path)
    graphs = list(graphs)
    graph = next((g for g in graphs if (path, None, None) in g), None)
    if graph is None:
        return describe(path, None)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_key(inverse, graphs)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_key(p, graphs) for p in Collection(graph, alternatives)) + ")"
    for predicate, operator in PATH_OPERATORS.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({path_key(inner, graphs)}){operator}"
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(path_key(p, graphs) for p in Collection(graph, path)) + ")"
    return describe(path, graph)


def read_report(
    graph: Graph, node: Node | None = None, *, data: Graph, shapes: Graph, conforms: bool | None = None
) -> Report:
    """The report ``node`` of ``graph`` (default: its one ``sh:ValidationReport``), as compared.
    Blank focus nodes and values are described in ``data``, blank shapes in ``shapes``.
    ``conforms``: what the engine answered, if it answers it apart from the graph."""
    if node is None:
        node = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None)
        if node is None:
            raise ValueError("the report graph holds no sh:ValidationReport")
    stated = graph.value(node, SH.conforms)
    if conforms is None and isinstance(stated, Literal):
        conforms = bool(stated.toPython())
    results: Counter = Counter()
    for result in graph.objects(node, SH.result):
        results[read_result(graph, result, data=data, shapes=shapes)] += 1
    return Report(conforms, results)


def read_result(graph: Graph, result: Node, *, data: Graph, shapes: Graph) -> Result:
    """One ``sh:ValidationResult`` of ``graph`` as the tuple of :data:`FIELDS`."""
    value = graph.value
    return (
        term_key(value(result, SH.focusNode), data),
        path_key(value(result, SH.resultPath), [graph, shapes]),
        term_key(value(result, SH.value), data),
        term_key(value(result, SH.sourceConstraintComponent)),
        term_key(value(result, SH.sourceShape), shapes),
        term_key(value(result, SH.resultSeverity)),
    )


def show(result: Result) -> str:
    """A result as one line of a failure's reason.

    >>> show(("<http://e/a>", "-", "<http://e/a>", "sh:ClassConstraintComponent", "<http://e/S>", "sh:Violation"))
    'focus <http://e/a>, value <http://e/a>, sh:ClassConstraintComponent, shape <http://e/S>, sh:Violation'
    """
    parts = []
    for field, text in zip(FIELDS, result, strict=True):
        if text == "-":
            continue
        parts.append(text if field in ("component", "severity") else f"{field} {text}")
    return ", ".join(parts)


def difference(expected: Report, actual: Report, limit: int = 3) -> str:
    """Why ``actual`` does not match ``expected``, or "" when it does: ``sh:conforms``, then the
    results missing and the results not expected (``limit`` of each shown, with their number).

    >>> a = ("<http://e/a>", "-", "-", "sh:MinCountConstraintComponent", "<http://e/S>", "sh:Violation")
    >>> difference(Report(False, Counter([a])), Report(False, Counter([a])))
    ''
    >>> print(difference(Report(False, Counter([a])), Report(True, Counter())))
    conforms: expected false, got true; 1 result missing: focus <http://e/a>, sh:MinCountConstraintComponent, shape <http://e/S>, sh:Violation
    """
    parts = []
    if expected.conforms != actual.conforms:
        parts.append(f"conforms: expected {_flag(expected.conforms)}, got {_flag(actual.conforms)}")
    for what, counts in (("missing", expected.results - actual.results), ("not expected", actual.results - expected.results)):
        listed = sorted(counts.elements())
        if listed:
            more = f" (and {len(listed) - limit} more)" if len(listed) > limit else ""
            noun = "result" if len(listed) == 1 else "results"
            parts.append(f"{len(listed)} {noun} {what}: " + "; ".join(show(r) for r in listed[:limit]) + more)
    return "; ".join(parts)


def _flag(conforms: bool | None) -> str:
    return "none" if conforms is None else str(conforms).lower()
