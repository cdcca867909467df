"""The front of the service (``alliance_kg.web.front``, issue 18): a repeated GET answered before
Flask, for the graph's current version only, with ``ETag``, ``Last-Modified`` and ``304``; a
write changes the answer and the tag at once; what carries credentials or reports live state is
never kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from alliance_kg.web import create_app

TOKEN = "front-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def writable(config, kg):
    return create_app(replace(config, write_token=TOKEN), kg=kg).test_client()


def test_a_repeated_get_is_answered_from_the_front_with_its_tags(writable):
    first = writable.get("/api/companies")
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert "GMT" in first.headers["Last-Modified"]
    front = writable.application.wsgi_app
    assert len(front.answers) == 1
    again = writable.get("/api/companies")
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    head = writable.head("/api/companies")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == first.headers["ETag"]


def test_a_conditional_request_for_the_same_version_is_304(writable):
    tag = writable.get("/api/companies").headers["ETag"]
    same = writable.get("/api/companies", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == tag
    assert writable.get("/api/companies", headers={"If-None-Match": tag.removeprefix("W/")}).status_code == 304
    other = writable.get("/api/companies", headers={"If-None-Match": 'W/"0-0000000000000000"'})
    assert other.status_code == 200 and other.data
    modified = writable.get("/api/companies").headers["Last-Modified"]
    assert writable.get("/api/companies", headers={"If-Modified-Since": modified}).status_code == 304
    assert writable.get("/api/companies", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 200
    assert writable.get("/api/companies", headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_a_write_changes_the_answer_and_its_tag_at_once(writable):
    before = writable.get("/api/companies")
    created = writable.post("/api/companies", headers=AUTH, json={"label": "Front Test Motors"})
    assert created.status_code == 201, created.get_json()
    after = writable.get("/api/companies")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert b"Front Test Motors" in after.data and b"Front Test Motors" not in before.data
    # the tag the client held no longer matches: the new answer comes in full
    assert writable.get("/api/companies", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_what_carries_credentials_or_live_state_or_an_error_is_not_kept(writable):
    front = writable.application.wsgi_app
    assert "ETag" not in writable.get("/health").headers
    assert "ETag" not in writable.get("/api/companies", headers=AUTH).headers
    assert "ETag" not in writable.get("/api/companies/NoSuchCompany").headers
    assert writable.post("/api/companies", json={"label": "x"}).status_code == 401
    assert len(front.answers) == 0


def test_an_answer_longer_than_the_cache_passes_through(config, shipped):
    client = create_app(replace(config, answer_cache_bytes=100), kg=shipped).test_client()
    answer = client.get("/api/companies")
    assert answer.status_code == 200 and len(answer.data) > 100 and "ETag" not in answer.headers
    assert len(client.application.wsgi_app.answers) == 0
