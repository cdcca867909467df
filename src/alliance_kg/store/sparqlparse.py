"""What a client's query or update reads, calls and changes, from a real parse (rdflib's SPARQL
1.1 parser): the endpoints it calls (``SERVICE``), the documents it loads (``LOAD``), the graphs
it names (``FROM``, ``FROM NAMED``, ``USING``, ``USING NAMED``, ``WITH``), and the operations
that empty graphs wholesale (``DROP ALL``, ``CLEAR DEFAULT``...).

These readings decide the service's answers: a clear 400 for a ``SERVICE`` that is not
allowed, a ``LOAD``, or a graph the store lacks; an admin token for a destructive update. They
are not what keeps the service from calling out: the processes that run queries and updates
cannot open a connection (:mod:`alliance_kg.store.confine`), so a text that this parser reads
differently from Oxigraph's still reaches nothing.

They run in those confined processes too, never in the service itself: rdflib's parser is
pure Python and slow (tens of milliseconds for a small query), and recursive. So

* a text is first checked for nesting (:func:`check_nesting`, at most :data:`MAX_NESTING`
  brackets deep), before any parser sees it;
* a text that does not mention a keyword a reading looks for (``service``, ``from``, ``load``...,
  in any case, or a ``\\u`` escape that could spell one) needs no parse: nothing can be found;
* a text longer than :data:`MAX_PARSED_CHARS` is not parsed (it would take seconds): its reading
  is unknown (``None``), and the callers fall back on what holds without one;
* readings are kept per text, in each process.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urljoin

from ..errors import TooDeeplyNested

#: The deepest nesting of brackets (``{``, ``(``, ``[``) a query or update may have. Brackets in
#: strings count too, so the measure never falls short; real queries nest a few levels.
MAX_NESTING = 256
#: The longest text that is parsed to read it (characters): rdflib parses about 40,000 a second.
MAX_PARSED_CHARS = 65_536
#: Python frames the parser may use: rdflib's parser recurses about 25 frames per bracket.
_RECURSION_LIMIT = 30_000

_BRACKETS = re.compile(r"[{}()\[\]]")
_OPENING = frozenset("{([")
T = TypeVar("T")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def nesting_depth(text: str) -> int:
    """How deeply ``text`` nests brackets (counted everywhere, strings included).

    >>> nesting_depth("SELECT * WHERE { { FILTER((1)) } }")
    4
    """
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_nesting(text: str, what: str = "the query") -> None:
    """Refuse ``text`` if it nests brackets deeper than :data:`MAX_NESTING`.

    >>> check_nesting("{" * 300)
    Traceback (most recent call last):
    ...
    alliance_kg.errors.TooDeeplyNested: the query nests brackets 300 deep; the limit is 256 ...
    """
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise TooDeeplyNested(
            f"{what} nests brackets {depth} deep; the limit is {MAX_NESTING}",
            hint="flatten the groups ({ }), expressions (( )) or blank nodes ([ ]); brackets inside strings count too",
        )


@dataclass(frozen=True)
class Reference:
    """A graph, an endpoint or a document a text names after ``keyword`` (``FROM``, ``FROM
    NAMED``, ``USING``, ``USING NAMED``, ``WITH``, ``SERVICE``, ``LOAD``): its IRI resolved
    against the prologue and the base, or ``None`` when a variable holds it."""

    keyword: str
    iri: str | None
    silent: bool = False

    @property
    def written(self) -> str:
        return f"<{self.iri}>" if self.iri is not None else "a variable"


@dataclass(frozen=True)
class Reading:
    """What a query or an update names: ``services`` called, ``graphs`` read (``FROM``,
    ``USING``, ``WITH``...), ``loads`` fetched, and ``destructive`` operations (``DROP ALL``,
    ``CLEAR DEFAULT``, ``DROP NAMED``...)."""

    services: tuple[Reference, ...] = ()
    graphs: tuple[Reference, ...] = ()
    loads: tuple[Reference, ...] = ()
    destructive: tuple[str, ...] = ()
    operations: tuple[str, ...] = field(default=(), compare=False)

    @property
    def reads_from(self) -> bool:
        """Whether the query has its own dataset (``FROM`` or ``FROM NAMED``)."""
        return any(r.keyword.startswith("FROM") for r in self.graphs)


NOTHING = Reading()

_QUERY_WORDS = ("service", "from")
_UPDATE_WORDS = ("service", "using", "with", "load", "drop", "clear")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` could hold one of ``words`` as a keyword: it holds the letters (in any
    case), or a codepoint escape that could spell them.

    >>> _mentions("ASK { ?s ?p ?o }", _QUERY_WORDS), _mentions("ask FROM <g> {}", _QUERY_WORDS)
    (False, True)
    >>> _mentions(r"ASK { <a\\u0053> ?p ?o }", _QUERY_WORDS)
    True
    """
    lowered = text.lower()
    return "\\u" in lowered or any(word in lowered for word in words)


def could_name_graphs(text: str) -> bool:
    """Whether the query ``text`` could read a named graph (it could say ``GRAPH``): when it
    cannot, its dataset need not list the named graphs.

    >>> could_name_graphs("SELECT * { ?s ?p ?o }"), could_name_graphs("SELECT * { graph ?g { ?s ?p ?o } }")
    (False, True)
    """
    return _mentions(text, ("graph",))


def read_query(text: str, base_iri: str | None = None) -> Reading | None:
    """What the query ``text`` calls and reads; ``None`` when rdflib cannot tell (it does not
    parse, or it is too long to parse quickly).

    >>> [(r.keyword, r.iri) for r in read_query(
    ...     "PREFIX g: <https://example.org/g/> SELECT * FROM g:a FROM NAMED <b> { ?s ?p ?o .SERVICE ?e { } }",
    ...     "http://localhost/sparql").graphs]
    [('FROM', 'https://example.org/g/a'), ('FROM NAMED', 'http://localhost/b')]
    >>> read_query("SELECT ?a { BIND(1 AS ?x) .SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }").services
    (Reference(keyword='SERVICE', iri='http://127.0.0.1:1/', silent=False),)
    >>> read_query("ASK { ?s ?p ?o }") is NOTHING, read_query("SELECT * FROM { ?s") is None
    (True, True)
    """
    if not _mentions(text, _QUERY_WORDS):
        return NOTHING
    return _read(text, base_iri, update=False)


def read_update(text: str, base_iri: str | None = None) -> Reading | None:
    """What the update ``text`` calls, loads, reads and empties; ``None`` when rdflib cannot tell.

    >>> reading = read_update("INSERT DATA { <urn:a\\\\u0041'> <p:p> 1 } ; LOAD <http://127.0.0.1:1/x> ; DROP ALL")
    >>> [r.iri for r in reading.loads], reading.destructive, reading.operations
    (['http://127.0.0.1:1/x'], ('DROP ALL',), ('INSERT DATA', 'LOAD', 'DROP'))
    >>> read_update("INSERT DATA { <urn:a> <urn:b> 1 }") is NOTHING
    True
    """
    if not _mentions(text, _UPDATE_WORDS):
        return NOTHING
    return _read(text, base_iri, update=True)


#: A pattern of quads an update can change: subject, predicate, object (``None``: any) and graph
#: (an IRI, or ``None`` for the default graph).
Pattern = tuple[str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Footprint:
    """What an update can change (``patterns``) and every graph IRI it names (``graphs``)."""

    patterns: tuple[Pattern, ...]
    graphs: frozenset[str]


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

    operations = _parsed(lambda: algebra.translateUpdate(parser.parseUpdate(text), base=base_iri).algebra)
    if operations is None:
        return None
    patterns: list[Pattern] = []
    graphs: set[str] = set()
    for operation in operations:
        found = _operation_footprint(operation, graphs)
        if found is None:
            return None
        patterns.extend(found)
    return Footprint(tuple(dict.fromkeys(patterns)), frozenset(graphs))


def _operation_footprint(operation, graphs: set[str]) -> list[Pattern] | None:
    """The patterns of one operation of rdflib's algebra, or ``None`` (see :func:`update_footprint`)."""
    from rdflib.term import URIRef, Variable

    def graph(term) -> str | None:
        if term == "DEFAULT":
            return None
        if isinstance(term, URIRef) and _ABSOLUTE.match(term):
            graphs.add(str(term))
            return str(term)
        raise LookupError(term)  # a variable, ALL, NAMED, a relative IRI: not known here

    def templates(*clauses) -> list[Pattern]:
        found: list[Pattern] = []
        for clause in clauses:
            if clause is None:
                continue
            blocks: list[tuple[str | None, list]] = [(None, _field(clause, "triples") or [])]
            blocks += [(graph(g), ts) for g, ts in (_field(clause, "quads") or {}).items()]
            for name, triples in blocks:
                for triple in triples:
                    s, p, o = (str(t) if isinstance(t, URIRef) and _ABSOLUTE.match(t) else None for t in triple)
                    found.append((s, p, o, name))
        return found

    name = getattr(operation, "name", "")
    try:
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            return templates(operation)
        if name == "Modify":
            if _field(operation, "withClause") is not None or _field(operation, "using"):
                return None
            for node in _nodes(_field(operation, "where")):  # GRAPH in the pattern, in EXISTS too
                if getattr(node, "name", None) in ("Graph", "GraphGraphPattern"):
                    if isinstance(node["term"], Variable):
                        return None
                    graph(node["term"])
            return templates(_field(operation, "delete"), _field(operation, "insert"))
        if name in ("Clear", "Drop"):
            return [(None, None, None, graph(operation["graphiri"]))]
        if name in ("Add", "Move", "Copy"):
            return [(None, None, None, graph(g)) for g in operation["graph"]]
        if name == "Create":
            return []
    except LookupError:
        return None
    return None  # LOAD, or what rdflib may add


@functools.cache
def prepare() -> None:
    """Import rdflib's SPARQL parser (about half a second) in this process, and read one update
    with it (the first reading sets up pyparsing, about 15 ms): the service does it once before
    it forks query processes, so that none of them pays for it."""
    from rdflib.plugins.sparql import algebra, parser

    _parsed(
        lambda: algebra.translateUpdate(
            parser.parseUpdate(
                "PREFIX e: <urn:e:> DELETE { GRAPH e:g { ?s e:p ?o } } INSERT { ?s e:p 1 } WHERE { ?s e:p ?o }"
            )
        )
    )


@functools.lru_cache(maxsize=512)
def _read(text: str, base_iri: str | None, *, update: bool) -> Reading | None:
    if len(text) > MAX_PARSED_CHARS:
        return None
    from rdflib.plugins.sparql import algebra, parser  # imported by prepare() where it matters

    def walk() -> Reading:
        if update:
            request = parser.parseUpdate(text)
            pairs = list(zip(request.prologue, request.request, strict=False))
        else:
            query = parser.parseQuery(text)
            pairs = [(query[0], query[1])]
        found = _Found()
        prologue = None
        for declarations, operation in pairs:
            prologue = algebra.translatePrologue(declarations, base_iri, None, prologue)
            found.operation(operation, prologue)
        return found.reading()

    return _parsed(walk)


def _parsed(read: Callable[[], T]) -> T | None:
    """``read()``, a walk over rdflib's parse, with room for its recursion; ``None`` when rdflib
    cannot read the text (or recurses past even that)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
    try:
        return read()
    except RecursionError:
        return None
    except Exception:  # noqa: BLE001 - pyparsing's ParseException and rdflib's errors: it cannot tell
        return None
    finally:
        sys.setrecursionlimit(limit)


class _Found:
    """What the walk over a parse tree has found so far."""

    _KEYWORDS = {
        "InsertData": "INSERT DATA",
        "DeleteData": "DELETE DATA",
        "DeleteWhere": "DELETE WHERE",
        "Modify": "DELETE/INSERT",
    }

    def __init__(self) -> None:
        self.services: list[Reference] = []
        self.graphs: list[Reference] = []
        self.loads: list[Reference] = []
        self.destructive: list[str] = []
        self.operations: list[str] = []

    def reading(self) -> Reading:
        return Reading(
            tuple(self.services), tuple(self.graphs), tuple(self.loads), tuple(self.destructive), tuple(self.operations)
        )

    def operation(self, node, prologue) -> None:
        name = getattr(node, "name", "")
        keyword = self._KEYWORDS.get(name, name.upper())
        if name.endswith("Query"):
            for clause in _field(node, "datasetClause") or ():
                for key, word in (("default", "FROM"), ("named", "FROM NAMED")):
                    if _field(clause, key) is not None:
                        self.graphs.append(Reference(word, _iri(prologue, clause[key])))
        else:
            self.operations.append(keyword)
        silent = bool(_field(node, "silent"))
        if name == "Load":
            self.loads.append(Reference("LOAD", _iri(prologue, node["iri"]), silent))
        elif name in ("Drop", "Clear"):
            target = _field(node, "graphiri")
            if isinstance(target, str) and target.upper() in ("ALL", "DEFAULT", "NAMED"):
                self.destructive.append(f"{keyword} {target.upper()}")
        elif name == "Modify":
            if _field(node, "withClause") is not None:
                self.graphs.append(Reference("WITH", _iri(prologue, node["withClause"])))
            for clause in _field(node, "using") or ():
                for key, word in (("default", "USING"), ("named", "USING NAMED")):
                    if _field(clause, key) is not None:
                        self.graphs.append(Reference(word, _iri(prologue, clause[key])))
        for service in _services(node):
            self.services.append(Reference("SERVICE", _iri(prologue, service["term"]), bool(_field(service, "silent"))))


def _field(node, key: str):
    """``node[key]``, or None when the parse tree has no such field (rdflib's ``CompValue.get``
    answers the key itself for a missing one)."""
    return node[key] if key in node else None


def _services(node) -> Iterator:
    """The ``SERVICE`` patterns anywhere under ``node``."""
    return (item for item in _nodes(node) if getattr(item, "name", None) == "ServiceGraphPattern")


def _nodes(node) -> Iterator:
    """``node`` and everything under it in a parse tree (a walk with its own stack)."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) and not isinstance(item, str):
            stack.extend(item)


def _iri(prologue, term) -> str | None:
    """``term`` (an IRI, a prefixed name, or a variable) as an absolute IRI, or None for a variable."""
    from rdflib.term import URIRef, Variable

    if isinstance(term, Variable):
        return None
    value = str(prologue.absolutize(term))
    if isinstance(term, URIRef) and prologue.base and not _ABSOLUTE.match(value):
        value = urljoin(prologue.base, value)
    return value
