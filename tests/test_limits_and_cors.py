"""The request-body limit (413, naming its setting) and CORS: reads from any origin by default,
writes never."""

from __future__ import annotations

import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"


@pytest.fixture
def small(kg):
    """An app that accepts writes and bodies of at most 1,000 bytes."""
    config = Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_MAX_BODY_BYTES": "1000"})
    return create_app(config, kg=kg).test_client()


@pytest.mark.parametrize("method, path, kwargs", [
    ("post", "/sparql", {"data": "ASK { ?s ?p ?o } #" + "x" * 2000, "content_type": "application/sparql-query"}),
    ("put", "/store?graph=https://example.org/g", {"data": "<a:a> <a:b> \"" + "x" * 2000 + "\" .", "content_type": "text/turtle"}),
    ("post", "/api/companies", {"json": {"label": "x" * 2000}}),
])
def test_a_body_over_the_limit_is_413_naming_the_setting(small, method, path, kwargs):
    response = getattr(small, method)(path, headers={"Authorization": f"Bearer {TOKEN}"}, **kwargs)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert "1,000 bytes" in error["message"] and "ALLIANCE_KG_MAX_BODY_BYTES" in error["hint"]


def test_a_body_under_the_limit_is_read(small):
    response = small.post("/sparql", data="ASK { ?s ?p ?o }", content_type="application/sparql-query")
    assert response.status_code == 200


def test_a_bad_limit_setting_is_refused():
    with pytest.raises(ValueError, match="MAX_BODY_BYTES"):
        Config.from_env({"ALLIANCE_KG_MAX_BODY_BYTES": "lots"})


# --- CORS ------------------------------------------------------------------------------------------

ORIGIN = {"Origin": "https://elsewhere.example"}


@pytest.mark.parametrize("path", ["/api/responsibility?region=Europe", "/sparql?query=ASK%20%7B%7D", "/doc/Europe"])
def test_reads_are_open_to_any_origin_by_default(client, path):
    response = client.get(path, headers=ORIGIN)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_query_by_post_is_a_read(client):
    response = client.post("/sparql", data={"query": "ASK {}"}, headers=ORIGIN)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_a_read_is_allowed_but_never_with_authorization(client):
    read = client.options("/sparql", headers={**ORIGIN, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" not in read.headers["Access-Control-Allow-Headers"].lower()
    write = client.options("/api/companies", headers={**ORIGIN, "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "authorization, content-type"})
    assert "Access-Control-Allow-Origin" not in write.headers
    delete = client.options("/store", headers={**ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert "Access-Control-Allow-Origin" not in delete.headers


def test_writes_never_get_cors_headers(small):
    response = small.post("/api/companies", json={"label": "Cross Origin Motors"},
                          headers={**ORIGIN, "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers
    update = small.post("/sparql", data={"update": "INSERT DATA { <https://example.org/a> <https://example.org/b> 1 }"},
                        headers={**ORIGIN, "Authorization": f"Bearer {TOKEN}"})
    assert "Access-Control-Allow-Origin" not in update.headers


@pytest.mark.parametrize("setting, origin, allowed", [
    ("", "https://elsewhere.example", None),
    ("https://a.example https://b.example", "https://b.example", "https://b.example"),
    ("https://a.example", "https://elsewhere.example", None),
])
def test_the_cors_setting_names_the_origins(kg, setting, origin, allowed):
    client = create_app(Config.from_env({"ALLIANCE_KG_CORS_ORIGINS": setting}) if setting else
                        Config(cors_origins=""), kg=kg).test_client()
    response = client.get("/health", headers={"Origin": origin})
    assert response.headers.get("Access-Control-Allow-Origin") == allowed
    if allowed and allowed != "*":
        assert "Origin" in response.headers["Vary"]
