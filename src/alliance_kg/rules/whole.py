"""Full validation answered by the store itself (engine ``sparql``): nothing is copied out of it.

Over a remote SPARQL store this is how ``alliance-kg validate`` (and ``GET /api/validation``)
runs, so that it scales with the store, not with alliance-kg's memory; on the embedded store it
is ``--engine sparql``. Every query goes through :meth:`KnowledgeGraph.validation_query`, over
the default graph and the data graphs (the change log left out):

* the **core constraints** (:mod:`.instore`): one query per constraint, for every focus node;
* each **SHACL-SPARQL constraint**: its own ``SELECT`` joined with its shape's targets, one query
  per constraint (``$this`` bound by the join, as an engine that pre-binds it gets it bound);
* a SHACL-SPARQL constraint that calls the project's own SPARQL functions (``akf:quoteCheck``),
  which a remote store does not know, runs here on the triples it can read: those of the
  predicates its query names and its targets' types, fetched by one query. That is a slice of
  the graph (the statements' quotes and documents), not a copy of it. So does a constraint the
  store answers with an error rather than results: Virtuoso 7's SPARQL compiler fails on three of
  the project's constraints (docs/virtuoso-notes.md), which then run here on their slice.

The results are explained (labels, readable messages) from the neighbourhood of their focus
nodes alone, read from the store.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH
from rdflib.paths import Path as RdflibPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from ..errors import ConfigurationError, RemoteUnavailable
from ..store import CHANGES_GRAPH, KnowledgeGraph
from ..store.binding import bind
from ..store.sparqlparse import parsed
from . import instore
from .focused import (
    ReportWriter,
    ShapesIndex,
    SparqlConstraint,
    _distinct_rows,
    _explained,
    _functions,
    _sparql_report_all,
    shapes_index,
)
from .instore import below, hierarchy
from .neighbourhood import neighbourhood_store
from .reports import ValidationReport, merge_reports
from .shapesql import Unsupported, iri

log = logging.getLogger(__name__)


def validate_in_store(kg: KnowledgeGraph, shapes_dir: Path) -> ValidationReport:
    """Validate the whole graph of ``kg`` (its data graphs and default graph) against the shapes
    of ``shapes_dir``, every constraint answered by ``kg``'s store."""
    index = shapes_index(shapes_dir)
    functions = _functions(shapes_dir)
    report = merge_reports(
        [
            instore.core_report(_rows(kg), index.core_triples),
            *(_constraint_report(kg, c, functions) for c in index.constraints),
        ]
    )
    focus = sorted(
        {ox.NamedNode(str(n)) for n in report.objects(None, SH.focusNode) if isinstance(n, rdflib.URIRef)}, key=str
    )
    near = neighbourhood_store(_pattern(kg), focus, index.inverse_predicates) if focus else ox.Store()
    return _explained(report, near, index, shapes_dir, frozenset(), None)


def _rows(kg: KnowledgeGraph, functions: dict | None = None) -> instore.Run:
    def run(text: str):
        results = kg.validation_query(text, functions=functions)
        names = [v.value for v in results.variables]
        for row in results:
            yield {name: row[name] for name in names if row[name] is not None}

    return run


def _pattern(kg: KnowledgeGraph):
    """The quads of the graph validated that match (subject, predicate, object), in the default graph."""
    changes = ox.NamedNode(CHANGES_GRAPH)

    def quads(s, p, o) -> Iterable[ox.Quad]:
        return {ox.Quad(q.subject, q.predicate, q.object) for q in kg.quads(s, p, o, None) if q.graph_name != changes}

    return quads


# --- the SHACL-SPARQL constraints -----------------------------------------------------------------


def _constraint_report(kg: KnowledgeGraph, constraint: SparqlConstraint, functions: dict) -> rdflib.Graph:
    calls = _calls(constraint.query) & {f.value for f in functions}
    if calls and not kg.runs_functions:
        return _sliced_report(kg, constraint, functions)
    given = functions if calls else None
    try:
        return _queried_report(kg, constraint, given)
    except RemoteUnavailable as exc:
        if "store_status" not in exc.details or _read_predicates(constraint.query) is None:
            raise  # down, or no slice to fall back on
        log.warning("the store could not run %s (%s): running it on the triples it reads", constraint.node, exc)
        return _sliced_report(kg, constraint, functions)


def _queried_report(kg: KnowledgeGraph, constraint: SparqlConstraint, given: dict | None) -> rdflib.Graph:
    """The constraint run by the store: its own ``SELECT`` joined with its targets."""
    report = ReportWriter()
    if "this" in _projected(constraint.query):
        text = constraint.prefixes + f"SELECT * WHERE {{ {_targets(kg, constraint)} {{ {constraint.select} }} }}"
        rows = kg.validation_query(text, functions=given)
        for node, bound in _distinct_rows(rows, rows.variables):
            report.add(constraint, node, bound)
    else:  # $this not projected: the query can only be run once per focus node, with it bound
        targets = _rows(kg)(f"SELECT DISTINCT ?this WHERE {_targets(kg, constraint)}")
        for row in list(targets):
            focus: Any = row["this"]
            rows = kg.validation_query(bind(constraint.query, {"this": focus}), functions=given)
            for _, bound in _distinct_rows(rows, rows.variables, default=focus):
                report.add(constraint, focus, bound)
    return report.done()


def _targets(kg: KnowledgeGraph, constraint: SparqlConstraint) -> str:
    """A group binding ``?this`` to each focus node of the constraint's shape, once."""
    branches = []
    if constraint.target_classes:
        below_of = hierarchy(_rows(kg))
        classes = sorted({c for t in constraint.target_classes for c in below(below_of, t)})
        branches.append(f"VALUES ?_class {{ {' '.join(iri(c) for c in classes)} }} ?this a ?_class .")
    branches += [f"?this {iri(p)} ?_object ." for p in constraint.target_subjects_of]
    branches += [f"?_subject {iri(p)} ?this ." for p in constraint.target_objects_of]
    if constraint.target_nodes:
        branches.append("VALUES ?this { " + " ".join(iri(n) for n in constraint.target_nodes) + " }")
    if not branches:
        return "{ FILTER (false) }"
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + b + " }" for b in branches) + " } }"


def _sliced_report(kg: KnowledgeGraph, constraint: SparqlConstraint, functions: dict) -> rdflib.Graph:
    """The constraint run here, on the triples of ``kg`` it can read (the predicates its query
    names, and its targets' triples), with the project's functions."""
    predicates = _read_predicates(constraint.query)
    if predicates is None:
        raise Unsupported(
            f"the SPARQL constraint {constraint.node.n3()} calls the project's functions and reads a variable "
            "predicate: it cannot run over a remote store"
        )
    wanted = sorted(predicates | set(constraint.target_subjects_of) | set(constraint.target_objects_of))
    parts = ["{ ?s ?p ?o . FILTER (?p IN (" + ", ".join(iri(p) for p in wanted) + ")) }"] if wanted else []
    if constraint.target_classes:
        parts.append(f"{{ ?s a ?o . BIND ({iri(RDF.type)} AS ?p) }}")
        parts.append(f"{{ ?s {iri(RDFS.subClassOf)} ?o . BIND ({iri(RDFS.subClassOf)} AS ?p) }}")
    slice_ = ox.Store()
    if parts:
        text = "SELECT ?s ?p ?o WHERE { " + " UNION ".join(parts) + " }"
        slice_.extend(ox.Quad(r["s"], r["p"], r["o"]) for r in _rows(kg)(text))  # type: ignore[arg-type]
    return _sparql_report_all(slice_, [constraint], functions)


@lru_cache(maxsize=64)
def _facts(query: str) -> tuple[frozenset[str], frozenset[str], frozenset[str] | None]:
    """What a constraint's query projects, the functions it calls and the predicates it reads
    (:func:`_predicates`), from rdflib's algebra: read once, one thread at a time (rdflib's
    parser and the algebra it translates as it is walked are not for several threads: :func:`parsed`)."""

    def read():
        algebra = prepareQuery(query).algebra
        calls: set[str] = set()
        _walk(algebra, lambda node: calls.add(str(node.iri)) if getattr(node, "name", "") == "Function" else None)
        predicates = _predicates(algebra)
        projected = frozenset(str(v) for v in getattr(algebra, "PV", None) or ())
        return projected, frozenset(calls), None if predicates is None else frozenset(predicates)

    facts = parsed(read)
    if facts is None:
        raise ConfigurationError(f"a SHACL-SPARQL constraint's query cannot be read: {query[:200]}")
    return facts


def _projected(query: str) -> frozenset[str]:
    return _facts(query)[0]


def _calls(query: str) -> frozenset[str]:
    """The IRIs of the functions ``query`` calls outside SPARQL's own."""
    return _facts(query)[1]


def _read_predicates(query: str) -> frozenset[str] | None:
    return _facts(query)[2]


def _predicates(algebra: CompValue) -> set[str] | None:
    """The predicates of a query's triple patterns (inside paths too). A variable predicate
    counts as the IRIs a ``FILTER (?p IN (...))`` of the query lists for it; ``None`` if it has
    no such list (the query could read any triple)."""
    found: set[str] = set()
    variables: set[rdflib.Variable] = set()
    listed: dict[rdflib.Variable, set[str]] = {}

    def visit(node) -> None:
        if not isinstance(node, CompValue):
            return
        if node.name in ("BGP", "TriplesBlock"):  # a TriplesBlock: a pattern inside (NOT) EXISTS
            for _, p, _ in node.triples:
                if isinstance(p, rdflib.Variable):
                    variables.add(p)
                elif isinstance(p, RdflibPath):
                    found.update(str(t) for t in _path_iris(p))
                else:
                    found.add(str(p))
        elif node.name == "RelationalExpression" and node.get("op") == "IN" and isinstance(node.expr, rdflib.Variable):
            members = getattr(node, "other", None) or []
            if all(isinstance(m, rdflib.URIRef) for m in members):
                listed.setdefault(node.expr, set()).update(str(m) for m in members)

    _walk(algebra, visit)
    if any(v not in listed for v in variables):
        return None
    return found.union(*(listed[v] for v in variables))


def _path_iris(path) -> Iterable[rdflib.URIRef]:
    if isinstance(path, rdflib.URIRef):
        yield path
        return
    for attribute in ("args", "path"):
        inner = getattr(path, attribute, None)
        for part in inner if isinstance(inner, list) else ([inner] if inner is not None else []):
            yield from _path_iris(part)


def _walk(node, visit) -> None:
    visit(node)
    if isinstance(node, CompValue):
        for key in list(node.keys()):  # as attributes: a pattern inside (NOT) EXISTS is translated then
            _walk(getattr(node, key), visit)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, visit)


__all__ = ["ShapesIndex", "validate_in_store"]
