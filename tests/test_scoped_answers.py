"""Scoped answers (issue 14): a lead limited to a region, segments or a platform never reads as a
leader of the whole question (part 3), and the strength of the evidence is given layer by layer,
never one layer's strength under another layer's name (part 7). Expectations come from the graph."""

from __future__ import annotations

import html
import re
from datetime import date

import pyoxigraph as ox
import pytest

from alliance_kg.knowledge.provenance import strongest

AKR = "https://w3id.org/alliance-kg/id/"
TODAY = ox.Literal(date.today().isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))

#: Every scope of a technology, with what limits it (regions, segments, platforms) if anything.
SCOPES_OF = """SELECT ?technology ?scope ?limit WHERE {
  ?scope a akg:TechnologyScope ; akg:technology ?technology .
  OPTIONAL { ?scope akg:qualifierRegion|akg:qualifierSegment|akg:qualifierPlatform ?limit }
}"""
#: The assignments that hold today, with scope and leader.
HOLDING = """SELECT ?assignment ?scope ?leader ?today WHERE {
  ?assignment akg:scope ?scope ; akg:leader ?leader ; akg:validFrom ?from .
  OPTIONAL { ?assignment akg:validTo ?to }
  FILTER (?from <= ?today && (!BOUND(?to) || ?to >= ?today))
}"""
#: The statements about one triple, with their strength and the layer (graph) they are in.
TRIPLE_STRENGTHS = """SELECT ?s ?p ?o ?graph ?strength WHERE {
  GRAPH ?graph { ?statement rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; akg:strength ?strength }
}"""
NODE_STRENGTHS = """SELECT ?node ?graph ?strength WHERE {
  GRAPH ?graph { ?statement akg:supports ?node ; akg:strength ?strength }
}"""
LAYER = {"https://w3id.org/alliance-kg/graph/" + name: name for name in ("seed", "regions", "public")}
STRENGTH = {"https://w3id.org/alliance-kg/ontology#" + name.capitalize(): name
            for name in ("stated", "implied", "attributed", "opinion")}


def scopes_of(kg, technology: str) -> dict[str, set[str]]:
    """``scope -> the IRIs that limit it`` for every scope of ``technology``."""
    found: dict[str, set[str]] = {}
    for row in kg.select(SCOPES_OF, bindings={"technology": ox.NamedNode(technology)}):
        found.setdefault(row["scope"].value, set()).update({row["limit"].value} if "limit" in row else set())
    return found


def label(kg, iri: str) -> str:
    [row] = kg.select("SELECT ?iri ?label WHERE { ?iri skos:prefLabel ?label }", bindings={"iri": ox.NamedNode(iri)})
    return row["label"].value


def limits_of(kg, scope: str) -> set[str]:
    return {row["limit"].value for row in kg.select(
        "SELECT ?scope ?limit WHERE { ?scope akg:qualifierRegion|akg:qualifierSegment|akg:qualifierPlatform ?limit }",
        bindings={"scope": ox.NamedNode(scope)})}


def holding(kg, scopes) -> set[tuple[str, str, str]]:
    """(assignment, scope, leader) of every assignment of ``scopes`` that holds today."""
    return {(r["assignment"].value, r["scope"].value, r["leader"].value)
            for r in kg.select(HOLDING, bindings={"today": TODAY}) if r["scope"].value in scopes}


def by_layer(rows) -> dict[str, str | None]:
    layers: dict[str, list[str]] = {}
    for row in rows:
        layers.setdefault(LAYER.get(row["graph"].value, row["graph"].value), []).append(STRENGTH[row["strength"].value])
    return {layer: strongest(strengths) for layer, strengths in layers.items()}


def leads(entries) -> set[tuple[str, str, str]]:
    return {(AKR + e["assignment"], e["scope"]["iri"], e["iri"]) for e in entries}


def ids(refs) -> set[str]:
    return {r["iri"] for r in refs}


def rows_of(page: str) -> list[str]:
    """The table rows of an HTML page, as text."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in re.split(r"<tr\b[^>]*>", page)[1:]]


# --- part 3: a scoped lead is not a global one -----------------------------------------------------


@pytest.mark.parametrize("technology", ["connected technology", "PHEV"])
def test_a_technology_led_only_in_a_narrower_scope_has_no_leader_of_the_whole(client, shipped, technology):
    answer = client.get("/api/responsibility", query_string={"technology": technology}).get_json()
    scopes = scopes_of(shipped, answer["question"]["technology"]["iri"])
    assert scopes and all(scopes.values()), "every scope of this technology is limited"
    assert answer["leader_assigned"] is False and answer["leaders"] == []
    assert leads(answer["limited_leaders"]) == holding(shipped, scopes) != set()
    for lead in answer["limited_leaders"]:
        assert ids(lead["scope"]["limited_to"]) == scopes[lead["scope"]["iri"]]
        qualifiers = lead["scope"]["qualifiers"]
        assert ids(qualifiers.get("regions", []) + qualifiers.get("segments", []) + qualifiers.get("platforms", [])) \
            == scopes[lead["scope"]["iri"]]
    assert {a["scope"]["iri"] for a in answer["assignments"]} == {lead["scope"]["iri"] for lead in answer["limited_leaders"]}
    assert answer["note"].endswith(f"; no leader is assigned for {answer['question']['technology']['label']} elsewhere.")


def test_connected_technology_is_led_in_china_and_the_note_says_so(client, shipped):
    answer = client.get("/api/responsibility", query_string={"technology": "connected technology"}).get_json()
    [lead] = answer["limited_leaders"]
    [region] = lead["scope"]["qualifiers"]["regions"]
    assert {region["iri"]} == limits_of(shipped, lead["scope"]["iri"])
    technology = answer["question"]["technology"]["label"]
    assert answer["note"] == (f"On {answer['as_of']}, {lead['label']} leads {technology} in {region['label']}; "
                              f"no leader is assigned for {technology} elsewhere.")


def test_a_lead_limited_to_segments_is_the_leader_when_one_of_them_is_asked(client, shipped):
    whole = client.get("/api/responsibility", query_string={"technology": "PHEV"}).get_json()
    [lead] = whole["limited_leaders"]
    segments = lead["scope"]["qualifiers"]["segments"]
    assert ids(segments) == limits_of(shipped, lead["scope"]["iri"]) and len(segments) > 1
    names = " and ".join(s["label"] for s in segments)
    assert f"{lead['label']} leads {lead['scope']['label']} (limited to {names})" in whole["note"]
    for segment in segments:
        narrowed = client.get("/api/responsibility",
                              query_string={"technology": "PHEV", "segment": segment["id"]}).get_json()
        assert narrowed["leader_assigned"] is True and narrowed["limited_leaders"] == []
        assert [(x["iri"], x["scope"]["iri"]) for x in narrowed["leaders"]] == [(lead["iri"], lead["scope"]["iri"])]
        assert "elsewhere" not in narrowed["note"]


def test_every_technology_lead_is_in_leaders_only_when_its_scope_is_not_limited(client, shipped):
    technologies = {row["technology"].value for row in shipped.select(SCOPES_OF)}
    assert technologies
    for technology in technologies:
        answer = client.get("/api/responsibility", query_string={"technology": technology}).get_json()
        scopes = scopes_of(shipped, technology)
        assert leads(answer["leaders"]) == holding(shipped, {s for s, limits in scopes.items() if not limits}), technology
        assert leads(answer["limited_leaders"]) == holding(shipped, {s for s, limits in scopes.items() if limits}), technology
        assert answer["leader_assigned"] is bool(answer["leaders"])


def test_a_region_question_gives_its_leader_with_the_region_scope(client, shipped):
    answer = client.get("/api/responsibility", query_string={"region": "Europe"}).get_json()
    region = answer["question"]["region"]["iri"]
    assert leads(answer["leaders"]) == holding(shipped, {region}) != set()
    assert all(lead["scope"]["limited_to"] == [] for lead in answer["leaders"])
    assert answer["limited_leaders"] == []


HYPOTHETICAL = """
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
# A hypothetical scope and assignment, for this test only: no source states them.
akr:scope-test-unlimited a akg:TechnologyScope ; skos:prefLabel "hypothetical connected technology scope"@en ;
    akg:technology akr:tech-ConnectedTechnology .
akr:assignment-test-unlimited a akg:LeadershipAssignment ; akg:scope akr:scope-test-unlimited ;
    akg:leader akr:Renault ; akg:validFrom "2020-05-27"^^xsd:date .
"""


def test_an_unlimited_lead_comes_first_and_the_note_says_both(kg, config):
    from alliance_kg.web import create_app

    kg.load_data(HYPOTHETICAL, "turtle", graph="candidate")
    answer = create_app(config, kg=kg).test_client().get(
        "/api/responsibility", query_string={"technology": "connected technology"}).get_json()
    assert answer["leader_assigned"] is True
    [whole] = answer["leaders"]
    [china] = answer["limited_leaders"]
    assert (whole["assignment"], whole["scope"]["limited_to"]) == ("assignment-test-unlimited", [])
    assert [a["id"] for a in answer["assignments"]] == [whole["assignment"], china["assignment"]]
    assert answer["note"] == (f"On {answer['as_of']}, {whole['label']} is the leader for connected technology "
                              f"({whole['scope']['label']}); for narrower scopes, {china['label']} leads "
                              f"{china['scope']['label']}.")


def test_a_company_gives_each_lead_with_its_scope_and_what_limits_it(client, shipped):
    roles = client.get("/api/companies/Nissan").get_json()
    company = roles["company"]["iri"]
    assert {(AKR + a["id"], a["scope"]["iri"], company) for a in roles["leads"]} == {
        held for held in holding(shipped, {a["scope"]["iri"] for a in roles["leads"]}) if held[2] == company}
    limited = [a for a in roles["leads"] if a["scope"]["limited_to"]]
    assert limited, "Nissan leads a limited scope"
    for a in roles["leads"]:
        assert ids(a["scope"]["limited_to"]) == limits_of(shipped, a["scope"]["iri"]), a["id"]


def test_the_pages_of_a_limited_scope_and_of_its_leader_flag_the_limit(client, shipped):
    technology = client.get("/api/responsibility", query_string={"technology": "connected technology"}).get_json()
    scopes = scopes_of(shipped, technology["question"]["technology"]["iri"])
    [(_, scope, leader)] = holding(shipped, {s for s, limits in scopes.items() if limits})
    [region] = scopes[scope]
    flag = f"limited to {label(shipped, region)}"
    scope_page = client.get(f"/doc/{scope.removeprefix(AKR)}").get_data(as_text=True)
    assert any(row.startswith(label(shipped, scope)) and flag in row for row in rows_of(scope_page))
    leader_page = client.get(f"/doc/{leader.removeprefix(AKR)}").get_data(as_text=True)
    [row] = [row for row in rows_of(leader_page) if row.startswith(f"leads {label(shipped, scope)}")]
    assert flag in row
    unlimited = [row for row in rows_of(leader_page) if row.startswith("leads ") and "limited to" not in row]
    assert unlimited, "a lead without limits carries no flag"


# --- part 7: the strength of each layer --------------------------------------------------------------


def test_the_livina_link_gives_each_layers_strength_and_never_public_strength_under_seed(client, shipped):
    lineage = client.get("/api/lineage/NissanLivina").get_json()
    [edge] = [e for e in lineage["edges"] if e["relation"] == "derived_from"]
    rows = shipped.select(TRIPLE_STRENGTHS, bindings={
        "s": ox.NamedNode(edge["subject"]["iri"]), "p": ox.NamedNode("https://w3id.org/alliance-kg/ontology#derivedFrom"),
        "o": ox.NamedNode(edge["object"]["iri"])})
    expected = by_layer(rows)
    assert expected == {"seed": "implied", "public": "stated"}  # what the issue is about
    assert edge["strength_by_layer"] == expected
    assert (edge["layer"], edge["strength"]) == ("seed", expected["seed"])


def test_no_lineage_names_one_layer_with_another_layers_strength(client):
    for model in client.get("/api/models").get_json()["models"]:
        lineage = client.get(f"/api/lineage/{model['id']}").get_json()
        for link in lineage["edges"] + lineage["developer"]:
            assert link["strength"] == link["strength_by_layer"].get(link["layer"]), (model["id"], link)


def test_an_assignment_gives_the_strength_of_each_layer(client, shipped):
    answer = client.get("/api/responsibility", query_string={"region": "Europe"}).get_json()
    for a in answer["assignments"]:
        assert a["strength_by_layer"] == by_layer(shipped.select(NODE_STRENGTHS, bindings={"node": ox.NamedNode(a["iri"])}))


def test_the_lineage_page_shows_each_layers_strength(client):
    page = client.get("/doc/NissanLivina").get_data(as_text=True)
    [row] = [row for row in rows_of(page) if row.startswith("Nissan Livina derived from")]  # the diagram's table
    assert "follower model, rebadge" in row and "seed: implied · public: stated" in row
    assert "stated seed" not in row and "seed: stated" not in row
