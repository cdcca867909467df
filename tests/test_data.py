"""The data layers: every seed fact with its document and exact quote; the regions layer matches
the region table; the public layer stays in its own graph."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import rdflib
from rdflib.compare import isomorphic

from helpers import iri, shared_file

ROOT = Path(__file__).resolve().parent.parent


def _seed_fact_ids() -> set[str]:
    text = shared_file("domain", "seed_facts.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| (F\d{3}) \|", text, flags=re.M))


def test_every_seed_fact_has_a_statement_with_document_and_quote(shipped):
    rows = shipped.select(
        "SELECT ?id ?doc ?quote WHERE { ?st akg:factId ?id ; akg:document ?doc ; akg:quote ?quote }",
        graphs=["seed"],
    )
    found = {r["id"].value for r in rows}
    assert _seed_fact_ids() <= found
    assert len(_seed_fact_ids()) == 98


def test_every_quote_is_an_exact_substring_of_its_document(shipped):
    rows = shipped.select(
        """SELECT ?st ?file ?text WHERE {
             { ?st akg:quote ?text ; akg:document ?doc } UNION { ?st schema:text ?text ; schema:isPartOf ?doc }
             ?doc akg:fileName ?file }"""
    )
    assert len(rows) > 100
    texts = {}
    for row in rows:
        name = row["file"].value
        if name not in texts:
            texts[name] = shared_file("seeds", name).read_text(encoding="utf-8")
        assert row["text"].value in texts[name], f"{row['st'].value}: quote not found in {name}"


def test_quotes_are_short(shipped):
    longest = max(len(r["q"].value) for r in shipped.select("SELECT ?q WHERE { ?s akg:quote ?q }"))
    assert longest <= 400


def test_seed_assignments_hold_from_2020_05_27_with_no_end(shipped):
    rows = shipped.select(
        """SELECT ?a ?from ?to WHERE { ?a a akg:LeadershipAssignment ; akg:validFrom ?from .
             OPTIONAL { ?a akg:validTo ?to } }""",
        graphs=["seed"],
    )
    assert len(rows) == 17
    assert {r["from"].value for r in rows} == {"2020-05-27"}
    assert all("to" not in r for r in rows)


def test_stimulus_is_recorded_as_stated_with_an_inferred_recipient(shipped):
    rows = shipped.select(
        """SELECT ?value ?unit ?as ?strength WHERE {
             akr:figure-FrenchStimulus schema:value ?value ; schema:unitCode ?unit ; akg:recipientAsStated ?as .
             ?st rdf:subject akr:figure-FrenchStimulus ; rdf:predicate akg:recipient ; rdf:object akr:Renault ;
                 akg:strength ?strength }""",
        graphs=["seed"],
    )
    assert [(float(r["value"].value), r["unit"].value, r["as"].value, r["strength"].value) for r in rows] == [
        (9e9, "USD", "The French carmaker", "https://w3id.org/alliance-kg/ontology#Implied")
    ]


def test_senard_renault_role_has_both_labels(shipped):
    rows = shipped.select("SELECT ?l WHERE { akr:membership-Senard-Renault skos:prefLabel|skos:altLabel ?l }")
    assert {r["l"].value for r in rows} == {"Chairman of Renault", "Renault President"}


# --- regions layer ----------------------------------------------------------------------------


def _build_regions_module():
    spec = importlib.util.spec_from_file_location("build_regions", ROOT / "scripts" / "build_regions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regions_layer_is_generated_from_the_region_table():
    csv_path = shared_file("domain", "region_countries.csv")
    built = _build_regions_module().build(csv_path)
    shipped = rdflib.Graph().parse(ROOT / "data" / "regions" / "countries.ttl")
    assert isomorphic(built, shipped), "data/regions/countries.ttl is stale: run python scripts/build_regions.py"


def test_249_countries_with_iso_codes(shipped):
    rows = shipped.select("SELECT ?c ?a2 ?a3 WHERE { ?c a akg:Country ; akg:iso3166Alpha2 ?a2 ; akg:iso3166Alpha3 ?a3 }")
    assert len(rows) == 249
    assert {r["a3"].value for r in rows if r["a2"].value == "DE"} == {"DEU"}


def test_region_sizes_match_the_canonical_mapping(shipped):
    rows = shipped.select(
        "SELECT ?r (COUNT(?c) AS ?n) WHERE { ?r akg:hasMemberCountry ?c } GROUP BY ?r", graphs=["regions"]
    )
    sizes = {r["r"].value.rsplit("/", 1)[1]: int(r["n"].value) for r in rows}
    assert sizes == {"Europe": 50, "Russia": 1, "SouthAmerica": 16, "NorthAfrica": 7, "China": 1,
                     "NorthAmerica": 6, "Japan": 1, "SouthEastAsia": 11, "ASEAN": 10, "Oceania": 29}


def test_every_membership_has_a_basis(shipped):
    rows = shipped.select(
        """SELECT ?m WHERE { ?m a akg:RegionMembership . FILTER NOT EXISTS { ?m akg:membershipBasis ?b } }"""
    )
    assert rows == []


def test_mexico_is_in_north_america_by_judgement_j1(shipped):
    rows = shipped.select("SELECT ?basis WHERE { akr:membership-NorthAmerica-MX akg:membershipBasis ?basis }")
    assert [r["basis"].value for r in rows] == [iri("judgement-J1")]


def test_timor_leste_is_in_south_east_asia_but_not_asean(shipped):
    rows = shipped.select("SELECT ?r WHERE { ?r akg:hasMemberCountry akr:country-TL }")
    assert [r["r"].value for r in rows] == [iri("SouthEastAsia")]


# --- public layer ---------------------------------------------------------------------------


def test_public_statements_live_in_the_public_graph_only(shipped):
    rows = shipped.select("SELECT ?st WHERE { ?st akg:layer akg:PublicLayer }", graphs=["seed", "regions"])
    assert rows == []
    public = shipped.select("SELECT ?st WHERE { ?st a akg:Statement ; akg:layer akg:PublicLayer }", graphs=["public"])
    assert len(public) > 50


def test_public_sources_have_urls_or_notes(shipped):
    rows = shipped.select(
        """SELECT ?d WHERE { ?st akg:layer akg:PublicLayer ; akg:document ?d .
             FILTER NOT EXISTS { ?d schema:url ?u } FILTER NOT EXISTS { ?d akg:note ?n } }"""
    )
    assert rows == []


def test_public_quotes_come_from_the_cited_analysis(shipped):
    analysis = shared_file("domain", "beyond_seeds.md").read_text(encoding="utf-8").replace("**", "")
    rows = shipped.select("SELECT ?st ?q WHERE { ?st akg:layer akg:PublicLayer ; akg:quote ?q }", graphs=["public"])
    assert rows
    for row in rows:
        assert row["q"].value.replace("**", "") in analysis, row["st"].value
