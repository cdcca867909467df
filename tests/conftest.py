"""Fixtures: config -> kg (the shipped graph) -> runner; shapes fixtures; the shared domain analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alliance_kg.config import Config
from alliance_kg.store import KnowledgeGraph

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"


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


def shared_file(*parts: str) -> Path:
    """A file of the team's shared folder; the test is skipped when the folder is absent
    (the project installs and runs without it, CI has it beside the checkout)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared/{'/'.join(parts)} is not present beside the checkout")
    return path


def iri(local: str) -> str:
    return "https://w3id.org/alliance-kg/id/" + local


def labels(kg: KnowledgeGraph, sparql: str, var: str, **kwargs) -> set[str]:
    return {row[var].value for row in kg.select(sparql, **kwargs) if var in row}
