"""The web service: ``create_app(config)`` builds a Flask app over one knowledge graph.

Blueprints: :mod:`.sparql` (the SPARQL 1.1 Protocol endpoint) and :mod:`.api` (the JSON API).
Nothing is created at import time; every request shares the one store, which is safe across
threads (pyoxigraph releases the GIL while it evaluates).
"""

from __future__ import annotations

from flask import Flask

from ..config import Config
from ..queries import check_queries
from ..store import KnowledgeGraph
from . import api, errors, sparql


def create_app(config: Config | None = None, *, kg: KnowledgeGraph | None = None) -> Flask:
    """Build the app. ``kg`` defaults to the graph ``config`` names (opened, shipped data loaded)."""
    config = config or Config.from_env()
    check_queries()
    app = Flask(__name__)
    app.config["ALLIANCE_KG_CONFIG"] = config
    app.extensions["alliance_kg"] = kg if kg is not None else KnowledgeGraph.open(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    errors.register(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(api.blueprint)
    return app
