"""Search (issue 19): /api/search, the /search page, and the name resolution of the JSON API,
tolerant of word forms, hyphenation, accents, other languages, abbreviations and small typos."""

from __future__ import annotations

import pycountry
import pytest

from alliance_kg.config import Config
from alliance_kg.knowledge.names import country_names, fold, stem
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def first(client, q: str, **params) -> dict:
    answer = client.get("/api/search", query_string={"q": q, **params})
    assert answer.status_code == 200, answer.get_json()
    results = answer.get_json()["results"]
    assert results, f"nothing found for {q!r}"
    return results[0]


def question(client, path: str, **params) -> dict:
    answer = client.get(path, query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["question"]


# --- the forms of a name ------------------------------------------------------------------------


@pytest.mark.parametrize("written, meant", [
    ("PHEV", "PHEVs"),  # singular and plural
    ("plug-in hybrid electric vehicle model", "plug-in hybrid electric vehicle models"),
    ("autonomous drive", "autonomous driving technology"),  # another word form
    ("South-East Asia", "Southeast Asia"),  # hyphenation
    ("SOUTH EAST asia", "south-east Asia"),  # case
    ("CMF CD", "CMF-C/D"),  # punctuation
    ("Turkiye", "Türkiye"),  # accents
])
def test_forms_of_a_name_find_the_same_thing(client, written, meant):
    assert first(client, written)["iri"] == first(client, meant)["iri"]


@pytest.mark.parametrize("typo, kind, label_word", [
    ("Renualt", "company", "Renault"),
    ("Nisan", "company", "Nissan"),
    ("germny", "country", "Germany"),
    ("Mitsubshi", "company", "Mitsubishi"),
])
def test_a_one_letter_typo_finds_the_thing(client, typo, kind, label_word):
    hit = first(client, typo, kind=kind)
    assert label_word in hit["label"] and hit["level"].startswith("typo")


def test_a_country_by_its_names_in_other_languages_and_its_former_name(client):
    germany = first(client, "Germany", kind="country")["iri"]
    assert first(client, "Deutschland")["iri"] == germany
    assert first(client, "Deutschland")["level"] == "other language"
    assert first(client, "Brasil")["iri"] == first(client, "Brazil", kind="country")["iri"]
    assert first(client, "East Timor")["iri"] == first(client, "Timor-Leste")["iri"]


def test_other_languages_come_from_pycountry_catalogues():
    names = dict(country_names("DE"))
    assert "Deutschland" in names and names["Deutschland"].startswith("name in de")
    assert len(names) > 50  # many languages, none written by hand
    assert pycountry.countries.get(alpha_2="DE").name not in names  # the English name is the label's


def test_codes_and_ids_are_names(client):
    assert first(client, "DE")["id"] == "country-DE"
    assert first(client, "DEU")["id"] == "country-DE"
    assert first(client, "MitsubishiMotors")["id"] == "MitsubishiMotors"


def test_the_search_ranks_and_limits(client):
    answer = client.get("/api/search?q=Ren&limit=3").get_json()
    assert answer["count"] == len(answer["results"]) == 3
    assert answer["results"][0]["label"] == "Renault"  # a company before models that begin alike
    assert all(r["level"] == "beginning" for r in answer["results"])
    scores = [r["score"] for r in client.get("/api/search?q=Renault").get_json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_kind_narrows_the_search(client):
    results = client.get("/api/search?q=Renault&kind=model").get_json()["results"]
    assert results and {r["kind"] for r in results} == {"model"}


@pytest.mark.parametrize("params, message", [
    ({}, "'q' is missing"),
    ({"q": "  "}, "'q' is missing"),
    ({"q": "x", "kind": "spaceship"}, "unknown kind 'spaceship'"),
    ({"q": "x", "limit": "0"}, "limit must be between 1 and 50"),
    ({"q": "x", "colour": "red"}, "unknown parameter 'colour'"),
])
def test_bad_search_requests_are_400(client, params, message):
    answer = client.get("/api/search", query_string=params)
    assert answer.status_code == 400 and message in answer.get_json()["error"]["message"]


def test_folding_and_stemming():
    assert fold("C–D  Segments") == "c d segments"
    assert stem(fold("PHEVs")) == stem(fold("PHEV"))


# --- name resolution of the JSON API --------------------------------------------------------------


@pytest.mark.parametrize("params, key, expected", [
    ({"technology": "PHEVs"}, "technology", "PHEV"),
    ({"technology": "autonomous drive"}, "technology", "autonomous driving"),
    ({"region": "South-East Asia"}, "region", "Southeast Asia"),
    ({"country": "Deutschland"}, "country", "Germany"),
    ({"country": "germny"}, "country", "Germany"),
])
def test_the_api_resolves_what_the_search_finds_best(client, params, key, expected):
    resolved = question(client, "/api/responsibility", **params)[key]
    assert resolved["iri"] == first(client, expected)["iri"]


def test_a_typo_of_a_company_resolves(client):
    assert client.get("/api/companies/Renualt").get_json()["company"]["id"] == "Renault"


def test_a_model_name_without_its_generation_lists_the_generations(client):
    answer = client.get("/api/lineage/Qashqai")
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    candidates = error["details"]["candidates"] if "details" in error else error["candidates"]
    found = {c["id"] for c in candidates}
    generations = {r["id"] for r in client.get("/api/search?q=Qashqai&kind=model").get_json()["results"]}
    assert found == generations and len(found) >= 2
    assert all(c["label"] in error["message"] for c in candidates)


def test_a_short_name_of_one_model_resolves(client):
    lineage = client.get("/api/lineage/Outlander").get_json()
    assert "Outlander" in lineage["item"]["label"]


def test_a_name_nothing_is_like_is_told_apart_from_a_near_miss(client):
    nothing = client.get("/api/responsibility?technology=kei cars")
    assert nothing.status_code == 404
    message = nothing.get_json()["error"]["message"]
    assert message.startswith("nothing in the graph is called 'kei cars'")
    technologies = [r["label"] for r in client.get("/api/search?q=technology&kind=technology&limit=50")
                    .get_json()["results"]]
    assert "the technologies the sources name are:" in message
    assert any(label in message for label in technologies)
    near = client.get("/api/responsibility?region=Eur")
    assert near.status_code == 404
    assert "did you mean" in near.get_json()["error"]["message"] and "Europe" in near.get_json()["error"]["message"]


def test_an_entity_page_resolves_a_typo_too(client):
    answer = client.get("/id/Renualt")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/doc/Renault")


# --- the page and the index after a change ------------------------------------------------------


def test_the_search_page_lists_results_and_works_without_a_script(client):
    page = client.get("/search?q=Deutschland").get_data(as_text=True)
    assert 'href="/id/country-DE"' in page and "Deutschland" in page and "other language" in page
    empty = client.get("/search?q=zzqxv").get_data(as_text=True)
    assert "Nothing in the graph is called" in empty
    assert client.get("/search").status_code == 200


def test_every_page_has_the_search_box(client):
    for path in ("/doc/Renault", "/search"):
        html = client.get(path).get_data(as_text=True)
        assert 'role="search"' in html and 'name="q"' in html, path


def test_a_new_name_is_found_after_a_write(kg):
    writer = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()
    assert writer.get("/api/search?q=Zephyrion").get_json()["results"] == []
    created = writer.post("/api/models", headers=AUTH, json={
        "label": "Mitsubishi Zephyrion", "brand": "Mitsubishi", "platform": "CMF-B",
        "source": {"url": "https://example.org/news", "quote": "a short quote"}})
    assert created.status_code == 201, created.get_json()
    hit = writer.get("/api/search?q=Zephyrions").get_json()["results"][0]
    assert hit["label"] == "Mitsubishi Zephyrion" and hit["level"] == "part of the name"


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_gets_an_error_as_a_page_with_the_choices_as_links(client):
    several = client.get("/lineage/Qashqai", headers=BROWSER)
    assert several.status_code == 400 and several.mimetype == "text/html"
    page = several.get_data(as_text=True)
    for candidate in client.get("/api/lineage/Qashqai").get_json()["error"]["candidates"]:
        assert f'href="/id/{candidate["id"]}"' in page
    near = client.get("/doc/Eur", headers=BROWSER)
    assert near.status_code == 404 and 'href="/id/Europe"' in near.get_data(as_text=True)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0.5, application/json"])
def test_other_clients_get_the_json_envelope(client, accept):
    answer = client.get("/doc/Eur", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_a_patched_index_is_a_rebuilt_one_and_leaves_the_old_as_it_was(kg):
    from alliance_kg.knowledge.catalog import catalog
    from alliance_kg.knowledge.search import SearchIndex

    def state(index):
        return [{key: set(entries) for key, entries in keys.items()} for keys in (*index._exact.values(), index._postings)]

    old = SearchIndex.build(catalog(kg))
    before = state(old)
    writer = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()
    assert writer.post("/api/models", headers=AUTH, json={
        "label": "Mitsubishi Zephyrion", "brand": "Mitsubishi", "platform": "CMF-B",
        "source": {"url": "https://example.org/news", "quote": "a short quote"}}).status_code == 201
    cat = catalog(kg)
    new = old.patched(cat, [iri for iri in cat.entities if iri not in old.names] + ["https://w3id.org/alliance-kg/id/Renault"])
    assert state(new) == state(SearchIndex(new.names, cat.entities))
    assert state(old) == before
    assert new.search("Zephyrion")[0].entity.label == "Mitsubishi Zephyrion" and not old.search("Zephyrion")
