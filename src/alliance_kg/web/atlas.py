"""The analyst's overview pages: the world map (``/map``) and the responsibility matrix (``/matrix``),
and their JSON twins (``/api/map``, ``/api/matrix``) that the pages' scripts draw from.

Each view reads its parameters, calls :mod:`alliance_kg.knowledge.atlas`, and renders. The pages
hold their answer as tables in the HTML, so they work without a script; ``static/views/map.js``
draws the map from ``/api/map`` and ``static/views/matrix.js`` sorts and filters the matrix.
A bad parameter on a page is an HTML page that says what is wrong (with the form to fix it);
on ``/api/…`` it is the JSON error envelope, as everywhere in the API.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..errors import AllianceKGError
from ..knowledge import atlas
from ..knowledge.assignments import SCOPE_KINDS
from . import parameters, vendor
from .api import cached_answer
from .context import graph
from .errors import envelope, hint_of
from .parameters import params

blueprint = Blueprint("atlas", __name__)

#: The libraries the map draws with, served at ``/vendor/<name>``.
MAP_LIBRARIES = ("d3.min.js", "topojson-client.min.js", "countries-110m.json")
#: What a kind of scope is called on the matrix page.
KIND_NAMES = {"region": "reference region", "technology": "technology", "segment": "segment"}


@blueprint.errorhandler(AllianceKGError)
def _error(exc: AllianceKGError):
    """A page's error as a page that says what is wrong and how to fix it; an API error as JSON."""
    if request.path.startswith("/api/"):
        response = envelope(exc.status, exc.code, exc.message, hint_of(exc), **exc.details)
        response.headers.update(exc.headers)
        return response
    page = "atlas.matrix" if request.path.startswith("/matrix") else "atlas.world_map"
    body = render_template("atlas/error.html", error=exc, hint=hint_of(exc), page=page)
    return body, exc.status, {"Content-Type": "text/html; charset=utf-8"}


def _map_question() -> dict:
    """The date and layer of a map request, checked."""
    args = params("as_of", "layer")
    return {"as_of": parameters.day("as_of", args["as_of"]), "layer": parameters.layer(args["layer"])}


def _matrix_question() -> dict:
    """The date, layer and kind of scope of a matrix request, checked."""
    args = params("as_of", "layer", "kind")
    return {
        "as_of": parameters.day("as_of", args["as_of"]),
        "layer": parameters.layer(args["layer"]),
        "kind": parameters.scope_kind(args["kind"]),
    }


@blueprint.get("/map")
def world_map():
    """The world map page: the legend and the table of every country, the map drawn by map.js."""
    answer = atlas.world_map(graph(), **_map_question())
    return render_template(
        "atlas/map.html",
        m=answer,
        colours={c.id: c.colour for c in answer.companies},
        scripts=all(vendor.installed(name) for name in MAP_LIBRARIES),
    )


@blueprint.get("/matrix")
def matrix():
    """The responsibility matrix page: a row per scope, a column per company."""
    answer = atlas.matrix(graph(), **_matrix_question())
    return render_template(
        "atlas/matrix.html",
        x=answer,
        colours={c.id: c.colour for c in answer.companies},
        kinds=SCOPE_KINDS,
        kind_names=KIND_NAMES,
    )


@blueprint.get("/api/map")
@cached_answer
def map_data():
    """Every country on a date with its reference regions and leaders, and the legend's companies."""
    return jsonify(atlas.world_map(graph(), **_map_question()))


@blueprint.get("/api/matrix")
@cached_answer
def matrix_data():
    """The responsibility matrix on a date as JSON: a row per scope, a cell per company."""
    return jsonify(atlas.matrix(graph(), **_matrix_question()))
