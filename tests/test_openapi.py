"""The OpenAPI 3 description at ``/openapi.json``: a valid OpenAPI document, in step with the app's
routes (every route of the JSON API and every method documented, nothing documented that does not
exist), with the query parameters and body fields the code reads, the bearer token on every
write, and the error envelope on every error, which real error answers validate against."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from alliance_kg import __version__
from alliance_kg.config import Config
from alliance_kg.store import open_graph
from alliance_kg.web import create_app
from alliance_kg.web.openapi import DESCRIPTION_FILE, description

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOC = description()
METHODS = {"get", "put", "post", "delete", "patch"}
#: The routes the description covers: the JSON API, and the SPARQL and Graph Store endpoints.
DESCRIBED = re.compile(r"^/(api/|health$|sparql$|store$|openapi\.json$)")
SOURCE = {"url": "https://example.org/news"}


def documented() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in DOC["paths"].items() for method in item if method in METHODS}


def operations():
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def deref(node: dict) -> dict:
    """``node`` with its ``$ref`` (a local one, ``#/components/...``) followed."""
    while "$ref" in node:
        target = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """A JSON Schema validator of ``#/components/schemas/<schema_name>`` (OpenAPI 3.1 schemas are
    JSON Schema 2020-12)."""
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}",
                                            "components": DOC["components"]})


@pytest.fixture(scope="module")
def writer(config):
    """An app that accepts writes, over a fresh copy of the shipped graph."""
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_MAX_BODY_BYTES": "5000"}),
                      kg=open_graph(config)).test_client()


# --- the document --------------------------------------------------------------------------------


def test_the_description_is_a_valid_openapi_3_document():
    assert DOC["openapi"].startswith("3.")
    validate_openapi(DOC)


def test_openapi_json_serves_the_description_with_the_running_version(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    served = response.get_json()
    assert served["info"]["version"] == __version__
    on_disk = json.loads(DESCRIPTION_FILE.read_text(encoding="utf-8"))
    on_disk["info"]["version"] = __version__
    assert served == on_disk


def test_openapi_json_takes_no_parameter(client):
    response = client.get("/openapi.json?format=yaml")
    assert response.status_code == 400 and "unknown parameter" in response.get_json()["error"]["message"]


def test_every_route_of_the_api_is_described_and_nothing_else(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    described = {(method, path) for method, path in routes if DESCRIBED.match(path)}
    assert ("POST", "/api/companies") in described and ("GET", "/store") in described  # the pattern works
    assert documented() - routes == set(), "documented, but the app has no such route"
    assert described - documented() == set(), "routes the description lacks"


def test_every_write_needs_the_bearer_token_and_every_read_is_public():
    for method, path, operation in operations():
        security = operation.get("security", DOC.get("security", []))
        if path == "/sparql" and method == "POST":  # a query needs no token, an update does
            assert {} in security and {"bearerAuth": []} in security
        elif method == "GET":
            assert security == [], f"{method} {path}"
        else:
            assert security == [{"bearerAuth": []}], f"{method} {path}"
    assert DOC["components"]["securitySchemes"]["bearerAuth"] == {
        **DOC["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}


def test_every_error_answer_is_described_as_the_envelope():
    for method, path, operation in operations():
        errors = {status: deref(answer) for status, answer in operation["responses"].items() if status >= "400"}
        assert "400" in errors, f"{method} {path}"
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            refs = [schema.get("$ref")] + [part.get("$ref") for part in schema.get("allOf", [])]
            assert "#/components/schemas/ErrorEnvelope" in refs, f"{method} {path} {status}"


def test_every_write_with_a_body_refuses_unknown_fields_in_its_description():
    for method, path, operation in operations():
        if path.startswith("/api/") and "requestBody" in operation:
            schema = deref(operation["requestBody"]["content"]["application/json"]["schema"])
            assert schema["additionalProperties"] is False, f"{method} {path}"


# --- the description says what the code reads ----------------------------------------------------

#: A known thing for each path parameter, so a request reaches the parameter checks.
KEYS = {"/api/companies/{key}": "Nissan", "/api/lineage/{key}": "CMF", "/api/assignments/{key}": "assignment-Europe"}


def query_parameters(operation: dict) -> set[str]:
    return {deref(p)["name"] for p in operation.get("parameters", []) if deref(p)["in"] == "query"}


@pytest.mark.parametrize("method, path", sorted(m_p for m_p in documented() if m_p[1].startswith(("/api/", "/health", "/openapi"))))
def test_the_documented_query_parameters_are_those_the_code_reads(writer, method, path):
    """An unknown parameter is a 400 whose hint lists the endpoint's parameters: they must be the
    documented ones."""
    url = path.replace("{key}", KEYS.get(path, "x")) + "?zz_not_a_parameter=1"
    response = writer.open(url, method=method, headers=AUTH, json={})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert "unknown parameter 'zz_not_a_parameter'" in error["message"]
    known = set(re.findall(r"(\w+)=", error["hint"]))
    operation = DOC["paths"][path][method.lower()]
    assert known == query_parameters(operation)


def test_the_graph_store_reads_the_documented_query_parameters(writer):
    response = writer.put("/store?graph=https://example.org/g&dryrun=true", headers=AUTH, data="",
                          content_type="text/turtle")
    assert response.status_code == 400
    hint = response.get_json()["error"]["hint"]
    assert set(re.findall(r"(\w+)=?", hint.split(":", 1)[1])) == query_parameters(DOC["paths"]["/store"]["put"])


#: A body each write accepts up to its last check (names that resolve, dates that parse), so an
#: unknown field is what it refuses. Every optional field the code reads only when it is there is
#: given, since the hint lists the fields read.
BODIES = {
    "/api/companies": {"label": "Unknown Field Motors"},
    "/api/assignments": {"scope": "Europe", "leader": "Nissan", "followers": ["Renault"], "valid_from": "2031-01-01",
                         "valid_to": "2031-12-31", "source": SOURCE},
    "/api/assignments/{key}": {"valid_from": "2020-05-27", "valid_to": "2031-12-31", "leader": "Renault",
                               "followers": ["Nissan"], "source": SOURCE},
    "/api/derivations": {"model": "Nissan Livina", "derived_from": "Mitsubishi Xpander", "source": SOURCE},
    "/api/models": {"label": "Unknown Field Car"},
    "/api/platforms": {"label": "Unknown Field Platform"},
}


@pytest.mark.parametrize("method, path, operation", [op for op in operations() if op[1] in BODIES and "requestBody" in op[2]],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_documented_body_fields_are_those_the_code_reads(writer, method, path, operation):
    url = path.replace("{key}", KEYS.get(path, "x")) + "?dry_run=true"
    response = writer.open(url, method=method, headers=AUTH, json={**BODIES[path], "zz_field": 1})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["message"] == "body has unknown field(s): zz_field"
    known = set(error["hint"].removeprefix("known fields: ").split(", "))
    schema = deref(operation["requestBody"]["content"]["application/json"]["schema"])
    assert known == set(schema["properties"])


def test_the_documented_source_fields_are_those_the_code_reads(writer):
    body = {**BODIES["/api/assignments"], "source": {**SOURCE, "zz_field": 1}}
    response = writer.post("/api/assignments?dry_run=true", headers=AUTH, json=body)
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["message"] == "body.source has unknown field(s): zz_field"
    known = set(error["hint"].removeprefix("known fields: ").split(", "))
    assert known == set(DOC["components"]["schemas"]["SourceInput"]["properties"])


@pytest.mark.parametrize("path, template, parameter, bad", [
    ("/api/scopes", "/api/scopes", "kind", "regions"),
    ("/api/figures", "/api/figures", "layer", "public"),
    ("/api/companies/Nissan", "/api/companies/{key}", "layer", "everything"),
])
def test_the_documented_enums_are_those_the_code_accepts(client, path, template, parameter, bad):
    parameters = [deref(p) for p in DOC["paths"][template]["get"]["parameters"]]
    enum = next(p["schema"]["enum"] for p in parameters if p["name"] == parameter)
    for value in enum:
        assert client.get(f"{path}?{parameter}={value}").status_code == 200, value
    assert client.get(f"{path}?{parameter}={bad}").status_code == 400


def test_the_documented_dry_run_values_are_those_the_code_accepts(writer):
    values = DOC["components"]["parameters"]["DryRun"]["schema"]["enum"]
    for value in values:
        response = writer.post(f"/api/companies?dry_run={value}", headers=AUTH, json={"label": f"Dry Run {value} Motors"})
        assert response.status_code == (200 if value in ("true", "1") else 201), (value, response.get_json())
    assert writer.post("/api/companies?dry_run=perhaps", headers=AUTH, json={"label": "Perhaps Motors"}).status_code == 400


# --- real error answers validate against the documented envelope ---------------------------------


ERRORS = [
    ("GET", "/api/responsibility?region=Europe&region=China", {}, None, 400),
    ("GET", "/api/responsibility?region=Atlantis", {}, None, 404),
    ("GET", "/api/validation", {"Accept": "image/png"}, None, 406),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%7D", {}, None, 400),
    ("GET", "/sparql?update=CLEAR%20ALL", {}, None, 405),
    ("GET", "/store?graph=https://example.org/no-such-graph", {}, None, 404),
    ("POST", "/api/companies", {}, {"label": "No Token Motors"}, 401),
    ("POST", "/api/companies", AUTH, {"label": "Renault"}, 409),
    ("POST", "/api/companies", AUTH, {"label": "x" * 6000}, 413),
    ("POST", "/api/platforms", {**AUTH, "Content-Type": "text/plain"}, "label", 415),
    ("POST", "/api/derivations", AUTH, {"model": "Nissan Livina", "derived_from": "Nissan Livina", "source": SOURCE}, 422),
    ("PATCH", "/api/assignments/assignment-Nowhere", AUTH, {"valid_to": "2030-01-01"}, 404),
    ("DELETE", "/api/assignments/assignment-Europe?dry_run=perhaps", AUTH, None, 400),
    ("PUT", "/store?graph=https://w3id.org/alliance-kg/graph/changes", {**AUTH, "Content-Type": "text/turtle"}, "", 403),
]


@pytest.mark.parametrize("method, url, headers, body, status", ERRORS, ids=[f"{e[4]} {e[0]} {e[1][:40]}" for e in ERRORS])
def test_error_answers_validate_against_the_documented_envelope(writer, method, url, headers, body, status):
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body} if body is not None else {}
    response = writer.open(url, method=method, headers=headers, **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/json"
    validator("ErrorEnvelope").validate(response.get_json())
    path = next(p for p in DOC["paths"] if re.fullmatch(re.sub(r"\{\w+\}", "[^?]+", p), url.split("?")[0]))
    described = deref(DOC["paths"][path][method.lower()]["responses"][str(status)])
    jsonschema.Draft202012Validator({**described["content"]["application/json"]["schema"],
                                     "components": DOC["components"]}).validate(response.get_json())


def test_a_write_with_writes_disabled_is_a_documented_403(client):
    response = client.delete("/api/assignments/assignment-Europe", headers=AUTH)
    assert response.status_code == 403
    assert "403" in DOC["paths"]["/api/assignments/{key}"]["delete"]["responses"]
    validator("ErrorEnvelope").validate(response.get_json())


@pytest.mark.parametrize("document", [
    {"error": {"status": 400, "code": "bad_request", "message": "m"}},
    {"error": {"status": 400, "code": "Bad Request", "message": "m", "hint": None}},
    {"error": {"status": 200, "code": "ok", "message": "m", "hint": None}},
    {"error": {"status": 400, "code": "bad_request", "message": "m", "hint": None}, "detail": "x"},
    {"message": "m"},
])
def test_the_envelope_schema_refuses_other_shapes(document):
    assert not validator("ErrorEnvelope").is_valid(document)


def test_success_answers_validate_against_their_documented_schemas(client):
    for url, path, schema in [("/health", "/health", "Health"), ("/api/responsibility?country=DE", None, "Responsibility"),
                              ("/api/lineage/Nissan%20Livina", None, "Lineage"),
                              ("/api/assignments/assignment-Europe", None, "Assignment"),
                              ("/api/companies/Nissan?as_of=2021-06-01", None, "CompanyRoles")]:
        response = client.get(url)
        assert response.status_code == 200, url
        validator(schema).validate(response.get_json())
