"""SHACL validation of the knowledge graph, whole or for the nodes a write touches.

Speed: the validation runs in :mod:`alliance_kg.rules.focused`. The SHACL-SPARQL constraints
(``sh:sparql``) run on Oxigraph's own engine, one query per constraint over the whole graph, or
per focus node for a write; the core constraints run with an engine of :mod:`.engines`
(pyshacl-turbo on the store itself by default; pySHACL, the reference, on an rdflib copy).
Reports: :mod:`.reports`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib

from ..store import KnowledgeGraph, graph_iri
from .engines import DEFAULT_ENGINE, ENGINES, Engine, engine_for
from .focused import shapes_index, validate_all, validate_focus
from .reports import ValidationReport, ValidationResult, load_shapes
from .whole import validate_in_store

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Engine",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "union_store",
    "validate",
    "validate_graph",
    "validate_store",
]


def validate(
    kg: KnowledgeGraph,
    shapes_dir: Path,
    *,
    graphs: Iterable[str] | None = None,
    engine: Engine | None = None,
) -> ValidationReport:
    """Validate the union of ``graphs`` (default: every graph of ``kg`` but the change log)
    against the shapes in ``shapes_dir``, the core constraints with ``engine``.

    With the engine ``sparql`` (the default wherever it compiles the shapes), every constraint is a
    query the store answers (:mod:`.whole`); the others validate an in-memory copy of the union."""
    if graphs is None and engine_for(engine, full=True, core_triples=shapes_index(shapes_dir).core_triples) == "sparql":
        return validate_in_store(kg, shapes_dir)
    return validate_store(union_store(kg, graphs), shapes_dir, engine=engine)


def union_store(kg: KnowledgeGraph, graphs: Iterable[str] | None = None) -> ox.Store:
    """A new in-memory store whose default graph is the union of ``graphs`` of ``kg`` (default:
    the default graph and every named graph but the change log): the data graph SHACL sees."""
    union = ox.Store()
    if graphs is None:
        sources: list[ox.NamedNode | ox.DefaultGraph] = [
            ox.DefaultGraph(),
            *(ox.NamedNode(g) for g in kg.data_graphs()),
        ]
    else:
        sources = [ox.NamedNode(graph_iri(g)) for g in graphs]
    for source in sources:
        union.extend(ox.Quad(q.subject, q.predicate, q.object) for q in kg.quads(None, None, None, source))
    return union


def validate_store(
    union: ox.Store,
    shapes_dir: Path,
    *,
    focus_nodes: Iterable[str] | None = None,
    new_nodes: frozenset[str] = frozenset(),
    engine: Engine | None = None,
) -> ValidationReport:
    """Validate the default graph of an Oxigraph store against the shapes in ``shapes_dir``.

    With ``focus_nodes`` (IRIs), only those nodes are validated, against every shape that targets
    them, at a cost that follows their number, not the graph's size (:mod:`alliance_kg.rules.focused`).
    An empty ``focus_nodes`` validates nothing and conforms. ``new_nodes``: the IRIs of the nodes
    a write would add, which messages describe rather than name by an id nobody can look up.
    """
    if focus_nodes is not None:
        return validate_focus(union, shapes_dir, [str(n) for n in focus_nodes], new_nodes=new_nodes, engine=engine)
    return validate_all(union, shapes_dir, new_nodes=new_nodes, engine=engine)


def validate_graph(data: rdflib.Graph, shapes_dir: Path, *, engine: Engine | None = None) -> ValidationReport:
    """Validate an rdflib graph (e.g. a test fixture) against the shapes in ``shapes_dir``."""
    union = ox.Store()
    union.load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return validate_store(union, shapes_dir, engine=engine)
