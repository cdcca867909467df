"""Search: ``/api/search`` (JSON) and ``/search`` (the page the search box of every page opens).

One engine (:mod:`alliance_kg.knowledge.search`) ranks the things of the graph for both, and
resolves the names the rest of the JSON API is given.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from ..errors import BadRequest
from ..knowledge.catalog import KIND_NAMES
from ..knowledge.describe import local_path
from ..knowledge.search import search_index
from . import parameters
from .context import graph
from .parameters import params

blueprint = Blueprint("search_pages", __name__)

#: The most results one answer gives.
MAX_LIMIT = 50


def _kinds(text: str | None) -> list[str]:
    """``kind=`` as a list of kinds (comma-separated), each one the API knows."""
    if not text:
        return []
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KIND_NAMES]
    if unknown:
        raise BadRequest(f"unknown kind {unknown[0]!r} (parameter 'kind')", hint=f"kinds: {', '.join(KIND_NAMES)}")
    return kinds


def _search(required: bool) -> tuple[str, list[dict]]:
    """The query of this request and what the search finds for it, as JSON objects."""
    args = params("q", "kind", "limit")
    query = (args["q"] or "").strip()
    if not query:
        if required:
            raise BadRequest("parameter 'q' is missing or empty", hint="give a name to search for, e.g. q=Renault")
        return "", []
    kinds = _kinds(args["kind"])
    limit = parameters.count("limit", args["limit"], default=10, maximum=MAX_LIMIT)
    hits = search_index(graph()).search(query, kinds, limit=limit)
    return query, [{**h.to_json(), "page": local_path(h.entity.iri)} for h in hits]


@blueprint.get("/api/search")
def search_api():
    query, results = _search(required=True)
    return jsonify({"query": query, "count": len(results), "results": results})


@blueprint.get("/search")
def search_page():
    query, results = _search(required=False)
    html = render_template("search.html", search_query=query, results=results)
    return Response(html, content_type="text/html; charset=utf-8")
