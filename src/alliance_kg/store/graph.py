"""The storage interface: what the layers above the store may ask of the knowledge graph.

Every module above :mod:`alliance_kg.store` reaches the triples through :class:`KnowledgeGraph`
and nothing else: bound SPARQL queries (``select``, ``query``), quads by pattern and graph,
an atomic :meth:`~KnowledgeGraph.commit` of a :class:`~.change.Change`, a :attr:`version` that
every accepted write changes, reads held still (:meth:`~KnowledgeGraph.reading`,
:meth:`~KnowledgeGraph.snapshot`), clients' protocol queries and updates run within limits, and
caches of what is derived from the graph, kept per version. Nothing here assumes the triples
are in this process: the embedded Oxigraph store (:mod:`.embedded`) is one implementation.

:func:`alliance_kg.store.open_graph` opens the store a configuration names.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from ..config import Config
from ..errors import ConfigurationError, QuerySyntaxError, RDFSyntaxError
from .change import Change
from .endpoint import Runner
from .formats import format_for
from .names import CHANGES_GRAPH
from .processes import Limits

T = TypeVar("T")
#: A solution of a SELECT query: variable name -> term (a NamedNode, Literal, BlankNode or quoted Triple;
#: each query's variables hold the kinds its text says, so callers read them as such).
Row = dict[str, Any]
Term = ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple
#: A graph's name: a named graph (an IRI, or a blank node in a dataset someone loaded), or the default graph.
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
#: How many canned-query results are kept per state of the graph.
CANNED_CACHE_SIZE = 20_000
#: How many past changes the graph remembers the subjects of, to patch derived values.
HISTORY_SIZE = 64


def solutions(results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The solutions of a SELECT query's ``results``.

    :raises QuerySyntaxError: the query was not a SELECT query.
    """
    if not isinstance(results, ox.QuerySolutions):
        raise QuerySyntaxError("a SELECT query was expected")
    return results


class KnowledgeGraph(ABC):
    """The alliance knowledge graph, wherever its triples live (see the module's documentation).

    >>> from alliance_kg.store import empty_graph
    >>> kg = empty_graph()
    >>> kg.load_data(b'<https://example.org/a> <https://example.org/p> "1" .', "nt", graph="seed")
    >>> kg.triple_counts()["https://w3id.org/alliance-kg/graph/seed"], kg.version
    (1, 1)
    """

    def __init__(self) -> None:
        self._version = 0
        #: (version, IRIs of the subjects the change touched, or None if unknown), newest last.
        self._history: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=HISTORY_SIZE)
        self._cache: dict[str, tuple[int, object]] = {}
        self._cache_lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}

    # --- opening and closing -------------------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - a store with nothing to release keeps this
        """Release what the store holds (its query processes, its files)."""

    # --- the version, and what is derived from the graph --------------------------------------------

    @property
    def version(self) -> int:
        """A number that every change of the graph increases: caches of derived values key on it."""
        return self._version

    def changed(self, subjects: frozenset[str] | None = None) -> None:
        """Record that the graph changed, so that derived caches are rebuilt; ``subjects``: the
        IRIs of the subjects of every quad the change added or removed, if known."""
        self._version += 1
        self._history.append((self._version, subjects))

    def changed_subjects(self, since: int) -> set[str] | None:
        """The IRIs of the subjects changed after version ``since``, or ``None`` if that is not
        known (a change without the list, or one too old to be remembered).

        >>> from alliance_kg.store import empty_graph
        >>> kg = empty_graph()
        >>> a = ox.NamedNode("https://example.org/a")
        >>> q = ox.Quad(a, a, a, ox.NamedNode("https://example.org/g"))
        >>> kg.commit(Change(added=frozenset([q]))); kg.changed_subjects(0)
        {'https://example.org/a'}
        >>> kg.changed(); kg.changed_subjects(0) is None, kg.changed_subjects(2)
        (True, set())
        """
        found: set[str] = set()
        covered = self._version
        for version, subjects in reversed(self._history):
            if version <= since:
                break
            if subjects is None:
                return None
            found |= subjects
            covered = version - 1
        return found if covered <= since else None

    def cached(
        self,
        name: str,
        build: Callable[[KnowledgeGraph], T],
        patch: Callable[[KnowledgeGraph, T, set[str]], T] | None = None,
    ) -> T:
        """``build(self)``, computed once per :attr:`version` and shared across threads.

        With ``patch``, a value of an older version is brought up to date by
        ``patch(self, old, subjects)`` instead, given the IRIs of the subjects changed since
        (when they are known: see :meth:`changed_subjects`).

        Each name has its own lock, so a slow build (the validation report) does not hold up
        the others, and a build may itself use cached values (the VoID description runs
        canned queries).
        """
        hit = self._cache.get(name)
        if hit is not None and hit[0] == self._version:
            return hit[1]  # type: ignore[return-value]
        with self._cache_lock:
            lock = self._build_locks.setdefault(name, threading.Lock())
        with lock:
            hit = self._cache.get(name)
            if hit is not None and hit[0] == self._version:
                return hit[1]  # type: ignore[return-value]
            version = self._version
            subjects = self.changed_subjects(hit[0]) if hit is not None and patch is not None else None
            if hit is None or patch is None or subjects is None:
                value = build(self)
            else:
                value = patch(self, hit[1], subjects)  # type: ignore[arg-type]
            self._cache[name] = (version, value)
            return value

    # --- reading --------------------------------------------------------------------------------------

    @abstractmethod
    def reading(self) -> AbstractContextManager[None]:
        """Hold the graph still while the block runs: no write is applied meanwhile."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[int]:
        """Hold the graph still, yielding its :attr:`version` (a query process forked meanwhile
        holds a consistent copy of that state)."""

    @abstractmethod
    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None, graphs: Iterable[str] | None = None):
        """Run a SPARQL query (pyoxigraph's results). By default the default graph is the union
        of all graphs; ``graphs`` (layer names or IRIs) restricts it. ``bindings`` give
        variables one value each, as bound terms, never as text.

        :raises QuerySyntaxError: the query does not parse, or cannot run.
        """

    #: Whether :meth:`validation_query` runs the project's own SPARQL functions (``akf:quoteCheck``).
    runs_functions: bool = False
    #: Whether this object holds the graph itself (the embedded store: another process's write is
    #: applied to it, :mod:`.peers`) rather than reaching a store that holds it (a remote one).
    holds_copy: bool = True

    def validation_query(self, sparql: str, *, functions: Mapping | None = None) -> ox.QuerySolutions:
        """Run a SELECT query over the graph validation sees: the default graph and every data
        graph, not the change log (``functions``: custom SPARQL functions, where
        :attr:`runs_functions`)."""
        if functions:
            raise ConfigurationError("this store cannot run the project's own SPARQL functions")
        return solutions(self.query(sparql, graphs=self.data_graphs()))

    def select(self, sparql: str, **kwargs) -> list[Row]:
        """Run a SELECT query and return its solutions as dicts (unbound variables are left out).

        >>> from alliance_kg.store import empty_graph
        >>> kg = empty_graph()
        >>> [r["y"].value for r in kg.select("SELECT ?x ?y WHERE { BIND(STRLEN(?x) AS ?y) }",
        ...                                  bindings={"x": ox.Literal('} ; DROP ALL ; #')})]
        ['16']
        """
        results = solutions(self.query(sparql, **kwargs))
        names = [v.value for v in results.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in results]

    def canned(self, name: str, **bindings: Term) -> list[Row]:
        """The solutions of the canned query ``name`` (``queries/<name>.rq``) with ``bindings``
        bound, as :meth:`select` gives them.

        Results are kept until the graph changes (at most :data:`CANNED_CACHE_SIZE` per graph
        state), so repeated questions cost a dictionary look-up. Callers must not change them.
        """
        from .queries import load_query

        table: dict = self.cached("canned-results", lambda kg: {})
        key = (name, tuple(sorted(bindings.items(), key=lambda kv: kv[0])))
        try:
            return table[key]
        except KeyError:
            pass
        rows = self.select(load_query(name), bindings=bindings)
        if len(table) >= CANNED_CACHE_SIZE:
            table.clear()
        table[key] = rows
        return rows

    @abstractmethod
    def quads(
        self,
        subject: Term | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads that match the pattern (``None`` matches anything; ``graph=None`` every graph)."""

    def contains(self, quad: ox.Quad) -> bool:
        """Whether the store holds ``quad``."""
        return next(iter(self.quads(quad.subject, quad.predicate, quad.object, quad.graph_name)), None) is not None

    def mentions(self, node: Term) -> bool:
        """Whether any quad has ``node`` as its subject."""
        return next(iter(self.quads(node)), None) is not None

    @abstractmethod
    def default_graph(self, *, union: bool) -> Iterator[ox.Triple]:
        """The default graph as SPARQL queries see it: with ``union``, the union of all graphs,
        each triple once (an RDF graph is a set); without, the store's own default graph."""

    @abstractmethod
    def named_graphs(self) -> list[ox.NamedNode]:
        """Every named graph that holds a quad, the change log included."""

    def data_graphs(self) -> list[str]:
        """The IRIs of the named graphs that hold the knowledge graph: all but the change log."""
        return sorted(g.value for g in self.named_graphs() if g.value != CHANGES_GRAPH)

    def graph_exists(self, name: ox.NamedNode | ox.DefaultGraph) -> bool:
        """Whether ``name`` exists: the default graph always does; a named graph when it holds a
        quad. (Oxigraph keeps a graph's name when its last quad is removed; such a graph is gone.)

        >>> from alliance_kg.store import empty_graph
        >>> kg = empty_graph()
        >>> kg.graph_exists(ox.DefaultGraph()), kg.graph_exists(ox.NamedNode("https://example.org/g"))
        (True, False)
        """
        if isinstance(name, ox.DefaultGraph):
            return True
        return next(iter(self.quads(graph=name)), None) is not None

    def is_empty(self) -> bool:
        return next(iter(self.quads()), None) is None

    @abstractmethod
    def triple_counts(self) -> dict[str, int]:
        """Triples per named graph (the default graph as ``""``)."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads."""

    @abstractmethod
    def dump(self, format: str, *, graph: str | None = None) -> bytes:
        """Serialise the dataset (TriG, N-Quads, JSON-LD keep the named graphs) or, for
        triple formats, the union of all graphs (or the one ``graph``)."""

    # --- clients' SPARQL ------------------------------------------------------------------------------

    @abstractmethod
    def query_runner(self, *, memory_bytes: int | None, federating: bool) -> Runner:
        """What answers clients' protocol queries, each within its limits: processes confined to
        ``memory_bytes`` (``None``: no limit), and, when ``federating``, ones that may call the
        endpoints a query's ``SERVICE`` names (for the allow-listed ones)."""

    @abstractmethod
    def change_for_update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        using_graphs: Iterable[str] = (),
        using_named_graphs: Iterable[str] = (),
        limits: Limits,
    ) -> Change:
        """The change the SPARQL Update ``update`` would make, worked out within ``limits``
        without changing the graph (see :mod:`.updates`)."""

    # --- writing --------------------------------------------------------------------------------------

    @abstractmethod
    def commit(self, change: Change) -> None:
        """Apply ``change`` as one write, all of it or nothing: readers see the graph before it or
        after it, never in between."""

    @abstractmethod
    def load_data(self, data: bytes | str, format: str, *, graph: str, source: str = "input") -> None:
        """Parse ``data`` (an RDF format name of :data:`.formats.FORMATS`) and add it to ``graph``
        (a layer name or a graph IRI), all or nothing.

        :raises RDFSyntaxError: the data does not parse, or is refused (:mod:`.safety`).
        """

    def load_file(self, path: str | Path, *, graph: str, format: str | None = None) -> None:
        """Load one RDF file into ``graph`` (a layer name or a graph IRI)."""
        info = format_for(format, path=path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise RDFSyntaxError(f"cannot read {path}: {exc.strerror or exc}") from exc
        self.load_data(data, info.name, graph=graph, source=str(path))

    def load_shipped(self, config: Config) -> None:
        """Load the ontology and every layer of ``data/`` into their named graphs."""
        sources = {"ontology": sorted(config.ontology_dir.glob("*.ttl"))}
        for layer in ("seed", "regions", "public"):
            sources[layer] = sorted((config.instance_dir / layer).glob("*.ttl"))
        if not sources["ontology"] or not sources["seed"]:
            raise ConfigurationError(
                f"no shipped graph under {config.data_dir}",
                hint="set ALLIANCE_KG_DATA_DIR to the folder holding ontology/ and data/",
            )
        for layer, paths in sources.items():
            for path in paths:
                self.load_file(path, graph=layer)
