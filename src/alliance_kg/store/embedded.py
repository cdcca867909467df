"""The embedded store: the knowledge graph in an Oxigraph store inside this process.

The graph every read sees is in memory, so that a forked query process reads a consistent copy
of it (:mod:`.processes`) and scans are fast. A persistent graph is also on disk (RocksDB, with
a write-ahead journal: :mod:`.disk`), written by every commit before the memory copy and read
only at start-up. SPARQL's default graph is the union of all graphs as a set, kept in the memory
copy as a hidden graph of its own (:mod:`.union`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import chain

import pyoxigraph as ox

from ..config import Config
from ..errors import ConfigurationError, JournalDamaged, QuerySyntaxError
from .binding import query_bound
from .change import Change, apply_change
from .disk import Journal, open_disk
from .documents import check_document, syntax_error
from .endpoint import QueryRunner
from .formats import format_for
from .graph import GraphName, KnowledgeGraph, Term, solutions
from .locks import ReadWriteLock
from .names import BASE, CHANGES_GRAPH, PREFIXES, graph_iri
from .processes import Limits
from .sparqlparse import could_name_graphs
from .union import UnionGraph
from .updates import change_in_process


class EmbeddedGraph(KnowledgeGraph):
    """The knowledge graph in an embedded Oxigraph store (see the module's documentation)."""

    def __init__(
        self,
        store: ox.Store,
        *,
        disk: ox.Store | None = None,
        journal: Journal | None = None,
        union: ox.NamedNode | None = None,
    ):
        """``union``: the name under which ``store`` already holds the union (a copy's); if none,
        the union is built."""
        super().__init__()
        self._store = store
        self._disk = disk
        self._journal = journal
        #: Readers hold it shared for a whole request; :meth:`commit` holds it alone.
        self._lock = ReadWriteLock()
        #: The union of all graphs, each triple once: SPARQL's default graph.
        self._union = UnionGraph(store, name=union)
        if union is None:
            self._union.rebuild()
        self._loading_shipped = False
        self._closed = False

    # --- opening -----------------------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> EmbeddedGraph:
        return cls(ox.Store())

    def copy(self) -> EmbeddedGraph:
        """An in-memory copy of the graph as it is now, its union with it: a change tried on the
        copy leaves this graph as it is. No disk, no journal, no change log of its own."""
        with self._lock.reading():
            store = ox.Store()
            store.bulk_extend(self._store)
        return EmbeddedGraph(store, union=self._union.name)

    @classmethod
    def open(cls, config: Config) -> EmbeddedGraph:
        """Open the store ``config`` names (in memory if none); load the shipped graph if it is empty."""
        if config.store is None:
            kg = cls.in_memory()
            if config.shipped:
                kg.load_shipped(config)
            return kg
        disk = open_disk(config.store)
        journal = Journal(config.store / "journal")
        try:
            interrupted = journal.pending()
            if interrupted is not None:  # a write cut short by a crash: finish it
                apply_change(disk, interrupted)
                disk.flush()
            journal.clear()
        except JournalDamaged:
            del disk  # closes RocksDB, and frees its lock, before the error leaves (`recover` opens it next)
            raise
        if config.shipped and next(iter(disk.quads_for_pattern(None, None, None, None)), None) is None:
            # All or nothing: a first start cut short must not leave a partial graph.
            scratch = cls.in_memory()
            scratch.load_shipped(config)
            disk.extend(scratch.quads())  # one transaction
            disk.flush()
        memory = ox.Store()
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        return cls(memory, disk=disk, journal=journal)

    def close(self) -> None:
        """Close the store on disk, if any (RocksDB lets go of its lock when its last reference
        goes): the next command in the same process may open it again."""
        with self._lock.writing():
            if self._disk is not None:
                self._disk = None
                self._closed = True

    # --- reading -----------------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._lock.reading():
            yield

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        with self._lock.reading():
            yield self.version

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None, graphs: Iterable[str] | None = None):
        """Run a SPARQL query on Oxigraph (see :meth:`KnowledgeGraph.query`). ``bindings`` replace
        their variables everywhere in the query, FILTERs included (SPARQL-dev SEP-0007), written
        into its text (:func:`.binding.query_bound`; a blank node as an Oxigraph substitution)."""
        kwargs: dict = {"prefixes": PREFIXES}
        if graphs is None:
            kwargs["default_graph"] = [self._union.name]
            if could_name_graphs(sparql):  # else the named graphs are no part of the answer
                kwargs["named_graphs"] = [g for g in self._store.named_graphs() if not self._union.hides(g)]
        else:
            kwargs["default_graph"] = [ox.NamedNode(graph_iri(g)) for g in graphs]
        try:
            # the values written into the text, where Oxigraph plans with them (query_bound)
            return query_bound(self._store, sparql, bindings or {}, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except RuntimeError as exc:  # e.g. a substituted variable that the query does not project
            raise QuerySyntaxError(f"cannot run the query: {exc}") from exc

    runs_functions = True

    def validation_query(self, sparql: str, *, functions: Mapping | None = None) -> ox.QuerySolutions:
        changes = ox.NamedNode(CHANGES_GRAPH)
        if next(self._store.quads_for_pattern(None, None, None, changes), None) is None:
            # no change log: the union is the graph validation sees, and one graph is read twice
            # as fast as the four of a list (the members-only rule at 1M triples: 3.4 s, 6.6 s)
            graphs: list = [self._union.name]
        else:
            graphs = [ox.DefaultGraph(), *(ox.NamedNode(g) for g in self.data_graphs())]
        try:
            return solutions(
                self._store.query(
                    sparql,
                    prefixes=PREFIXES,
                    default_graph=graphs,
                    custom_functions=dict(functions) if functions else None,
                )
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc

    def quads(
        self,
        subject: Term | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        if isinstance(subject, ox.Literal):  # a literal is never a subject
            return iter(())
        if graph is not None:
            return self._store.quads_for_pattern(subject, predicate, object, graph)
        if subject is None and object is None:  # a scan: graph by graph, the union left out
            graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph(), *self.named_graphs()]
            return chain.from_iterable(self._store.quads_for_pattern(None, predicate, None, g) for g in graphs)
        hidden = self._union.name
        return (q for q in self._store.quads_for_pattern(subject, predicate, object, None) if q.graph_name != hidden)

    def contains(self, quad: ox.Quad) -> bool:
        return not self._union.hides(quad.graph_name) and quad in self._store

    def named_graphs(self) -> list[ox.NamedNode]:
        # Sorted: the store's own order may change from one store to the next (exports stay stable).
        return sorted(
            (g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode) and not self._union.hides(g)),
            key=lambda g: g.value,
        )

    def default_graph(self, *, union: bool) -> Iterator[ox.Triple]:
        if union:
            return iter(self._union.triples())
        return (q.triple for q in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def triple_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for quad in self.quads():
            key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def __len__(self) -> int:
        return len(self._store) - len(self._union)

    def dump(self, format: str, *, graph: str | None = None) -> bytes:
        info = format_for(format)
        if graph is not None:
            return (
                self._store.dump(format=info.format, from_graph=ox.NamedNode(graph_iri(graph)), prefixes=PREFIXES)
                or b""
            )
        if info.name in ("trig", "nq", "jsonld"):
            return ox.serialize(self.quads(), format=info.format, prefixes=PREFIXES) or b""
        return ox.serialize(self._union.triples(), format=info.format, prefixes=PREFIXES) or b""

    # --- clients' SPARQL ----------------------------------------------------------------------------

    def query_runner(self, *, memory_bytes: int | None, federating: bool) -> QueryRunner:
        return QueryRunner(
            self._store, self.snapshot, union_graph=self._union.name, memory_bytes=memory_bytes, federating=federating
        )

    def change_for_update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        using_graphs: Iterable[str] = (),
        using_named_graphs: Iterable[str] = (),
        limits: Limits,
    ) -> Change:
        return change_in_process(
            self._store,
            update,
            base_iri=base_iri,
            using_graphs=using_graphs,
            using_named_graphs=using_named_graphs,
            limits=limits,
            hidden=self._union.name,
        )

    # --- writing ----------------------------------------------------------------------------------

    def commit(self, change: Change) -> None:
        """Apply ``change`` as one write: readers see the graph before it or after it, never in
        between; on disk, a crash part way is finished on the next start (:class:`.disk.Journal`)."""
        if not change:
            return
        if self._closed:  # a persistent graph whose disk is closed: the change would live in memory only
            raise ConfigurationError("the store on disk is closed: the change was not written")
        with self._lock.writing():
            if self._disk is not None:
                if self._journal is not None:
                    self._journal.write(change)
                apply_change(self._disk, change)
                self._disk.flush()  # on disk before the journal goes and the write is acknowledged
                if self._journal is not None:
                    self._journal.clear()
            apply_change(self._store, change)
            self._union.removed(change.removed)
            self._union.added(change.added)
            self.changed(
                frozenset(
                    q.subject.value for q in (*change.removed, *change.added) if isinstance(q.subject, ox.NamedNode)
                )
            )

    def load_data(self, data: bytes | str, format: str, *, graph: str, source: str = "input") -> None:
        """Load ``data`` by the rules of :mod:`.documents`, with Oxigraph's own bulk parser."""
        info = format_for(format)
        target = ox.NamedNode(graph_iri(graph))
        data = data.encode() if isinstance(data, str) else data
        check_document(data, info.format, source=source)
        try:
            if self._disk is not None:  # parsed into memory first: a syntax error leaves the disk as it was
                scratch = ox.Store()
                scratch.load(data, info.format, base_iri=BASE + "id/", to_graph=target)
                self.commit(Change(added=frozenset(scratch.quads_for_pattern(None, None, None, None))))
            else:
                self._store.load(data, info.format, base_iri=BASE + "id/", to_graph=target)
                if not self._loading_shipped:
                    self._union.rebuild()
        except (SyntaxError, ValueError) as exc:
            raise syntax_error(exc, info.format, source) from exc
        finally:
            self.changed()

    def load_shipped(self, config: Config) -> None:
        """Load the shipped graph, building the union once at the end rather than after each file."""
        self._loading_shipped = True
        try:
            super().load_shipped(config)
        finally:
            self._loading_shipped = False
            self._union.rebuild()
