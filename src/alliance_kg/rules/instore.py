"""The core SHACL constraints as SPARQL queries, run by the store that holds the data.

Engine ``sparql`` (``alliance-kg validate --engine sparql``, and the default over a remote SPARQL
store): each constraint of each shape is one SELECT query (compiled by :mod:`.shapesql`) that finds
*every* focus node that breaks it at once, so the store does the work, from its own indexes, and
nothing is copied out of it. A query returns only the results; the report graph is built from
them as pySHACL writes it (focus node, path, value, source shape, constraint component, severity,
the shape's message), and the tests hold it to pySHACL's report on every fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from ..store import solutions
from .reports import to_rdflib
from .shapesql import Check, Unsupported, compile_shapes, iri

__all__ = ["Run", "Unsupported", "below", "core_report", "hierarchy", "rows_of"]

#: Runs a SELECT query, giving its rows as variable name -> term (unbound ones left out).
Run = Callable[[str], Iterable[Mapping[str, object]]]


def core_report(run: Run, core_triples: tuple, *, focus_nodes: Iterable[str] | None = None) -> rdflib.Graph:
    """The report graph of the core shapes (``core_triples``) on the data ``run`` queries, for
    ``focus_nodes`` only when given.

    >>> store = ox.Store()
    >>> store.load(b'<https://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://ex.org/C> .', ox.RdfFormat.N_TRIPLES)
    >>> shapes = rdflib.Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
    ... <https://ex.org/S> sh:targetClass <https://ex.org/C> ;
    ...   sh:property [ sh:path <https://ex.org/name> ; sh:minCount 1 ; sh:message "no name" ] .''')
    >>> report = core_report(rows_of(store), tuple(shapes))
    >>> [str(m) for m in report.objects(None, SH.resultMessage)]
    ['no name']
    """
    focus = None if focus_nodes is None else sorted(set(focus_nodes))
    shapes, checks = compile_shapes(core_triples)
    classes = hierarchy(run)
    report = rdflib.Graph()
    root = rdflib.BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    conforms = True
    if focus != []:
        for check in checks:
            text = _PLACEHOLDER.sub(lambda m: _fill(m.group(1), classes, focus), check.query)
            for row in run(text):
                conforms = False
                _add_result(report, root, shapes, check, row)
    report.add((root, SH.conforms, rdflib.Literal(conforms)))
    return report


def rows_of(store: ox.Store, **kwargs) -> Run:
    """A :data:`Run` over a pyoxigraph store (``kwargs``: those of :meth:`pyoxigraph.Store.query`)."""

    def run(text: str):
        results = solutions(store.query(text, **kwargs))
        names = [v.value for v in results.variables]
        for row in results:
            yield {name: row[name] for name in names if row[name] is not None}

    return run


#: A placeholder of a compiled query: ``<%focus%>`` (the focus nodes, nothing when all are
#: validated), ``<%classes:IRI%>`` or ``<%values:IRI%>`` (the class and every class below it in
#: the data, comma- or space-separated); an IRI holds no ``>``, so none ends early.
_PLACEHOLDER = re.compile(r"<%(.+?)%>")


def _fill(key: str, hierarchy: dict[str, set[str]], focus: list[str] | None) -> str:
    if key == "focus":
        return "" if focus is None else "VALUES ?this { " + " ".join(iri(n) for n in focus) + " }"
    kind, _, cls = key.partition(":")  # classes: a list for IN (...); values: for VALUES { ... }
    return (", " if kind == "classes" else " ").join(iri(c) for c in sorted(below(hierarchy, cls)))


def hierarchy(run: Run) -> dict[str, set[str]]:
    """The data's ``rdfs:subClassOf`` links, class -> the classes directly below it."""
    below: dict[str, set[str]] = {}
    for row in run(f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub {iri(RDFS.subClassOf)} ?super }}"):
        sub, sup = row.get("sub"), row.get("super")
        if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
            below.setdefault(sup.value, set()).add(sub.value)
    return below


def below(hierarchy: dict[str, set[str]], cls: str) -> set[str]:
    found, todo = {cls}, [cls]
    while todo:
        for sub in hierarchy.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


# --- the report ---------------------------------------------------------------------------------


def _add_result(report: rdflib.Graph, root, shapes: rdflib.Graph, check: Check, row: Mapping[str, object]) -> None:
    result = rdflib.BNode()
    focus = to_rdflib(row["this"])
    report.add((root, SH.result, result))
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, focus))
    report.add((result, SH.resultSeverity, check.severity))
    report.add((result, SH.sourceShape, check.shape))
    report.add((result, SH.sourceConstraintComponent, check.component))
    if check.value == "value" and "value" in row:
        report.add((result, SH.value, to_rdflib(row["value"])))
    elif check.value == "focus":
        report.add((result, SH.value, focus))
    if check.path is not None:
        report.add((result, SH.resultPath, check.path))
        _copy_path(shapes, check.path, report)
    for message in check.messages:
        report.add((result, SH.resultMessage, message))


def _copy_path(shapes: rdflib.Graph, node, report: rdflib.Graph) -> None:
    if isinstance(node, rdflib.BNode):
        for p, o in shapes.predicate_objects(node):
            report.add((node, p, o))
            _copy_path(shapes, o, report)
