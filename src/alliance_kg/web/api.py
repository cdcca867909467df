"""The JSON API: responsibility, companies, lineage, models, figures, validation, health.

Each view reads its parameters, calls the domain, and returns JSON: nothing else.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import __version__
from .. import responsibility as resp
from .context import graph

blueprint = Blueprint("api", __name__)


@blueprint.get("/health")
def health():
    kg = graph()
    return jsonify({"status": "ok", "version": __version__, "triples": kg.cached("size", len)})


@blueprint.get("/api/scopes")
def scopes():
    return jsonify({"scopes": resp.list_scopes(graph(), request.args.get("kind"))})


@blueprint.get("/api/responsibility")
def responsibility():
    args = request.args
    answer = resp.responsibility(
        graph(),
        region=args.get("region"),
        country=args.get("country"),
        technology=args.get("technology"),
        segment=args.get("segment"),
        as_of=args.get("as_of"),
        layer=args.get("layer"),
    )
    return jsonify(answer)


@blueprint.get("/api/companies")
def companies():
    return jsonify({"companies": resp.list_companies(graph())})


@blueprint.get("/api/companies/<path:key>")
def company(key: str):
    return jsonify(resp.company_roles(graph(), key, as_of=request.args.get("as_of"), layer=request.args.get("layer")))
