"""The guard: every write is validated by the SHACL shapes before it is committed.

A write is one :class:`~alliance_kg.store.Change` (quads removed, quads added). The guard keeps
a private *validation graph*: the union of the data graphs, the graph SHACL sees. For a write it

1. applies the change's effect on that union to the validation graph (the candidate state),
2. finds the focus nodes the change can affect (``queries/affected_nodes.rq``, before and
   after the change) and validates only those, or everything when the change is large or
   touches blank nodes,
3. commits the change (and its change-log entry) to the store if the result conforms, and
   otherwise puts the validation graph back as it was: the store is never touched. A commit
   that fails puts it back too, so that the guard's view never holds what the store lacks.

Writers are serialised by one lock; readers are kept out only while a validated change is
applied (:meth:`KnowledgeGraph.commit`). Each validation parses its own shapes graph, so no
shapes graph is shared between threads (pySHACL adds to the one it is given).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..errors import AdminRequired, ChangeTooLarge
from ..store import CHANGES_GRAPH, LAYER_GRAPHS, PREFIXES, Change, KnowledgeGraph, solutions
from ..store.binding import query_bound
from ..store.peers import Peers
from ..store.queries import load_query
from .validation import ValidationReport, union_store, validate_store

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
PROV = "http://www.w3.org/ns/prov#"
XSD = PREFIXES["xsd"]
AKG = PREFIXES["akg"]
AKR = PREFIXES["akr"]
#: Above this many touched nodes a write is validated in full: cheaper than focusing.
FOCUS_LIMIT = 200
#: The change log keeps the quads of a write as N-Quads up to this many; counts are always kept.
LOGGED_QUADS_LIMIT = 10_000


@dataclass(frozen=True)
class Plan:
    """A write as the guard takes it: the change, a summary for the change log, and the thing it
    creates or changes (its id and IRI, when it is about one thing)."""

    change: Change
    summary: str
    id: str | None = None
    iri: str | None = None
    #: Anything else the planner found out while planning, for the answer (e.g. whether a graph existed).
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    """What the guard did with a write (``plan``: the write as it was planned, under the lock)."""

    plan: Plan
    accepted: bool
    committed: bool
    report: ValidationReport
    mode: str  # "incremental" | "full" | "none" (nothing the shapes see changed)
    focus_nodes: int
    added: int
    removed: int
    change_id: str | None = None

    def to_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "committed": self.committed,
            "validation": self.mode,
            "focus_nodes": self.focus_nodes,
            "added": self.added,
            "removed": self.removed,
            "change": self.change_id,
            "report": self.report.to_dict(),
        }


class Guard:
    """Validates and commits writes to one knowledge graph."""

    def __init__(
        self, kg: KnowledgeGraph, shapes_dir: Path, *, max_change_quads: int | None = None, peers: Peers | None = None
    ):
        self.kg = kg
        self.shapes_dir = shapes_dir
        #: The other processes serving the same graph (``serve --workers``), or None.
        self.peers = peers
        #: The most quads one write may add and remove together; ``None``: no limit.
        self.max_change_quads = max_change_quads
        self._writer = threading.Lock()
        self._validation_graph: ox.Store | None = None
        self._synced_version = -1

    # --- the write --------------------------------------------------------------------------------

    def write(
        self,
        plan: Plan | Change | Callable[[KnowledgeGraph], Plan | Change],
        *,
        agent: str,
        endpoint: str,
        summary: str = "",
        dry_run: bool = False,
        full: bool = False,
        admin: bool = True,
    ) -> WriteResult:
        """Validate the write ``plan`` and commit it if it conforms, unless ``dry_run``.

        ``plan`` is a :class:`Plan`, a bare :class:`Change` (with ``summary`` for the change
        log), or a function that plans the write from the graph: it is called once, under the
        writer lock, so it sees the latest state, and what it planned comes back in the result.
        ``full`` validates the whole candidate graph instead of the affected focus nodes.
        A writer that is not ``admin`` may not make a destructive write: a change made by an
        operation that empties graphs wholesale (``change.destructive``: ``DROP ALL``...), or one
        that empties a layer graph.

        :raises AdminRequired: a destructive write by a writer that is not an admin.
        """
        with self._writer, self.peers.writing() if self.peers else nullcontext():
            self._replay()  # what the other processes wrote first: validated against the latest state
            if callable(plan):
                plan = plan(self.kg)
            if isinstance(plan, Change):
                plan = Plan(plan, summary)
            change = plan.change
            if not admin:
                self._refuse_destructive(change)
            change = self._effective(change)
            size = len(change.removed) + len(change.added)
            if self.max_change_quads is not None and size > self.max_change_quads:
                raise ChangeTooLarge(
                    f"the write would add {len(change.added)} and remove {len(change.removed)} quads, "
                    f"more than the limit of {self.max_change_quads}",
                    hint="split it into smaller writes; the limit is the setting max_change_quads "
                    "(ALLIANCE_KG_MAX_CHANGE_QUADS)",
                )
            if not change:  # nothing would change: nothing to validate, commit or log
                empty = validate_store(ox.Store(), self.shapes_dir, focus_nodes=[])
                return WriteResult(plan, True, False, empty, "none", 0, 0, 0)
            graph = self._graph()
            removed, added = self._union_delta(graph, change)
            subjects, touched = _touched(removed | added)
            incremental = (
                not full and len(touched) <= FOCUS_LIMIT and not any(isinstance(n, ox.BlankNode) for n in touched)
            )
            focus = self._affected(graph, subjects, touched) if incremental and (removed or added) else set()
            new = self._new_nodes(change)
            _apply(graph, removed, added)
            try:
                if not (removed or added):  # e.g. a triple copied into a second graph
                    report, mode = validate_store(ox.Store(), self.shapes_dir, focus_nodes=[]), "none"
                elif incremental:
                    focus |= self._affected(graph, subjects, touched)
                    report, mode = (
                        validate_store(graph, self.shapes_dir, focus_nodes=sorted(focus), new_nodes=new),
                        "incremental",
                    )
                else:
                    report, mode = validate_store(graph, self.shapes_dir, new_nodes=new), "full"
            except BaseException:
                _apply(graph, added, removed)
                raise
            if not report.conforms or dry_run:
                _apply(graph, added, removed)
                return WriteResult(
                    plan, report.conforms, False, report, mode, len(focus), len(change.added), len(change.removed)
                )
            change_id, log = self._log_entry(change, agent=agent, endpoint=endpoint, summary=plan.summary)
            try:
                self.kg.commit(change | log)
            except BaseException:
                # The store did not take the change (a journal or disk error): neither does the
                # validation graph, and it is built again from the store before the next write.
                _apply(graph, added, removed)
                self._synced_version = -1
                raise
            self._synced_version = self.kg.version
            if self.peers is not None:
                self.peers.publish(change | log)
            return WriteResult(
                plan, True, True, report, mode, len(focus), len(change.added), len(change.removed), change_id
            )

    # --- the other processes ----------------------------------------------------------------------

    def catch_up(self) -> None:
        """Apply the writes the other processes serving this graph accepted that this one has not
        (:mod:`alliance_kg.store.peers`): called before each request, so that no answer is older
        than the last write acknowledged anywhere. Costs a read of shared memory when there are none."""
        if self.peers is not None and self.peers.behind():
            with self._writer:
                self._replay()

    def _replay(self) -> None:
        """Apply the pending writes of the other processes (the writer lock held): to the store,
        and to the validation graph when it is in step with the store; over a remote store, which
        holds them already, only drop what was cached."""
        if self.peers is None:
            return
        for _, change in self.peers.pending():
            if not self.kg.holds_copy:
                self.kg.changed()
                continue
            graph = self._validation_graph if self._synced_version == self.kg.version else None
            if graph is not None:
                removed, added = self._union_delta(graph, change)
            self.kg.commit(change)
            if graph is not None:
                _apply(graph, removed, added)
                self._synced_version = self.kg.version

    # --- the candidate state ----------------------------------------------------------------------

    def warm(self) -> None:
        """Build the validation graph now rather than at the first write."""
        with self._writer:
            self._graph()

    def _graph(self) -> ox.Store:
        """The validation graph, rebuilt if the store changed other than through the guard."""
        if self._validation_graph is None or self._synced_version != self.kg.version:
            self._validation_graph = union_store(self.kg)
            self._synced_version = self.kg.version
        return self._validation_graph

    def _effective(self, change: Change) -> Change:
        """What ``change`` really does (the result is the store minus ``removed``, plus ``added``):
        no removal of an absent quad or of one it adds back, no addition of a present quad."""
        kg = self.kg
        return Change(
            removed=frozenset(q for q in change.removed if q not in change.added and kg.contains(q)),
            added=frozenset(q for q in change.added if not kg.contains(q)),
            destructive=change.destructive,
        )

    def _new_nodes(self, change: Change) -> frozenset[str]:
        """The IRIs of the subjects ``change`` adds that the store does not hold yet: messages
        describe them rather than name them by ids nobody can look up."""
        subjects = {q.subject for q in change.added if isinstance(q.subject, ox.NamedNode)}
        return frozenset(s.value for s in subjects if next(iter(self.kg.quads(s, None, None, None)), None) is None)

    def _refuse_destructive(self, change: Change) -> None:
        """Refuse, for a writer who is not an admin, a change made by a destructive operation,
        and one that empties a layer graph (all its quads removed, none added)."""
        operations = list(dict.fromkeys(change.destructive))
        hint = (
            "destructive writes need an admin token (the setting admin_token, ALLIANCE_KG_ADMIN_TOKEN, or a "
            "token file line 'name: token admin'); to change a layer, write the triples themselves"
        )
        if operations:
            raise AdminRequired(
                f"{' and '.join(operations)} empties graphs wholesale: only an admin token may do that", hint=hint
            )
        removed_from = {q.graph_name.value for q in change.removed if isinstance(q.graph_name, ox.NamedNode)}
        refilled = {q.graph_name.value for q in change.added if isinstance(q.graph_name, ox.NamedNode)}
        for layer, iri in LAYER_GRAPHS.items():
            if iri in removed_from and iri not in refilled:
                kept = next(
                    (q for q in self.kg.quads(None, None, None, ox.NamedNode(iri)) if q not in change.removed), None
                )
                if kept is None:
                    raise AdminRequired(
                        f"the write would empty the {layer} layer graph <{iri}>: only an admin token may do that",
                        hint=hint,
                    )

    def _union_delta(self, graph: ox.Store, change: Change) -> tuple[set[ox.Triple], set[ox.Triple]]:
        """What ``change`` does to the union of the data graphs: triples gone, triples new."""
        data = lambda quads: [q for q in quads if not _is_log(q)]  # noqa: E731
        added_triples = {q.triple for q in data(change.added)}
        removed: set[ox.Triple] = set()
        for quad in data(change.removed):
            triple = quad.triple
            if triple in added_triples:
                continue
            still = any(
                other not in change.removed and not _is_log(other)
                for other in self.kg.quads(triple.subject, triple.predicate, triple.object, None)
            )
            if not still:
                removed.add(triple)
        added = {t for t in added_triples if ox.Quad(t.subject, t.predicate, t.object) not in graph}
        return removed, added

    def _affected(self, graph: ox.Store, subjects: set, touched: set) -> set[str]:
        """The focus nodes to validate in ``graph``'s present state for a change whose triples
        have ``subjects`` and mention ``touched`` nodes."""
        focus = {n.value for n in touched if isinstance(n, ox.NamedNode)}
        for name, nodes in (("affected_nodes", touched), ("subject_dependents", subjects)):
            query = load_query(name)
            for node in nodes:
                for row in solutions(query_bound(graph, query, {"node": node}, prefixes=PREFIXES)):
                    if isinstance(row["focus"], ox.NamedNode):
                        focus.add(row["focus"].value)
        return focus

    # --- the change log ---------------------------------------------------------------------------

    def _log_entry(self, change: Change, *, agent: str, endpoint: str, summary: str) -> tuple[str, Change]:
        now = datetime.now(UTC)
        change_id = f"change-{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(2)}"
        node = ox.NamedNode(AKR + change_id)
        who = ox.NamedNode(AKR + "agent-" + _slug(agent))
        graph = ox.NamedNode(CHANGES_GRAPH)
        stamp = ox.Literal(now.isoformat().replace("+00:00", "Z"), datatype=ox.NamedNode(XSD + "dateTime"))

        def quad(s, p, o) -> ox.Quad:
            return ox.Quad(s, ox.NamedNode(p), o, graph)

        count = lambda n: ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))  # noqa: E731
        quads = [
            quad(node, PREFIXES["rdf"] + "type", ox.NamedNode(AKG + "Change")),
            quad(node, PREFIXES["rdf"] + "type", ox.NamedNode(PROV + "Activity")),
            quad(node, PREFIXES["rdfs"] + "label", ox.Literal(summary)),
            quad(node, PREFIXES["skos"] + "prefLabel", ox.Literal(summary, language="en")),
            quad(node, PROV + "endedAtTime", stamp),
            quad(node, PROV + "wasAssociatedWith", who),
            quad(node, AKG + "endpoint", ox.Literal(endpoint)),
            quad(node, AKG + "quadsAdded", count(len(change.added))),
            quad(node, AKG + "quadsRemoved", count(len(change.removed))),
            quad(who, PREFIXES["rdf"] + "type", ox.NamedNode(PROV + "Agent")),
            quad(who, PREFIXES["rdfs"] + "label", ox.Literal(agent)),
            quad(who, PREFIXES["skos"] + "prefLabel", ox.Literal(agent, language="en")),
        ]
        for name, quads_of in (("addedQuads", change.added), ("removedQuads", change.removed)):
            if quads_of and len(quads_of) <= LOGGED_QUADS_LIMIT:
                text = (ox.serialize(sorted(quads_of, key=str), format=ox.RdfFormat.N_QUADS) or b"").decode()
                quads.append(quad(node, AKG + name, ox.Literal(text)))
        return change_id, Change(added=frozenset(quads))


def _is_log(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == CHANGES_GRAPH


def _touched(triples: Iterable[ox.Triple]) -> tuple[set, set]:
    """The subjects of ``triples``, and every node they mention: subjects, and objects other
    than classes and literals."""
    subjects = {t.subject for t in triples}
    nodes = set(subjects)
    for t in triples:
        if not isinstance(t.object, ox.Literal) and t.predicate != RDF_TYPE:
            nodes.add(t.object)
    return subjects, nodes


def _apply(graph: ox.Store, removed: Iterable[ox.Triple], added: Iterable[ox.Triple]) -> None:
    for t in removed:
        graph.remove(ox.Quad(t.subject, t.predicate, t.object))
    graph.extend(ox.Quad(t.subject, t.predicate, t.object) for t in added)


def _slug(name: str) -> str:
    """``name`` as the end of an IRI.

    >>> _slug("Data team (Paris)")
    'Data-team-Paris'
    """
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "anonymous"
