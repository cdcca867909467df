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

Everything above this package reaches the triples through :class:`KnowledgeGraph`.
"""

from .embedded import (BASE, CANDIDATE_GRAPH, CHANGES_GRAPH, FORMATS, GRAPH_BASE, LAYER_GRAPHS, PREFIXES, Change,
                       Journal, KnowledgeGraph, format_for, graph_iri, holding_store)

__all__ = ["BASE", "CANDIDATE_GRAPH", "CHANGES_GRAPH", "FORMATS", "GRAPH_BASE", "LAYER_GRAPHS", "PREFIXES", "Change",
           "Journal", "KnowledgeGraph", "format_for", "graph_iri", "holding_store"]
