"""Clients' queries and updates over a remote store (:mod:`.remote`): what is read from their
text runs in a confined process, as on the embedded store; the store does the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from ..errors import FederationDisabled, QueryEvaluationError, UnknownGraph
from .endpoint import Answer, ProtocolQuery, serialize
from .footprint import update_footprint
from .formats import serialize_graph
from .names import CHANGES_GRAPH
from .processes import Limits, run_isolated
from .results import capped_triples
from .sparqlclient import JSON, NT, SparqlClient
from .sparqlparse import check_nesting, prepare, read_query, read_update
from .sparqltext import query_form
from .updates import change_log_forbidden, run_update


class RemoteQueryRunner:
    """Answers clients' protocol queries through the remote store, with alliance-kg's checks
    first (in a confined process: no ``SERVICE``, no ``FROM`` of a graph the store lacks) and its
    row cap after."""

    def __init__(self, client: SparqlClient, graphs: Callable[[], list[str]]):
        self.client = client
        self.graphs = graphs

    def answer(self, query: ProtocolQuery, *, timeout: float) -> Answer:
        prepare()
        body, about = run_isolated(lambda: _check_query(query), Limits(timeout))
        graphs = self.graphs()
        for iri in about["from"]:
            if iri not in graphs:
                raise UnknownGraph(
                    f"FROM <{iri}>: this store has no graph of that name, and it never fetches graphs from the web"
                )
        dataset: dict[str, Iterable[str]]
        if query.default_graphs or query.named_graphs:
            dataset = {"default": query.default_graphs, "named": query.named_graphs}
        elif about["from"]:
            dataset = {}
        else:
            dataset = {"default": graphs if query.union else [], "named": graphs}
        text = query.query if query.base_iri is None else f"BASE <{query.base_iri}>\n{query.query}"
        if about["form"] in ("construct", "describe"):
            raw, cut = self.client.raw(text, NT, timeout=timeout, **dataset)
            try:
                read = list(ox.parse(raw, ox.RdfFormat.N_TRIPLES))
            except (SyntaxError, ValueError) as exc:
                raise self.client._garbage(exc) from None
            cut = cut or (self.client.row_cap is not None and len(read) >= self.client.row_cap)
            extension, content_type = query.graphs.pick("a CONSTRUCT or DESCRIBE query")
            triples, truncated = capped_triples(read, query.max_rows)
            out = serialize_graph(triples, ox.RdfFormat.from_extension(extension))  # type: ignore[arg-type]
        else:
            raw, cut = self.client.raw(text, JSON, timeout=timeout, **dataset)
            results = self.client.results(raw)
            kind = "an ASK query" if isinstance(results, ox.QueryBoolean) else "a SELECT query"
            extension, content_type = query.solutions.pick(kind)
            out, truncated = serialize(results, ox.QueryResultsFormat.from_extension(extension), query.max_rows)  # type: ignore[arg-type]
        return Answer(out, content_type, truncated or cut)  # cut: the store's own row cap cut it

    def close(self) -> None:
        pass


# --- in a confined process --------------------------------------------------------------------------


def _check_query(query: ProtocolQuery) -> tuple[bytes, dict]:
    """Check a client's query as :func:`.endpoint.evaluate` does, and say what it reads."""
    check_nesting(query.query)
    reading = read_query(query.query, query.base_iri)
    if reading is None:
        raise FederationDisabled(
            "this query cannot be read to check what it calls, so it is not sent to the store",
            hint="shorten or simplify it",
        )
    if reading.services:
        raise FederationDisabled(
            "SERVICE is not allowed over a remote store: the store would call the endpoint itself",
            hint="query the other endpoint, then send the data",
        )
    return b"", {"from": [g.iri for g in reading.graphs if g.iri], "form": query_form(query.query)}


def read_update_in_child(update: str, base_iri: str | None) -> tuple[bytes, dict]:
    """In a confined process: check the update and say which quads it can read and change."""
    check_nesting(update, "the update")
    reading = read_update(update, base_iri)
    footprint = update_footprint(update, base_iri)
    if reading is None or footprint is None:
        raise QueryEvaluationError(
            "over a remote store, an update must name the graph of each of its patterns (GRAPH <...>), "
            "with no GRAPH ?g, WITH, USING, LOAD, ALL or NAMED",
            hint="or use the JSON write API or the Graph Store",
        )
    if reading.loads or reading.services:
        raise FederationDisabled("LOAD and SERVICE are not allowed in updates: nothing is ever fetched")
    if footprint.reads is None:
        raise QueryEvaluationError(
            "over a remote store, an update's WHERE may hold triple patterns, OPTIONAL, UNION, MINUS, FILTER "
            "and paths, not EXISTS",
            hint="write the EXISTS as a pattern, or use the JSON write API",
        )
    patterns = list(footprint.reads)
    if any(g is None for *_, g in patterns):
        raise QueryEvaluationError(
            "over a remote store, every pattern of an update must name its graph (GRAPH <...>): the store's own "
            "default graph is not part of the knowledge graph",
            hint="wrap the patterns in GRAPH <graph IRI> { ... }",
        )
    if CHANGES_GRAPH in footprint.graphs:
        raise change_log_forbidden()
    return b"", {"reads": [list(p) for p in dict.fromkeys(patterns)], "destructive": list(reading.destructive)}


def run_update_in_child(nq: bytes, update: str, base_iri: str | None) -> tuple[bytes, dict]:
    """In a confined process: run ``update`` on the quads ``nq`` and answer the quads after."""
    scratch = ox.Store()
    scratch.load(nq, ox.RdfFormat.N_QUADS)
    run_update(scratch, update, base_iri)
    reading = read_update(update, base_iri)
    return ox.serialize(scratch, format=ox.RdfFormat.N_QUADS) or b"", {
        "destructive": list(reading.destructive) if reading else []
    }
