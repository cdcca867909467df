"""The public competency questions (``shared/domain/competency_questions.md``) through the JSON API,
with the exact expected answer sets: leaders, followers, lineage, sources and strengths, figures, dates."""

from __future__ import annotations

import pytest

SEED = {"layer": "seed"}


def get(client, path, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def leaders(answer) -> set[str]:
    return {leader["label"] for leader in answer["leaders"]}


def stated_sources(assignment) -> set[tuple[str, str]]:
    return {(s["document"]["id"], s["fact_id"]) for s in assignment["sources"] if s["strength"] == "stated"}


# --- A. Leader of a region -------------------------------------------------------------------------


def test_cq01_renault_leads_europe_on_both_documents(client):
    answer = get(client, "/api/responsibility", region="Europe", **SEED)
    assert answer["leader_assigned"] is True
    assert leaders(answer) == {"Renault"}
    [assignment] = answer["assignments"]
    assert stated_sources(assignment) == {("D000", "F063"), ("D002", "F070")}
    assert {s["stated_as"] for s in assignment["sources"]} == {"leader", "reference"}


def test_cq02_every_reference_region_and_its_leader(client):
    regions = get(client, "/api/scopes", kind="region")["scopes"]
    pairs = set()
    for region in regions:
        answer = get(client, "/api/responsibility", region=region["id"], **SEED)
        pairs |= {(region["label"], leader) for leader in leaders(answer)}
    assert pairs == {
        ("Europe", "Renault"), ("Russia", "Renault"), ("South America", "Renault"), ("North Africa", "Renault"),
        ("China", "Nissan"), ("North America", "Nissan"), ("Japan", "Nissan"),
        ("South East Asia", "Mitsubishi Motors"), ("ASEAN countries", "Mitsubishi Motors"),
        ("Oceania", "Mitsubishi Motors"),
    }


def test_cq03_regions_mitsubishi_leads_with_each_documents_word(client):
    roles = get(client, "/api/companies/Mitsubishi", **SEED)
    found = {
        (a["scope"]["label"], s["document"]["id"], s["fact_id"], s["stated_as"])
        for a in roles["leads"] if a["scope"]["kind"] == "region"
        for s in a["sources"] if s["strength"] == "stated"
    }
    assert found == {
        ("South East Asia", "D000", "F067", "leader"),
        ("ASEAN countries", "D002", "F077", "reference"),
        ("Oceania", "D000", "F068", "leader"),
        ("Oceania", "D002", "F078", "reference"),
    }


# --- B. Leader for a country, via its region -------------------------------------------------------


def test_cq04_indonesia_through_south_east_asia_and_asean(client):
    answer = get(client, "/api/responsibility", country="Indonesia", **SEED)
    assert leaders(answer) == {"Mitsubishi Motors"}
    via = {(v["label"], v["basis_id"]) for a in answer["assignments"] for v in a["via"]}
    assert via == {("South East Asia", "m49-035"), ("ASEAN countries", "basis-ASEAN-2020-05-27")}


@pytest.mark.parametrize(
    "cq, country, leader, region, basis",
    [
        ("CQ05", "Brazil", "Renault", "South America", "m49-005"),
        ("CQ06", "Morocco", "Renault", "North Africa", "m49-015"),
        ("CQ07", "Germany", "Renault", "Europe", "m49-155"),
        ("CQ08", "Australia", "Mitsubishi Motors", "Oceania", "m49-053"),
        ("CQ09", "Japan", "Nissan", "Japan", "basis-CountryItself"),
    ],
)
def test_leader_for_a_country_via_its_region(client, cq, country, leader, region, basis):
    answer = get(client, "/api/responsibility", country=country, **SEED)
    assert leaders(answer) == {leader}
    [assignment] = answer["assignments"]
    assert [(v["label"], v["basis_id"]) for v in assignment["via"]] == [(region, basis)]


def test_cq13_turkiye_has_no_leader_and_the_note_names_judgement_j4(client):
    answer = get(client, "/api/responsibility", country="Türkiye", **SEED)
    assert answer["leader_assigned"] is False
    assert answer["leaders"] == [] and answer["assignments"] == []
    assert "J4" in answer["note"] and "no leader" in answer["note"]
    assert [j["notation"] for j in answer["judgements"]] == ["J4"]
    assert "Renault" in answer["judgements"][0]["alternative_reading"]


# --- C. Leader of a technology ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cq, technology, leader, fact",
    [
        ("CQ14", "autonomous driving technology", "Nissan", "F080"),
        ("CQ15", "connected technology in China", "Nissan", "F081"),
        ("CQ16", "Android-based connected platform", "Renault", "F087"),
        ("CQ17", "E-body architecture", "Renault", "F084"),
        ("CQ18", "plug-in hybrid electric vehicle models for the C and D segments", "Mitsubishi Motors", "F088"),
        ("CQ19a", "the common electric vehicle powertrain", "Nissan", "F082"),
        ("CQ19b", "electrified powertrains for the common platform for A and B segment models", "Renault", "F085"),
    ],
)
def test_leader_of_a_technology(client, cq, technology, leader, fact):
    answer = get(client, "/api/responsibility", technology=technology, **SEED)
    assert leaders(answer) == {leader}
    assert {source for a in answer["assignments"] for source in stated_sources(a)} == {("D000", fact)}


def test_cq19_two_powertrain_scopes_are_distinct_not_a_conflict(client):
    ev = get(client, "/api/responsibility", technology="common EV powertrain", **SEED)
    ab = get(client, "/api/responsibility", technology="electrified powertrains", segment="A segment", **SEED)
    assert [a["scope"]["id"] for a in ev["assignments"]] == ["scope-CommonEVPowertrain"]
    assert [a["scope"]["id"] for a in ab["assignments"]] == ["scope-ElectrifiedPowertrainsABPlatform"]
    assert leaders(ev) == {"Nissan"}
    # the A/B scope is also limited to the common platform, which the question does not ask about
    assert ab["leaders"] == [] and {lead["label"] for lead in ab["limited_leaders"]} == {"Renault"}


# --- D. What a company leads and follows -----------------------------------------------------------


def test_cq22_scopes_nissan_leads(client):
    roles = get(client, "/api/companies/Nissan", **SEED)
    assert {a["scope"]["label"] for a in roles["leads"]} == {
        "China", "North America", "Japan", "autonomous driving technology",
        "connected technology in China", "the common electric vehicle powertrain",
    }


def test_cq23_scopes_renault_leads(client):
    roles = get(client, "/api/companies/Renault", **SEED)
    assert {a["scope"]["label"] for a in roles["leads"]} == {
        "Europe", "Russia", "South America", "North Africa", "E-body architecture",
        "electrified powertrains for the common platform for A and B segment models",
        "Android-based connected platform",
    }


def test_cq25_followers_in_oceania_are_derived_by_rule(client):
    answer = get(client, "/api/responsibility", region="Oceania", **SEED)
    [assignment] = answer["assignments"]
    assert {f["label"] for f in assignment["followers"]} == {"Renault", "Nissan"}
    assert assignment["followers_rule"] == "derived"


def test_a_follower_sees_the_rule_that_made_it_one(client):
    roles = get(client, "/api/companies/Renault", **SEED)
    oceania = [a for a in roles["follows"] if a["scope"]["id"] == "Oceania"]
    assert [a["followers_rule"] for a in oceania] == ["derived"]
    assert len(roles["follows"]) == 17 - 7  # every seed assignment Renault does not lead


# --- E. Lineage ------------------------------------------------------------------------------------


def test_cq26_livina_derives_from_the_xpander_released_by_mitsubishi_implied(client):
    lineage = get(client, "/api/lineage/Nissan Livina", **SEED)
    assert [a["label"] for a in lineage["ancestors"]] == ["Mitsubishi Xpander"]
    assert [d["label"] for d in lineage["ancestors"][0]["developer"]] == ["Mitsubishi Motors"]
    [edge] = lineage["edges"]
    assert (edge["subject"]["id"], edge["relation"], edge["object"]["id"]) == (
        "NissanLivina", "derived_from", "MitsubishiXpander")
    assert edge["strength"] == "implied" and edge["layer"] == "seed"
    assert {s["fact_id"] for s in edge["sources"]} == {"F121", "F122"}
    xpander = get(client, "/api/lineage/Xpander", **SEED)
    assert [(m["label"], m["relation"]) for m in xpander["developer"]] == [("Mitsubishi Motors", "released_by")]
    assert [d["label"] for d in xpander["descendants"]] == ["Nissan Livina"]


def test_cq27_full_ancestor_chain_of_the_livina_and_no_named_platform(client):
    lineage = get(client, "/api/lineage/Nissan Livina (2019)")
    assert [a["id"] for a in lineage["ancestors"]] == ["MitsubishiXpander"]
    assert lineage["platforms"] == []
    assert lineage["ancestors"][0]["platforms"] == []
    assert not any(e["relation"] == "sits_on_platform" for e in lineage["edges"])


def test_cq28_the_seed_documents_put_no_named_model_on_a_platform(client):
    models = get(client, "/api/models")["models"]
    assert models, "the graph has models"
    for model in models:
        assert get(client, f"/api/lineage/{model['id']}", **SEED)["platforms"] == [], model["id"]


def test_cq30_outlander_platform_and_the_models_directly_on_it(client):
    outlander = get(client, "/api/lineage/MitsubishiOutlanderIV")
    assert [p["label"] for p in outlander["platforms"]] == ["CMF-C/D"]
    platform = get(client, f"/api/lineage/{outlander['platforms'][0]['id']}")
    direct = {d["id"] for d in platform["descendants"] if d["direct"]} - {"MitsubishiOutlanderIV"}
    assert direct == {"NissanRogueT33", "RenaultAustral", "NissanQashqaiIII", "NissanXTrailIII", "NissanQashqaiII"}
    through_derivation = {d["id"] for d in platform["descendants"] if not d["direct"]}
    assert through_derivation == {"RenaultEspaceVI", "RenaultRafale"}
    on_platform = {m["id"] for m in get(client, "/api/models", platform="CMF-C/D")["models"]}
    assert on_platform == direct | {"MitsubishiOutlanderIV"}


# --- F. Provenance ---------------------------------------------------------------------------------


def test_cq32_the_document_and_quote_behind_connected_technology_in_china(client):
    answer = get(client, "/api/responsibility", technology="connected technology in China")
    [assignment] = answer["assignments"]
    assert [(s["document"]["id"], s["document"]["file"], s["quote"]) for s in assignment["sources"]] == [
        ("D000", "000_84604f3204db915b.txt", "connected technology in China")
    ]


def test_cq36_d002_supports_no_technology_leadership(client):
    scopes = get(client, "/api/scopes", kind="technology")["scopes"]
    documents = {
        s["document"]["id"]
        for scope in scopes
        for a in get(client, "/api/responsibility", technology=scope["id"])["assignments"]
        for s in a["sources"]
    }
    assert "D002" not in documents
    assert "D000" in documents


# --- G. Figures ------------------------------------------------------------------------------------


def test_cq35_the_40_percent_figure_its_document_and_qualifiers(client):
    figures = get(client, "/api/figures")["figures"]
    [figure] = [f for f in figures if f["value"] == 40.0]
    assert figure["as_stated"] == "up to 40 percent" and figure["bound"] == "upper_bound"
    assert {s["document"]["id"] for s in figure["sources"]} == {"D002"}
    assert any("completely developed and built" in q for q in figure["qualifiers"])
    assert figure["measure"] == "reduction of model investments"


def test_cq37_about_half_by_2025_is_a_seed_estimate_kept_apart_from_the_press_release(client):
    figures = get(client, "/api/figures")["figures"]
    by_2025 = {(f["as_stated"], f["layer"], tuple(s["document"]["id"] for s in f["sources"]))
               for f in figures if f["target_year"] == "2025"}
    assert ("about half", "seed", ("D000",)) in by_2025
    assert len(by_2025) == 2  # the press release's "close to 50 %" of models is a separate figure
    seed_only = get(client, "/api/figures", layer="seed")["figures"]
    assert {f["layer"] for f in seed_only} == {"seed"}


# --- H. Time ---------------------------------------------------------------------------------------


def test_cq39_assignments_hold_from_2020_05_27_with_no_end_date_dated_by_f114(client):
    answer = get(client, "/api/responsibility", region="Europe")
    [assignment] = answer["assignments"]
    assert assignment["valid_from"] == "2020-05-27" and assignment["valid_to"] is None
    assert [(s["fact_id"], s["document"]["id"], s["strength"]) for s in assignment["valid_from_sources"]] == [
        ("F114", "D002", "implied")
    ]


def test_no_leader_before_the_announcement(client):
    answer = get(client, "/api/responsibility", region="Europe", as_of="2020-05-26")
    assert answer["leader_assigned"] is False and answer["leaders"] == []
    assert "2020-05-27" in answer["note"]
    assert get(client, "/api/responsibility", region="Europe", as_of="2020-05-27")["leader_assigned"] is True


def test_public_assignments_hold_from_their_own_announcement(client):
    before = get(client, "/api/responsibility", technology="all-solid-state batteries", as_of="2022-01-26")
    after = get(client, "/api/responsibility", technology="all-solid-state batteries", as_of="2022-01-27")
    assert before["leader_assigned"] is False
    assert leaders(after) == {"Nissan"}
    assert {s["layer"] for a in after["assignments"] for s in a["sources"]} == {"public"}
