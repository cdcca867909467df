"""What a request may use: the app's knowledge graph, its settings, and its services (the guard,
the write tokens, the query runner and its slots, the answer caches), from one place."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..config import Config
from ..rules.guard import Guard
from ..store import KnowledgeGraph
from ..store.admission import QuerySlots
from ..store.cache import AnswerCache
from ..store.endpoint import Runner


@dataclass(frozen=True)
class Services:
    """Everything an app holds for its requests, built once by ``create_app``."""

    graph: KnowledgeGraph
    guard: Guard
    tokens: dict  # {token: auth.Writer}
    queries: Runner
    slots: QuerySlots
    sparql_answers: AnswerCache  # /sparql answers, by query, dataset and format
    api_answers: AnswerCache  # JSON API answers, by path, query string and Accept


def services() -> Services:
    return current_app.extensions["alliance_kg"]


def graph() -> KnowledgeGraph:
    """The knowledge graph this app serves."""
    return services().graph


def settings() -> Config:
    return current_app.config["ALLIANCE_KG_CONFIG"]


def guard() -> Guard:
    """The guard every write of this app goes through."""
    return services().guard
