"""The web service: ``create_app(config)`` builds a Flask app over one knowledge graph.

Blueprints: :mod:`.sparql` (the SPARQL 1.1 Protocol endpoint, queries and guarded updates),
:mod:`.api` (the JSON API), :mod:`.writes` (the JSON write API and the change log) and
:mod:`.gsp` (the Graph Store Protocol) and :mod:`.pages` (linked data: resource pages, the
ontology, the VoID description, the JSON-LD context) and :mod:`.ui` (the query page at ``/``)
and :mod:`.openapi` (the OpenAPI description at ``/openapi.json``). Nothing is created at import time; every request shares
the one store, which is safe across threads (pyoxigraph releases the GIL while it evaluates).

Reads (GET and HEAD) hold the graph's lock shared for the whole request, so a write is applied
either before or after a read, never during it; but for ``/sparql``, whose queries run in
query processes that read their own copy of the graph: it holds the lock only while such a
process is taken or forked, so a slow query never holds up a write, nor the reads behind it.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import replace

from flask import Flask, g, request

from ..config import Config
from ..rules.guard import Guard
from ..store import KnowledgeGraph, open_graph
from ..store.admission import QuerySlots, SharedQuerySlots
from ..store.cache import AnswerCache
from ..store.peers import Peers
from ..store.queries import check_queries
from . import (
    api,
    atlas,
    cors,
    diagrams,
    errors,
    gsp,
    headers,
    inputs,
    openapi,
    pages,
    search_pages,
    sparql,
    steward,
    ui,
    vendor,
    writes,
)
from .auth import load_tokens
from .context import Services
from .front import Front


def create_app(
    config: Config | None = None, *, kg: KnowledgeGraph | None = None, peers: Peers | None = None, workers: int = 1
) -> Flask:
    """Build the app. ``kg`` defaults to the graph ``config`` names (opened, shipped data loaded);
    ``peers``: the state shared with the other processes serving it (``serve --workers``), and
    ``workers`` their number: with more than one, the query limits are kept for all of them
    together (:class:`~alliance_kg.store.admission.SharedQuerySlots`)."""
    config = config or Config.from_env()
    check_queries()
    app = Flask(__name__)
    app.config["ALLIANCE_KG_CONFIG"] = config
    kg = kg if kg is not None else open_graph(config)
    guard = Guard(kg, config.shapes_dir, max_change_quads=config.max_change_quads, peers=peers)
    app.extensions["alliance_kg"] = Services(
        graph=kg,
        guard=guard,
        tokens=load_tokens(config),
        queries=kg.query_runner(memory_bytes=config.query_memory_bytes, federating=bool(config.service_endpoints)),
        slots=(SharedQuerySlots if workers > 1 else QuerySlots)(
            slots=config.query_slots,
            per_client=config.query_slots_per_client,
            queue=config.query_queue,
            wait_seconds=config.query_queue_seconds,
            retry_after=min(config.query_timeout, config.query_queue_seconds),
        ),
        sparql_answers=AnswerCache(config.answer_cache_bytes),
        api_answers=AnswerCache(config.answer_cache_bytes),
    )
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    errors.register(app)
    headers.register(app)

    @app.before_request
    def _hold_for_reading():
        if request.method in ("GET", "HEAD") and request.endpoint != "sparql.sparql":
            g.reading = ExitStack()
            g.reading.enter_context(kg.reading())

    @app.teardown_request
    def _release(exc):
        reading = g.pop("reading", None)
        if reading is not None:
            reading.close()

    @app.after_request
    def _cors(response):
        return cors.allow_reads(response, config.cors_origins)

    for module in (
        inputs,
        sparql,
        api,
        writes,
        gsp,
        pages,
        ui,
        openapi,
        vendor,
        search_pages,
        atlas,
        diagrams,
        steward,
    ):
        app.register_blueprint(module.blueprint)
    version, modified = _state(kg, peers)
    app.wsgi_app = Front(  # type: ignore[method-assign]
        app.wsgi_app, sync=guard.catch_up, version=version, modified=modified, max_bytes=config.answer_cache_bytes
    )
    return app


def after_fork(app: Flask) -> None:
    """Give a worker process forked from the one that built ``app`` what cannot be shared: a
    query runner of its own (its pool's threads did not come through the fork)."""
    services = app.extensions["alliance_kg"]
    config = app.config["ALLIANCE_KG_CONFIG"]
    app.extensions["alliance_kg"] = replace(
        services,
        queries=services.graph.query_runner(
            memory_bytes=config.query_memory_bytes, federating=bool(config.service_endpoints)
        ),
    )


def _state(kg: KnowledgeGraph, peers: Peers | None):
    """The graph's version and the time of its last write, as the front sees them: shared by the
    worker processes when there are several, else this process's own."""
    if peers is not None:
        return (lambda: peers.version), (lambda: peers.modified)
    seen = [kg.version, time.time()]

    def modified() -> float:
        if kg.version != seen[0]:
            seen[:] = [kg.version, time.time()]
        return seen[1]

    return (lambda: kg.version), modified
