"""Where triples live: the knowledge graph's store, the named SPARQL queries over it, and the
processes that run clients' queries and updates.

* :mod:`.embedded` — the embedded Oxigraph store (in memory, or on disk with a journal);
* :mod:`.queries` — the canned ``.rq`` queries, loaded by name;
* :mod:`.processes`, :mod:`.confine`, :mod:`.admission` — the query processes: killable,
  confined (no network, a memory limit), and shared fairly;
* :mod:`.sparqlparse`, :mod:`.sparqltext` — what a client's SPARQL text calls and names;
* :mod:`.updates` — a SPARQL Update as a change; :mod:`.safety` — safe parsing of documents;
* :mod:`.locks`, :mod:`.cache`, :mod:`.results` — the readers-writer lock, answer caches,
  capped result serialisation.

Everything above this package reaches the triples through :class:`KnowledgeGraph` (:mod:`.graph`),
whose first implementation is :class:`EmbeddedGraph` (:mod:`.embedded`).
"""

from ..config import Config
from .change import Change
from .disk import Journal, holding_store
from .embedded import EmbeddedGraph
from .formats import FORMATS, format_for, serialize_graph
from .graph import KnowledgeGraph, solutions
from .names import BASE, CANDIDATE_GRAPH, CHANGES_GRAPH, GRAPH_BASE, LAYER_GRAPHS, PREFIXES, graph_iri, value


def open_graph(config: Config) -> KnowledgeGraph:
    """The knowledge graph ``config`` names: the embedded store, in memory or on disk at
    ``config.store``, with the shipped graph loaded if it is empty."""
    return EmbeddedGraph.open(config)


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
    "empty_graph",
    "format_for",
    "graph_iri",
    "holding_store",
    "open_graph",
    "serialize_graph",
    "solutions",
    "value",
]
