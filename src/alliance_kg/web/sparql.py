"""The SPARQL 1.1 Protocol endpoint at /sparql (placeholder until the protocol lands)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("sparql", __name__)
