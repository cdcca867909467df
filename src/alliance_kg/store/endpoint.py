"""Clients' SPARQL queries, answered in query processes: what the SPARQL 1.1 Protocol endpoint
asks of the store, and how the embedded store answers it.

The web layer reads the HTTP request into a :class:`ProtocolQuery` (the query, its dataset, the
representations the client accepts for each kind of result); a :class:`QueryRunner` answers it
with the bytes to send and what they are. For the embedded store, the runner is a pool of
confined query processes (:mod:`.processes`): :func:`answer_in_process` runs in one of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from ..errors import (
    AllianceKGError,
    FederationDisabled,
    NeedsNetwork,
    NotAcceptable,
    QueryEvaluationError,
    UnknownGraph,
    query_syntax_error,
)
from .formats import serialize_graph
from .names import CHANGES_GRAPH
from .pool import WorkerPool
from .processes import confinement
from .results import capped_solutions, capped_triples
from .sparqlparse import NOTHING, Reading, Reference, check_nesting, could_name_graphs, prepare, read_query
from .sparqltext import keyword_count, keywords

#: The shortest time a query may be given: less than the cost of starting its process.
MIN_TIMEOUT = 0.1


@dataclass(frozen=True)
class Choice:
    """The representation the client accepts for one kind of result: the ``extension`` of the
    Oxigraph format (``srj``, ``ttl``...) and the ``content_type`` to send; or, when it accepts
    none, the 406 ``unacceptable`` message (``{what}`` stands for the kind of query)."""

    extension: str | None = None
    content_type: str | None = None
    unacceptable: str | None = None
    hint: str | None = None

    def pick(self, what: str) -> tuple[str, str]:
        """``(extension, content_type)``, or the 406 for a query of kind ``what``."""
        if self.unacceptable is not None:
            raise NotAcceptable(self.unacceptable.replace("{what}", what), hint=self.hint)
        return self.extension, self.content_type  # type: ignore[return-value]


@dataclass(frozen=True)
class ProtocolQuery:
    """A query as the SPARQL 1.1 Protocol gives it, with what its answer may be: the protocol
    dataset, the base IRI (the endpoint's URL), whether the default graph is the union of the
    graphs, the endpoints ``SERVICE`` may call, the row cap, and the representations accepted
    for solutions (SELECT, ASK) and for graphs (CONSTRUCT, DESCRIBE)."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None
    union: bool = True
    services: tuple[str, ...] = ()
    max_rows: int = 10_000
    solutions: Choice = Choice("srj", "application/sparql-results+json")
    graphs: Choice = Choice("ttl", "text/turtle; charset=utf-8")

    def to_dict(self) -> dict:
        """The query as plain data, for the pipe to a query process (``asdict``, which copies
        deeply, took a tenth of the service's time on a simple query)."""
        data = dict(self.__dict__)
        data["solutions"], data["graphs"] = dict(self.solutions.__dict__), dict(self.graphs.__dict__)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ProtocolQuery:
        fields = {**data, "solutions": Choice(**data["solutions"]), "graphs": Choice(**data["graphs"])}
        for name in ("default_graphs", "named_graphs", "services"):
            fields[name] = tuple(fields[name])
        return cls(**fields)


@dataclass(frozen=True)
class Answer:
    """An answer to send: its bytes, their content type, and whether the row cap cut them."""

    body: bytes
    content_type: str
    truncated: bool = False


class Runner(Protocol):
    """What answers clients' protocol queries, each within its time limit (the embedded store's
    :class:`QueryRunner`, a remote store's :class:`.remote.RemoteQueryRunner`)."""

    def answer(self, query: ProtocolQuery, *, timeout: float) -> Answer: ...

    def close(self) -> None: ...


class QueryRunner:
    """Answers protocol queries in the embedded store's query processes: confined ones, which
    cannot reach the network, and, when ``services`` allows endpoints, ones that can (for a
    query that calls only those)."""

    def __init__(
        self,
        store: ox.Store,
        snapshot: Callable[[], AbstractContextManager[int]],
        *,
        union_graph: ox.NamedNode | None = None,
        memory_bytes: int | None,
        federating: bool,
    ):
        def handler(request: dict) -> tuple[bytes, dict]:
            answer = answer_in_process(store, ProtocolQuery.from_dict(request), union_graph=union_graph)
            return answer.body, {"content_type": answer.content_type, "truncated": answer.truncated}

        self.confined = WorkerPool(handler, snapshot=snapshot, memory_bytes=memory_bytes)
        self.federating = (
            WorkerPool(handler, snapshot=snapshot, memory_bytes=memory_bytes, network=True) if federating else None
        )

    def answer(self, query: ProtocolQuery, *, timeout: float) -> Answer:
        """The answer to ``query`` within ``timeout`` seconds.

        :raises QueryTimeout, QueryMemoryLimit, QueryTooComplex: past a limit of its process.
        :raises AllianceKGError: the query's own error (syntax, a SERVICE refused...).
        """
        prepare()  # rdflib's parser, imported once in the service, so that no query process pays for it
        started = time.monotonic()
        try:
            body, about = self.confined.run(query.to_dict(), timeout=timeout)
        except NeedsNetwork:
            if self.federating is None:
                raise FederationDisabled("federated queries (SERVICE) are not enabled on this service") from None
            left = max(timeout - (time.monotonic() - started), MIN_TIMEOUT)
            body, about = self.federating.run(query.to_dict(), timeout=left)
        return Answer(body, about["content_type"], about["truncated"])

    def close(self) -> None:
        for pool in (self.confined, self.federating):
            if pool is not None:
                pool.close()


# --- in a query process ------------------------------------------------------------------------


def answer_in_process(store: ox.Store, query: ProtocolQuery, *, union_graph: ox.NamedNode | None = None) -> Answer:
    """Evaluate ``query`` on ``store`` and write its answer: in a query process, on the copy of
    the graph it was forked with (``union_graph``: see :func:`evaluate`)."""
    results, reading = evaluate(store, query, union_graph=union_graph)
    if isinstance(results, ox.QueryTriples):
        extension, content_type = query.graphs.pick("a CONSTRUCT or DESCRIBE query")
        fmt: ox.RdfFormat | ox.QueryResultsFormat | None = ox.RdfFormat.from_extension(extension)
    else:
        kind = "an ASK query" if isinstance(results, ox.QueryBoolean) else "a SELECT query"
        extension, content_type = query.solutions.pick(kind)
        fmt = ox.QueryResultsFormat.from_extension(extension)
    if fmt is None:  # the web layer only offers formats Oxigraph writes
        raise ValueError(f"no format for the extension {extension!r}")
    body, truncated = serialize(results, fmt, query.max_rows, reading)
    return Answer(body, content_type, truncated)


def evaluate(
    store: ox.Store, query: ProtocolQuery, *, union_graph: ox.NamedNode | None = None
) -> tuple[object, Reading | None]:
    """Parse ``query.query`` and start evaluating it on ``store``: the results (lazy), and the
    reading of the query (:mod:`.sparqlparse`). Runs in a query process, never in the service:
    the text may crash the parser, and evaluation may try to call out.

    The base IRI resolves the query's relative IRIs. With ``union``, the default graph is
    ``union_graph``, the store's union of all graphs as a set (:mod:`.union`), hidden from the
    named graphs; without it, the change log is not among the named graphs (unless the query or
    the protocol names it). ``SERVICE`` may call the
    endpoints of ``services`` only, and only from a process that may reach the network.

    :raises TooDeeplyNested: brackets nested deeper than :data:`.sparqlparse.MAX_NESTING`.
    :raises QuerySyntaxError: the query does not parse; ``details`` has its line and column.
    :raises FederationDisabled: the query calls an endpoint not in ``services`` with ``SERVICE``.
    :raises NeedsNetwork: it calls only endpoints of ``services``, from a process without network.
        Only a query whose ``SERVICE`` calls two readings agree on (rdflib's parse and the
        lexer of :mod:`.sparqltext`) is ever let where the network is open.
    :raises UnknownGraph: ``FROM`` / ``FROM NAMED`` names a graph the store does not hold. The
        protocol's ``default-graph-uri`` / ``named-graph-uri`` may: such a graph is empty, as the
        W3C protocol tests expect (none is ever fetched).
    """
    text = query.query
    check_nesting(text)
    here = confinement()
    networked = here is None or not here.no_network
    reading = read_query(text, query.base_iri, confined=not networked)
    if reading is None:
        if networked:
            raise FederationDisabled(
                "this query cannot be read to check what it calls, and on this platform "
                "queries are not kept from the network otherwise",
                hint="shorten or simplify it; the operator's start-up message says why",
            )
        reads_from = "FROM" in keywords(text)  # for the dataset only: nothing is fetched anyway
    else:
        check_services(reading.services, frozenset(query.services))
        if reading.services and keyword_count(text, "SERVICE") != len(reading.services):
            # two readings of the text disagree: never let it where the network is open
            raise FederationDisabled(
                "cannot tell for sure which endpoints this query calls",
                hint="write each SERVICE plainly, outside strings and comments",
            )
        if reading.services and not networked:
            raise NeedsNetwork("the query calls allowed endpoints: it runs where the network is open")
        for graph in reading.graphs:
            require_graph(store, graph.iri, graph.keyword)
        reads_from = reading.reads_from
    named: list | None = None  # a query that cannot read a named graph need not list them
    if not query.union or could_name_graphs(text):
        named = [g for g in store.named_graphs() if g != union_graph]
        if not query.union:
            named = [g for g in named if isinstance(g, ox.NamedNode) and g.value != CHANGES_GRAPH]
    options = dataset_options(
        reads_from, query.default_graphs, query.named_graphs, union=query.union, union_graph=union_graph, graphs=named
    )
    try:
        return store.query(text, base_iri=query.base_iri, **options), reading
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise evaluation_error(exc, reading) from None


def dataset_options(
    reads_from: bool,
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
    *,
    union: bool = True,
    union_graph: ox.NamedNode | None = None,
    graphs: Iterable[ox.NamedNode | ox.BlankNode] | None = None,
) -> dict:
    """Keyword arguments of :meth:`pyoxigraph.Store.query` for the dataset of one request, whose
    query has its own ``FROM`` / ``FROM NAMED`` when ``reads_from``.

    Protocol parameters, when given, are the whole dataset (they override the query's own
    ``FROM``/``FROM NAMED``). Otherwise a query with ``FROM`` keeps its dataset, and any other
    query sees the union of all graphs as its default graph (the graph ``union_graph`` holds,
    each triple once; Oxigraph's own union when there is none); or, without ``union``, the
    store's default graph. The named graphs are ``graphs`` (all of them when ``None``).

    >>> dataset_options(False)
    {'use_default_graph_as_union': True}
    >>> u, g = ox.NamedNode("urn:uuid:0"), ox.NamedNode("https://example.org/g")
    >>> dataset_options(False, union_graph=u, graphs=[g])
    {'default_graph': [<NamedNode value=urn:uuid:0>], 'named_graphs': [<NamedNode value=https://example.org/g>]}
    >>> dataset_options(False, union=False)
    {}
    >>> dataset_options(False, union=False, graphs=[g])
    {'default_graph': <DefaultGraph>, 'named_graphs': [<NamedNode value=https://example.org/g>]}
    >>> dataset_options(True)
    {}
    >>> dataset_options(False, ["https://example.org/g"])
    {'default_graph': [<NamedNode value=https://example.org/g>], 'named_graphs': []}
    """
    default_graphs, named_graphs = list(default_graphs), list(named_graphs)
    if default_graphs or named_graphs:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in default_graphs],
            "named_graphs": [ox.NamedNode(iri) for iri in named_graphs],
        }
    # Oxigraph ignores FROM / FROM NAMED when use_default_graph_as_union is set.
    if reads_from:
        return {}
    if not union:
        if graphs is None:
            return {}
        return {"default_graph": ox.DefaultGraph(), "named_graphs": list(graphs)}
    if union_graph is None:
        return {"use_default_graph_as_union": True}
    if graphs is None:
        return {"default_graph": [union_graph]}
    return {"default_graph": [union_graph], "named_graphs": list(graphs)}


def require_graph(store: ox.Store, iri: str | None, where: str) -> None:
    """Refuse a ``FROM`` or ``USING`` that names a graph ``store`` does not hold: Oxigraph would
    read it as empty, and the author may expect it fetched, which this service never does.

    :raises UnknownGraph: no graph of that name.
    """
    if iri is None:
        return
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return  # not an IRI: the engine's parser will say so
    if store.contains_named_graph(node):
        return
    source = "reads files" if iri.lower().startswith("file:") else "fetches graphs from the web"
    raise UnknownGraph(
        f"{where} <{iri}>: this store has no graph of that name, and it never {source}",
        hint="list the graphs with GET /sparql (the service description), or load the data with PUT /store?graph=...",
    )


def evaluation_error(exc: Exception, reading: Reading | None) -> AllianceKGError:
    """The error for a query whose evaluation failed with ``exc``, saying nothing of what
    another host answered: a ``SERVICE`` call's failure may hold its status, content type or
    body, so for a query that calls one, the message is only that the call failed. In a process
    without network, a call the reading of the text missed fails to open its socket: say so."""
    here = confinement()
    if here is not None and here.no_network and isinstance(exc, PermissionError):
        return FederationDisabled(
            "the query tried to call another endpoint (SERVICE), and query processes "
            "here cannot open network connections"
        )
    if reading is None or reading.services:
        return QueryEvaluationError(
            "cannot run the query: a call to another endpoint (SERVICE) failed"
            if reading is not None
            else "cannot run the query",
            hint="what another endpoint answered is never shown",
        )
    return QueryEvaluationError(f"cannot run the query: {exc}")


def check_services(calls: Iterable[Reference], services: frozenset[str]) -> None:
    """Refuse the ``SERVICE`` ``calls`` of a query unless each names an endpoint of ``services``.

    :raises FederationDisabled: a call to an endpoint not allowed, or to one held by a variable
        (the allow-list cannot check it before the query runs).
    """
    calls = list(calls)
    if not calls:
        return
    if not services:
        raise FederationDisabled(
            "federated queries (SERVICE) are not enabled on this service",
            hint="query the other endpoint directly; the operator may allow endpoints "
            "with the setting service_allowlist (ALLIANCE_KG_SERVICE_ALLOWLIST)",
        )
    allowed = ", ".join(f"<{iri}>" for iri in sorted(services))
    for call in calls:
        if call.iri is None:
            raise FederationDisabled(
                "SERVICE with a variable: only a named endpoint can be checked against the allow-list",
                hint=f"name one of {allowed}",
            )
        if call.iri not in services:
            raise FederationDisabled(
                f"SERVICE <{call.iri}> is not an endpoint this service may call",
                hint=f"allowed (setting service_allowlist): {allowed}",
            )


def serialize(
    results, fmt: ox.RdfFormat | ox.QueryResultsFormat, max_rows: int, reading: Reading | None = NOTHING
) -> tuple[bytes, bool]:
    """``results`` written in ``fmt`` (this runs the query to its end), cut after ``max_rows``
    solutions or triples; and whether they were cut.

    :raises QueryEvaluationError: evaluation failed part way (see :func:`evaluation_error`).
    """
    try:
        if isinstance(results, ox.QueryTriples):
            triples, truncated = capped_triples(results, max_rows)
            return serialize_graph(triples, fmt), truncated  # type: ignore[arg-type]
        if isinstance(results, ox.QueryBoolean):
            return results.serialize(format=fmt) or b"", False  # type: ignore[arg-type]
        return capped_solutions(results, fmt, max_rows)  # type: ignore[arg-type]
    except (RuntimeError, ValueError, OSError) as exc:
        raise evaluation_error(exc, reading) from None
