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
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urljoin

from ..errors import TooDeeplyNested
from .sparqltext import words as bare_words

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
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


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


def _mentions_as_words(text: str, words: tuple[str, ...]) -> bool:
    """Whether a word of ``text`` outside variables, IRIs, strings and comments holds one of
    ``words`` (in any case), or the text has a backslash (an escape could spell them).

    >>> _mentions_as_words("SELECT ?from { ?from <urn:from> 'from' } # from", _QUERY_WORDS)
    False
    >>> [_mentions_as_words(t, _QUERY_WORDS) for t in ("ASK FROM <g> {}", "ASK { ?s ?p ex:.service }", r"ASK {<\\u>}")]
    [True, True, True]
    """
    if "\\" in text:
        return True
    upper = tuple(w.upper() for w in words)
    return any(w in bare for word in bare_words(text) if (bare := _outside_names(word)) for w in upper)


def _outside_names(word: str) -> str:
    """The parts of a lexer's word that could be keywords, upper-cased: all of a keyword or a
    number; of ``p:local``, the prefix (Oxigraph reads ``SERVICE:x`` as ``SERVICE :x``) and what
    follows a local part a name cannot start with (``ex:.SERVICE`` is ``ex:``, a dot, ``SERVICE``).

    >>> _outside_names("akg:validFrom"), _outside_names("ex:.service"), _outside_names("service:x")
    ('AKG', 'EX SERVICE', 'SERVICE')
    """
    if ":" not in word:
        return word.upper()
    prefix, local = word.split(":", 1)
    rest = local.lstrip(".-") if local[:1] in (".", "-") else ""
    return f"{prefix} {rest}".strip().upper()


def could_name_graphs(text: str) -> bool:
    """Whether the query ``text`` could read a named graph (it could say ``GRAPH``): when it
    cannot, its dataset need not list the named graphs.

    >>> could_name_graphs("SELECT * { ?s ?p ?o }"), could_name_graphs("SELECT * { graph ?g { ?s ?p ?o } }")
    (False, True)
    """
    return _mentions(text, ("graph",))


def read_query(text: str, base_iri: str | None = None, *, confined: bool = False) -> Reading | None:
    """What the query ``text`` calls and reads; ``None`` when rdflib cannot tell (it does not
    parse, or it is too long to parse quickly).

    The text is parsed only when it could name a service or a graph: when it holds the letters
    of ``SERVICE`` or ``FROM`` (in any case, or escaped). In a process kept from the network
    (``confined``), letters inside a variable, an IRI, a string or a comment do not count
    (``?from`` is common): the lexer of :mod:`.sparqltext` decides, and should it ever misread
    a text, the process still cannot call out.

    >>> [(r.keyword, r.iri) for r in read_query(
    ...     "PREFIX g: <https://example.org/g/> SELECT * FROM g:a FROM NAMED <b> { ?s ?p ?o .SERVICE ?e { } }",
    ...     "http://localhost/sparql").graphs]
    [('FROM', 'https://example.org/g/a'), ('FROM NAMED', 'http://localhost/b')]
    >>> read_query("SELECT ?a { BIND(1 AS ?x) .SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }").services
    (Reference(keyword='SERVICE', iri='http://127.0.0.1:1/', silent=False),)
    >>> read_query("ASK { ?s ?p ?o }") is NOTHING, read_query("SELECT * FROM { ?s") is None
    (True, True)
    """
    if not _mentions(text, _QUERY_WORDS) or (confined and not _mentions_as_words(text, _QUERY_WORDS)):
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


@functools.cache
def prepare() -> None:
    """Import rdflib's SPARQL parser (about half a second) in this process, and read one update
    with it (the first reading sets up pyparsing, about 15 ms): the service does it once before
    it forks query processes, so that none of them pays for it."""
    from rdflib.plugins.sparql import algebra, parser

    parsed(
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

    return parsed(walk)


#: One parse at a time in a process: pyparsing's parsers (rdflib's SPARQL grammar) keep state while
#: they parse, and two threads parsing at once fail in ways that have nothing to do with the text
#: (a TypeError from a parse action, seen under the load test); the recursion limit is one too.
_PARSING = threading.RLock()


def _new_lock_in_child() -> None:
    """A forked process (a query process) gets a lock of its own: one another thread held at the
    fork would stay held in the child for good."""
    global _PARSING
    _PARSING = threading.RLock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def parsed(read: Callable[[], T]) -> T | None:
    """``read()``, a walk over rdflib's parse, with room for its recursion, one thread at a time;
    ``None`` when rdflib cannot read the text (or recurses past even that)."""
    with _PARSING:
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
            for clause in field_of(node, "datasetClause") or ():
                for key, word in (("default", "FROM"), ("named", "FROM NAMED")):
                    if field_of(clause, key) is not None:
                        self.graphs.append(Reference(word, _iri(prologue, clause[key])))
        else:
            self.operations.append(keyword)
        silent = bool(field_of(node, "silent"))
        if name == "Load":
            self.loads.append(Reference("LOAD", _iri(prologue, node["iri"]), silent))
        elif name in ("Drop", "Clear"):
            target = field_of(node, "graphiri")
            if isinstance(target, str) and target.upper() in ("ALL", "DEFAULT", "NAMED"):
                self.destructive.append(f"{keyword} {target.upper()}")
        elif name == "Modify":
            if field_of(node, "withClause") is not None:
                self.graphs.append(Reference("WITH", _iri(prologue, node["withClause"])))
            for clause in field_of(node, "using") or ():
                for key, word in (("default", "USING"), ("named", "USING NAMED")):
                    if field_of(clause, key) is not None:
                        self.graphs.append(Reference(word, _iri(prologue, clause[key])))
        for service in _services(node):
            self.services.append(
                Reference("SERVICE", _iri(prologue, service["term"]), bool(field_of(service, "silent")))
            )


def field_of(node, key: str):
    """``node[key]``, or None when the parse tree has no such field (rdflib's ``CompValue.get``
    answers the key itself for a missing one)."""
    return node[key] if key in node else None


def _services(node) -> Iterator:
    """The ``SERVICE`` patterns anywhere under ``node``."""
    return (item for item in walk(node) if getattr(item, "name", None) == "ServiceGraphPattern")


def walk(node) -> Iterator:
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
    if isinstance(term, URIRef) and prologue.base and not ABSOLUTE_IRI.match(value):
        value = urljoin(prologue.base, value)
    return value
