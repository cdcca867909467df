"""Where triples live: the knowledge graph's store, the named SPARQL queries over it, and the
processes that run clients' queries and updates.

* :mod:`.embedded` — the embedded Oxigraph store (in memory, or on disk with a journal);
* :mod:`.remote` — a remote SPARQL 1.1 store, by the SPARQL and Graph Store protocols;
* :mod:`.queries` — the canned ``.rq`` queries, loaded by name;
* :mod:`.processes`, :mod:`.confine`, :mod:`.admission` — the query processes: killable,
  confined (no network, a memory limit), and shared fairly;
* :mod:`.sparqlparse`, :mod:`.sparqltext` — what a client's SPARQL text calls and names;
* :mod:`.updates` — a SPARQL Update as a change; :mod:`.safety` — safe parsing of documents;
* :mod:`.locks`, :mod:`.cache`, :mod:`.results` — the readers-writer lock, answer caches,
  capped result serialisation.

Everything above this package reaches the triples through :class:`KnowledgeGraph` (:mod:`.graph`),
implemented by :class:`EmbeddedGraph` (:mod:`.embedded`) and :class:`RemoteGraph` (:mod:`.remote`).
"""

from ..config import Config
from .change import Change
from .disk import Journal, holding_store
from .embedded import EmbeddedGraph
from .formats import FORMATS, format_for, serialize_graph
from .graph import KnowledgeGraph, solutions
from .names import BASE, CANDIDATE_GRAPH, CHANGES_GRAPH, GRAPH_BASE, LAYER_GRAPHS, PREFIXES, graph_iri, value
from .remote import Remote, RemoteGraph, open_remote


def open_graph(config: Config) -> KnowledgeGraph:
    """The knowledge graph ``config`` names: a remote SPARQL store (``remote_query``), or the
    embedded store, in memory or on disk at ``config.store``, with the shipped graph loaded if it
    is empty."""
    if config.remote_query:
        return open_remote(remote_of(config))
    return EmbeddedGraph.open(config)


def remote_of(config: Config) -> Remote:
    """Where the remote store of ``config`` is, and how to reach it."""
    return Remote(
        query_url=config.remote_query or "",
        update_url=config.remote_update,
        gsp_url=config.remote_gsp,
        user=config.remote_user,
        password=config.remote_password,
        timeout=config.remote_timeout,
    )


def empty_graph() -> KnowledgeGraph:
    """A new, empty knowledge graph in memory."""
    return EmbeddedGraph.in_memory()


__all__ = [
    "BASE",
    "CANDIDATE_GRAPH",
    "CHANGES_GRAPH",
    "FORMATS",
    "GRAPH_BASE",
    "LAYER_GRAPHS",
    "PREFIXES",
    "Change",
    "EmbeddedGraph",
    "Journal",
    "KnowledgeGraph",
    "Remote",
    "RemoteGraph",
    "empty_graph",
    "format_for",
    "graph_iri",
    "holding_store",
    "open_graph",
    "serialize_graph",
    "solutions",
    "value",
]
