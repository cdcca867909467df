"""Input that should be refused is refused, not mended (issue 13): text that is not UTF-8 in the
path, a query parameter, a form field or a JSON body; a JSON body in another charset; JSON nested
too deep; NUL in a parameter; control characters in the texts the write API stores; and a body
over the size limit stays a 413 when the request has an ``Origin``.

The test client mends a path itself (``/doc/%FF`` arrives as U+FFFD), so the raw path is given as
a WSGI server gives it, ``PATH_INFO`` in latin-1; one test sends it to the real server.
"""

from __future__ import annotations

import http.client
import json
import unicodedata
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_kg.config import Config
from alliance_kg.rules.payload import CONTROLS, CONTROLS_BUT_LINES
from alliance_kg.web import create_app
from alliance_kg.web.writes import MAX_JSON_DEPTH
from fuzzing import AUTH as FUZZ_AUTH  # noqa: F401 - a fixture
from fuzzing import check_answer, check_envelope, fuzz_app, fuzz_cases
from server import live_server  # noqa: F401 - a fixture
from test_guard import dump

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORIGIN = {"Origin": "https://a.example"}
FORM = "application/x-www-form-urlencoded"
SOURCE = {"url": "https://example.org/inputs-news", "quote": "a short quote"}
ASK = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def writer(kg):
    """A client of an app that accepts writes with TOKEN, over a fresh copy of the shipped graph."""
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def refused(response, status: int = 400) -> dict:
    """The error of ``response``, which must be ``status`` in the JSON envelope."""
    assert response.status_code == status, response.get_data()[:300]
    return check_envelope(status, response.content_type, response.get_data())


def raw(path: str, query: bytes = b"") -> dict:
    """The environ a WSGI server gives for a request line with these bytes (decoded, as latin-1)."""
    return {"PATH_INFO": path, "QUERY_STRING": query.decode("latin-1")}


# --- invalid UTF-8: the query string, the path, a form --------------------------------------------


@pytest.mark.parametrize("url, part, offset", [
    ("/sparql?query=%FF", "query parameter 'query'", 0),
    ("/sparql?query=ASK%20%7B%7D%C3%28", "query parameter 'query'", 6),
    ("/api/responsibility?country=%C3", "query parameter 'country'", 0),
    ("/api/scopes?kind=region&%FFkind=x", "the name of a query parameter", 0),
    ("/api/changes?since=2024-01-01&limit=1%ED%A0%80", "query parameter 'limit'", 1),  # a surrogate in UTF-8
])
def test_invalid_utf8_in_a_query_parameter_is_a_400_that_says_where(client, url, part, offset):
    error = refused(client.get(url))
    assert error["code"] == "bad_request"
    assert error["message"].startswith(f"{part} is not valid UTF-8") and error["byte"] == offset


def test_raw_invalid_bytes_in_the_query_string_are_a_400_not_a_500(client):
    error = refused(client.get("/", environ_overrides=raw("/api/responsibility", b"country=Fran\xe7e")))
    assert error["message"].startswith("query parameter 'country' is not valid UTF-8") and error["byte"] == 4


@pytest.mark.parametrize("path, offset", [("/doc/\xff", 5), ("/api/companies/Citro\xc3n", 20),
                                          ("/api/lineage/\xed\xa0\x80", 13)])
def test_invalid_utf8_in_the_path_is_a_400_that_says_where(client, path, offset):
    error = refused(client.get("/", environ_overrides=raw(path)))
    assert error["message"].startswith("the path is not valid UTF-8") and error["byte"] == offset


@pytest.mark.processes
def test_the_real_server_refuses_a_path_and_a_parameter_that_are_not_utf8(live_server):
    host = urlsplit(live_server.url)
    for target, part in (("/doc/%FF", "the path"), ("/sparql?query=%FF", "query parameter 'query'")):
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        try:
            connection.request("GET", target)
            response = connection.getresponse()
            error = check_envelope(response.status, response.getheader("Content-Type"), response.read())
        finally:
            connection.close()
        assert response.status == 400 and error["message"].startswith(f"{part} is not valid UTF-8"), error


@pytest.mark.parametrize("body, part", [
    (b"query=%FF", "form field 'query'"),
    (b"query=ASK+%7B%7D&default-graph-uri=\xff", "form field 'default-graph-uri'"),
    (b"update=INSERT+DATA+%7B%7D%C3", "form field 'update'"),
])
def test_invalid_utf8_in_a_form_is_a_400_that_says_where(writer, kg, body, part):
    before = dump(kg)
    error = refused(writer.post("/sparql", data=body, content_type=FORM, headers=AUTH))
    assert error["message"].startswith(f"{part} is not valid UTF-8")
    assert dump(kg) == before


def test_a_form_checked_before_the_view_is_still_read_by_it(writer, kg):
    answer = writer.post("/sparql", data={"query": "ASK { <urn:inputs:a> ?p ?o }"}, headers={**ASK, **ORIGIN})
    assert answer.status_code == 200 and answer.get_json()["boolean"] is False
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    update = writer.post("/sparql", data={"update": "INSERT DATA { <urn:inputs:a> <urn:inputs:b> 'Citroën' }"},
                         headers={**AUTH, **ORIGIN})
    assert update.status_code == 200 and update.get_json()["committed"] is True
    assert "Access-Control-Allow-Origin" not in update.headers
    assert any("Citroën" in str(quad) for quad in dump(kg))


# --- NUL in a parameter --------------------------------------------------------------------------


@pytest.mark.parametrize("url, part, offset", [
    ("/api/responsibility?country=%00Germany", "query parameter 'country'", 0),
    ("/api/companies/Renault?as_of=2024-01-01%00", "query parameter 'as_of'", 10),
    ("/sparql?query=" + quote("ASK {}\x00"), "query parameter 'query'", 6),
])
def test_a_nul_in_a_parameter_is_a_400(client, url, part, offset):
    error = refused(client.get(url))
    assert error["message"] == f"{part} contains a NUL character (U+0000) at byte {offset}"
    assert error["byte"] == offset


def test_a_nul_in_a_form_field_is_a_400_but_a_sparql_escape_of_it_is_read(client):
    error = refused(client.post("/sparql", data={"query": "ASK { FILTER(\"a\x00\" != \"\") }"}))
    assert error["message"].startswith("form field 'query' contains a NUL character (U+0000)")
    escaped = client.get("/sparql?query=" + quote('ASK { FILTER(STRLEN("a\\u0000b") = 3) }'), headers=ASK)
    assert escaped.status_code == 200 and escaped.get_json()["boolean"] is True


# --- JSON bodies ---------------------------------------------------------------------------------


def test_a_json_body_that_is_not_utf8_is_a_400_naming_the_byte(writer, kg):
    before = dump(kg)
    body = '{"label": "Citroën Motors"}'.encode("latin-1")
    error = refused(writer.post("/api/companies", data=body, content_type="application/json", headers=AUTH))
    assert error["message"].startswith("the body is not valid UTF-8") and error["byte"] == body.index(b"\xeb")
    assert dump(kg) == before


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "x-unknown"])
def test_a_json_body_in_another_charset_is_a_415_asking_for_utf8(writer, kg, charset):
    before = dump(kg)
    response = writer.post("/api/companies", data=json.dumps({"label": "Cafe Motors"}).encode(),
                           content_type=f"application/json; charset={charset}", headers=AUTH)
    error = refused(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert f"charset={charset}" in error["message"] and "UTF-8" in error["hint"]
    assert dump(kg) == before


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", "UTF8"])
def test_a_json_body_declared_utf8_is_read(writer, charset):
    response = writer.post("/api/companies?dry_run=true", data=json.dumps({"label": "Citroën Motors"}).encode(),
                           content_type=f"application/json; charset={charset}", headers=AUTH)
    assert response.status_code == 200 and response.get_json()["summary"] == "create company Citroën Motors"


def test_deeply_nested_json_is_a_400_naming_the_limit_not_a_500(writer, kg):
    before = dump(kg)
    error = refused(writer.post("/api/companies", data=b"[" * 100_000, content_type="application/json", headers=AUTH))
    assert f"more than {MAX_JSON_DEPTH} deep" in error["message"]
    assert dump(kg) == before


def nested(depth: int) -> bytes:
    """A company body whose ``label`` is ``depth - 1`` lists deep, so the body is ``depth`` deep."""
    return json.dumps({"label": json.loads("[" * (depth - 1) + "]" * (depth - 1))}).encode()


def test_json_is_read_to_the_nesting_limit_and_refused_past_it(writer):
    at_limit = refused(writer.post("/api/companies", data=nested(MAX_JSON_DEPTH), content_type="application/json",
                                   headers=AUTH))
    assert at_limit["message"] == "body.label must be a non-empty string"
    past = refused(writer.post("/api/companies", data=nested(MAX_JSON_DEPTH + 1), content_type="application/json",
                               headers=AUTH))
    assert past["message"] == f"the body nests arrays and objects more than {MAX_JSON_DEPTH} deep"


def test_a_lone_surrogate_in_json_is_a_400_not_a_500(writer, kg):
    before = dump(kg)
    body = b'{"label": "Sur\\ud800 Motors"}'
    error = refused(writer.post("/api/companies", data=body, content_type="application/json", headers=AUTH))
    assert error["message"] == "body.label holds a lone surrogate (U+D800), which is not a character"
    assert dump(kg) == before


# --- control characters in what the write API stores ---------------------------------------------

CONTROL_CASES = [
    ("/api/companies", {"label": "Nul\x00Motors"}, "body.label", "U+0000"),
    ("/api/companies", {"label": "Two\nLines Motors"}, "body.label", "U+000A"),
    ("/api/companies", {"label": "Tab Motors", "alt_labels": ["Tab", "Ta\tb"]}, "body.alt_labels[1]", "U+0009"),
    ("/api/companies", {"label": "Iri Motors", "same_as": ["https://example.org/a\x7f"]}, "body.same_as[0]", "U+007F"),
    ("/api/companies", {"label": "Title Motors", "source": {"url": "https://example.org/t", "title": "A\rB"}},
     "body.source.title", "U+000D"),
    ("/api/companies", {"label": "Quote Motors", "source": {"url": "https://example.org/q", "quote": "said\x1b[31m"}},
     "body.source.quote", "U+001B"),
    ("/api/companies", {"label": "Url Motors", "source": {"url": "https://example.org/\x85"}},
     "body.source.url", "U+0085"),
    ("/api/assignments", {"scope": "Europe", "leader": "Nissan\x00", "valid_from": "2031-01-01", "source": SOURCE},
     "body.leader", "U+0000"),
    ("/api/platforms", {"label": "CMF-X", "developed_by": ["Renault\n"], "source": SOURCE}, "body.developed_by[0]",
     "U+000A"),
    ("/api/derivations", {"model": "Renault Clio V", "derived_from": "Renault Captur II", "kind": "rebadge\x00",
                          "source": SOURCE}, "body.kind", "U+0000"),
]


@pytest.mark.parametrize("path, body, where, character", CONTROL_CASES, ids=[c[2] + " " + c[3] for c in CONTROL_CASES])
def test_a_control_character_in_a_stored_text_is_a_400_naming_field_and_character(writer, kg, path, body, where,
                                                                                   character):
    before = dump(kg)
    error = refused(writer.post(path, json=body, headers=AUTH))
    assert error["message"].startswith(f"{where} holds the control character {character} at character ")
    assert dump(kg) == before


def test_the_characters_refused_are_unicode_category_cc():
    characters = [chr(i) for i in range(0x10000)]
    cc = {c for c in characters if unicodedata.category(c) == "Cc"}
    assert {c for c in characters if CONTROLS.match(c)} == cc
    assert {c for c in characters if CONTROLS_BUT_LINES.match(c)} == cc - {"\t", "\n", "\r"}


def test_a_quote_may_span_lines(writer, kg):
    quote_text = "first line\n\tsecond line\r\nthird"
    response = writer.post("/api/companies", headers=AUTH, json={
        "label": "Multiline Motors", "source": {"url": "https://example.org/multiline", "quote": quote_text}})
    assert response.status_code == 201
    assert any(json.dumps(quote_text)[1:-1] in str(quad) for quad in dump(kg))


# --- 413 with CORS -------------------------------------------------------------------------------


@pytest.fixture
def small(kg):
    """An app that accepts bodies of at most 200 bytes."""
    config = Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_MAX_BODY_BYTES": "200"})
    return create_app(config, kg=kg).test_client()


@pytest.mark.parametrize("kwargs, read", [
    ({"data": "query=" + "x" * 201, "content_type": FORM}, False),  # unread, it might have been an update
    ({"data": "ASK {} #" + "x" * 201, "content_type": "application/sparql-query"}, True),  # a query, surely
])
def test_a_body_over_the_limit_from_another_origin_is_a_413_not_a_500(small, kwargs, read):
    response = small.post("/sparql", headers=ORIGIN, **kwargs)
    error = refused(response, 413)
    assert "200 bytes" in error["message"] and "ALLIANCE_KG_MAX_BODY_BYTES" in error["hint"]
    assert ("Access-Control-Allow-Origin" in response.headers) is read


# --- fuzzing: random bytes where text goes ---------------------------------------------------------

PIECES = [b"\xff", b"\xfe", b"\xc3", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x00",
          b"%00", b"%FF", b"%C3", b"%ED%A0%80", b"\x7f", b"\x1b", b"\n", b"\r", b"\t", b"\xc2\x85", b"&", b"=",
          b"+", b"%", b"/", b"?", "Citroën".encode(), b"\\u0000", b"\\ud800", b"[", b"{", b'"', b"Europe"]
hostile = st.lists(st.one_of(st.binary(max_size=6), st.sampled_from(PIECES)), max_size=16).map(b"".join)


@pytest.fixture(scope="module")
def fuzzed(config):
    """The fuzz tests' app (writes with the fuzz token), over its own copy of the shipped graph."""
    return fuzz_app(config)


@given(path=st.sampled_from(["/sparql", "/api/responsibility", "/api/scopes", "/api/companies", "/doc/Europe"]),
       name=st.sampled_from([b"", b"query=", b"country=", b"kind=", b"as_of=", b"query=ASK+%7B%7D&x="]),
       value=hostile)
def test_random_bytes_in_a_query_string_never_fail_outside_the_envelope(fuzzed, fuzz_cases, path, name, value):
    fuzz_cases()
    check_answer(fuzzed.test_client().get("/", environ_overrides=raw(path, name + value)))


@given(prefix=st.sampled_from(["/doc/", "/api/companies/", "/api/lineage/", "/api/assignments/", "/store/"]),
       segment=hostile)
def test_random_bytes_in_a_path_never_fail_outside_the_envelope(fuzzed, fuzz_cases, prefix, segment):
    fuzz_cases()
    check_answer(fuzzed.test_client().get("/", environ_overrides=raw(prefix + segment.decode("latin-1"))))


@given(path=st.sampled_from(["/api/companies", "/api/models", "/api/assignments",
                             "/api/assignments/assignment-Europe"]),
       frame=st.sampled_from([b"%s", b'{"label": "%s"}', b'{"label": "X", "source": {"url": "https://e.org/", '
                                                          b'"quote": "%s"}}', b'{"scope": "%s"}']),
       text=hostile, charset=st.sampled_from(["", "; charset=utf-8", "; charset=UTF8", "; charset=latin-1"]))
def test_random_bytes_in_a_json_body_never_fail_outside_the_envelope(fuzzed, fuzz_cases, path, frame, text, charset):
    fuzz_cases()
    method = "patch" if path.endswith("Europe") else "post"
    before = dump(fuzzed.extensions["alliance_kg"].graph)
    response = getattr(fuzzed.test_client(), method)(path + "?dry_run=true", data=frame.replace(b"%s", text),
                                                     content_type="application/json" + charset, headers=FUZZ_AUTH)
    check_answer(response)
    assert dump(fuzzed.extensions["alliance_kg"].graph) == before
