"""The VoID and DCAT description of the dataset (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-3/).

The dataset ``https://w3id.org/alliance-kg/dataset`` is a ``void:Dataset`` and a
``dcat:Dataset``; each named graph is a subset with its triples, entities, and class and
property partitions. The SPARQL endpoint is the service's own, given by the caller.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from .. import __version__
from ..store import BASE, CHANGES_GRAPH, LAYER_GRAPHS, PREFIXES, KnowledgeGraph

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = PREFIXES["dcterms"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
XSD_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")
DATASET = BASE + "dataset"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLES = ["Europe", "Renault", "assignment-Europe", "NissanLivina", "CMF-CD", "country-ID"]
VOCABULARIES = [PREFIXES[p] for p in ("akg", "org", "skos", "schema", "prov", "dcterms", "rdfs", "owl")]
TITLES = {
    "ontology": "the alliance-kg ontology",
    "seed": "facts stated by the two seed articles",
    "regions": "reference regions and their ISO 3166 countries",
    "public": "cited public facts beyond the seed articles",
}
VOID_PREFIXES = {
    "void": VOID,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "akr": PREFIXES["akr"],
    "xsd": PREFIXES["xsd"],
    "rdf": PREFIXES["rdf"],
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def describe_dataset(kg: KnowledgeGraph, *, endpoint: str, store_url: str) -> list[ox.Triple]:
    """The dataset description, with ``endpoint`` as the SPARQL endpoint and ``store_url`` the
    Graph Store Protocol URL that serves each named graph as a dump."""
    return list(kg.cached("void", lambda kg: _build(kg))) + _service_triples(endpoint, store_url, kg)


def _build(kg: KnowledgeGraph) -> tuple[ox.Triple, ...]:
    t: list[ox.Triple] = []
    add = lambda s, p, o: t.append(ox.Triple(s, _n(p), o))  # noqa: E731
    dataset = _n(DATASET)
    for cls in (VOID + "Dataset", DCAT + "Dataset"):
        t.append(ox.Triple(dataset, RDF_TYPE, _n(cls)))
    add(
        dataset,
        DCTERMS + "title",
        ox.Literal("alliance-kg: the Renault-Nissan-Mitsubishi leader-follower model", language="en"),
    )
    add(
        dataset,
        DCTERMS + "description",
        ox.Literal(
            "Who leads and who follows for each reference region, technology and vehicle segment of the "
            "Renault-Nissan-Mitsubishi Alliance, where models and platforms come from, and the source and "
            "quote behind every fact.",
            language="en",
        ),
    )
    add(dataset, DCTERMS + "license", _n(LICENCE))
    add(dataset, DCTERMS + "hasVersion", ox.Literal(__version__))
    add(dataset, VOID + "uriSpace", ox.Literal(BASE + "id/"))
    for vocabulary in VOCABULARIES:
        add(dataset, VOID + "vocabulary", _n(vocabulary))
    for example in EXAMPLES:
        add(dataset, VOID + "exampleResource", _n(PREFIXES["akr"] + example))
    for row in kg.canned("source_documents"):
        add(dataset, DCTERMS + "source", row["document"])
    counts = {g: n for g, n in kg.triple_counts().items() if g and g != CHANGES_GRAPH}
    entities = {r["graph"].value: int(r["entities"].value) for r in kg.canned("void_entities")}
    add(dataset, VOID + "triples", _count(sum(counts.values())))
    for graph, n in counts.items():
        subset = _n(graph)
        add(dataset, VOID + "subset", subset)
        t.append(ox.Triple(subset, RDF_TYPE, _n(VOID + "Dataset")))
        layer = next((name for name, iri in LAYER_GRAPHS.items() if iri == graph), None)
        if layer:
            add(subset, DCTERMS + "title", ox.Literal(TITLES[layer], language="en"))
        add(subset, VOID + "triples", _count(n))
        add(subset, VOID + "entities", _count(entities.get(graph, 0)))
    for kind, query, key, count_name, count_prop in (
        ("class", "void_classes", "class", "entities", "entities"),
        ("property", "void_properties", "property", "triples", "triples"),
    ):
        partitions: dict[str, dict[str, int]] = {}
        for row in kg.canned(query):
            graph = row["graph"].value
            if graph in counts:
                partitions.setdefault(graph, {})[row[key].value] = int(row[count_name].value)
        totals: dict[str, int] = {}
        for graph, items in partitions.items():
            subset = _n(graph)
            add(subset, VOID + ("classes" if kind == "class" else "properties"), _count(len(items)))
            for iri, n in sorted(items.items()):
                part = ox.BlankNode()
                add(subset, VOID + f"{kind}Partition", part)
                add(part, VOID + kind, _n(iri))
                add(part, VOID + count_prop, _count(n))
                totals[iri] = totals.get(iri, 0) + n
        add(dataset, VOID + ("classes" if kind == "class" else "properties"), _count(len(totals)))
    return tuple(t)


def _service_triples(endpoint: str, store_url: str, kg: KnowledgeGraph) -> list[ox.Triple]:
    dataset = _n(DATASET)
    service = _n(endpoint)
    t = [
        ox.Triple(dataset, _n(VOID + "sparqlEndpoint"), service),
        ox.Triple(service, RDF_TYPE, _n(DCAT + "DataService")),
        ox.Triple(service, _n(DCAT + "endpointURL"), service),
        ox.Triple(service, _n(DCAT + "servesDataset"), dataset),
        ox.Triple(service, _n(DCTERMS + "conformsTo"), _n("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    for graph in kg.data_graphs():
        dump = ox.BlankNode()
        url = _n(f"{store_url}?graph={quote(graph, safe='')}")
        t += [
            ox.Triple(_n(graph), _n(VOID + "dataDump"), url),
            ox.Triple(dataset, _n(DCAT + "distribution"), dump),
            ox.Triple(dump, RDF_TYPE, _n(DCAT + "Distribution")),
            ox.Triple(dump, _n(DCAT + "downloadURL"), url),
            ox.Triple(dump, _n(DCAT + "mediaType"), _n("https://www.iana.org/assignments/media-types/text/turtle")),
            ox.Triple(dump, _n(DCTERMS + "license"), _n(LICENCE)),
        ]
    return t
