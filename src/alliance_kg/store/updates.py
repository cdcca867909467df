"""SPARQL Update as a change: what an update would add and remove, worked out without touching
the store, so that the guard can validate it first.

The update is parsed and run in a confined child process (:mod:`alliance_kg.store.processes`): it
cannot reach the network (a ``LOAD`` or ``SERVICE`` that a reading of the text missed fetches
nothing), it is stopped at the time and memory limits, and a text that crashes the engine's
parser crashes the child, not the service. The child sends back the difference as N-Quads.

A write costs what its change costs: where the update's footprint can be read (the quad patterns
its templates, its data and the graphs it clears name: :func:`.sparqlparse.update_footprint`),
the child runs it on the store it inherited at the fork (its own copy, copied on write by the
system page by page) and compares the quads of the footprint before and after. Otherwise (``GRAPH
?g``, ``WITH``, ``USING``, ``DROP ALL``, a text too long to read), it runs the update on a copy of
the data graphs and compares the whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ..errors import FederationDisabled, Forbidden, QueryEvaluationError, query_syntax_error
from .change import Change
from .endpoint import require_graph
from .footprint import Footprint, update_footprint
from .names import CHANGES_GRAPH, PREFIXES
from .processes import Limits, confinement, run_isolated
from .sparqlparse import Reading, check_nesting, prepare, read_update
from .sparqltext import update_with_dataset

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
CHANGES = ox.NamedNode(CHANGES_GRAPH)
#: An operator's update (the CLI): an hour, no memory limit; the service passes its own limits.
OPERATOR = Limits(timeout=3600, what="update")
_NQ = ox.RdfFormat.N_QUADS
#: The longest update read for its footprint (rdflib reads about 40,000 characters a second); a
#: longer one runs on a copy.
FOOTPRINT_MAX_CHARS = 16_384


def change_in_process(
    store: ox.Store,
    update: str,
    *,
    base_iri: str | None = None,
    using_graphs: Iterable[str] = (),
    using_named_graphs: Iterable[str] = (),
    limits: Limits = OPERATOR,
    hidden: ox.NamedNode | None = None,
) -> Change:
    """What ``update`` would change on the in-memory ``store``, worked out in a confined child
    on its copy of the data graphs (the embedded store's
    :meth:`~alliance_kg.store.KnowledgeGraph.change_for_update`).

    ``using_graphs`` / ``using_named_graphs`` are the protocol's ``using-graph-uri`` /
    ``using-named-graph-uri``. The change log is not in the copy: it is outside the update's
    dataset, so ``DROP ALL``, ``CLEAR NAMED`` or ``DELETE WHERE { GRAPH ?g { ... } }`` leave it,
    and ``GRAPH ?g`` does not match it (nor does ``GRAPH <changes>``: an update reads it as an
    empty graph). An update that writes it (``INSERT DATA { GRAPH <changes> ... }``, ``DROP
    GRAPH <changes>``, ``MOVE <changes> TO ...``) is refused. ``base_iri`` resolves relative
    IRIs. The change's ``destructive`` lists its operations that empty graphs wholesale.
    ``hidden``: a graph of the store that is no data (the union the store keeps for queries).

    >>> store = ox.Store()
    >>> store.add(ox.Quad(RDF_TYPE, RDF_TYPE, RDF_TYPE, ox.NamedNode(CHANGES_GRAPH)))
    >>> change = change_in_process(store, "INSERT DATA { GRAPH <g> { <a> <b> 1 } } ; DROP ALL", base_iri="https://example.org/")
    >>> change, change.destructive
    (Change(removed=frozenset(), added=frozenset()), ('DROP ALL',))
    >>> change_in_process(store, f"DROP GRAPH <{CHANGES_GRAPH}>")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.Forbidden: the change log graph is written by the service only ...

    :raises QuerySyntaxError: the update does not parse (with its line and column).
    :raises QueryEvaluationError: it parses but fails (e.g. ``DROP GRAPH`` of a graph that does not exist).
    :raises FederationDisabled: it has a ``LOAD`` (not ``SILENT``) or a ``SERVICE``: nothing is fetched here.
    :raises UnknownGraph: ``USING`` names a graph the store does not hold.
    :raises TooDeeplyNested, QueryTooComplex, QueryTimeout, QueryMemoryLimit: past the limits.
    :raises Forbidden: the update writes, clears, drops or moves the change log.
    """
    using_graphs, using_named_graphs = tuple(using_graphs), tuple(using_named_graphs)
    prepare()  # the parser, imported here once rather than in every child
    body, about = run_isolated(lambda: _run(store, update, base_iri, using_graphs, using_named_graphs, hidden), limits)
    removed, added = body[: about["removed_bytes"]], body[about["removed_bytes"] :]
    return Change(
        removed=frozenset(ox.parse(removed, format=_NQ)),
        added=frozenset(ox.parse(added, format=_NQ)),
        destructive=tuple(about["destructive"]),
    )


def _run(
    store: ox.Store,
    update: str,
    base_iri: str | None,
    using_graphs: tuple[str, ...],
    using_named_graphs: tuple[str, ...],
    hidden: ox.NamedNode | None = None,
) -> tuple[bytes, dict]:
    """In the child: check the update, run it on the child's own copy of the store where its
    footprint is known (never in the service itself), on a copy of the data graphs otherwise, and
    answer the difference (the removed quads, then the added ones, as N-Quads)."""
    check_nesting(update, "the update")
    reading = read_update(update, base_iri)  # its own USING must exist; the protocol's need not
    text = update_with_dataset(update, using_graphs, using_named_graphs)
    confined = confinement()
    _check(store, reading, confined=bool(confined and confined.no_network))
    footprint = update_footprint(update, base_iri) if len(update) <= FOOTPRINT_MAX_CHARS else None
    if confined is not None and footprint is not None and text == update and _apart(footprint, hidden):
        return _in_place(store, update, base_iri, footprint, reading)
    graphs = data_graphs(store, hidden)
    scratch = ox.Store()
    scratch.bulk_extend(quads_of(store, graphs))
    try:
        scratch.update(text, base_iri=base_iri)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        if _names_change_log(list(quads_of(store, graphs)), text, base_iri):
            raise change_log_forbidden() from None
        raise QueryEvaluationError(f"cannot run the update: {exc}") from exc
    # The copy held the data graphs only: what it has in another graph is new whatever the store holds.
    kept_apart = {hidden, CHANGES}
    removed = [q for q in quads_of(store, graphs) if q not in scratch]
    added = [q for q in scratch if q.graph_name in kept_apart or q not in store]
    return _answer(removed, added, reading)


def _apart(footprint: Footprint, hidden: ox.NamedNode | None) -> bool:
    """Whether the update names neither the change log nor the ``hidden`` graph: in place, it
    would see them as they are, where the copy of the data graphs lacks them."""
    return CHANGES_GRAPH not in footprint.graphs and (hidden is None or hidden.value not in footprint.graphs)


def _in_place(
    store: ox.Store, update: str, base_iri: str | None, footprint: Footprint, reading: Reading | None
) -> tuple[bytes, dict]:
    """The change of an update whose footprint is known, at the cost of the quads it matches:
    the update runs on ``store`` itself, which in the child is the child's own copy (it never
    reaches the service's), and the quads its patterns match before and after are compared."""
    patterns = [
        (
            ox.NamedNode(s) if s else None,
            ox.NamedNode(p) if p else None,
            ox.NamedNode(o) if o else None,
            ox.NamedNode(g) if g else ox.DefaultGraph(),
        )
        for s, p, o, g in footprint.patterns
    ]
    before = set(_matching(store, patterns))
    run_update(store, update, base_iri)
    after = set(_matching(store, patterns))
    return _answer(list(before - after), list(after - before), reading)


def _matching(store: ox.Store, patterns: list) -> Iterator[ox.Quad]:
    for subject, predicate, obj, graph in patterns:
        yield from store.quads_for_pattern(subject, predicate, obj, graph)


def _answer(removed: list[ox.Quad], added: list[ox.Quad], reading: Reading | None) -> tuple[bytes, dict]:
    """What the child sends back: the removed quads, then the added ones, as N-Quads."""
    if any(in_change_log(q) for q in added):
        raise change_log_forbidden()
    removed_nq = ox.serialize(removed, format=_NQ) or b""
    added_nq = ox.serialize(added, format=_NQ) or b""
    return removed_nq + added_nq, {
        "removed_bytes": len(removed_nq),
        "destructive": list(reading.destructive) if reading else [],
    }


def data_graphs(store: ox.Store, hidden: ox.NamedNode | None) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs of ``store`` an update sees: its default graph and its named graphs but the change
    log and the ``hidden`` one."""
    return [ox.DefaultGraph(), *(g for g in store.named_graphs() if g != hidden and g != CHANGES)]


def quads_of(store: ox.Store, graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]) -> Iterator[ox.Quad]:
    """The quads of ``graphs`` in ``store``."""
    for graph in graphs:
        yield from store.quads_for_pattern(None, None, None, graph)


def _check(store: ox.Store, reading: Reading | None, *, confined: bool) -> None:
    """Refuse what the reading of an update shows it would fetch or call, and the graphs it reads
    that the store lacks; where the process is not confined, refuse an update it cannot read."""
    if reading is None:
        if not confined:
            raise FederationDisabled(
                "this update cannot be read to check what it fetches, and on this platform "
                "updates are not kept from the network otherwise",
                hint="send it as smaller updates; the operator's log says why",
            )
        return
    for load in reading.loads:
        if not load.silent:
            raise FederationDisabled(
                f"LOAD {load.written} is not allowed: this service never fetches a document",
                hint="send the data itself (INSERT DATA, or PUT/POST to /store)",
            )
        if not confined:
            raise FederationDisabled("LOAD SILENT cannot be kept from the network on this platform: it is refused")
    for service in reading.services:
        raise FederationDisabled(
            f"SERVICE {service.written} is not allowed in updates: an update never calls another endpoint",
            hint="query the other endpoint, then send the data itself",
        )
    for graph in reading.graphs:
        if graph.keyword.startswith("USING"):
            require_graph(store, graph.iri, graph.keyword)


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


def run_update(store: ox.Store, update: str, base_iri: str | None) -> None:
    """Run ``update`` on ``store`` (in a child: a scratch store, or the child's own copy).

    :raises QuerySyntaxError: it does not parse (with its line and column).
    :raises QueryEvaluationError: it parses but fails.
    """
    try:
        store.update(update, base_iri=base_iri)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise QueryEvaluationError(f"cannot run the update: {exc}") from exc


def change_log_forbidden() -> Forbidden:
    return Forbidden(
        "the change log graph is written by the service only", hint=f"leave <{CHANGES_GRAPH}> out of the update"
    )


def in_change_log(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == CHANGES_GRAPH
