"""Fixtures: config -> kg (the shipped graph) -> app -> client / runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from alliance_kg.config import Config
from alliance_kg.store import KnowledgeGraph
from alliance_kg.web import create_app


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.from_env({})


@pytest.fixture(scope="session")
def shipped(config) -> KnowledgeGraph:
    """The shipped graph, loaded once. Read-only: tests that write use ``kg``."""
    return KnowledgeGraph.open(config)


@pytest.fixture
def kg(config) -> KnowledgeGraph:
    """A fresh in-memory copy of the shipped graph that a test may change."""
    return KnowledgeGraph.open(config)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def app(config, shipped):
    """The web app over the shipped graph. Read-only, like ``shipped``."""
    return create_app(config, kg=shipped)


@pytest.fixture
def client(app):
    return app.test_client()
