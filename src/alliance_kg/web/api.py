"""The JSON API: responsibility, companies, lineage, models, figures, validation, health.

Each view reads its parameters, calls the domain, and returns JSON: nothing else.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import __version__, figures, lineage
from .. import responsibility as resp
from ..errors import AllianceKGError
from ..validation import validate
from .context import graph, settings


class NotAcceptable(AllianceKGError):
    status = 406
    code = "not_acceptable"


def negotiate(offers: dict) -> str:
    """The offered media type the request's ``Accept`` prefers; the first offer when any will do."""
    accept = request.accept_mimetypes
    if not accept or accept.best == "*/*" and len(accept) == 1:
        return next(iter(offers))
    best = accept.best_match(list(offers))
    if best is None:
        raise NotAcceptable(f"cannot answer in {request.headers.get('Accept')}",
                            hint="acceptable: " + ", ".join(offers))
    return best

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


#: Media types of the validation report, JSON first (the default).
REPORT_TYPES = {"application/json": None, "text/turtle": "turtle", "application/ld+json": "json-ld"}


@blueprint.get("/api/validation")
def validation_report():
    media_type = negotiate(REPORT_TYPES)
    report = graph().cached("validation", lambda kg: validate(kg, settings().shapes_dir))
    if REPORT_TYPES[media_type] is None:
        return jsonify(report.to_dict())
    return Response(report.serialize(REPORT_TYPES[media_type]), mimetype=media_type,
                    headers={"Vary": "Accept"})
