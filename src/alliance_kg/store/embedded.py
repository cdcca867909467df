"""The graph store: an embedded Oxigraph store holding one named graph per layer.

Everything that touches the store goes through :class:`KnowledgeGraph`, so that a remote
SPARQL 1.1 store can replace Oxigraph behind the same methods.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, TypeVar

import pyoxigraph as ox

from ..config import Config
from ..errors import ConfigurationError, StoreInUse, JournalDamaged, QuerySyntaxError, RDFSyntaxError, UnsupportedFormat
from .locks import ReadWriteLock

T = TypeVar("T")
#: How many canned-query results are kept per state of the graph.
CANNED_CACHE_SIZE = 20_000
#: How many past changes the graph remembers the subjects of, to patch derived values.
HISTORY_SIZE = 64

BASE = "https://w3id.org/alliance-kg/"
GRAPH_BASE = BASE + "graph/"
#: The named graph of each layer of the shipped knowledge graph.
LAYER_GRAPHS = {layer: GRAPH_BASE + layer for layer in ("ontology", "seed", "regions", "public")}
#: Named graph for candidate files given to ``alliance-kg validate``.
CANDIDATE_GRAPH = GRAPH_BASE + "candidate"
#: Named graph of the change log: one ``prov:Activity`` per accepted write. Not validated.
CHANGES_GRAPH = GRAPH_BASE + "changes"

PREFIXES = {
    "akg": BASE + "ontology#",
    "akr": BASE + "id/",
    "aks": BASE + "shapes#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str
    format: ox.RdfFormat
    media_type: str
    extension: str


#: Serialisation formats by the names the CLI accepts.
FORMATS = {
    info.name: info
    for info in (
        RdfFormatInfo("turtle", ox.RdfFormat.TURTLE, "text/turtle", "ttl"),
        RdfFormatInfo("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt"),
        RdfFormatInfo("nq", ox.RdfFormat.N_QUADS, "application/n-quads", "nq"),
        RdfFormatInfo("trig", ox.RdfFormat.TRIG, "application/trig", "trig"),
        RdfFormatInfo("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
        RdfFormatInfo("xml", ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf"),
    )
}
_BY_EXTENSION = {info.extension: info for info in FORMATS.values()} | {
    "json": FORMATS["jsonld"], "owl": FORMATS["xml"], "n3": FORMATS["turtle"]
}


def format_for(name: str | None = None, *, path: str | Path | None = None) -> RdfFormatInfo:
    """The format called ``name``, or guessed from the extension of ``path``.

    >>> format_for("trig").media_type
    'application/trig'
    >>> format_for(path="x/y.nt").name
    'nt'
    """
    if name:
        try:
            return FORMATS[name]
        except KeyError:
            raise UnsupportedFormat(
                f"unknown RDF format {name!r}", hint=f"use one of {', '.join(FORMATS)}"
            ) from None
    suffix = Path(path or "").suffix.lstrip(".").lower()
    try:
        return _BY_EXTENSION[suffix]
    except KeyError:
        raise UnsupportedFormat(
            f"cannot tell the RDF format of {path}", hint="name it with a known extension (.ttl, .nt, .nq, .trig, .jsonld, .rdf)"
        ) from None


@dataclass(frozen=True)
class Change:
    """A change of the dataset: quads to remove, then quads to add; and ``destructive``, the
    operations that made it if they empty graphs wholesale (``DROP ALL``: only an admin may).

    >>> q = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"))
    >>> (Change(added=frozenset([q])) | Change(removed=frozenset([q]))).removed == frozenset([q])
    True
    """

    removed: frozenset[ox.Quad] = frozenset()
    added: frozenset[ox.Quad] = frozenset()
    destructive: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def __or__(self, other: "Change") -> "Change":
        return Change(removed=self.removed | other.removed, added=self.added | other.added,
                      destructive=self.destructive + other.destructive)


#: What the marker ``complete`` of a journal written in full holds.
COMPLETE_MARKER = b"complete\n"


class Journal:
    """A write-ahead journal for a store on disk, so that a write interrupted by a crash is
    finished on the next start, never left half applied.

    A change is written (removed and added quads as N-Quads, then a ``complete`` marker),
    applied, then cleared, and only then acknowledged. On opening, a complete journal is applied
    again (removing and adding are idempotent); an incomplete one was never applied and is
    dropped. A journal that cannot be read back is :class:`JournalDamaged`: the store does not
    open until it is set aside (:meth:`set_aside`, ``alliance-kg recover``).
    """

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / name

    def write(self, change: Change) -> None:
        """Write ``change`` to the journal, synced, the marker ``complete`` last."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, quads in (("removed.nq", change.removed), ("added.nq", change.added)):
            _write_synced(self._path(name), ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b"")
        _write_synced(self._path("complete.tmp"), COMPLETE_MARKER)
        os.replace(self._path("complete.tmp"), self._path("complete"))

    def pending(self) -> Change | None:
        """The change a crash interrupted (a complete journal), or None (no journal, or an incomplete one).

        :raises JournalDamaged: the journal is not a folder, or is complete but cannot be read back.
        """
        self._check_directory()
        marker = self._read("complete", missing_ok=True)
        if marker is None:
            return None
        if marker != COMPLETE_MARKER:
            shown = repr(marker[:32]) + ("…" if len(marker) > 32 else "")
            raise self._damaged(self._path("complete"), f"holds {shown}, not {COMPLETE_MARKER!r}")
        return Change(removed=self._quads("removed.nq"), added=self._quads("added.nq"))

    def files(self) -> list[Path]:
        """The files in the journal now, sorted; none if there is no journal."""
        self._check_directory()
        try:
            return sorted(self.directory.iterdir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._damaged(self.directory, f"cannot be read ({exc.strerror or exc})") from exc

    def clear(self) -> None:
        """Remove the journal's files (the write is on disk, or was never applied)."""
        for name in ("complete", "complete.tmp", "removed.nq", "added.nq"):
            try:
                self._path(name).unlink(missing_ok=True)
            except OSError as exc:
                raise self._damaged(self._path(name), f"cannot be removed ({exc.strerror or exc})") from exc

    def set_aside(self) -> Path | None:
        """Move the journal's files, unchanged, into a new folder ``journal-discarded-<UTC time>``
        beside it, and return that folder; None if there was nothing to move. Nothing is deleted."""
        if self.directory.is_dir():
            entries = sorted(self.directory.iterdir())
            if not entries:
                return None
            folder = self._new_discard_folder()
            for entry in entries:
                shutil.move(entry, folder / entry.name)
            return folder
        if not (self.directory.exists() or self.directory.is_symlink()):
            return None
        folder = self._new_discard_folder()  # a file (or a broken link) where the folder should be
        shutil.move(self.directory, folder / self.directory.name)
        return folder

    def _new_discard_folder(self) -> Path:
        """A new, empty ``journal-discarded-<UTC time>`` folder beside the journal (``-1``, ``-2``… if taken)."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        n = 0
        while True:
            folder = self.directory.parent / f"{self.directory.name}-discarded-{stamp}{f'-{n}' if n else ''}"
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                n += 1

    def _check_directory(self) -> None:
        """Raise :class:`JournalDamaged` if the journal's path exists but is not a folder."""
        if (self.directory.exists() or self.directory.is_symlink()) and not self.directory.is_dir():
            raise self._damaged(self.directory, "is not a folder")

    def _read(self, name: str, *, missing_ok: bool = False) -> bytes | None:
        """The bytes of the journal's file ``name`` (None if it is missing and ``missing_ok``)."""
        path = self._path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return None
            raise self._damaged(path, "is missing, though the marker 'complete' says the journal was written in full") from None
        except OSError as exc:
            raise self._damaged(path, f"cannot be read ({exc.strerror or exc})") from exc

    def _quads(self, name: str) -> frozenset[ox.Quad]:
        """The quads of the journal's N-Quads file ``name``."""
        data = self._read(name)
        try:
            return frozenset(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, ValueError) as exc:
            raise self._damaged(self._path(name), f"does not parse as N-Quads: {_one_line(str(exc))}") from exc

    def _damaged(self, path: Path, problem: str) -> JournalDamaged:
        """The error for ``path`` (in this journal) damaged as ``problem`` says."""
        return JournalDamaged.of(path, problem, store=self.directory.parent)


def _one_line(text: str) -> str:
    r"""``text`` on one line of printable characters.

    >>> _one_line("'\x00' is not allowed\n at 1:1")
    "'\\x00' is not allowed at 1:1"
    """
    shown = "".join(c if c.isprintable() or c in " \t\n" else repr(c)[1:-1] for c in text)
    return " ".join(shown.split())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class KnowledgeGraph:
    """The alliance knowledge graph on an Oxigraph store.

    >>> kg = KnowledgeGraph.in_memory()
    >>> kg.load_data(b'<https://example.org/a> <https://example.org/p> "1" .', "nt", graph="seed")
    >>> kg.triple_counts()["https://w3id.org/alliance-kg/graph/seed"]
    1
    """

    def __init__(self, store: ox.Store, *, disk: ox.Store | None = None, journal: Journal | None = None):
        #: The graph every read sees: in memory, so a forked query process reads a consistent
        #: copy of it (:mod:`alliance_kg.store.processes`) and scans are fast.
        self.store = store
        #: The same graph on disk (RocksDB), when the graph is persistent: written by every
        #: commit before the memory copy, never read after start-up.
        self.disk = disk
        self.journal = journal
        #: Readers hold it shared for a whole request; :meth:`commit` holds it alone.
        self.lock = ReadWriteLock()
        #: Bumped by every change through this object; caches derived from the graph key on it.
        self.generation = 0
        #: (generation, IRIs of the subjects the change touched, or None if unknown), newest last.
        self._history: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=HISTORY_SIZE)
        self._cache: dict[str, tuple[int, object]] = {}
        self._cache_lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}

    def cached(self, name: str, build: Callable[["KnowledgeGraph"], T],
               patch: Callable[["KnowledgeGraph", T, set[str]], T] | None = None) -> T:
        """``build(self)``, computed once per :attr:`generation` and shared across threads.

        With ``patch``, a value of an older generation is brought up to date by
        ``patch(self, old, subjects)`` instead, given the IRIs of the subjects changed since
        (when they are known: see :meth:`changed_subjects`).

        Each name has its own lock, so a slow build (the validation report) does not hold up
        the others, and a build may itself use cached values (the VoID description runs
        canned queries).
        """
        hit = self._cache.get(name)
        if hit is not None and hit[0] == self.generation:
            return hit[1]  # type: ignore[return-value]
        with self._cache_lock:
            lock = self._build_locks.setdefault(name, threading.Lock())
        with lock:
            hit = self._cache.get(name)
            if hit is None or hit[0] != self.generation:
                generation = self.generation
                subjects = self.changed_subjects(hit[0]) if hit is not None and patch is not None else None
                hit = (generation, build(self) if subjects is None else patch(self, hit[1], subjects))  # type: ignore[arg-type]
                self._cache[name] = hit
            return hit[1]  # type: ignore[return-value]

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        """Hold the graph still (its read lock) and yield its :attr:`generation`: a query process
        forked meanwhile holds a consistent copy of the graph at that state."""
        with self.lock.reading():
            yield self.generation

    def canned(self, name: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict]:
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

    def commit(self, change: Change) -> None:
        """Apply ``change`` as one write: readers see the graph before it or after it, never in
        between; on disk, a crash part way is finished on the next start (:class:`Journal`)."""
        if not change:
            return
        with self.lock.writing():
            if self.disk is not None:
                if self.journal is not None:
                    self.journal.write(change)
                _apply(self.disk, change)
                self.disk.flush()  # on disk before the journal goes and the write is acknowledged
                if self.journal is not None:
                    self.journal.clear()
            _apply(self.store, change)
            self.changed(frozenset(q.subject.value for q in (*change.removed, *change.added)
                                   if isinstance(q.subject, ox.NamedNode)))

    def data_graphs(self) -> list[str]:
        """The named graphs that hold the knowledge graph: all but the change log."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != CHANGES_GRAPH)

    def changed(self, subjects: frozenset[str] | None = None) -> None:
        """Record that the graph changed, so that derived caches are rebuilt; ``subjects``: the
        IRIs of the subjects of every quad the change added or removed, if known."""
        self.generation += 1
        self._history.append((self.generation, subjects))

    def changed_subjects(self, since: int) -> set[str] | None:
        """The IRIs of the subjects changed after generation ``since``, or ``None`` if that is not
        known (a change without the list, or one too old to be remembered).

        >>> kg = KnowledgeGraph.in_memory()
        >>> a = ox.NamedNode("https://example.org/a")
        >>> q = ox.Quad(a, a, a, ox.NamedNode("https://example.org/g"))
        >>> kg.commit(Change(added=frozenset([q]))); kg.changed_subjects(0)
        {'https://example.org/a'}
        >>> kg.changed(); kg.changed_subjects(0) is None, kg.changed_subjects(2)
        (True, set())
        """
        found: set[str] = set()
        covered = self.generation
        for generation, subjects in reversed(self._history):
            if generation <= since:
                break
            if subjects is None:
                return None
            found |= subjects
            covered = generation - 1
        return found if covered <= since else None

    # --- opening -------------------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> "KnowledgeGraph":
        return cls(ox.Store())

    @classmethod
    def open(cls, config: Config) -> "KnowledgeGraph":
        """Open the store ``config`` names (in memory if none); load the shipped graph if it is empty."""
        if config.store is None:
            kg = cls.in_memory()
            if config.shipped:
                kg.load_shipped(config)
            return kg
        disk = _open_disk(config.store)
        journal = Journal(config.store / "journal")
        try:
            interrupted = journal.pending()
            if interrupted is not None:  # a write cut short by a crash: finish it
                _apply(disk, interrupted)
                disk.flush()
            journal.clear()
        except JournalDamaged:
            del disk  # closes RocksDB, and frees its lock, before the error leaves (`recover` opens it next)
            raise
        if config.shipped and next(iter(disk.quads_for_pattern(None, None, None, None)), None) is None:
            # All or nothing: a first start cut short must not leave a partial graph.
            scratch = cls.in_memory()
            scratch.load_shipped(config)
            disk.extend(scratch.store.quads_for_pattern(None, None, None, None))  # one transaction
            disk.flush()
        memory = ox.Store()
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        return cls(memory, disk=disk, journal=journal)

    def is_empty(self) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, None, None)), None) is None

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

    # --- loading -------------------------------------------------------------------------------

    def load_file(self, path: str | Path, *, graph: str, format: str | None = None) -> None:
        """Load one RDF file into ``graph`` (a layer name or a graph IRI)."""
        info = format_for(format, path=path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise RDFSyntaxError(f"cannot read {path}: {exc.strerror or exc}") from exc
        self.load_data(data, info.name, graph=graph, source=str(path))

    def load_data(self, data: bytes | str, format: str, *, graph: str, source: str = "input") -> None:
        """Parse ``data`` and add it to ``graph``, all or nothing."""
        info = format_for(format)
        target = ox.NamedNode(graph_iri(graph))
        if info.format == ox.RdfFormat.RDF_XML:
            from .safety import check_rdf_xml

            check_rdf_xml(data.encode() if isinstance(data, str) else data, source=source)
        try:
            if self.disk is not None:  # parsed into memory first: a syntax error leaves the disk as it was
                scratch = ox.Store()
                scratch.load(data, info.format, base_iri=BASE + "id/", to_graph=target)
                self.commit(Change(added=frozenset(scratch.quads_for_pattern(None, None, None, None))))
            else:
                self.store.load(data, info.format, base_iri=BASE + "id/", to_graph=target)
        except SyntaxError as exc:
            raise RDFSyntaxError(f"{source}: {exc}") from exc
        finally:
            self.changed()

    # --- querying ------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
        graphs: Iterable[str] | None = None,
    ):
        """Run a SPARQL query. By default the default graph is the union of all graphs;
        ``graphs`` (layer names or IRIs) restricts it.

        ``bindings`` give variables one value each, as Oxigraph substitutions (SPARQL-dev
        SEP-0007): the value replaces the variable everywhere in the query, FILTERs included, and
        never reaches the query as text. Oxigraph requires a bound variable to be projected.

        >>> kg = KnowledgeGraph.in_memory()
        >>> [r["y"].value for r in kg.select("SELECT ?x ?y WHERE { BIND(STRLEN(?x) AS ?y) }",
        ...                                  bindings={"x": ox.Literal('} ; DROP ALL ; #')})]
        ['16']
        """
        subs = {ox.Variable(name): value for name, value in (bindings or {}).items()}
        kwargs: dict = {"prefixes": PREFIXES, "substitutions": subs or None}
        if graphs is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(graph_iri(g)) for g in graphs]
        try:
            return self.store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except RuntimeError as exc:  # e.g. a substituted variable that the query does not project
            raise QuerySyntaxError(f"cannot run the query: {exc}") from exc

    def select(self, sparql: str, **kwargs) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """Run a SELECT query and return its solutions as dicts (unbound variables are left out)."""
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in results]

    def triple_counts(self) -> dict[str, int]:
        """Triples per named graph (the default graph as ``""``)."""
        counts: dict[str, int] = {}
        for quad in self.store.quads_for_pattern(None, None, None, None):
            key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def __len__(self) -> int:
        return len(self.store)

    # --- exporting -----------------------------------------------------------------------------

    def dump(self, format: str, *, graph: str | None = None) -> bytes:
        """Serialise the dataset (TriG, N-Quads, JSON-LD keep the named graphs) or, for
        triple formats, the union of all graphs (or the one ``graph``)."""
        info = format_for(format)
        if graph is not None:
            return self.store.dump(format=info.format, from_graph=ox.NamedNode(graph_iri(graph)), prefixes=PREFIXES)
        if info.name in ("trig", "nq", "jsonld"):
            return self.store.dump(format=info.format, prefixes=PREFIXES)
        triples = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return ox.serialize(triples, format=info.format, prefixes=PREFIXES)


#: The file in a store's directory that names the process holding it open.
PID_FILE = "alliance-kg.pid"


def _open_disk(store: Path) -> ox.Store:
    """The RocksDB store in ``store/graph``, created if need be; it holds the store's lock while it
    lives, and ``store/alliance-kg.pid`` says which process holds it.

    :raises StoreInUse: another process holds the store open (RocksDB's lock).
    :raises ConfigurationError: the store cannot be opened for another reason.
    """
    try:
        store.mkdir(parents=True, exist_ok=True)
        disk = ox.Store(str(store / "graph"))
    except OSError as exc:
        if "lock" in str(exc).lower():
            try:
                pid = (store / PID_FILE).read_text(encoding="utf-8").strip() or "unknown"
            except OSError:
                pid = "unknown"
            raise StoreInUse(f"the store at {store} is in use by another alliance-kg process (pid {pid}); "
                             "stop it or use the HTTP API") from None
        raise ConfigurationError(f"cannot open the store at {store}: {exc}") from exc
    try:
        (store / PID_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
    except OSError:
        pass  # the pid only makes the message of another process better
    return disk


@contextmanager
def holding_store(store: Path) -> Iterator[None]:
    """Hold the lock of the store at ``store`` for the block (its RocksDB store open, created if
    need be), so that nothing else opens it meanwhile; it fails while a service has it open."""
    disk = _open_disk(store)
    try:
        yield
    finally:
        del disk


def _apply(store: ox.Store, change: Change) -> None:
    """Remove then add the quads of ``change`` in ``store``."""
    for quad in change.removed:
        store.remove(quad)
    store.extend(change.added)
    # Oxigraph keeps the name of a named graph whose last quad is gone: forget it, so that an
    # emptied graph is not listed (service description, Graph Store Protocol) any more.
    for name in {q.graph_name for q in change.removed if isinstance(q.graph_name, ox.NamedNode)}:
        if next(iter(store.quads_for_pattern(None, None, None, name)), None) is None:
            store.remove_graph(name)


def graph_iri(name: str) -> str:
    """A layer name (``seed``) or a graph IRI, as a graph IRI.

    >>> graph_iri("seed")
    'https://w3id.org/alliance-kg/graph/seed'
    >>> graph_iri("https://example.org/g")
    'https://example.org/g'
    """
    if name in LAYER_GRAPHS:
        return LAYER_GRAPHS[name]
    if name == "candidate":
        return CANDIDATE_GRAPH
    if name == "changes":
        return CHANGES_GRAPH
    if ":" not in name:
        raise UnsupportedFormat(f"unknown graph {name!r}", hint=f"use a layer ({', '.join(LAYER_GRAPHS)}) or a full IRI")
    return name
