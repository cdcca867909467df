"""The JSON API: responsibility, companies, lineage, models, figures, validation, health.

Each view reads its parameters, calls the domain, and returns JSON: nothing else.
"""

from __future__ import annotations

import functools
from datetime import date

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, make_response, request

from .. import __version__
from ..knowledge import figures, lineage
from ..store.cache import AnswerCache
from ..knowledge import responsibility as resp
from ..errors import BadRequest
from ..rules.validation import validate
from .context import graph, settings
from .negotiation import Representation, negotiate

blueprint = Blueprint("api", __name__)


@blueprint.after_request
def _link_context(response: Response) -> Response:
    """Point JSON readers at the JSON-LD context, so every JSON answer is also linked data."""
    if response.mimetype == "application/json" and response.status_code < 400:
        from .pages import context_link

        response.headers["Link"] = context_link()
    return response


def params(*names: str) -> dict[str, str | None]:
    """The query parameters ``names`` of this request, each given at most once.

    :raises BadRequest: an unknown parameter (a typo would otherwise be ignored) or a repeated one.
    """
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        known = ", ".join(f"{n}=" for n in names) or "none"
        raise BadRequest(f"unknown parameter {', '.join(repr(u) for u in unknown)} for {request.path}",
                         hint=f"parameters of this endpoint: {known}")
    repeated = sorted(n for n in names if len(request.args.getlist(n)) > 1)
    if repeated:
        raise BadRequest(f"parameter {repeated[0]!r} is given more than once", hint="give each parameter once")
    return {name: request.args.get(name) for name in names}


def cached_answer(view):
    """Keep the JSON answer of ``view`` until the graph changes (or the day does: answers
    without ``as_of`` are about today), by path, query string and ``Accept``, so a repeated
    question costs a look-up. Errors are not kept. The setting ``answer_cache_bytes`` bounds it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        size = settings().answer_cache_bytes
        if not size:
            return view(*args, **kwargs)
        cache = graph().cached("api-answers", lambda _: AnswerCache(size))
        key = (request.full_path, request.headers.get("Accept", ""), date.today().isoformat())
        hit = cache.get(key)
        if hit is not None:
            return Response(hit[0], content_type=hit[1]["content_type"])
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            cache.put(key, response.get_data(), {"content_type": response.content_type})
        return response

    return wrapper


@blueprint.get("/health")
def health():
    params()
    kg = graph()
    return jsonify({"status": "ok", "version": __version__, "triples": kg.cached("size", len)})


@blueprint.get("/api/scopes")
@cached_answer
def scopes():
    return jsonify({"scopes": resp.list_scopes(graph(), **params("kind"))})


@blueprint.get("/api/responsibility")
@cached_answer
def responsibility():
    return jsonify(resp.responsibility(graph(), **params("region", "country", "technology", "segment", "as_of", "layer")))


@blueprint.get("/api/companies")
@cached_answer
def companies():
    params()
    return jsonify({"companies": resp.list_companies(graph())})


@blueprint.get("/api/companies/<path:key>")
@cached_answer
def company(key: str):
    return jsonify(resp.company_roles(graph(), key, **params("as_of", "layer")))


@blueprint.get("/api/lineage/<path:key>")
@cached_answer
def lineage_of(key: str):
    return jsonify(lineage.lineage(graph(), key, **params("layer")))


@blueprint.get("/api/models")
@cached_answer
def models():
    found = lineage.list_models(graph(), **params("brand", "platform"))
    return jsonify({"count": len(found), "models": found})


@blueprint.get("/api/figures")
@cached_answer
def figures_list():
    found = figures.list_figures(graph(), **params("layer"))
    return jsonify({"count": len(found), "figures": found})


#: The validation report: a JSON summary (the default) or the SHACL report graph.
REPORT_FORMATS = (
    Representation("application/json", None),
    Representation("text/turtle", ox.RdfFormat.TURTLE),
    Representation("application/ld+json", ox.RdfFormat.JSON_LD),
)
RDFLIB_NAMES = {ox.RdfFormat.TURTLE: "turtle", ox.RdfFormat.JSON_LD: "json-ld"}


@blueprint.get("/api/validation")
def validation_report():
    params()
    chosen = negotiate(request.accept_mimetypes, REPORT_FORMATS, what="the validation report")
    report = graph().cached("validation", lambda kg: validate(kg, settings().shapes_dir))
    if chosen.format is None:
        response = jsonify(report.to_dict())
    else:
        response = Response(report.serialize(RDFLIB_NAMES[chosen.format]), content_type=chosen.content_type)
    response.vary.add("Accept")
    return response
