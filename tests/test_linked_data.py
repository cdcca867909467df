"""Linked data: dereferenceable IRIs (303 to a document, content negotiation), the ontology at its
IRI, the VoID/DCAT description, the JSON-LD context of the JSON API, and alignment."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib

from alliance_kg.knowledge.catalog import catalog

AKR = "https://w3id.org/alliance-kg/id/"
AKG = "https://w3id.org/alliance-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID = "http://rdfs.org/ns/void#"
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def triples(response, fmt) -> set[tuple[str, str, str]]:
    return {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(response.data, format=fmt)}


@pytest.mark.parametrize("key", ["Europe", "Renault", "assignment-Europe", "NissanLivina", "country-DE", "F063", "D000"])
def test_a_resource_iri_answers_303_to_its_document(client, key):
    response = client.get(f"/id/{key}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{key}"


@pytest.mark.parametrize("path", ["/id/Atlantis", "/doc/Atlantis", "/doc/Europe.foo", "/id/a%20b", "/doc/a%3Eb",
                                  "/id/%22", "/graph/a%20b", "/graph/nothing"])
def test_an_unknown_or_malformed_resource_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("media_type, fmt", FORMATS.items())
def test_a_document_in_every_rdf_format_by_accept(client, media_type, fmt):
    response = client.get("/doc/Europe", headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert (AKR + "Europe", RDF_TYPE, AKG + "ReferenceRegion") in triples(response, fmt)
    assert response.headers["Link"] == f'<{AKR}Europe>; rel="describes"'


@pytest.mark.parametrize("extension, media_type", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                                   ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"),
                                                   ("html", "text/html")])
def test_a_document_in_one_format_by_extension(client, extension, media_type):
    response = client.get(f"/doc/Renault.{extension}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == media_type


def test_a_document_is_html_by_default_and_406_for_an_unknown_type(client):
    assert client.get("/doc/Europe").mimetype == "text/html"
    assert client.get("/doc/Europe", headers={"Accept": "image/png"}).status_code == 406


def test_the_rdf_document_carries_the_evidence(client):
    found = triples(client.get("/doc/assignment-Europe.nt"), ox.RdfFormat.N_TRIPLES)
    assert (AKR + "assignment-Europe", AKG + "leader", AKR + "Renault") in found
    assert (AKR + "F063", AKG + "supports", AKR + "assignment-Europe") in found
    assert (AKR + "F063", AKG + "quote", "Renault will be the leader for Europe, Russia, South America, and North Africa") in found


def test_a_scope_page_shows_statements_sources_incoming_links_and_the_leader(client):
    page = client.get("/doc/Europe").get_data(as_text=True)
    assert "<h1>Europe</h1>" in page
    assert 'href="/id/country-DE"' in page  # a statement's value links to its page
    assert "Incoming links" in page and 'href="/id/assignment-Europe"' in page
    assert "Responsibility" in page and "Renault is the leader for Europe" in page
    assert "Renault will be the leader for Europe, Russia, South America, and North Africa" in page  # a quote


def test_a_company_page_shows_what_it_leads_and_a_model_page_its_lineage(client):
    nissan = client.get("/doc/Nissan").get_data(as_text=True)
    assert "Leads and follows" in nissan and 'href="/id/China"' in nissan
    livina = client.get("/doc/NissanLivina").get_data(as_text=True)
    assert "Lineage" in livina and "Mitsubishi Xpander" in livina
    assert "we had already expected the next model to be from Nissan which became the Livina" in livina


# --- one hop: what a description holds ---------------------------------------------------------------

#: For every assignment a company leads or follows: its scope and dates, the scope's names and
#: kinds, and the statements supporting it with their document (and its title) and quote.
COMPANY_HOP = """
SELECT ?company ?s ?p ?o WHERE {
  { ?a akg:leader ?company } UNION { ?a akg:follower ?company }
  { ?a ?p ?o . BIND (?a AS ?s) VALUES ?p { akg:scope akg:validFrom akg:validTo } }
  UNION { ?a akg:scope ?s . ?s ?p ?o . VALUES ?p { rdf:type skos:prefLabel rdfs:label } }
  UNION { ?s akg:supports ?a ; ?p ?o . VALUES ?p { akg:supports akg:document akg:quote } }
  UNION { ?statement akg:supports ?a ; akg:document ?s . ?s dcterms:title ?o . BIND (dcterms:title AS ?p) }
}"""


def graph_triples(kg, sparql: str, **bindings) -> set[tuple[str, str, str]]:
    return {(r["s"].value, r["p"].value, r["o"].value) for r in kg.select(sparql, bindings=bindings)}


@pytest.mark.parametrize("media_type", ["text/turtle", "application/ld+json"])
def test_a_company_document_holds_each_of_its_assignments_with_scope_dates_and_evidence(client, shipped, media_type):
    company = ox.NamedNode(AKR + "Nissan")
    expected = graph_triples(shipped, COMPANY_HOP, company=company)
    assignments = {r["a"].value for r in shipped.select(
        "SELECT ?c ?a WHERE { { ?a akg:leader ?c } UNION { ?a akg:follower ?c } }", bindings={"c": company})}
    # the expectation is not empty: every assignment has a scope, a start date and a quoted statement
    for predicate in ("scope", "validFrom"):
        assert {s for s, p, _ in expected if p == AKG + predicate} == assignments
    assert {o for _, p, o in expected if p == AKG + "supports"} == assignments
    assert any(p == AKG + "quote" for _, p, _ in expected)
    found = triples(client.get("/doc/Nissan", headers={"Accept": media_type}), FORMATS[media_type])
    assert expected - found == set()


@pytest.mark.parametrize("assignment", ["assignment-Japan", "assignment-Europe"])
def test_an_assignment_document_holds_its_scopes_label_and_kind(client, shipped, assignment):
    expected = graph_triples(shipped, "SELECT ?a ?s ?p ?o WHERE { ?a akg:scope ?s . ?s ?p ?o "
                                      "VALUES ?p { rdf:type skos:prefLabel rdfs:label } }",
                             a=ox.NamedNode(AKR + assignment))
    assert any(p == "http://www.w3.org/2004/02/skos/core#prefLabel" for _, p, _ in expected)
    found = triples(client.get(f"/doc/{assignment}.ttl"), ox.RdfFormat.TURTLE)
    assert expected - found == set()


def test_a_company_page_still_renders_with_the_nodes_about_it(client):
    page = client.get("/doc/Nissan").get_data(as_text=True)
    assert "Leads and follows" in page and 'href="/id/assignment-Japan"' in page
    assert "The nodes about Nissan" in page


# --- names on /id/ and /doc/ -------------------------------------------------------------------------


@pytest.mark.parametrize("path, location", [
    ("/doc/Germany", "/doc/country-DE"),
    ("/doc/germany", "/doc/country-DE"),
    ("/doc/DE", "/doc/country-DE"),
    ("/doc/DEU", "/doc/country-DE"),
    ("/doc/federal%20republic%20of%20GERMANY", "/doc/country-DE"),
    ("/doc/Germany.ttl", "/doc/country-DE.ttl"),
    ("/doc/de.jsonld", "/doc/country-DE.jsonld"),
    ("/doc/turkiye", "/doc/country-TR"),
    ("/doc/nissan", "/doc/Nissan"),
    ("/id/Germany", "/doc/country-DE"),
])
def test_a_name_answers_303_to_the_document_at_its_id(client, shipped, path, location):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert client.get(location).status_code == 200


def test_a_person_is_found_by_family_name(client, shipped):
    people = {r["person"].value for r in shipped.select(
        "SELECT ?person WHERE { ?person a schema:Person ; skos:prefLabel ?name FILTER (STRENDS(?name, ' Senard')) }")}
    assert len(people) == 1
    person = people.pop()
    response = client.get("/id/Senard")
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/" + person.removeprefix(AKR)
    page = client.get(response.headers["Location"], headers={"Accept": "text/turtle"})
    assert (person, RDF_TYPE, "https://schema.org/Person") in triples(page, ox.RdfFormat.TURTLE)


@pytest.mark.parametrize("path", ["/doc/Eur", "/id/Eur", "/doc/Eur.ttl"])
def test_an_unknown_name_is_404_with_the_closest_names(client, path):
    response = client.get(path)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "Europe" in error["message"]
    assert "Europe" in [s["label"] for s in error["suggestions"]]
    assert {"id": "Europe", "iri": AKR + "Europe", "label": "Europe", "page": "/id/Europe"} in error["suggestions"]


@pytest.mark.parametrize("name", ["Korea", "Mitsubishi"])
def test_an_ambiguous_name_is_400_listing_what_it_names(client, shipped, name):
    named = {e.id for e in catalog(shipped).candidates(name)}
    assert len(named) > 1
    response = client.get(f"/doc/{name}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert {c["id"] for c in error["candidates"]} == named
    assert all(f"id {i}" in error["message"] for i in named)


# --- JSON by Accept ----------------------------------------------------------------------------------


def test_accept_json_gives_json_ld_with_the_triples_of_the_turtle(client):
    turtle = client.get("/doc/Nissan", headers={"Accept": "text/turtle"})
    response = client.get("/doc/Nissan", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert set(ox.parse(response.data, format=ox.RdfFormat.JSON_LD)) == set(ox.parse(turtle.data, format=ox.RdfFormat.TURTLE))
    as_rdflib = rdflib.Graph().parse(data=response.data, format="json-ld")
    assert set(as_rdflib) == set(rdflib.Graph().parse(data=turtle.data, format="turtle")) and len(as_rdflib) > 0
    both = client.get("/doc/Nissan", headers={"Accept": "application/json, application/ld+json"})
    assert both.mimetype == "application/ld+json"


def test_a_named_graph_iri_answers_303_to_the_graph_store(client):
    response = client.get("/graph/seed")
    assert response.status_code == 303
    assert response.headers["Location"] == "/store?graph=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fgraph%2Fseed"
    assert client.get("/graph/nothing").status_code == 404


# --- the ontology --------------------------------------------------------------------------------


def test_the_ontology_is_documented_in_html(client):
    response = client.get("/ontology")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "alliance-kg ontology" in page and "LeadershipAssignment" in page


@pytest.mark.parametrize("media_type", ["text/turtle", "application/rdf+xml"])
def test_the_ontology_in_rdf_by_accept(client, media_type):
    response = client.get("/ontology", headers={"Accept": media_type})
    assert response.mimetype == media_type
    found = triples(response, FORMATS[media_type])
    assert ("https://w3id.org/alliance-kg/ontology", RDF_TYPE, "http://www.w3.org/2002/07/owl#Ontology") in found
    assert (AKG + "LeadershipAssignment", RDF_TYPE, "http://www.w3.org/2002/07/owl#Class") in found


# --- VoID and DCAT ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void_graph(app):
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format="turtle")


def test_void_names_the_endpoint_licence_examples_and_sources(void_graph):
    dataset = rdflib.URIRef("https://w3id.org/alliance-kg/dataset")
    v = rdflib.Namespace(VOID)
    assert void_graph.value(dataset, v.sparqlEndpoint) == rdflib.URIRef("http://localhost/sparql")
    assert void_graph.value(dataset, rdflib.DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert rdflib.URIRef(AKR + "Europe") in set(void_graph.objects(dataset, v.exampleResource))
    assert rdflib.URIRef(AKR + "D000") in set(void_graph.objects(dataset, rdflib.DCTERMS.source))
    assert (dataset, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in void_graph


def test_void_counts_triples_entities_classes_and_properties_per_graph(void_graph, shipped):
    v = rdflib.Namespace(VOID)
    dataset = rdflib.URIRef("https://w3id.org/alliance-kg/dataset")
    counts = shipped.triple_counts()
    assert int(void_graph.value(dataset, v.triples)) == sum(counts.values())
    seed = rdflib.URIRef("https://w3id.org/alliance-kg/graph/seed")
    assert (dataset, v.subset, seed) in void_graph
    assert int(void_graph.value(seed, v.triples)) == counts["https://w3id.org/alliance-kg/graph/seed"]
    assert int(void_graph.value(seed, v.entities)) > 0
    partitions = {void_graph.value(p, v["class"]): int(void_graph.value(p, v.entities))
                  for p in void_graph.objects(seed, v.classPartition)}
    assert partitions[rdflib.URIRef(AKG + "LeadershipAssignment")] == 17
    properties = {void_graph.value(p, v.property) for p in void_graph.objects(seed, v.propertyPartition)}
    assert rdflib.URIRef(AKG + "leader") in properties


# --- JSON-LD ---------------------------------------------------------------------------------------


def test_json_answers_link_their_json_ld_context(client):
    response = client.get("/api/responsibility?region=Europe")
    assert response.headers["Link"] == '</api/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    context = client.get("/api/context.jsonld")
    assert context.mimetype == "application/ld+json" and "@context" in context.get_json()


def test_the_json_api_read_as_json_ld_gives_the_graphs_own_triples(client, shipped):
    context = client.get("/api/context.jsonld").get_json()
    body = client.get("/api/responsibility?region=Europe").get_json()
    as_rdf = rdflib.Graph().parse(data=json.dumps({**context, **body}), format="json-ld")
    europe = rdflib.URIRef(AKR + "assignment-Europe")
    akg = rdflib.Namespace(AKG)
    assert (europe, akg.leader, rdflib.URIRef(AKR + "Renault")) in as_rdf
    assert (europe, akg.scope, rdflib.URIRef(AKR + "Europe")) in as_rdf
    assert (rdflib.URIRef(AKR + "F063"), akg.supports, europe) in as_rdf
    # every akg: triple the JSON says between named things is a triple of the graph itself
    for s, p, o in as_rdf:
        if str(p).startswith(AKG) and isinstance(s, rdflib.URIRef) and not isinstance(o, rdflib.BNode):
            assert next(iter(shipped.quads(to_ox(s), to_ox(p), to_ox(o), None)), None), (s, p, o)


def to_ox(term):
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)


# --- alignment -------------------------------------------------------------------------------------


@pytest.mark.parametrize("company, qid", [("Renault", "Q6686"), ("Nissan", "Q20165"), ("MitsubishiMotors", "Q36033")])
def test_each_company_links_to_its_wikidata_item_with_a_source(shipped, company, qid):
    rows = shipped.select(
        "SELECT ?c ?match ?statement WHERE { ?c skos:closeMatch ?match . "
        "?statement rdf:subject ?c ; rdf:predicate skos:closeMatch ; rdf:object ?match ; akg:document ?d }",
        bindings={"c": ox.NamedNode(AKR + company)},
    )
    assert {r["match"].value for r in rows} == {f"http://www.wikidata.org/entity/{qid}"}


def test_companies_models_and_places_carry_schema_org_types(shipped):
    for thing, schema_type in (("Renault", "Organization"), ("NissanLivina", "ProductModel"),
                               ("Europe", "Place"), ("CMF-CD", "Product"), ("D000", "CreativeWork")):
        assert shipped.select("SELECT ?x ?t WHERE { ?x a ?t }", bindings={
            "x": ox.NamedNode(AKR + thing), "t": ox.NamedNode("https://schema.org/" + schema_type)}), thing
