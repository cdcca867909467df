"""The JSON API: responsibility, companies, lineage, models, figures, validation, health.

Each view reads its parameters, calls the domain, and returns JSON: nothing else.
"""

from __future__ import annotations

import functools
import os
from datetime import date

from flask import Blueprint, Response, jsonify, make_response, request

from .. import __version__
from ..knowledge import companies as companies_domain
from ..knowledge import figures, lineage
from ..knowledge import responsibility as resp
from ..knowledge.assignments import list_scopes
from . import parameters
from .common import context_link, current_report, report_response
from .context import graph, guard, services
from .parameters import params

blueprint = Blueprint("api", __name__)


@blueprint.after_request
def _link_context(response: Response) -> Response:
    """Point JSON readers at the JSON-LD context, so every JSON answer is also linked data."""
    if response.mimetype == "application/json" and response.status_code < 400:
        response.headers["Link"] = context_link()
    return response


def cached_answer(view):
    """Keep the JSON answer of ``view`` until the graph changes (or the day does: answers
    without ``as_of`` are about today), by path, query string and ``Accept``, so a repeated
    question costs a look-up. Errors are not kept. The setting ``answer_cache_bytes`` bounds it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = services().api_answers
        if not cache.max_bytes:
            return view(*args, **kwargs)
        version = graph().version
        key = (request.full_path, request.headers.get("Accept", ""), date.today().isoformat())
        hit = cache.get(version, key)
        if hit is not None:
            return Response(hit[0], content_type=hit[1]["content_type"])
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            cache.put(version, key, response.get_data(), {"content_type": response.content_type})
        return response

    return wrapper


@blueprint.get("/health")
def health():
    params()
    kg = graph()
    response = jsonify({"status": "ok", "version": __version__, "triples": kg.cached("size", len)})
    # which process answered, and the state of the graph it answers from (serve --workers: the
    # number of writes it has applied, the same in every process once it has the last one)
    response.headers["X-Process"] = str(os.getpid())
    response.headers["X-Graph-Version"] = str(guard().peers.applied if guard().peers else kg.version)
    return response


@blueprint.get("/api/scopes")
@cached_answer
def scopes():
    args = params("kind")
    return jsonify({"scopes": list_scopes(graph(), parameters.scope_kind(args["kind"]))})


@blueprint.get("/api/responsibility")
@cached_answer
def responsibility():
    args = params("region", "country", "technology", "segment", "as_of", "layer")
    return jsonify(
        resp.responsibility(
            graph(),
            region=args["region"],
            country=args["country"],
            technology=args["technology"],
            segment=args["segment"],
            as_of=parameters.day("as_of", args["as_of"]),
            layer=parameters.layer(args["layer"]),
        )
    )


@blueprint.get("/api/companies")
@cached_answer
def companies():
    params()
    return jsonify({"companies": companies_domain.list_companies(graph())})


@blueprint.get("/api/companies/<path:key>")
@cached_answer
def company(key: str):
    args = params("as_of", "layer")
    return jsonify(
        companies_domain.company_roles(
            graph(), key, as_of=parameters.day("as_of", args["as_of"]), layer=parameters.layer(args["layer"])
        )
    )


@blueprint.get("/api/lineage/<path:key>")
@cached_answer
def lineage_of(key: str):
    return jsonify(lineage.lineage(graph(), key, layer=parameters.layer(params("layer")["layer"])))


@blueprint.get("/api/models")
@cached_answer
def models():
    found = lineage.list_models(graph(), **params("brand", "platform"))
    return jsonify({"count": len(found), "models": found})


@blueprint.get("/api/figures")
@cached_answer
def figures_list():
    found = figures.list_figures(graph(), layer=parameters.layer(params("layer")["layer"]))
    return jsonify({"count": len(found), "figures": found})


@blueprint.get("/api/validation")
def validation_report():
    params()
    report = current_report()
    response = report_response(report) or jsonify(report.to_dict())
    response.vary.add("Accept")
    return response
