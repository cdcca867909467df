"""The OpenAPI 3 description of the service at ``/openapi.json``.

The description is a data file beside this module (``openapi.json``): the JSON API in full
(parameters, request bodies, answers, the error envelope of every error), the SPARQL endpoint and
the Graph Store Protocol at operation level. The view serves it with the running version.
``tests/test_openapi.py`` keeps it in step with the app's routes, and checks answers against it.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from flask import Blueprint, jsonify

from .. import __version__
from .parameters import params

blueprint = Blueprint("openapi", __name__)

DESCRIPTION_FILE = Path(__file__).resolve().parent / "openapi.json"


@functools.cache
def raw_description() -> dict:
    """The description as the file holds it (shared: never change it)."""
    return json.loads(DESCRIPTION_FILE.read_text(encoding="utf-8"))


def description() -> dict:
    """The OpenAPI description, with ``info.version`` the running version (a fresh copy)."""
    document = copy.deepcopy(raw_description())
    document["info"]["version"] = __version__
    return document


@blueprint.get("/openapi.json")
def openapi():
    params()
    return jsonify(description())
