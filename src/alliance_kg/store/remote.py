"""The knowledge graph in a SPARQL 1.1 store someone else runs (the Oxigraph server, Virtuoso,
Fuseki, GraphDB...), reached by the W3C protocols: the SPARQL 1.1 Protocol for queries and
updates, the Graph Store Protocol for bulk loads. The store does the scaling; alliance-kg keeps
its answers, its limits and its guarded writes in front of it.

What a remote store changes (the README's "Over a remote SPARQL store" says it for users):

* **Reads** are sent as SPARQL text: the named queries' bound values written into it as
  N-Triples terms (:mod:`.binding`), the dataset as the protocol's ``default-graph-uri`` and
  ``named-graph-uri``: the default graph is the union of the knowledge graph's named graphs.
  Results are streamed. Every call has a timeout; reads are tried again with back-off when the
  connection fails or the store answers 502, 503 or 504; writes never are.
* **Writes** are one SPARQL Update each, sent only after the guard validated the change, and
  conditional on the store's *version token*: a triple of the change log graph that every write
  through alliance-kg replaces. The update's ``WHERE`` holds only if the token is still the one
  the write was validated against; afterwards the token is read back, and a write that did not
  take (another alliance-kg wrote first) is a 409, nothing written. A writer that bypasses
  alliance-kg (another client of the store) does not change the token: alliance-kg cannot see
  such a write before it reads again (:data:`VERSION_CHECK_SECONDS`).
* **Blank nodes** cannot be named over the protocol: a change that removes a quad with a blank
  node is refused (a blank node in what a write adds is fine).
* **The store's own default graph** is not part of the knowledge graph: everything alliance-kg
  writes is in named graphs, and an update's patterns must name their graph.
* **The named graphs** are those that hold a quad (``GRAPH ?g { ?s ?p ?o }``: Virtuoso lists no
  graph for ``GRAPH ?g {}``), except the store's own: it cannot be an allow-list (alliance-kg also
  serves graphs an organisation put in its store without it), so it is what the store made
  itself: the graph where it describes its endpoint (``<g> a sd:Service`` in ``<g>``; Virtuoso's
  is ``http://<DefaultHost>/sparql``), and, on Virtuoso only (:attr:`.SparqlClient.virtuoso`), the
  graphs of its vocabularies (:data:`VIRTUOSO_GRAPH_PREFIXES`). Other stores lose no graph by name.
* **Bulk loads** go by the Graph Store Protocol in chunks of :data:`CHUNK_QUADS`; without it, as
  ``INSERT DATA`` updates, in chunks of :data:`VIRTUOSO_CHUNK_QUADS` on Virtuoso (its SQL compiler's
  limits).
* **Clients' queries** are checked in a confined process as on the embedded store (no
  ``SERVICE``, no ``FROM`` of a graph the store lacks), then sent to the store within the time
  limit; the answer is read and written again in the format the client asked for, with the row
  cap.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext

import pyoxigraph as ox

from ..errors import Conflict, QueryEvaluationError
from .binding import bind
from .change import Change
from .documents import check_document, syntax_error
from .formats import format_for
from .graph import GraphName, KnowledgeGraph, Term
from .names import BASE, CHANGES_GRAPH, PREFIXES, graph_iri
from .processes import Limits, run_isolated
from .remotequeries import RemoteQueryRunner, read_update_in_child, run_update_in_child
from .remotewrites import VERSION_PREDICATE, VERSION_SUBJECT, conditional_update, insert_data, replace_token
from .sparqlclient import Remote, SparqlClient
from .sparqlparse import prepare
from .sparqltext import query_form

CHANGES = ox.NamedNode(CHANGES_GRAPH)
#: How long a read trusts the version token it last read before it reads it again (seconds).
VERSION_CHECK_SECONDS = 1.0
#: Quads per request when a bulk load goes to the store (GSP POST, or INSERT DATA without one).
CHUNK_QUADS = 20_000
#: Quads per ``INSERT DATA`` on Virtuoso: it refuses one of 1,500 triples without ``DEFINE
#: sql:big-data-const 1`` (which :class:`.SparqlClient` sends it), and about 5,000 with it.
VIRTUOSO_CHUNK_QUADS = 2_000
#: The graphs of Virtuoso's own vocabularies, listed among its named graphs (a fresh Virtuoso 7
#: has ``http://www.openlinksw.com/schemas/virtrdf#`` and ``http://www.w3.org/ns/ldp#``; its
#: packages add others).
VIRTUOSO_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "urn:activitystreams-owl:map",
    "virtrdf:",
)
#: The graphs in which a store describes its own endpoint (the SPARQL 1.1 Service Description).
SELF_DESCRIPTIONS = (
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a <http://www.w3.org/ns/sparql-service-description#Service> } }"
)


class RemoteGraph(KnowledgeGraph):
    """The knowledge graph in a remote SPARQL 1.1 store (see the module's documentation)."""

    holds_copy = False

    def __init__(self, remote: Remote):
        super().__init__()
        self.client = SparqlClient(remote)
        self.remote = remote
        self._token: str | None = None
        self._checked = 0.0
        self._token_lock = threading.Lock()
        self._graphs: tuple[int, list[ox.NamedNode]] | None = None

    @property
    def read_only(self) -> bool:
        return self.remote.update_url is None

    def close(self) -> None:
        self.client.close()

    # --- the version --------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """The local version, moved on when the store's version token changed since it was last
        read (at most every :data:`VERSION_CHECK_SECONDS`)."""
        now = time.monotonic()
        if now - self._checked >= VERSION_CHECK_SECONDS:
            with self._token_lock:
                if now - self._checked >= VERSION_CHECK_SECONDS:
                    token = self._read_token()
                    self._checked = time.monotonic()
                    if token != self._token:
                        if self._token is not None or self._version == 0:
                            self.changed()
                        self._token = token
        return self._version

    def _read_token(self) -> str | None:
        rows = self.client.select(
            f"SELECT ?v WHERE {{ GRAPH <{CHANGES_GRAPH}> {{ <{VERSION_SUBJECT.value}> <{VERSION_PREDICATE.value}> ?v }} }}"
        )
        for row in rows:
            return row["v"].value
        return None

    # --- reading ------------------------------------------------------------------------------------

    def reading(self) -> AbstractContextManager[None]:
        return nullcontext()  # a remote store cannot be held still: each read sees its state then

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        yield self.version

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None, graphs: Iterable[str] | None = None):
        text = _with_prefixes(bind(sparql, bindings or {}))
        default = [graph_iri(g) for g in graphs] if graphs is not None else self._graph_iris()
        form = query_form(sparql)
        if form in ("construct", "describe"):
            # pyoxigraph's own kind of answer, as the embedded store gives: the triples, read
            # into a scratch store and asked for again there
            scratch = ox.Store()
            scratch.extend(
                ox.Quad(t.subject, t.predicate, t.object)
                for t in self.client.triples(text, default=default, named=self._graph_iris())
            )
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        if form == "ask":
            return self.client.ask(text, default=default, named=self._graph_iris())
        return self.client.select(text, default=default, named=self._graph_iris())

    def quads(
        self,
        subject: Term | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        if isinstance(subject, ox.Literal) or isinstance(graph, ox.DefaultGraph):
            return iter(())  # a literal is never a subject; the store's own default graph is not read
        if any(isinstance(t, (ox.BlankNode, ox.Triple)) for t in (subject, object, graph)):
            return iter(())  # a blank node of this process names nothing in the store
        return self._quads(subject, predicate, object, graph)

    def _quads(self, subject, predicate, object, graph) -> Iterator[ox.Quad]:
        bound = {k: v for k, v in (("s", subject), ("p", predicate), ("o", object)) if v is not None}
        if graph is None and (subject is not None or object is not None):
            # a look-up (a node's links, as lineage and the linked-data pages ask): one request for
            # every graph, not one a graph
            graphs = self.named_graphs()
            text = bind("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", bound)
            for row in self.client.select(text, named=[g.value for g in graphs]):
                yield ox.Quad(row["s"], row["p"], row["o"], row["g"])
            return
        graphs = [graph] if graph is not None else self.named_graphs()
        for name in graphs:  # a scan: each graph's triples streamed as they come
            text = bind("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {**bound, "g": name})
            for triple in self.client.triples(text, named=[name.value]):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, name)

    def named_graphs(self) -> list[ox.NamedNode]:
        version = self.version
        if self._graphs is None or self._graphs[0] != version:
            rows = self.client.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            own = {r["g"] for r in self.client.select(SELF_DESCRIPTIONS)}
            vendor = VIRTUOSO_GRAPH_PREFIXES if self.client.virtuoso else ()
            names = sorted(
                (
                    r["g"]
                    for r in rows
                    if isinstance(r["g"], ox.NamedNode) and r["g"] not in own and not r["g"].value.startswith(vendor)
                ),
                key=lambda g: g.value,
            )
            self._graphs = (version, names)
        return list(self._graphs[1])

    def _graph_iris(self) -> list[str]:
        return [g.value for g in self.named_graphs()]

    def default_graph(self, *, union: bool) -> Iterator[ox.Triple]:
        if not union:
            return iter(())
        return self.client.triples("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default=self._graph_iris())

    def triple_counts(self) -> dict[str, int]:
        counts = {}
        for name in self.named_graphs():
            rows = self.client.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default=[name.value])
            counts[name.value] = int(next(iter(rows))["n"].value)
        return counts

    def __len__(self) -> int:
        return sum(self.triple_counts().values())

    def dump(self, format: str, *, graph: str | None = None) -> bytes:
        info = format_for(format)
        if graph is not None:
            name = ox.NamedNode(graph_iri(graph))
            return (
                ox.serialize(
                    (q.triple for q in self._quads(None, None, None, name)), format=info.format, prefixes=PREFIXES
                )
                or b""
            )
        if info.name in ("trig", "nq", "jsonld"):
            return ox.serialize(self.quads(), format=info.format, prefixes=PREFIXES) or b""
        distinct = dict.fromkeys(self.default_graph(union=True))
        return ox.serialize(distinct, format=info.format, prefixes=PREFIXES) or b""

    # --- clients' SPARQL ----------------------------------------------------------------------------

    def query_runner(self, *, memory_bytes: int | None, federating: bool) -> RemoteQueryRunner:
        return RemoteQueryRunner(self.client, self._graph_iris)

    def change_for_update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        using_graphs: Iterable[str] = (),
        using_named_graphs: Iterable[str] = (),
        limits: Limits,
    ) -> Change:
        """The change of ``update``, worked out on the quads it can read and change, fetched from
        the store into a scratch store (see :func:`plan_update`)."""
        if tuple(using_graphs) or tuple(using_named_graphs):
            raise QueryEvaluationError(
                "using-graph-uri and using-named-graph-uri are not supported over a remote store",
                hint="name the graphs in the update (GRAPH <...>)",
            )
        prepare()
        body, about = run_isolated(lambda: read_update_in_child(update, base_iri), limits)
        reads = [tuple(p) for p in about["reads"]]
        scratch = ox.Store()
        for s, p, o, g in reads:
            term = lambda iri: ox.NamedNode(iri) if iri else None  # noqa: E731
            scratch.extend(self.quads(term(s), term(p), term(o), ox.NamedNode(g)))
        before = frozenset(scratch)
        nq = ox.serialize(before, format=ox.RdfFormat.N_QUADS) or b""
        body, about = run_isolated(lambda: run_update_in_child(nq, update, base_iri), limits)
        after = frozenset(ox.parse(body, format=ox.RdfFormat.N_QUADS))
        return Change(removed=before - after, added=after - before, destructive=tuple(about["destructive"]))

    # --- writing ------------------------------------------------------------------------------------

    def commit(self, change: Change) -> None:
        """Send ``change`` as one SPARQL Update, conditional on the version token (see the module)."""
        if not change:
            return
        for quad in change.removed:
            if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name)):
                raise QueryEvaluationError(
                    "a quad with a blank node cannot be removed over the SPARQL protocol", hint="give the node an IRI"
                )
        with self._token_lock:
            expected = self._read_token()
            if self._token is not None and expected != self._token:
                self._token = expected
                self.changed()
                raise Conflict(
                    "the remote store was changed by another writer since this write was validated: "
                    "nothing was written",
                    hint="send the write again",
                )
            token = f"urn:uuid:{uuid.uuid4()}"
            self.client.update(conditional_update(change, expected, token, virtuoso=self.client.virtuoso))
            now = self._read_token()
            self._checked = time.monotonic()
            if now != token:
                self._token = now
                self.changed()
                raise Conflict(
                    "the remote store was changed by another writer while this write was sent: nothing was written",
                    hint="send the write again",
                )
            self._token = token
        self.changed(
            frozenset(q.subject.value for q in (*change.removed, *change.added) if isinstance(q.subject, ox.NamedNode))
        )

    def load_data(self, data: bytes | str, format: str, *, graph: str, source: str = "input") -> None:
        """Parse ``data`` here (by the rules of :mod:`.documents`), then add it to the store: by
        the Graph Store Protocol in chunks when there is one, else as ``INSERT DATA`` updates."""
        info = format_for(format)
        target = ox.NamedNode(graph_iri(graph))
        data = data.encode() if isinstance(data, str) else data
        check_document(data, info.format, source=source)
        scratch = ox.Store()
        try:
            scratch.load(data, info.format, base_iri=BASE + "id/", to_graph=target)
        except (SyntaxError, ValueError) as exc:
            raise syntax_error(exc, info.format, source) from exc
        self.bulk_add(list(scratch))

    def bulk_add(self, quads: list[ox.Quad]) -> None:
        """Add ``quads`` in chunks (not one write: for loading only; see the module)."""
        self.client._update_url()
        gsp = self.remote.gsp_url
        size = VIRTUOSO_CHUNK_QUADS if not gsp and self.client.virtuoso else CHUNK_QUADS
        for start in range(0, len(quads), size):
            by_graph: dict[ox.NamedNode, list[ox.Triple]] = {}
            for q in quads[start : start + size]:
                by_graph.setdefault(q.graph_name, []).append(q.triple)  # type: ignore[arg-type]
            for name, triples in by_graph.items():
                if gsp:
                    self.client.post_graph(name.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
                else:
                    self.client.update(insert_data(name, triples, virtuoso=self.client.virtuoso))
        with self._token_lock:
            token = f"urn:uuid:{uuid.uuid4()}"
            self.client.update(replace_token(token))
            self._token = token
        self.changed()

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Empty ``graphs`` in the store (for ``init --replace``)."""
        self.client.update(" ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        self.changed()


# --- helpers ---------------------------------------------------------------------------------------


def _with_prefixes(text: str) -> str:
    """The project's prefixes declared before a named query (the embedded store is given them)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + text


def open_remote(remote: Remote) -> RemoteGraph:
    """The knowledge graph in the store ``remote`` names; the store is asked for its version
    once, so that an unreachable store is said at once."""
    kg = RemoteGraph(remote)
    _ = kg.version
    return kg
