"""The JSON API: responsibility, companies, lineage, models, figures, validation, health.

Each view reads its parameters, calls the domain, and returns JSON: nothing else.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request

from .. import __version__, figures, lineage
from .. import responsibility as resp
from ..validation import validate
from .context import graph, settings
from .negotiation import Representation, negotiate

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


@blueprint.get("/api/lineage/<path:key>")
def lineage_of(key: str):
    return jsonify(lineage.lineage(graph(), key, layer=request.args.get("layer")))


@blueprint.get("/api/models")
def models():
    found = lineage.list_models(graph(), brand=request.args.get("brand"), platform=request.args.get("platform"))
    return jsonify({"count": len(found), "models": found})


@blueprint.get("/api/figures")
def figures_list():
    found = figures.list_figures(graph(), layer=request.args.get("layer"))
    return jsonify({"count": len(found), "figures": found})


#: The validation report: a JSON summary (the default) or the SHACL report graph.
REPORT_FORMATS = (
    Representation("application/json", None),
    Representation("text/turtle", ox.RdfFormat.TURTLE),
    Representation("application/ld+json", ox.RdfFormat.JSON_LD),
)
_RDFLIB_NAMES = {ox.RdfFormat.TURTLE: "turtle", ox.RdfFormat.JSON_LD: "json-ld"}


@blueprint.get("/api/validation")
def validation_report():
    chosen = negotiate(request.accept_mimetypes, REPORT_FORMATS, what="the validation report")
    report = graph().cached("validation", lambda kg: validate(kg, settings().shapes_dir))
    if chosen.format is None:
        response = jsonify(report.to_dict())
    else:
        response = Response(report.serialize(_RDFLIB_NAMES[chosen.format]), content_type=chosen.content_type)
    response.vary.add("Accept")
    return response
