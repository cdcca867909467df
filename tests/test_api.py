"""The JSON API's behaviour beyond the competency questions: lookups, parameters, errors, formats."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliance_kg import __version__


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


# --- lookups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["country-DE", "https://w3id.org/alliance-kg/id/country-DE", "Germany", "germany", "DE", "de", "DEU",
     "Federal Republic of Germany"],
)
def test_a_country_is_found_by_id_iri_name_and_iso_codes(client, key):
    answer = client.get("/api/responsibility", query_string={"country": key}).get_json()
    assert answer["question"]["country"]["id"] == "country-DE"


@pytest.mark.parametrize("key", ["Türkiye", "turkiye", "Turkey", "TUR"])
def test_country_names_match_without_accents_and_by_their_short_form(client, key):
    answer = client.get("/api/responsibility", query_string={"country": key}).get_json()
    assert answer["question"]["country"]["id"] == "country-TR"


def test_a_single_country_region_is_also_a_name_of_the_country(client):
    answer = client.get("/api/responsibility", query_string={"country": "Russia"}).get_json()
    assert answer["question"]["country"]["id"] == "country-RU"
    assert [l["label"] for l in answer["leaders"]] == ["Renault"]


@pytest.mark.parametrize("key", ["Mitsubishi", "mitsubishi motors", "MitsubishiMotors",
                                 "https://w3id.org/alliance-kg/id/MitsubishiMotors"])
def test_a_company_is_found_by_alt_label_id_and_iri(client, key):
    assert client.get(f"/api/companies/{key}").get_json()["company"]["id"] == "MitsubishiMotors"


def test_an_unknown_name_is_a_404_listing_the_closest_known_names(client):
    error = error_of(client.get("/api/responsibility", query_string={"region": "Eur"}), 404)
    assert error["code"] == "not_found"
    assert "'Eur'" in error["message"] and "Europe" in error["message"]
    assert error["hint"]


def test_an_ambiguous_name_is_a_400_naming_the_candidates(client):
    error = error_of(client.get("/api/responsibility", query_string={"country": "Korea"}), 400)
    assert "country-KR" in error["message"] and "country-KP" in error["message"]


def test_an_unknown_model_is_a_404_that_points_to_the_model_list(client):
    error = error_of(client.get("/api/lineage/Nissan Skyline"), 404)
    assert "/api/models" in error["hint"]


# --- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, words",
    [
        ({}, "one of region="),
        ({"country": "DE", "region": "Europe"}, "cannot be combined"),
        ({"region": "Europe", "as_of": "yesterday"}, "not a date"),
        ({"region": "Europe", "as_of": "2020-02-30"}, "not a valid date"),
        ({"region": "Europe", "layer": "rumours"}, "not a layer"),
        ({"region": "  "}, "empty"),
    ],
)
def test_bad_responsibility_parameters_are_400_with_a_message(client, params, words):
    error = error_of(client.get("/api/responsibility", query_string=params), 400)
    assert words in error["message"]


def test_as_of_defaults_to_today(client):
    from datetime import date

    assert client.get("/api/responsibility?region=Japan").get_json()["as_of"] == date.today().isoformat()


def test_hostile_values_are_names_not_query_text(client, shipped):
    before = len(shipped)
    for value in ['x> } ; DROP ALL ; #', '"""', "Europe' } #", "<https://w3id.org/alliance-kg/id/Europe>"]:
        response = client.get("/api/responsibility", query_string={"region": value})
        # punctuation does not count in a name: what is left of the text may name Europe, never run
        assert response.status_code in (200, 400, 404)
        if response.status_code == 200:
            assert response.get_json()["question"]["region"]["id"] == "Europe" and "europe" in value.lower()
        response = client.get(f"/api/lineage/{value}")
        assert response.status_code in (400, 404)
    assert len(shipped) == before


# --- never a guess ---------------------------------------------------------------------------------


def test_a_technology_in_another_region_is_related_not_an_answer(client):
    answer = client.get("/api/responsibility",
                        query_string={"technology": "connected technology", "region": "Europe"}).get_json()
    assert answer["leader_assigned"] is False and answer["leaders"] == []
    assert "no leader" in answer["note"]
    related = {r["scope"]["id"]: [l["label"] for l in r["leaders"]] for r in answer["related"]}
    assert related["scope-ConnectedTechnologyChina"] == ["Nissan"]


def test_a_technology_question_never_gets_the_regional_leader(client):
    answer = client.get("/api/responsibility",
                        query_string={"technology": "autonomous driving", "region": "Europe"}).get_json()
    assert [l["label"] for l in answer["leaders"]] == ["Nissan"]  # Renault leads Europe, not this technology
    [assignment] = answer["assignments"]
    assert assignment["via"][0]["basis"] == "the scope is not limited to a region"


def test_a_segment_without_a_scope_has_no_leader_and_names_the_nearby_scopes(client):
    answer = client.get("/api/responsibility", query_string={"segment": "C segment"}).get_json()
    assert answer["leader_assigned"] is False
    assert {r["scope"]["id"] for r in answer["related"]} == {"scope-C-SUV", "scope-PHEV-CD"}


def test_a_segment_scope_gives_its_public_leader(client):
    answer = client.get("/api/responsibility", query_string={"segment": "C-segment SUV"}).get_json()
    assert [l["label"] for l in answer["leaders"]] == ["Nissan"]
    assert {s["layer"] for a in answer["assignments"] for s in a["sources"]} == {"public"}


def test_layer_seed_leaves_out_public_assignments_and_says_so(client):
    answer = client.get("/api/responsibility",
                        query_string={"technology": "solid-state batteries", "layer": "seed"}).get_json()
    assert answer["leader_assigned"] is False
    assert "layer=all" in answer["note"]


def test_a_region_question_lists_the_scopes_limited_to_it_as_related(client):
    answer = client.get("/api/responsibility", query_string={"region": "ASEAN"}).get_json()
    assert "SouthEastAsia" in {r["scope"]["id"] for r in answer["related"]}


# --- lists -----------------------------------------------------------------------------------------


def test_scopes_have_kinds_and_qualifiers(client):
    scopes = client.get("/api/scopes").get_json()["scopes"]
    by_id = {s["id"]: s for s in scopes}
    assert {s["kind"] for s in scopes} == {"region", "technology", "segment"}
    china = by_id["scope-ConnectedTechnologyChina"]["qualifiers"]
    assert china["technology"]["id"] == "tech-ConnectedTechnology"
    assert [r["id"] for r in china["regions"]] == ["China"]
    phev = by_id["scope-PHEV-CD"]["qualifiers"]
    assert [s["id"] for s in phev["segments"]] == ["segment-C", "segment-D"]
    assert len(client.get("/api/scopes?kind=region").get_json()["scopes"]) == 10


def test_an_unknown_scope_kind_is_a_400(client):
    assert "kind" in error_of(client.get("/api/scopes?kind=planet"), 400)["message"]


def test_companies_are_the_three_alliance_members(client):
    companies = client.get("/api/companies").get_json()["companies"]
    assert {c["id"] for c in companies} == {"Renault", "Nissan", "MitsubishiMotors"}
    assert all(c["member_of"][0]["id"] == "Alliance" for c in companies)


def test_models_by_brand_accept_the_brand_or_its_company(client):
    by_brand = client.get("/api/models", query_string={"brand": "Mitsubishi"}).get_json()
    by_company = client.get("/api/models", query_string={"brand": "Mitsubishi Motors"}).get_json()
    assert by_brand == by_company and by_brand["count"] > 0
    assert {m["brand"]["id"] for m in by_brand["models"]} == {"brand-Mitsubishi"}


def test_models_on_a_platform_family_include_its_variants(client):
    family = {m["id"] for m in client.get("/api/models?platform=CMF").get_json()["models"]}
    cd = {m["id"] for m in client.get("/api/models?platform=CMF-CD").get_json()["models"]}
    assert cd and cd < family


def test_figures_carry_value_unit_bound_and_sources(client):
    figures = client.get("/api/figures").get_json()["figures"]
    assert all(f["sources"] for f in figures)
    stimulus = next(f for f in figures if f["id"] == "figure-FrenchStimulus")
    assert (stimulus["value"], stimulus["unit_code"], stimulus["as_stated"]) == (
        9e9, "USD", "9-billion dollar stimulus package")
    assert [r["id"] for r in stimulus["parties"]["recipient"]] == ["Renault"]


# --- validation and health -------------------------------------------------------------------------


def test_validation_report_is_json_by_default(client):
    body = client.get("/api/validation").get_json()
    assert body["conforms"] is True and body["results"] == []


@pytest.mark.parametrize("accept, fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                         ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_validation_report_as_rdf_by_accept(client, accept, fmt):
    response = client.get("/api/validation", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    triples = list(ox.parse(response.data, format=fmt))
    assert any(t.predicate.value == "http://www.w3.org/ns/shacl#conforms" for t in triples)


def test_validation_report_in_an_unknown_format_is_406(client):
    error = error_of(client.get("/api/validation", headers={"Accept": "image/png"}), 406)
    assert "text/turtle" in error["message"]


def test_health_gives_version_and_triple_count(client, shipped):
    body = client.get("/health").get_json()
    assert body == {"status": "ok", "version": __version__, "triples": len(shipped)}


def test_unknown_paths_and_methods_answer_in_the_envelope(client):
    error_of(client.get("/api/nothing-here"), 404)
    response = client.post("/api/responsibility?region=Europe")
    error_of(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_link_shows_the_strength_of_its_evidence_in_each_layer(client):
    lineage = client.get("/api/lineage/NissanLivina").get_json()
    [edge] = lineage["edges"]
    assert edge["strength_by_layer"] == {"public": "stated", "seed": "implied"}
    assert edge["strength"] == "implied" and edge["layer"] == "seed"  # the strength within the named layer


def test_parties_of_a_figure_have_their_labels(client):
    figures = client.get("/api/figures").get_json()["figures"]
    reduction = next(f for f in figures if f["id"] == "figure-ModelInvestmentReduction")
    [about] = reduction["parties"]["about"]
    assert about["label"] != about["id"]


def test_a_figure_about_two_companies_names_both(client):
    figures = client.get("/api/figures").get_json()["figures"]
    lock_up = next(f for f in figures if f["id"] == "figure-CrossShareholdingLockUp2025")
    assert [r["id"] for r in lock_up["parties"]["about"]] == ["Nissan", "Renault"]


@pytest.mark.parametrize(
    "path, words",
    [
        ("/api/responsibility?regoin=Europe&technology=autonomous driving", "unknown parameter 'regoin'"),
        ("/api/responsibility?region=Europe&region=Japan", "more than once"),
        ("/api/models?colour=red", "unknown parameter"),
        ("/health?verbose=1", "unknown parameter"),
    ],
)
def test_unknown_or_repeated_parameters_are_400_not_ignored(client, path, words):
    assert words in error_of(client.get(path), 400)["message"]


def test_answers_follow_the_graph_when_it_changes(kg, config):
    """Cached answers (validation report, canned queries, names) are rebuilt after a change."""
    from alliance_kg.web import create_app
    from test_shapes import CQ42

    client = create_app(config, kg=kg).test_client()
    assert client.get("/api/validation").get_json()["conforms"] is True
    assert [l["label"] for l in client.get("/api/responsibility?region=Europe").get_json()["leaders"]] == ["Renault"]
    kg.load_data(CQ42, "turtle", graph="candidate")
    report = client.get("/api/validation").get_json()
    assert report["conforms"] is False
    assert [r["source_shape"].rsplit("#")[-1] for r in report["results"]] == ["SingleLeaderShape"]
    answer = client.get("/api/responsibility?region=Europe").get_json()
    assert [l["label"] for l in answer["leaders"]] == ["Nissan", "Renault"]  # both shown, none hidden


def test_a_cached_answer_built_from_other_cached_answers_does_not_deadlock(config):
    """The first VoID request on a fresh graph builds its description from canned queries,
    whose own cache is cold too."""
    import threading

    from alliance_kg.knowledge.void import describe_dataset
    from alliance_kg.store import open_graph

    fresh = open_graph(config)
    done = []
    worker = threading.Thread(target=lambda: done.append(describe_dataset(fresh, endpoint="http://x/sparql",
                                                                         store_url="http://x/store")), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert done and done[0], "describe_dataset did not finish: a cache lock deadlocked"


HOSTILE = ['x> } ; DROP ALL ; #', '"""', "' } INSERT DATA { <a:a> <a:a> <a:a> } #", "<https://w3id.org/alliance-kg/id/Europe>",
           "?s ?p ?o", "\\u0000"]
PARAMETERS = [
    "/api/responsibility?region={v}", "/api/responsibility?country={v}", "/api/responsibility?technology={v}",
    "/api/responsibility?segment={v}", "/api/responsibility?technology=autonomous%20driving&region={v}",
    "/api/responsibility?technology=PHEV&segment={v}", "/api/responsibility?region=Europe&as_of={v}",
    "/api/responsibility?region=Europe&layer={v}", "/api/scopes?kind={v}", "/api/companies/{v}",
    "/api/companies/Nissan?as_of={v}", "/api/companies/Nissan?layer={v}", "/api/lineage/{v}",
    "/api/lineage/CMF?layer={v}", "/api/models?brand={v}", "/api/models?platform={v}", "/api/figures?layer={v}",
    "/api/changes?since={v}", "/api/changes?limit={v}", "/api/assignments/{v}",
]


@pytest.mark.parametrize("template", PARAMETERS)
def test_every_api_parameter_treats_hostile_text_as_a_value(client, shipped, template):
    from urllib.parse import quote

    before = sorted(str(q) for q in shipped.quads())
    for value in HOSTILE:
        response = client.get(template.replace("{v}", quote(value, safe="")))
        assert response.status_code in (400, 404), (template, value, response.status_code)
        assert set(response.get_json()) == {"error"}
    assert sorted(str(q) for q in shipped.quads()) == before
