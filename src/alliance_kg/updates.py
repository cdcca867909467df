"""SPARQL Update as a change: what an update would add and remove, worked out without touching
the store, so that the guard can validate it first.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox

from .errors import Forbidden, QueryEvaluationError, query_syntax_error
from .store import CHANGES_GRAPH, PREFIXES, Change, KnowledgeGraph

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


def change_for_update(kg: KnowledgeGraph, update: str, *, base_iri: str | None = None) -> Change:
    """What ``update`` would change, worked out on a scratch copy of the data graphs.

    The change log is not in the copy: it is outside the update's dataset, so ``DROP ALL``,
    ``CLEAR NAMED`` or ``DELETE WHERE { GRAPH ?g { ... } }`` leave it, and ``GRAPH ?g`` does not
    match it (nor does ``GRAPH <changes>``: an update reads it as an empty graph). An update that
    writes it (``INSERT DATA { GRAPH <changes> ... }``, ``DROP GRAPH <changes>``, ``MOVE <changes>
    TO ...``) is refused. ``base_iri`` resolves relative IRIs.

    >>> kg = KnowledgeGraph.in_memory()
    >>> kg.commit(Change(added=frozenset([ox.Quad(RDF_TYPE, RDF_TYPE, RDF_TYPE, ox.NamedNode(CHANGES_GRAPH))])))
    >>> change_for_update(kg, "INSERT DATA { GRAPH <g> { <a> <b> 1 } } ; DROP ALL", base_iri="https://example.org/")
    Change(removed=frozenset(), added=frozenset())
    >>> change_for_update(kg, f"DROP GRAPH <{CHANGES_GRAPH}>")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.Forbidden: the change log graph is written by the service only ...

    :raises QuerySyntaxError: the update does not parse (with its line and column).
    :raises QueryEvaluationError: it parses but fails (e.g. ``DROP GRAPH`` of a graph that does not exist).
    :raises Forbidden: the update writes, clears, drops or moves the change log.
    """
    data = [q for q in kg.store.quads_for_pattern(None, None, None, None) if not in_change_log(q)]
    scratch = ox.Store()
    scratch.extend(data)
    try:
        scratch.update(update, base_iri=base_iri)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        if _names_change_log(data, update, base_iri):
            raise _change_log_forbidden() from None
        raise QueryEvaluationError(f"cannot run the update: {exc}") from exc
    before, after = set(data), set(scratch)
    change = Change(removed=frozenset(before - after), added=frozenset(after - before))
    if any(in_change_log(q) for q in change.added):
        raise _change_log_forbidden()
    return change


def _names_change_log(data: list[ox.Quad], update: str, base_iri: str | None) -> bool:
    """Whether ``update``, which failed on the data graphs, reads or drops the change log by name:
    run again with a stand-in quad in the change log, it then succeeds and the stand-in is moved,
    copied or gone."""
    stand_in = ox.Quad(ox.BlankNode(), RDF_TYPE, ox.NamedNode(f"urn:uuid:{uuid.uuid4()}"), ox.NamedNode(CHANGES_GRAPH))
    scratch = ox.Store()
    scratch.extend(data)
    scratch.add(stand_in)
    try:
        scratch.update(update, base_iri=base_iri)
    except (SyntaxError, RuntimeError, ValueError, OSError):
        return False
    return stand_in not in scratch or any(q.object == stand_in.object and not in_change_log(q) for q in scratch)


def _change_log_forbidden() -> Forbidden:
    return Forbidden("the change log graph is written by the service only",
                           hint=f"leave <{CHANGES_GRAPH}> out of the update")


def in_change_log(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == CHANGES_GRAPH
