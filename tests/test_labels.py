"""Every resource has a skos:prefLabel: in the shipped graph, by a rule (aks:PrefLabelShape) that
guards every write, and on every node the JSON write API creates."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from alliance_kg.config import Config
from alliance_kg.rules.focused import long_paths
from alliance_kg.rules.guard import Guard
from alliance_kg.store import LAYER_GRAPHS, Change
from alliance_kg.web import create_app

AKS = "https://w3id.org/alliance-kg/shapes#"
AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
PUBLIC = ox.NamedNode(LAYER_GRAPHS["public"])
DATA_GRAPHS = [LAYER_GRAPHS[layer] for layer in ("seed", "regions", "public")]
TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

UNLABELLED_INSTANCES = """
SELECT ?class ?resource WHERE {
  GRAPH <https://w3id.org/alliance-kg/graph/ontology> { ?class a owl:Class }
  ?resource a ?class .
  FILTER NOT EXISTS { ?resource skos:prefLabel ?label }
} ORDER BY ?class ?resource"""

DATA_GRAPH_TERMS = " ".join(f"<{g}>" for g in DATA_GRAPHS)
UNLABELLED_SUBJECTS = f"""
SELECT DISTINCT ?resource WHERE {{
  VALUES ?g {{ {DATA_GRAPH_TERMS} }}
  GRAPH ?g {{ ?resource ?p ?o }}
  FILTER (isIRI(?resource))
  FILTER NOT EXISTS {{ ?resource skos:prefLabel ?label }}
}} ORDER BY ?resource"""


def _values(rows: list[dict]) -> list[tuple[str, ...]]:
    return [tuple(term.value for term in row.values()) for row in rows]


# --- the shipped graph ------------------------------------------------------------------------------


def test_every_instance_of_an_ontology_class_has_a_pref_label(shipped):
    assert _values(shipped.select(UNLABELLED_INSTANCES)) == []


def test_every_resource_of_the_data_layers_has_a_pref_label(shipped):
    """Also the resources typed only with another vocabulary's class (org:Membership, schema:Event…)."""
    assert _values(shipped.select(UNLABELLED_SUBJECTS)) == []


def test_the_queries_find_an_unlabelled_resource(kg):
    kg.load_data(f"<{AKR}Nameless> a <{AKG}Company> ; <{RDFS_LABEL}> \"Nameless Motors\"@en .", "turtle", graph="public")
    assert _values(kg.select(UNLABELLED_INSTANCES)) == [(AKG + "Company", AKR + "Nameless")]
    assert _values(kg.select(UNLABELLED_SUBJECTS)) == [(AKR + "Nameless",)]


def test_a_pref_label_repeats_the_rdfs_label_where_there_is_one(shipped):
    """The labels were added with the same text and language tag as the rdfs:label: where a resource
    has one rdfs:label in a language, it has a skos:prefLabel in that language."""
    rows = shipped.select("""
        SELECT ?resource ?label WHERE {
          ?resource rdfs:label ?label .
          FILTER NOT EXISTS { ?resource skos:prefLabel ?pref FILTER (LANG(?pref) = LANG(?label)) }
          FILTER NOT EXISTS { GRAPH <https://w3id.org/alliance-kg/graph/ontology> { ?resource a ?term }
                              FILTER (?term IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty, owl:Ontology)) }
        }""")
    assert _values(rows) == []


@pytest.mark.parametrize("cls", ["SharingArrangement", "Judgement", "Strength", "Layer"])
def test_the_resources_the_issue_names_have_the_same_pref_label_as_rdfs_label(shipped, cls):
    rows = shipped.select(f"""
        SELECT ?resource ?label ?pref WHERE {{
          ?resource a akg:{cls} ; rdfs:label ?label ; skos:prefLabel ?pref }}""")
    assert rows, f"no labelled akg:{cls}"
    assert [(r["resource"].value, r["pref"]) for r in rows] == [(r["resource"].value, r["label"]) for r in rows]


# --- the rule ---------------------------------------------------------------------------------------


def _shape_targets(config) -> set[str]:
    shapes = rdflib.Graph().parse(config.shapes_dir / "labels.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return {str(c) for c in shapes.objects(rdflib.URIRef(AKS + "PrefLabelShape"), sh.targetClass)}


def test_the_rule_targets_every_class_of_the_ontology(shipped, config):
    classes = {r["c"].value for r in shipped.select(
        "SELECT ?c WHERE { GRAPH <https://w3id.org/alliance-kg/graph/ontology> { ?c a owl:Class } }")}
    targets = _shape_targets(config)
    assert classes, "the ontology declares no class"
    assert targets == classes, f"missing: {sorted(classes - targets)}; not classes: {sorted(targets - classes)}"


def test_the_rule_keeps_to_the_paths_focused_validation_reads(config):
    assert long_paths(config.shapes_dir) == []


def _rejected_by(kg, config, change: Change):
    result = Guard(kg, config.shapes_dir).write(change, agent="test", endpoint="test", summary="labels", dry_run=True)
    return result, {(r.source_shape, r.focus_node) for r in result.report.results}


def test_a_write_of_an_unlabelled_company_is_rejected_on_its_focus_node(kg, config):
    company = ox.NamedNode(AKR + "Nameless")
    change = Change(added=frozenset([ox.Quad(company, ox.NamedNode(RDF_TYPE), ox.NamedNode(AKG + "Company"), PUBLIC)]))
    result, found = _rejected_by(kg, config, change)
    assert result.mode == "incremental" and not result.accepted
    assert found == {(AKS + "PrefLabelShape", company.value)}


def test_a_write_that_removes_a_pref_label_is_rejected(kg, config):
    renault = ox.NamedNode(AKR + "Renault")
    labels = frozenset(kg.quads(renault, ox.NamedNode(PREF_LABEL), None, None))
    assert labels
    result, found = _rejected_by(kg, config, Change(removed=labels))
    assert result.mode == "incremental" and not result.accepted
    assert found == {(AKS + "PrefLabelShape", renault.value)}


# --- the JSON write API -----------------------------------------------------------------------------


@pytest.fixture
def writer(kg):
    """A client of an app that accepts writes with TOKEN, over a fresh copy of the shipped graph."""
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def _data_quads(kg) -> set[ox.Quad]:
    return {q for g in DATA_GRAPHS for q in kg.quads(None, None, None, ox.NamedNode(g))}


WRITES = [
    ("/api/companies", {"label": "Dongfeng Motor", "member_of_alliance": True,
                        "source": {"url": "https://example.org/dongfeng", "title": "Dongfeng joins", "quote": "joins"}}),
    ("/api/platforms", {"label": "CMF-Test", "variant_of": "CMF", "developed_by": ["Renault"],
                        "source": {"url": "https://example.org/platforms", "quote": "a platform"}}),
    ("/api/models", {"label": "Dongfeng Test Car", "brand": "Renault", "platform": "CMF-Test",
                     "released_by": "Dongfeng Motor", "source": {"url": "https://example.org/models"}}),
    ("/api/assignments", {"scope": "all-solid-state batteries", "leader": "Nissan", "valid_from": "2035-01-01",
                          "source": {"url": "https://example.org/batteries", "quote": "Nissan will lead"}}),
    ("/api/derivations", {"model": "Dongfeng Test Car", "derived_from": "Renault Clio V", "kind": "rebadge",
                          "source": {"url": "https://example.org/models"}}),
]


def test_every_node_the_json_write_api_creates_has_a_pref_label(writer, kg):
    before = _data_quads(kg)
    known = {q.subject for q in before}
    for path, body in WRITES:
        response = writer.post(path, headers=AUTH, json=body)
        assert response.status_code == 201, (path, response.get_json())
    added = _data_quads(kg) - before
    created = {q.subject for q in added} - known
    kinds = {q.object.value.removeprefix(AKG) for q in added if q.subject in created and q.predicate.value == RDF_TYPE}
    assert {"Company", "Platform", "VehicleModel", "LeadershipAssignment", "Statement", "SourceDocument"} <= kinds
    for node in created:
        names = {q.predicate.value: q.object for q in added if q.subject == node}
        assert PREF_LABEL in names, f"{node.value} was created without a skos:prefLabel"
        assert names[PREF_LABEL].language == "en" and names[PREF_LABEL] == names.get(RDFS_LABEL), node.value
