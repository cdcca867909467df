"""Helpers shared by the test modules."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import rdflib

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


#: SPARQL texts pySHACL asked, translated (by text, base and prefixes): see plain_pyshacl.
_PREPARED: dict[tuple, object] = {}


def plain_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> rdflib.Graph:
    """The report graph of plain pySHACL on ``data`` (``inference="none"``): the reference the
    tests hold alliance-kg's own engine to.

    pySHACL asks rdflib the same few SPARQL texts for every focus node, and rdflib parses and
    translates a text again on each call (most of the time a fixture takes). Here each text is
    translated once, as rdflib's own ``prepareQuery`` does, and the prepared query evaluated each
    time: the same answers, a fraction of the time. Only this call sees it (not the service)."""
    import pyshacl
    from rdflib.plugins.sparql import processor

    real = processor.SPARQLProcessor.query
    prepared = _PREPARED

    @functools.wraps(real)
    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared[key]
        return real(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    finally:
        processor.SPARQLProcessor.query = real
    return report
