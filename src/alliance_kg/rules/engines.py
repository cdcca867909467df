"""The engines that check the core SHACL constraints (``sh:minCount``, ``sh:class``,
``sh:uniqueLang``...); the SHACL-SPARQL constraints always run as queries on the store itself
(:mod:`.focused`), since they call the project's own SPARQL functions.

* ``turbo`` (the default): pyshacl-turbo, a SHACL engine in Rust with pySHACL's API. A full
  validation reads the Oxigraph store itself, so nothing is copied; the focus nodes of a write
  are validated on their neighbourhood (:func:`.neighbourhood.neighbourhood_store`), since the engine reads
  the whole store it is given each time (800 ms at 100k triples, against 4 ms on the
  neighbourhood, itself a small pyoxigraph store). It compiles the shapes once. On the project's shapes it gives pySHACL's results on every
  fixture and on the shipped graph (``bench/shacl_engines.py``, docs/validation.md).
* ``pyshacl``: plain pySHACL on an rdflib copy of the data, the reference
  (``alliance-kg validate --engine pyshacl``; the tests compare the two on every fixture).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Literal

import pyoxigraph as ox
import rdflib

from ..errors import ConfigurationError
from .reports import merge_reports, run_shacl, to_rdflib

Engine = Literal["turbo", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("turbo", "pyshacl")
DEFAULT_ENGINE: Engine = "turbo"

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
