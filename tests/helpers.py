"""Helpers shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_kg.store import KnowledgeGraph

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"


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
