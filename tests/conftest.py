"""Fixtures: config -> kg (the shipped graph) -> runner; shapes fixtures; the shared domain analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alliance_kg.config import Config
from alliance_kg.store import KnowledgeGraph



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
