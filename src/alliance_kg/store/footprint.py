"""What an update can change and read, from its text alone (rdflib's parse): its *footprint*, the
quad patterns of its templates, its data and the graphs it names. An update whose footprint is
known costs what its change costs: the embedded store compares only the quads it matches
(:mod:`.updates`), a remote store fetches only those (:mod:`.remote`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .sparqlparse import ABSOLUTE_IRI, MAX_PARSED_CHARS, field_of, parsed, walk

#: A pattern of quads an update can change: subject, predicate, object (``None``: any) and graph
#: (an IRI, or ``None`` for the default graph).
Pattern = tuple[str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Footprint:
    """What an update can change (``patterns``), every graph IRI it names (``graphs``), and the
    patterns of every quad it can read or change (``reads``: ``None`` when its ``WHERE`` reads
    more than triple patterns can say, e.g. through ``EXISTS``)."""

    patterns: tuple[Pattern, ...]
    graphs: frozenset[str]
    reads: tuple[Pattern, ...] | None = None


def update_footprint(text: str, base_iri: str | None = None) -> Footprint | None:
    """The quad patterns that hold every quad ``update`` can remove or add, read from its
    templates, its data and the graphs it clears, drops, adds, moves or copies; ``None`` when
    they cannot be known that way. Each pattern names its graph: an update is read only when
    every graph it names, in its templates and its ``WHERE``, is an IRI or ``DEFAULT``; one with
    ``GRAPH ?g``, ``WITH``, ``USING``, ``LOAD``, ``ALL`` or ``NAMED`` is not, nor one rdflib
    cannot read. Terms that a template builds (variables, blank nodes) and literals (whose forms
    the two parsers may write differently) match anything. What the update changes is then
    worked out on the quads these patterns match (:mod:`.updates`), not on a copy of the graph.

    >>> found = update_footprint("PREFIX e: <http://e/> DELETE { GRAPH e:g { ?a e:leader ?o } } "
    ...                          "INSERT { ?a e:leader e:N } WHERE { GRAPH e:h { ?a e:leader ?o } }")
    >>> found.patterns, sorted(found.graphs)
    (((None, 'http://e/leader', None, 'http://e/g'), (None, 'http://e/leader', 'http://e/N', None)), ['http://e/g', 'http://e/h'])
    >>> update_footprint("INSERT DATA { <urn:a> <urn:b> 1 } ; CLEAR GRAPH <urn:g>").patterns
    (('urn:a', 'urn:b', None, None), (None, None, None, 'urn:g'))
    >>> update_footprint("DELETE WHERE { GRAPH ?g { ?s ?p 1 } }"), update_footprint("CLEAR ALL")
    (None, None)
    """
    return _footprint(text, base_iri)


@functools.lru_cache(maxsize=256)
def _footprint(text: str, base_iri: str | None) -> Footprint | None:
    if len(text) > MAX_PARSED_CHARS:
        return None
    from rdflib.plugins.sparql import algebra, parser

    operations = parsed(lambda: algebra.translateUpdate(parser.parseUpdate(text), base=base_iri).algebra)
    if operations is None:
        return None
    patterns: list[Pattern] = []
    graphs: set[str] = set()
    reads: list[Pattern] | None = []
    for operation in operations:
        found = _operation_footprint(operation, graphs)
        if found is None:
            return None
        patterns.extend(found)
        where = _where_patterns(field_of(operation, "where")) if operation.name == "Modify" else []
        reads = None if reads is None or where is None else [*reads, *found, *where]
    return Footprint(
        tuple(dict.fromkeys(patterns)), frozenset(graphs), None if reads is None else tuple(dict.fromkeys(reads))
    )


def _where_patterns(where) -> list[Pattern] | None:
    """The triple patterns of a ``WHERE`` (rdflib's algebra), each with the graph it reads (an
    IRI, or ``None`` for the default graph); a term that is not an IRI matches anything (a
    property path's predicate too). ``None`` for a pattern read otherwise (``EXISTS``, whose
    pattern rdflib leaves untranslated)."""
    from rdflib.term import URIRef

    found: list[Pattern] = []
    stack: list[tuple[Any, str | None]] = [(where, None)]
    while stack:
        node, graph = stack.pop()
        name = getattr(node, "name", None)
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS", "ServiceGraphPattern"):
            return None
        if name == "Graph":
            graph = str(node["term"])  # a variable graph is refused before
        if name == "BGP":
            for triple in node["triples"]:
                s, p, o = (str(t) if isinstance(t, URIRef) and ABSOLUTE_IRI.match(t) else None for t in triple)
                found.append((s, p, o, graph))
        if isinstance(node, dict):
            stack.extend((child, graph) for child in node.values())
        elif isinstance(node, (list, tuple)) and not isinstance(node, str):
            stack.extend((child, graph) for child in node)
    return found


def _operation_footprint(operation, graphs: set[str]) -> list[Pattern] | None:
    """The patterns of one operation of rdflib's algebra, or ``None`` (see :func:`update_footprint`)."""
    from rdflib.term import URIRef, Variable

    def graph(term) -> str | None:
        if term == "DEFAULT":
            return None
        if isinstance(term, URIRef) and ABSOLUTE_IRI.match(term):
            graphs.add(str(term))
            return str(term)
        raise LookupError(term)  # a variable, ALL, NAMED, a relative IRI: not known here

    def templates(*clauses) -> list[Pattern]:
        found: list[Pattern] = []
        for clause in clauses:
            if clause is None:
                continue
            blocks: list[tuple[str | None, list]] = [(None, field_of(clause, "triples") or [])]
            blocks += [(graph(g), ts) for g, ts in (field_of(clause, "quads") or {}).items()]
            for name, triples in blocks:
                for triple in triples:
                    s, p, o = (str(t) if isinstance(t, URIRef) and ABSOLUTE_IRI.match(t) else None for t in triple)
                    found.append((s, p, o, name))
        return found

    name = getattr(operation, "name", "")
    try:
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            return templates(operation)
        if name == "Modify":
            if field_of(operation, "withClause") is not None or field_of(operation, "using"):
                return None
            for node in walk(field_of(operation, "where")):  # GRAPH in the pattern, in EXISTS too
                if getattr(node, "name", None) in ("Graph", "GraphGraphPattern"):
                    if isinstance(node["term"], Variable):
                        return None
                    graph(node["term"])
            return templates(field_of(operation, "delete"), field_of(operation, "insert"))
        if name in ("Clear", "Drop"):
            return [(None, None, None, graph(operation["graphiri"]))]
        if name in ("Add", "Move", "Copy"):
            return [(None, None, None, graph(g)) for g in operation["graph"]]
        if name == "Create":
            return []
    except LookupError:
        return None
    return None  # LOAD, or what rdflib may add
