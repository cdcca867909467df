"""The engines that check the core SHACL constraints (``sh:minCount``, ``sh:class``,
``sh:uniqueLang``...); the SHACL-SPARQL constraints always run as queries on the store itself
(:mod:`.focused`), since they call the project's own SPARQL functions.

* ``turbo`` (the default): pyshacl-turbo, a SHACL engine in Rust with pySHACL's API. Given a
  pyoxigraph store it dumps it and reads it into a graph of its own, and it compiles the shapes
  once. The focus nodes of a write are validated on their neighbourhood, a small store
  (:func:`.neighbourhood.neighbourhood_store`): given the whole store, 800 ms a write at 100k
  triples; this way 4 ms. On the project's shapes it gives pySHACL's results on every fixture and
  on the shipped graph (``bench/shacl_engines.py``, docs/validation.md).
* ``rust``: shacl-rust, a SHACL engine in Rust reading N-Triples text, its results made into the
  report graph pySHACL gives (``alliance-kg validate --engine rust``); see :data:`FULL_ENGINE`.
* ``sparql``: each constraint one SPARQL query over the whole store, answered by the store
  itself (:mod:`.instore`): nothing is copied out of it. The default over a remote SPARQL store.
* ``pyshacl``: plain pySHACL on an rdflib copy of the data, the reference
  (``alliance-kg validate --engine pyshacl``; the tests compare the two on every fixture).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH
from rdflib.util import from_n3

from ..errors import ConfigurationError
from . import instore
from .reports import merge_reports, run_shacl, to_rdflib
from .shapesql import Unsupported, compile_shapes

Engine = Literal["turbo", "rust", "sparql", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("turbo", "rust", "sparql", "pyshacl")
#: The engine of a write's focus nodes (a small store: pyshacl-turbo reads it in microseconds).
DEFAULT_ENGINE: Engine = "turbo"
#: The engine of a full validation: ``sparql``, every constraint a query the store answers, nothing
#: copied (at 1M triples 11 s and 1.4 GB against pyshacl-turbo's 27 s and 1.8 GB, the same
#: results: docs/validation.md), when it compiles the shapes; else ``turbo``
#: (:func:`engine_for`). shacl-rust (``rust``) misses ill-formed literals of a ``sh:datatype``
#: (core/property datatype-001, datatype-ill-formed, or-datatypes-001), and the shapes check dates
#: by ``sh:datatype``: correctness first.
FULL_ENGINE: Engine = "sparql"


def engine_for(engine: Engine | None, *, full: bool, core_triples: tuple = ()) -> Engine:
    """``engine`` if one is asked for, else the default of a full (or a focused) validation: for a
    full one, ``sparql`` where it compiles ``core_triples``, else ``turbo``."""
    if engine:
        return engine
    if not full:
        return DEFAULT_ENGINE
    return FULL_ENGINE if compiles(core_triples) else "turbo"


def compiles(core_triples: tuple) -> bool:
    """Whether the ``sparql`` engine compiles the core shapes ``core_triples``."""
    try:
        compile_shapes(core_triples)
    except Unsupported:
        return False
    return True


#: Compiled shapes, by the core triples of one version of the shapes (kept with them: an id alone
#: could be reused by other triples).
_COMPILED: dict[int, tuple[tuple, object]] = {}
#: One validation at a time per compiled shapes: the engine does not say it may be shared.
_LOCK = threading.Lock()


def core_report(
    store: ox.Store,
    core_triples: tuple,
    *,
    engine: Engine = DEFAULT_ENGINE,
    focus_nodes: Iterable[str] | None = None,
) -> rdflib.Graph:
    """The report graph of the core shapes (``core_triples``) on the default graph of ``store``,
    for ``focus_nodes`` only when given (an empty list: nothing to validate).

    pyshacl-turbo reads ``store`` itself, pySHACL an rdflib copy of its default graph: for the
    focus nodes of a write, ``store`` is a small one holding their neighbourhood.
    """
    focus = None if focus_nodes is None else [str(n) for n in focus_nodes]
    if focus == [] or not core_triples:
        return merge_reports([])
    if engine == "pyshacl":
        data = rdflib.Graph(bind_namespaces="none")
        data.addN(
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), data)
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        )
        shapes = rdflib.Graph()  # a new one each time: pySHACL adds to the shapes graph it is given
        shapes.addN((s, p, o, shapes) for s, p, o in core_triples)
        return run_shacl(data, shapes, None, focus)
    if engine == "rust":
        return _rust_report(store, core_triples, focus)
    if engine == "sparql":
        return instore.core_report(instore.rows_of(store), core_triples, focus_nodes=focus)
    if engine != "turbo":
        raise ConfigurationError(f"unknown SHACL engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    compiled = _compiled(core_triples)
    with _LOCK:
        try:
            _, report, _ = compiled.validate(  # type: ignore[attr-defined]
                store,
                inference="none",
                allow_warnings=False,
                focus_nodes=None if focus is None else [rdflib.URIRef(n) for n in focus],
            )
        except Exception as exc:  # the engine reports broken shapes with a range of exception types
            raise ConfigurationError(f"SHACL validation could not run: {exc}") from exc
    return report


def _compiled(core_triples: tuple) -> object:
    """pyshacl-turbo's compiled form of the core shapes, made once per version of the shapes
    (``core_triples`` is kept by :func:`.focused.shapes_index` while the files are unchanged)."""
    entry = _COMPILED.get(id(core_triples))
    if entry is not None and entry[0] is core_triples:
        return entry[1]
    import pyshacl_turbo  # here: start-up needs no validation engine

    shapes = rdflib.Graph()
    shapes.addN((s, p, o, shapes) for s, p, o in core_triples)
    compiled = pyshacl_turbo.compile_shapes(shapes)
    if len(_COMPILED) >= 8:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[id(core_triples)] = (core_triples, compiled)
    return compiled


def _rust_report(store: ox.Store, core_triples: tuple, focus: list[str] | None) -> rdflib.Graph:
    """shacl-rust's results on the default graph of ``store`` (written out as N-Triples: it reads
    text), as the report graph pySHACL would give (``focus``: only these nodes' results)."""
    import shacl_rust  # here: start-up needs no validation engine

    shapes_text, shapes_of = _named_shapes(core_triples)
    messages_of: dict = {}
    paths_of: dict = {}
    by_subject: dict = {}
    for s, p, o in core_triples:
        by_subject.setdefault(s, []).append((p, o))
        if p == SH.message:
            messages_of.setdefault(s, []).append(o)
        elif p == SH.path:
            paths_of[s] = o
    data = (store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"").decode()
    try:
        answer = shacl_rust.validate(data, shapes_text, data_format="nt", shapes_format="nt", experimental_index=True)
    except Exception as exc:  # the engine reports broken shapes with a range of exception types
        raise ConfigurationError(f"SHACL validation could not run: {exc}") from exc
    report = rdflib.Graph()
    root = rdflib.BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    kept = None if focus is None else set(focus)
    conforms = True
    for item in answer["results"]:
        focus_node = _term(item["focusNode"])
        if kept is not None and str(focus_node) not in kept:
            continue
        conforms = False
        result = rdflib.BNode()
        report.add((root, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, focus_node))
        report.add((result, SH.resultSeverity, _term(item["severity"])))
        report.add((result, SH.sourceConstraintComponent, _term(item["sourceConstraintComponent"])))
        shape = _term(item["sourceShape"])
        report.add((result, SH.sourceShape, shapes_of.get(shape, shape)))
        if item.get("value") is not None:
            report.add((result, SH.value, _term(item["value"])))
        path = item.get("resultPath")
        if path:  # written in SPARQL's syntax: the property shape's own sh:path, as SHACL gives it
            source = shapes_of.get(shape, shape)
            node = paths_of.get(source)
            if node is None:
                node = _term(path)
            report.add((result, SH.resultPath, node))
            _copy_path(node, by_subject, report)
        # the shape's own sh:message where it has one (as pySHACL gives it), else the engine's words
        for message in messages_of.get(shapes_of.get(shape, shape)) or (item.get("messages") or [])[:1]:
            report.add(
                (result, SH.resultMessage, message if isinstance(message, rdflib.Literal) else rdflib.Literal(message))
            )
    report.add((root, SH.conforms, rdflib.Literal(conforms)))
    return report


@lru_cache(maxsize=8)
def _named_shapes(core_triples: tuple) -> tuple[str, dict]:
    """The core shapes as N-Triples for shacl-rust, each property shape (a blank node) given an IRI
    so that a result's ``sh:sourceShape`` leads back to it; and the way back, IRI to blank node."""
    named = {
        o: rdflib.URIRef(f"urn:alliance-kg:shape:{o}")
        for s, p, o in core_triples
        if p == SH.property and isinstance(o, rdflib.BNode)
    }
    graph = rdflib.Graph()
    graph.addN((named.get(s, s), p, named.get(o, o), graph) for s, p, o in core_triples)
    return graph.serialize(format="nt"), {iri: node for node, iri in named.items()}


def _copy_path(node, by_subject: dict, report: rdflib.Graph) -> None:
    """The triples of a path node (a blank node: an inverse, a sequence, an alternative...) into
    ``report``."""
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if not isinstance(current, rdflib.BNode) or current in seen:
            continue
        seen.add(current)
        for p, o in by_subject.get(current, ()):
            report.add((current, p, o))
            todo.append(o)


def _term(text: str):
    """An N-Triples term of shacl-rust's answer as an rdflib term."""
    return from_n3(text)
