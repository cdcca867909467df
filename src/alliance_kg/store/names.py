"""The names of the knowledge graph: its IRI bases, its named graphs, and the prefixes its
queries and serialisations use."""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import UnsupportedFormat

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
        raise UnsupportedFormat(
            f"unknown graph {name!r}", hint=f"use a layer ({', '.join(LAYER_GRAPHS)}) or a full IRI"
        )
    return name


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
    """The text of ``term``: an IRI, a blank node's id, a literal's lexical form; a quoted
    triple (RDF-star) in N-Triples; the empty string for the default graph.

    >>> value(ox.NamedNode("https://example.org/a")), value(ox.Literal("1")), value(ox.DefaultGraph())
    ('https://example.org/a', '1', '')
    """
    if isinstance(term, ox.Triple):
        return str(term)
    if isinstance(term, ox.DefaultGraph):
        return ""
    return term.value
