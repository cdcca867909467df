"""The public competency questions the data layer answers, as SPARQL over the graph with the
exact expected answer sets (``shared/domain/competency_questions.md``)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from helpers import iri

SEED = ["ontology", "seed", "regions"]  # seed answers may use the region mapping (seed+RC)
ALL = None

LEADER_OF_SCOPE = """
SELECT DISTINCT ?leader ?name ?asOf WHERE {
  ?scope skos:prefLabel ?label . FILTER (LCASE(STR(?label)) = LCASE(STR(?name)))
  ?a akg:scope ?scope ; akg:leader/skos:prefLabel ?leader ; akg:validFrom ?from .
  OPTIONAL { ?a akg:validTo ?to }
  FILTER (?from <= ?asOf && (!BOUND(?to) || ?asOf <= ?to))
}"""

LEADER_OF_COUNTRY = """
SELECT DISTINCT ?leader ?code ?asOf WHERE {
  ?country akg:iso3166Alpha2 ?code .
  ?region akg:hasMemberCountry ?country .
  ?a akg:scope ?region ; akg:leader/skos:prefLabel ?leader ; akg:validFrom ?from .
  OPTIONAL { ?a akg:validTo ?to }
  FILTER (?from <= ?asOf && (!BOUND(?to) || ?asOf <= ?to))
}"""

TODAY = ox.Literal("2026-11-23", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


def values(kg, sparql, graphs=SEED, **subs):
    bound = {k: (v if isinstance(v, (ox.Literal, ox.NamedNode)) else ox.Literal(v)) for k, v in subs.items()}
    rows = [{k: v for k, v in r.items() if k not in bound} for r in kg.select(sparql, graphs=graphs, bindings=bound)]
    return {tuple(r[k].value for k in sorted(r)) if len(r) > 1 else next(iter(r.values())).value for r in rows}


@pytest.mark.parametrize(
    "cq, scope, leaders",
    [
        ("CQ01", "Europe", {"Renault"}),
        ("CQ14", "autonomous driving technology", {"Nissan"}),
        ("CQ15", "connected technology in China", {"Nissan"}),
        ("CQ16", "Android-based connected platform", {"Renault"}),
        ("CQ17", "E-body architecture", {"Renault"}),
        ("CQ18", "plug-in hybrid electric vehicle models for the C and D segments", {"Mitsubishi Motors"}),
        ("CQ19a", "the common electric vehicle powertrain", {"Nissan"}),
        ("CQ19b", "electrified powertrains for the common platform for A and B segment models", {"Renault"}),
    ],
)
def test_leader_of_a_scope(shipped, cq, scope, leaders):
    assert values(shipped, LEADER_OF_SCOPE, name=scope, asOf=TODAY) == leaders


def test_no_leader_before_the_announcement(shipped):
    day_before = ox.Literal("2020-05-26", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert values(shipped, LEADER_OF_SCOPE, name="Europe", asOf=day_before) == set()


def test_cq02_every_reference_region_and_its_leader(shipped):
    rows = values(
        shipped,
        """SELECT ?region ?leader WHERE { ?a akg:scope ?r ; akg:leader/skos:prefLabel ?leader .
             ?r a akg:ReferenceRegion ; skos:prefLabel ?region }""",
    )
    assert rows == {
        ("Renault", "Europe"), ("Renault", "Russia"), ("Renault", "South America"), ("Renault", "North Africa"),
        ("Nissan", "China"), ("Nissan", "North America"), ("Nissan", "Japan"),
        ("Mitsubishi Motors", "South East Asia"), ("Mitsubishi Motors", "ASEAN countries"),
        ("Mitsubishi Motors", "Oceania"),
    }


def test_cq03_regions_mitsubishi_leads_with_each_documents_label(shipped):
    rows = values(
        shipped,
        """SELECT ?region ?doc ?word WHERE { ?a akg:scope ?r ; akg:leader akr:MitsubishiMotors .
             ?r a akg:ReferenceRegion ; skos:prefLabel ?region .
             ?st akg:supports ?a ; akg:document/akg:shortName ?doc ; akg:statedAs ?word }""",
    )
    assert rows == {
        ("D000", "South East Asia", "leader"), ("D002", "ASEAN countries", "reference"),
        ("D000", "Oceania", "leader"), ("D002", "Oceania", "reference"),
    }


@pytest.mark.parametrize(
    "cq, code, leaders",
    [
        ("CQ04", "ID", {"Mitsubishi Motors"}),
        ("CQ05", "BR", {"Renault"}),
        ("CQ06", "MA", {"Renault"}),
        ("CQ07", "DE", {"Renault"}),
        ("CQ08", "AU", {"Mitsubishi Motors"}),
        ("CQ09", "JP", {"Nissan"}),
        ("CQ13", "TR", set()),
    ],
)
def test_leader_for_a_country_via_its_region(shipped, cq, code, leaders):
    assert values(shipped, LEADER_OF_COUNTRY, code=code, asOf=TODAY) == leaders


def test_cq04_indonesia_is_in_both_south_east_asia_and_asean(shipped):
    rows = values(shipped, "SELECT ?r WHERE { ?r akg:hasMemberCountry akr:country-ID }")
    assert rows == {iri("SouthEastAsia"), iri("ASEAN")}


def test_cq13_turkiye_has_no_leader_and_names_judgement_j4(shipped):
    rows = values(shipped, "SELECT ?j WHERE { akr:country-TR akg:judgement/skos:notation ?j }")
    assert rows == {"J4"}
    assert values(shipped, "SELECT ?r WHERE { ?r akg:hasMemberCountry akr:country-TR }") == set()


LEADS = """SELECT ?scope ?company WHERE { ?a akg:leader ?company ; akg:scope/skos:prefLabel ?scope }"""


def test_cq22_scopes_nissan_leads(shipped):
    assert values(shipped, LEADS, company=ox.NamedNode(iri("Nissan"))) == {
        "China", "North America", "Japan", "autonomous driving technology",
        "connected technology in China", "the common electric vehicle powertrain",
    }


def test_cq23_scopes_renault_leads(shipped):
    assert values(shipped, LEADS, company=ox.NamedNode(iri("Renault"))) == {
        "Europe", "Russia", "South America", "North Africa", "E-body architecture",
        "electrified powertrains for the common platform for A and B segment models",
        "Android-based connected platform",
    }


def test_cq25_followers_in_oceania_are_derived(shipped):
    rows = values(
        shipped,
        """SELECT ?follower ?rule WHERE { akr:assignment-Oceania akg:follower/skos:prefLabel ?follower ;
             akg:followersRule/rdfs:label ?rule }""",
    )
    assert rows == {("Renault", "derived"), ("Nissan", "derived")}


def test_cq26_livina_derives_from_the_xpander_released_by_mitsubishi_implied(shipped):
    rows = values(
        shipped,
        """SELECT ?ancestor ?maker ?strength WHERE {
             akr:NissanLivina akg:derivedFrom ?a . ?a skos:prefLabel ?ancestor ; akg:releasedBy/skos:prefLabel ?maker .
             ?st rdf:subject akr:NissanLivina ; rdf:predicate akg:derivedFrom ; rdf:object ?a ; akg:strength/rdfs:label ?strength }""",
    )
    assert rows == {("Mitsubishi Xpander", "Mitsubishi Motors", "implied")}


def test_cq27_full_ancestor_chain_of_the_livina_and_no_named_platform(shipped):
    assert values(shipped, "SELECT ?a WHERE { akr:NissanLivina akg:derivedFrom+ ?a }", graphs=ALL) == {
        iri("MitsubishiXpander")
    }
    assert values(
        shipped, "SELECT ?p WHERE { VALUES ?m { akr:NissanLivina akr:MitsubishiXpander } ?m akg:sitsOnPlatform ?p }",
        graphs=ALL,
    ) == set()


def test_cq28_seed_documents_put_no_named_model_on_a_platform(shipped):
    assert values(shipped, "SELECT ?m WHERE { ?m akg:sitsOnPlatform ?p }") == set()


def test_cq30_outlander_platform_and_the_models_directly_on_it(shipped):
    platform = values(shipped, "SELECT ?p WHERE { akr:MitsubishiOutlanderIV akg:sitsOnPlatform ?p }", graphs=ALL)
    assert platform == {iri("CMF-CD")}
    others = values(
        shipped,
        """SELECT ?m WHERE { akr:MitsubishiOutlanderIV akg:sitsOnPlatform ?p . ?m akg:sitsOnPlatform ?p .
             FILTER (?m != akr:MitsubishiOutlanderIV) }""",
        graphs=ALL,
    )
    assert others == {iri(m) for m in ("NissanRogueT33", "RenaultAustral", "NissanQashqaiIII",
                                        "NissanXTrailIII", "NissanQashqaiII")}


def test_cq32_source_of_connected_technology_in_china(shipped):
    rows = values(
        shipped,
        """SELECT ?file ?quote WHERE { ?a akg:scope akr:scope-ConnectedTechnologyChina .
             ?st akg:supports ?a ; akg:document/akg:fileName ?file ; akg:quote ?quote .
             }""",
    )
    assert rows == {("000_84604f3204db915b.txt", "connected technology in China")}


def test_cq35_the_40_percent_figure_and_its_qualifiers(shipped):
    rows = values(
        shipped,
        """SELECT ?doc ?stated ?bound WHERE { ?f akg:asStated ?stated ; akg:bound/rdfs:label ?bound .
             ?st akg:supports ?f ; akg:document/akg:shortName ?doc . FILTER (CONTAINS(?stated, "40")) }""",
    )
    assert rows == {("upper bound", "D002", "up to 40 percent")}
    qualifiers = values(shipped, "SELECT ?q WHERE { akr:figure-ModelInvestmentReduction akg:qualifierText ?q }")
    assert any("completely developed and built" in q for q in qualifiers)


def test_cq36_d002_supports_no_technology_leadership(shipped):
    rows = values(
        shipped,
        """SELECT ?a WHERE { ?a akg:scope ?s . ?s a akg:TechnologyScope .
             ?st akg:supports ?a ; akg:document akr:D002 ; akg:quote ?q . }""",
    )
    assert rows == set()


def test_cq37_about_half_of_vehicles_jointly_developed_by_2025(shipped):
    rows = values(
        shipped,
        """SELECT ?stated ?year ?doc WHERE { ?f akg:targetYear ?year ; akg:asStated ?stated .
             ?st akg:supports ?f ; akg:document/akg:shortName ?doc }""",
    )
    assert rows == {("D000", "about half", "2025")}


def test_cq39_assignments_hold_from_2020_05_27_with_no_end_date(shipped):
    rows = values(
        shipped,
        "SELECT DISTINCT ?from WHERE { ?a a akg:LeadershipAssignment ; akg:validFrom ?from }",
    )
    assert rows == {"2020-05-27"}
    assert values(shipped, "SELECT ?a WHERE { ?a akg:validTo ?to }") == set()
