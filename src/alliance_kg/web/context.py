"""Access to the app's knowledge graph and settings from a request."""

from __future__ import annotations

from flask import current_app

from ..config import Config
from ..store import KnowledgeGraph


def graph() -> KnowledgeGraph:
    """The knowledge graph this app serves."""
    return current_app.extensions["alliance_kg"]


def settings() -> Config:
    return current_app.config["ALLIANCE_KG_CONFIG"]
