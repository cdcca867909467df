"""The neighbourhood of focus nodes: every triple the core SHACL constraints on them can read (see
:mod:`.focused`), copied out of the store so that an engine reads that, not the whole graph."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS

from .reports import to_rdflib

OX_TYPE = ox.NamedNode(str(RDF.type))
OX_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
DEFAULT = ox.DefaultGraph()


def neighbourhood(store: ox.Store, focus: list[ox.NamedNode], inverse_predicates: Iterable[str]) -> rdflib.Graph:
    """The triples of ``store``'s default graph that core constraints on ``focus`` can read, as
    an rdflib graph (to explain results)."""
    graph = rdflib.Graph(bind_namespaces="none")
    graph.addN(
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), graph)
        for q in _neighbourhood(store, focus, inverse_predicates)
    )
    return graph


def neighbourhood_store(
    store: ox.Store | Callable[..., Iterable[ox.Quad]], focus: list[ox.NamedNode], inverse_predicates: Iterable[str]
) -> ox.Store:
    """The same triples, in the default graph of a new in-memory store (no rdflib terms made)."""
    near = ox.Store()
    near.extend(_neighbourhood(store, focus, inverse_predicates))
    return near


def _neighbourhood(
    store: ox.Store | Callable[..., Iterable[ox.Quad]], focus: list[ox.NamedNode], inverse_predicates: Iterable[str]
) -> set[ox.Quad]:
    """``store``: a store, or a function of (subject, predicate, object) giving the quads of the
    graph validated, in the default graph (:func:`alliance_kg.rules.whole.explained`)."""
    quads: set[ox.Quad] = set()
    pattern = store if callable(store) else (lambda s, p, o: store.quads_for_pattern(s, p, o, DEFAULT))

    def out(node) -> list[ox.Quad]:
        return list(pattern(node, None, None))

    inverse = [ox.NamedNode(p) for p in inverse_predicates]
    near: set = set()
    for node in focus:
        for quad in out(node):
            quads.add(quad)
            if not isinstance(quad.object, ox.Literal):
                near.add(quad.object)
        for predicate in inverse:
            for quad in pattern(None, predicate, node):
                quads.add(quad)
                near.add(quad.subject)
    far: set = set()
    for node in near - set(focus):
        for quad in out(node):
            quads.add(quad)
            if not isinstance(quad.object, ox.Literal):
                far.add(quad.object)
    for node in far - near - set(focus):
        quads.update(pattern(node, OX_TYPE, None))
    quads.update(pattern(None, OX_SUBCLASS, None))
    return quads
