"""The SPARQL 1.1 Graph Store HTTP Protocol at /store (placeholder)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("gsp", __name__)
