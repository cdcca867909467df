"""Validation of a few focus nodes, at a cost that follows the change, not the graph.

A write is validated on the nodes it can affect (:mod:`alliance_kg.rules.guard` finds them). pySHACL,
given those focus nodes over the whole graph, still counts and scans it, and runs the
SHACL-SPARQL constraints through rdflib's engine: seconds at 100k triples. So the work is split:

* **SHACL-SPARQL constraints** (``sh:sparql``) run on Oxigraph, over the whole graph, once per
  focus node the shape targets, with ``$this`` pre-bound (SHACL 1.0, section 5). Oxigraph
  answers them from its indexes in well under a millisecond each. They may call the project's
  SPARQL functions (``akf:quoteCheck``, :mod:`alliance_kg.rules.quotes`).
* **Core constraints** (``sh:class``, ``sh:minCount``, ``sh:datatype``, ``sh:or``, ...) run with the
  chosen engine (:mod:`.engines`) on a small in-memory store: the *neighbourhood* of the focus nodes, every triple those
  constraints can read. Their paths here are one step long, forwards or inverse, so that is:
  the focus nodes' own triples; the triples into them by a predicate some shape reads backwards
  (``sh:inversePath``, ``sh:targetObjectsOf``); the triples of the nodes one step away (for
  nested shapes and ``sh:class``); the types of the nodes two steps away; and the class
  hierarchy (``rdfs:subClassOf``).

:func:`long_paths` checks the shapes keep to one-step paths, so a shape
added later with a longer path is caught by the tests rather than validated wrongly; the guard's
tests check that this validation and a full one agree on every shape fixture.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from ..store import solutions
from ..store.binding import lateral_optionals, query_bound
from .engines import Engine, core_report, engine_for
from .neighbourhood import DEFAULT, OX_SUBCLASS, OX_TYPE, neighbourhood, neighbourhood_store
from .quotes import fingerprints_path, oxigraph_functions
from .reports import (
    ValidationReport,
    load_shapes,
    merge_reports,
    report_conforms,
    report_results,
    to_rdflib,
)


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a shape, ready to run on Oxigraph."""

    shape: str
    node: rdflib.term.Node
    query: str
    messages: tuple[rdflib.Literal, ...]
    severity: str
    property_shape: bool
    target_classes: tuple[str, ...]
    target_subjects_of: tuple[str, ...]
    target_objects_of: tuple[str, ...]
    target_nodes: tuple[str, ...]
    #: The ``PREFIX`` lines and the ``SELECT`` apart (``query`` is the two together).
    prefixes: str = ""
    select: str = ""

    @functools.cached_property
    def lateral(self) -> str:
        """The query for one focus node on Oxigraph: each ``OPTIONAL`` of its ``WHERE`` evaluated
        for the rows before it (:func:`alliance_kg.store.binding.lateral_optionals`)."""
        return lateral_optionals(self.query)


@dataclass(frozen=True)
class ShapesIndex:
    """What focused validation needs to know of the shapes: the SPARQL constraints, the
    predicates read backwards, and the core shapes graph (the shapes without ``sh:sparql``)."""

    constraints: tuple[SparqlConstraint, ...]
    inverse_predicates: frozenset[str]
    core_triples: tuple


def shapes_index(shapes_dir: Path) -> ShapesIndex:
    paths = sorted(Path(shapes_dir).glob("*.ttl"))
    return _index(tuple((str(p), p.stat().st_mtime_ns) for p in paths), str(shapes_dir))


@lru_cache(maxsize=8)
def _index(files: tuple, shapes_dir: str) -> ShapesIndex:
    shapes = load_shapes(Path(shapes_dir))
    constraints = []
    for shape, node in shapes.subject_objects(SH.sparql):
        if shapes.value(node, SH.deactivated) == rdflib.Literal(True):
            continue
        prefixes = "".join(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
            for holder in shapes.objects(node, SH.prefixes)
            for d in shapes.objects(holder, SH.declare)
        )
        messages = tuple(
            sorted(
                (
                    m
                    for m in (*shapes.objects(shape, SH.message), *shapes.objects(node, SH.message))
                    if isinstance(m, rdflib.Literal)
                ),
                key=str,
            )
        )
        constraints.append(
            SparqlConstraint(
                shape=str(shape),
                node=node,
                query=prefixes + str(shapes.value(node, SH.select)),
                messages=messages,
                severity=str(shapes.value(shape, SH.severity) or SH.Violation),
                property_shape=shapes.value(shape, SH.path) is not None,
                target_classes=tuple(str(c) for c in shapes.objects(shape, SH.targetClass)),
                target_subjects_of=tuple(str(p) for p in shapes.objects(shape, SH.targetSubjectsOf)),
                target_objects_of=tuple(str(p) for p in shapes.objects(shape, SH.targetObjectsOf)),
                target_nodes=tuple(str(n) for n in shapes.objects(shape, SH.targetNode)),
                prefixes=prefixes,
                select=str(shapes.value(node, SH.select)),
            )
        )
    inverse = {str(p) for p in shapes.objects(None, SH.inversePath)} | {
        str(p) for p in shapes.objects(None, SH.targetObjectsOf)
    }
    shapes.remove((None, SH.sparql, None))
    return ShapesIndex(tuple(sorted(constraints, key=lambda c: c.shape)), frozenset(inverse), tuple(shapes))


def long_paths(shapes_dir: Path) -> list[str]:
    """The property paths of the shapes that are longer than one step (focused validation
    would miss what they read): none, for the shipped shapes.

    >>> from alliance_kg.resources import shipped_root
    >>> long_paths(shipped_root() / "shapes")
    []
    """
    shapes = load_shapes(shapes_dir)
    long = []
    for path in shapes.objects(None, SH.path):
        if isinstance(path, rdflib.URIRef):
            continue
        inverse = shapes.value(path, SH.inversePath)
        if isinstance(inverse, rdflib.URIRef) and len(set(shapes.predicate_objects(path))) == 1:
            continue
        long.append(str(path))
    return long


def validate_focus(
    store: ox.Store,
    shapes_dir: Path,
    focus_nodes: Iterable[str],
    *,
    new_nodes: frozenset[str] = frozenset(),
    engine: Engine | None = None,
) -> ValidationReport:
    """Validate ``focus_nodes`` (IRIs) of the default graph of ``store`` against the shapes of
    ``shapes_dir``: the same results as a full validation gives for these nodes."""
    index = shapes_index(shapes_dir)
    focus = [ox.NamedNode(n) for n in dict.fromkeys(focus_nodes)]
    if not focus:
        return _empty_report()
    # The core constraints read what the focus nodes reach, copied into a small store: an engine
    # given the whole store takes time that follows the graph (pyshacl-turbo reads all of it).
    near = neighbourhood_store(store, focus, index.inverse_predicates)
    report = merge_reports(
        [
            core_report(
                near, index.core_triples, engine=engine_for(engine, full=False), focus_nodes=[n.value for n in focus]
            ),
            _sparql_report(store, focus, index.constraints, _functions(shapes_dir)),
        ]
    )
    return _explained(report, store, index, shapes_dir, new_nodes, None)


def validate_all(
    store: ox.Store, shapes_dir: Path, *, new_nodes: frozenset[str] = frozenset(), engine: Engine | None = None
) -> ValidationReport:
    """Validate the whole default graph of ``store``: each SHACL-SPARQL constraint as one query
    over the graph with ``$this`` left free (the shapes' queries bind it themselves, as SHACL
    engines that join the pre-binding in require), its rows kept for the shape's targets; the
    core constraints with ``engine`` (:mod:`.engines`)."""
    index = shapes_index(shapes_dir)
    report = merge_reports(
        [
            core_report(
                store, index.core_triples, engine=engine_for(engine, full=True, core_triples=index.core_triples)
            ),
            _sparql_report_all(store, index.constraints, _functions(shapes_dir)),
        ]
    )
    return _explained(report, store, index, shapes_dir, new_nodes, None)


def _explained(
    report: rdflib.Graph,
    store: ox.Store,
    index: ShapesIndex,
    shapes_dir: Path,
    new_nodes: frozenset[str],
    near: rdflib.Graph | None,
) -> ValidationReport:
    """The report with its results explained (:func:`.reports.report_results`), from the
    neighbourhood of their focus nodes (``near``, if the caller has it) and the shapes. A report
    without results (most) needs neither, and neither is built."""
    if (None, RDF.type, SH.ValidationResult) not in report:
        return ValidationReport(report_conforms(report), (), report)
    if near is None:
        focus = {ox.NamedNode(str(n)) for n in report.objects(None, SH.focusNode) if isinstance(n, rdflib.URIRef)}
        near = neighbourhood(store, sorted(focus, key=str), index.inverse_predicates)
    core_shapes = rdflib.Graph()
    core_shapes.addN((s, p, o, core_shapes) for s, p, o in index.core_triples)
    shapes = [core_shapes, load_shapes(shapes_dir)]
    return ValidationReport(report_conforms(report), report_results(report, near, shapes, new_nodes), report)


def _all_targets(store: ox.Store, constraint: SparqlConstraint) -> set:
    found: set = {ox.NamedNode(n) for n in constraint.target_nodes}
    for predicate in constraint.target_subjects_of:
        found |= {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT)}
    for predicate in constraint.target_objects_of:
        found |= {q.object for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT)}
    for target in constraint.target_classes:
        for cls in _subclasses(store, ox.NamedNode(target)):
            found |= {q.subject for q in store.quads_for_pattern(None, OX_TYPE, cls, DEFAULT)}
    return found


def _functions(shapes_dir: Path) -> dict:
    """The project's SPARQL functions (``akf:quoteCheck``...), over the quote fingerprints of the
    graph whose shapes are in ``shapes_dir`` (``data/fingerprints/`` beside them)."""
    return oxigraph_functions(fingerprints_path(Path(shapes_dir).parent))


def _sparql_report_all(store: ox.Store, constraints: Iterable[SparqlConstraint], functions: dict) -> rdflib.Graph:
    """A ``sh:ValidationReport`` of the SPARQL constraints on every node they target."""
    report = ReportWriter()
    for constraint in constraints:
        targets = _all_targets(store, constraint)
        if not targets:
            continue
        rows = solutions(store.query(constraint.query, custom_functions=functions))
        variables = rows.variables
        if ox.Variable("this") not in variables:  # not projected: run it on each target instead
            report.adopt(_sparql_report(store, sorted(targets, key=str), [constraint], functions))
            continue
        for node, bound in _distinct_rows(rows, variables):
            if node in targets:
                report.add(constraint, node, bound)
    return report.done()


def _empty_report() -> ValidationReport:
    report = merge_reports([])
    return ValidationReport(True, (), report)


# --- the SPARQL constraints, on Oxigraph --------------------------------------------------------


def _targets(store: ox.Store, constraint: SparqlConstraint, node: ox.NamedNode, classes: dict) -> bool:
    if node.value in constraint.target_nodes:
        return True
    for predicate in constraint.target_subjects_of:
        if next(store.quads_for_pattern(node, ox.NamedNode(predicate), None, DEFAULT), None) is not None:
            return True
    for predicate in constraint.target_objects_of:
        if next(store.quads_for_pattern(None, ox.NamedNode(predicate), node, DEFAULT), None) is not None:
            return True
    if constraint.target_classes:
        types = {q.object for q in store.quads_for_pattern(node, OX_TYPE, None, DEFAULT)}
        for target in constraint.target_classes:
            if target not in classes:
                classes[target] = _subclasses(store, ox.NamedNode(target))
            if types & classes[target]:
                return True
    return False


def _subclasses(store: ox.Store, cls: ox.NamedNode) -> set[ox.NamedNode]:
    """``cls`` and every class below it (``rdfs:subClassOf*``)."""
    found, todo = {cls}, [cls]
    while todo:
        for quad in store.quads_for_pattern(None, OX_SUBCLASS, todo.pop(), DEFAULT):
            if isinstance(quad.subject, ox.NamedNode) and quad.subject not in found:
                found.add(quad.subject)
                todo.append(quad.subject)
    return found


def _sparql_report(
    store: ox.Store, focus: list[ox.NamedNode], constraints: Iterable[SparqlConstraint], functions: dict
) -> rdflib.Graph:
    """A ``sh:ValidationReport`` of the SPARQL constraints on ``focus``, as pySHACL writes it."""
    report = ReportWriter()
    classes: dict = {}
    for constraint in constraints:
        for node in focus:
            if not _targets(store, constraint, node, classes):
                continue
            rows = solutions(query_bound(store, constraint.lateral, {"this": node}, custom_functions=functions))
            for _, bound in _distinct_rows(rows, rows.variables, default=node):
                report.add(constraint, node, bound)
    return report.done()


class ReportWriter:
    """A ``sh:ValidationReport`` of SPARQL constraints being written, as pySHACL writes it: one
    result at a time, ``sh:conforms`` once every result is in."""

    def __init__(self) -> None:
        self.graph = rdflib.Graph()
        self.root = rdflib.BNode()
        self.conforms = True

    def add(self, constraint: SparqlConstraint, node, bound: dict) -> None:
        """A result of ``constraint`` on ``node`` (``bound``: the variables its row binds)."""
        self.conforms = False
        _add_result(self.graph, self.root, constraint, node, bound)

    def adopt(self, other: rdflib.Graph) -> None:
        """Every result of another report."""
        for result in other.objects(None, SH.result):
            self.conforms = False
            self.graph.add((self.root, SH.result, result))
            self.graph += other.triples((result, None, None))

    def done(self) -> rdflib.Graph:
        self.graph.add((self.root, RDF.type, SH.ValidationReport))
        self.graph.add((self.root, SH.conforms, rdflib.Literal(self.conforms)))
        return self.graph


def _distinct_rows(solutions, variables, default=None):
    """``(focus node, bound variables)`` of each solution, each result once (as pySHACL reports
    them: the same focus node, path, value and other bindings make one result)."""
    seen = set()
    for row in solutions:
        bound = {v.value: row[v] for v in variables if row[v] is not None}
        key = tuple(sorted((name, str(term)) for name, term in bound.items()))
        if key not in seen:
            seen.add(key)
            yield bound.get("this", default), bound


def _add_result(report: rdflib.Graph, root, constraint: SparqlConstraint, node: ox.NamedNode, bound: dict) -> None:
    result = rdflib.BNode()
    focus = to_rdflib(bound.get("this", node))
    value = bound.get("value")
    value = to_rdflib(value) if value is not None else (None if constraint.property_shape else focus)
    report.add((root, SH.result, result))
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, focus))
    report.add((result, SH.resultSeverity, rdflib.URIRef(constraint.severity)))
    report.add((result, SH.sourceShape, rdflib.URIRef(constraint.shape)))
    report.add((result, SH.sourceConstraint, constraint.node))
    report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
    if value is not None:
        report.add((result, SH.value, value))
    if "path" in bound:
        report.add((result, SH.resultPath, to_rdflib(bound["path"])))
    texts = {name: _text(term) for name, term in bound.items()}
    for message in constraint.messages:
        text = str(message)
        for name, replacement in texts.items():
            text = re.sub(f"{{[?$]{re.escape(name)}}}", _literally(replacement), text)
        report.add((result, SH.resultMessage, rdflib.Literal(text)))


def _text(term) -> str:
    """A term as pySHACL writes it into a message: ``str`` of its rdflib form."""
    return str(to_rdflib(term)) if not isinstance(term, ox.Triple) else str(term)


def _literally(text: str):
    """A ``re.sub`` replacement that puts ``text`` in as it is (no backslash escapes)."""
    return lambda _match: text
