"""Validation reports: the shapes, pySHACL's run, and the report graph read as results.

The report graph (``sh:ValidationReport``) is the source of truth; JSON and text are views of it.
A fresh shapes graph is parsed for every run: pySHACL adds to the shapes graph it is given,
so one must never be shared between runs or threads. Both validators (the full one and the
focused one, :mod:`.focused`) build their reports with the functions here.

The shapes may call the project's SPARQL functions (``akf:quoteCheck``, :mod:`alliance_kg.rules.quotes`):
for rdflib, and so for pySHACL, they are registered once, when this module is imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from ..errors import ConfigurationError
from ..store import PREFIXES
from .messages import explain, sparql_path
from .quotes import register_rdflib_functions

register_rdflib_functions()

SEVERITY_NAMES: dict[rdflib.term.Node, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with readable labels."""

    focus_node: str
    focus_label: str
    path: str | None
    value: str | None
    severity: str
    message: str
    source_shape: str
    source_shape_label: str


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation: ``conforms``, the results, and the SHACL report graph."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: rdflib.Graph

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "result_count": len(self.results),
            "results": [asdict(r) for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def serialize(self, format: str = "turtle") -> str:
        return self.graph.serialize(format=format)

    def to_text(self) -> str:
        """A report for people: one paragraph per result, grouped by rule."""
        if self.conforms:
            return "The graph conforms to every shape: 0 results."
        lines = [f"The graph does not conform: {len(self.results)} result(s)."]
        by_shape: dict[str, list[ValidationResult]] = {}
        for r in self.results:
            by_shape.setdefault(r.source_shape_label, []).append(r)
        for shape, results in by_shape.items():
            lines.append("")
            lines.append(f"Rule: {shape} ({len(results)})")
            for r in results:
                lines.append(f"  - {r.severity}: {r.message}")
                lines.append(f"    focus node: {r.focus_label} <{r.focus_node}>")
                if r.path:
                    lines.append(f"    path: {short_path(r.path)}" + (f", value: {r.value}" if r.value else ""))
        return "\n".join(lines)


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    """A new graph holding every ``*.ttl`` file of ``shapes_dir``.

    The files are parsed once (again when one changes); each call returns a fresh graph, since
    pySHACL adds to the shapes graph it is given.
    """
    paths = sorted(Path(shapes_dir).glob("*.ttl"))
    if not paths:
        raise ConfigurationError(f"no SHACL shapes (*.ttl) in {shapes_dir}")
    triples, namespaces = _parsed_shapes(tuple((str(p), p.stat().st_mtime_ns) for p in paths))
    shapes = rdflib.Graph()
    for prefix, ns in namespaces:
        shapes.bind(prefix, ns, override=True)
    shapes.addN((s, p, o, shapes) for s, p, o in triples)
    return shapes


@lru_cache(maxsize=8)
def _parsed_shapes(files: tuple[tuple[str, int], ...]) -> tuple[tuple, tuple]:
    parsed = rdflib.Graph()
    for path, _ in files:
        try:
            parsed.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise ConfigurationError(f"cannot read the shapes file {Path(path).name}: {exc}") from exc
    return tuple(parsed), tuple(parsed.namespaces())


def run_shacl(
    data: rdflib.Graph, shapes: rdflib.Graph, use_shapes: list | None, focus_nodes: list | None = None
) -> rdflib.Graph:
    """pySHACL's report graph for ``data`` against ``shapes`` (only ``use_shapes``, and only
    ``focus_nodes``, when given: an empty ``use_shapes`` gives an empty, conforming report)."""
    if use_shapes is not None and not use_shapes:
        return merge_reports([])
    import pyshacl  # here, not at the top: it takes a third of a second to import, and start-up needs none of it

    try:
        conforms, report, text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            use_shapes=use_shapes,
            inference="none",
            allow_warnings=False,
            focus_nodes=focus_nodes,
        )
    except Exception as exc:  # pySHACL reports broken shapes with a range of exception types
        raise ConfigurationError(f"SHACL validation could not run: {exc}") from exc
    if not isinstance(report, rdflib.Graph):  # pySHACL returns a failure object for unusable shapes
        raise ConfigurationError(f"SHACL validation could not run: {report}")
    return report


def report_conforms(report: rdflib.Graph) -> bool:
    """What the ``sh:conforms`` of the ``sh:ValidationReport`` in ``report`` says."""
    node = report.value(predicate=RDF.type, object=SH.ValidationReport)
    flag = report.value(node, SH.conforms) if node is not None else None
    return isinstance(flag, rdflib.Literal) and bool(flag.toPython())


def merge_reports(reports: list[rdflib.Graph]) -> rdflib.Graph:
    """One ``sh:ValidationReport`` holding the results of ``reports``."""
    merged = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        merged.bind(prefix, ns)
    merged.bind("sh", SH)
    node = rdflib.BNode()
    merged.add((node, RDF.type, SH.ValidationReport))
    conforms = True
    for report in reports:
        old = report.value(predicate=RDF.type, object=SH.ValidationReport)
        conforms = conforms and report_conforms(report)
        for s, p, o in report:
            if s == old:
                if p == SH.result:
                    merged.add((node, SH.result, o))
            else:
                merged.add((s, p, o))
    merged.add((node, SH.conforms, rdflib.Literal(conforms)))
    return merged


def to_rdflib(term):
    """An Oxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    # as written: rdflib would otherwise "normalise" an ill-formed "2011-01-01"^^xsd:dateTime into a well-formed one
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)


def _label(node, *graphs: rdflib.Graph) -> str:
    for g in graphs:
        for prop in (RDFS.label, SKOS.prefLabel):
            value = g.value(node, prop)
            if value is not None:
                return str(value)
    return str(node)


def _owner(shape, shapes_graphs: list[rdflib.Graph]):
    """The node shape that holds a (blank-node) property shape, or the shape itself."""
    if not isinstance(shape, rdflib.BNode):
        return shape, shapes_graphs[0]
    for g in shapes_graphs:
        owner = g.value(predicate=SH.property, object=shape)
        if owner is not None:
            return owner, g
    return shape, shapes_graphs[0]


def report_results(
    report: rdflib.Graph, data: rdflib.Graph, shapes_graphs: list[rdflib.Graph], new: frozenset[str] = frozenset()
) -> tuple[ValidationResult, ...]:
    """The results of ``report`` (a pySHACL-style report graph, about ``data``), their messages
    naming the things (:func:`alliance_kg.rules.messages.explain`; ``new``: the IRIs a write would add)
    and written back into the report graph, so that every format says the same; the SPARQL
    constraints a result cites (``sh:sourceConstraint``) described in the report too."""
    results = []
    for node in list(report.subjects(rdflib.RDF.type, SH.ValidationResult)):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        shape = report.value(node, SH.sourceShape)
        owner, shapes = _owner(shape, shapes_graphs)
        message = explain(str(report.value(node, SH.resultMessage) or "(no message)"), data, focus, new=new)
        report.remove((node, SH.resultMessage, None))
        report.add((node, SH.resultMessage, rdflib.Literal(message)))
        constraint = report.value(node, SH.sourceConstraint)
        if isinstance(constraint, rdflib.URIRef):
            for graph in shapes_graphs:
                for prop in (RDF.type, RDFS.label):
                    for described in graph.objects(constraint, prop):
                        report.add((constraint, prop, described))
        results.append(
            ValidationResult(
                focus_node=str(focus),
                focus_label=_label(focus, data),
                path=None
                if path is None
                else (str(path) if isinstance(path, rdflib.URIRef) else sparql_path(report, path)),
                value=None if value is None else str(value),
                severity=SEVERITY_NAMES.get(report.value(node, SH.resultSeverity) or SH.Violation, "Violation"),
                message=message,
                source_shape=str(owner),
                source_shape_label=_label(owner, shapes),
            )
        )
    return tuple(sorted(results, key=lambda r: (r.source_shape, r.focus_node, r.message)))


def short_path(path: str) -> str:
    """A result's path for people: SPARQL syntax, IRIs shortened with the project's prefixes.

    >>> short_path("https://w3id.org/alliance-kg/ontology#leader"), short_path("^<https://w3id.org/alliance-kg/ontology#leader>")
    ('akg:leader', '^akg:leader')
    """
    text = path if path.startswith(("^", "(", "<")) else f"<{path}>"

    def shorten(match) -> str:
        iri = match.group(1)
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return match.group(0)

    return re.sub(r"<([^<>]+)>", shorten, text)
