"""Guarded writes over HTTP: the auth matrix, the JSON write API, SPARQL Update, dry runs,
rejected writes that change nothing, and the change log."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app
from test_guard import FIXTURE_FILES, dump
from test_shapes import FIXTURES, RULE_SHAPES

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AKS = "https://w3id.org/alliance-kg/shapes#"
PUBLIC = "https://w3id.org/alliance-kg/graph/public"
SOURCE = {"url": "https://example.org/alliance-news", "quote": "a short quote"}


@pytest.fixture
def writer(config, kg):
    """A client of an app that accepts writes with TOKEN, over a fresh copy of the shipped graph."""
    app = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg)
    return app.test_client()


def shapes_of(response) -> set[str]:
    body = response.get_json()
    report = body["error"]["report"] if "error" in body else body["report"]
    return {r["source_shape"].rsplit("#", 1)[-1] for r in report["results"]}


# --- access ----------------------------------------------------------------------------------------

WRITES = [
    ("post", "/api/companies", {"json": {"label": "Dacia Motors"}}),
    # a second assignment of Europe to its leader: two leaders at once would be refused
    ("post", "/api/assignments", {"json": {"scope": "Europe", "leader": "Renault", "valid_from": "2030-01-01", "source": SOURCE}}),
    ("patch", "/api/assignments/assignment-Europe", {"json": {"valid_to": "2030-12-31"}}),
    ("delete", "/api/assignments/assignment-Oceania", {}),
    ("post", "/api/derivations", {"json": {"model": "Renault Clio V", "derived_from": "Renault Captur II", "source": SOURCE}}),
    ("post", "/api/models", {"json": {"label": "Renault Test Car", "brand": "Renault"}}),
    ("post", "/api/platforms", {"json": {"label": "CMF-Test", "variant_of": "CMF", "source": SOURCE}}),
    ("post", "/sparql", {"data": {"update": "INSERT DATA { <https://example.org/a> <https://example.org/p> 1 }"}}),
]


@pytest.mark.parametrize("method, path, kwargs", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_writes_are_403_when_no_token_is_configured(client, shipped, method, path, kwargs):
    before = len(shipped)
    response = getattr(client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "writes_disabled" and "ALLIANCE_KG_WRITE_TOKEN" in error["hint"]
    assert len(shipped) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}],
                         ids=["missing", "wrong", "not bearer", "empty"])
@pytest.mark.parametrize("method, path, kwargs", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_writes_without_the_right_token_are_401(writer, kg, method, path, kwargs, headers):
    before = dump(kg)
    response = getattr(writer, method)(path, headers=headers, **kwargs)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert dump(kg) == before


@pytest.mark.parametrize("method, path, kwargs", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_writes_with_the_right_token_are_accepted(writer, kg, method, path, kwargs):
    response = getattr(writer, method)(path, headers=AUTH, **kwargs)
    assert response.status_code in (200, 201), response.get_json()
    body = response.get_json()
    assert body["accepted"] and body["committed"] and body["change"]


def test_reads_stay_public(writer):
    assert writer.get("/api/responsibility?region=Europe").status_code == 200
    assert writer.get("/api/changes").status_code == 200


def test_a_token_file_names_the_writer_in_the_change_log(tmp_path, kg):
    tokens = tmp_path / "tokens"
    tokens.write_text("# writers\nanalyst: analyst-token-0123456789\n\nbot: bot-token-0123456789abc\n")
    client = create_app(Config.from_env({}, write_tokens_file=tokens), kg=kg).test_client()
    response = client.post("/api/companies", json={"label": "Token Motors"},
                           headers={"Authorization": "Bearer bot-token-0123456789abc"})
    assert response.status_code == 201
    [entry] = client.get("/api/changes").get_json()["changes"]
    assert (entry["agent"], entry["endpoint"], entry["summary"]) == ("bot", "POST /api/companies", "create company Token Motors")


# --- the JSON write API ----------------------------------------------------------------------------


def test_a_created_company_gets_a_readable_id_and_a_location(writer):
    response = writer.post("/api/companies", headers=AUTH, json={
        "label": "Dongfeng Motor", "alt_labels": ["Dongfeng"], "member_of_alliance": True,
        "same_as": ["http://www.wikidata.org/entity/Q1150698"]})
    assert response.status_code == 201
    assert response.get_json()["id"] == "DongfengMotor"
    assert response.headers["Location"] == "/api/companies/DongfengMotor"
    companies = {c["id"]: c for c in writer.get("/api/companies").get_json()["companies"]}
    assert companies["DongfengMotor"]["member_of"][0]["id"] == "Alliance"
    assert writer.get("/api/companies/Dongfeng").get_json()["company"]["id"] == "DongfengMotor"


def test_creating_a_company_twice_is_a_409(writer):
    assert writer.post("/api/companies", headers=AUTH, json={"label": "Nissan"}).status_code == 409


def test_an_assignment_with_derived_followers_and_its_source(writer):
    writer.post("/api/companies", headers=AUTH, json={"label": "Dongfeng Motor", "member_of_alliance": True})
    response = writer.post("/api/assignments", headers=AUTH, json={
        "scope": "all-solid-state batteries", "leader": "Nissan", "valid_from": "2035-01-01",
        "source": {"url": "https://example.org/batteries", "quote": "Nissan will lead batteries", "strength": "stated"}})
    assert response.status_code == 201, response.get_json()
    assignment = writer.get(response.headers["Location"]).get_json()
    assert {f["id"] for f in assignment["followers"]} == {"Renault", "MitsubishiMotors", "DongfengMotor"}
    assert assignment["followers_rule"] == "derived"
    [source] = assignment["sources"]
    assert (source["quote"], source["layer"], source["document"]["url"]) == (
        "Nissan will lead batteries", "public", "https://example.org/batteries")
    answer = writer.get("/api/responsibility?technology=solid-state batteries&as_of=2035-06-01").get_json()
    assert {a["id"] for a in answer["assignments"]} == {"assignment-SolidStateBatteries", response.get_json()["id"]}


SECOND_ALLIANCE = """
PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
PREFIX akr: <https://w3id.org/alliance-kg/id/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
INSERT DATA { GRAPH <https://w3id.org/alliance-kg/graph/public> {
  akr:OtherAlliance a akg:Alliance ; rdfs:label "Other Alliance"@en ; skos:prefLabel "Other Alliance"@en ;
      org:hasMember akr:Nissan , akr:OtherMotors .
  akr:OtherMotors a akg:Company ; rdfs:label "Other Motors"@en ; skos:prefLabel "Other Motors"@en ;
      org:memberOf akr:OtherAlliance .
  akr:Nissan org:memberOf akr:OtherAlliance .
} }
"""


@pytest.fixture
def two_alliances(writer):
    """The shipped graph and a second alliance, whose members are Nissan and Other Motors."""
    response = writer.post("/sparql", data={"update": SECOND_ALLIANCE}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return writer


def test_derived_followers_of_a_leader_in_two_alliances_need_the_alliance_named(two_alliances):
    body = {"scope": "all-solid-state batteries", "leader": "Nissan", "valid_from": "2035-01-01", "source": SOURCE}
    ambiguous = two_alliances.post("/api/assignments", headers=AUTH, json=body)
    assert ambiguous.status_code == 400
    error = ambiguous.get_json()["error"]
    assert "Nissan is a member of 2 alliances" in error["message"] and "Other Alliance" in error["message"]
    assert "body.alliance" in error["hint"]
    named = two_alliances.post("/api/assignments", headers=AUTH, json={**body, "alliance": "Other Alliance"})
    assert named.status_code == 201, named.get_json()
    assignment = two_alliances.get(named.headers["Location"]).get_json()
    assert [f["id"] for f in assignment["followers"]] == ["OtherMotors"]
    stated = two_alliances.post("/sparql", headers={"Accept": "application/sparql-results+json"}, data={
        "query": f"ASK {{ <{named.get_json()['iri']}> <https://w3id.org/alliance-kg/ontology#alliance> "
                 "<https://w3id.org/alliance-kg/id/OtherAlliance> }"})
    assert stated.get_json()["boolean"] is True


def test_followers_must_share_one_alliance_with_the_leader(two_alliances, kg):
    before = dump(kg)
    # each leader leads its scope already: a second assignment of its own is no second leader
    body = {"valid_from": "2035-01-01", "source": SOURCE}
    outsider = two_alliances.post("/api/assignments", headers=AUTH,
                                  json={**body, "scope": "Europe", "leader": "Renault", "followers": ["Other Motors"]})
    assert outsider.status_code == 422 and shapes_of(outsider) == {"MembersOnlyShape"}
    [result] = outsider.get_json()["error"]["report"]["results"]
    assert "Other Motors is the follower of Europe but is not a member of an alliance of Renault" in result["message"]
    mixed = two_alliances.post("/api/assignments", headers=AUTH,
                               json={**body, "scope": "Japan", "leader": "Nissan", "followers": ["Renault", "Other Motors"]})
    assert mixed.status_code == 422 and shapes_of(mixed) == {"MembersOnlyShape"}
    assert "no one same alliance" in mixed.get_json()["error"]["report"]["results"][0]["message"]
    assert dump(kg) == before
    one = two_alliances.post("/api/assignments", headers=AUTH,
                             json={**body, "scope": "Japan", "leader": "Nissan", "followers": ["Renault", "Mitsubishi Motors"]})
    assert one.status_code == 201, one.get_json()


def test_ending_an_assignment_lets_a_new_leader_start_the_next_day_but_not_the_same_day(writer, kg):
    ended = writer.patch("/api/assignments/assignment-Europe", headers=AUTH, json={"valid_to": "2024-12-31"})
    assert ended.status_code == 200, ended.get_json()
    next_day = {"scope": "Europe", "leader": "Nissan", "valid_from": "2025-01-01", "source": SOURCE}
    overlapping = {**next_day, "leader": "Mitsubishi Motors", "valid_from": "2024-12-31"}
    before = dump(kg)
    rejected = writer.post("/api/assignments", headers=AUTH, json=overlapping)
    assert rejected.status_code == 422 and shapes_of(rejected) == {"SingleLeaderShape"}
    assert dump(kg) == before
    assert writer.post("/api/assignments", headers=AUTH, json=next_day).status_code == 201
    europe = lambda day: [l["id"] for l in writer.get(f"/api/responsibility?region=Europe&as_of={day}").get_json()["leaders"]]  # noqa: E731
    assert (europe("2024-12-31"), europe("2025-01-01")) == (["Renault"], ["Nissan"])


def test_deleting_an_assignment_removes_its_statements(writer, kg):
    assert writer.delete("/api/assignments/assignment-Oceania", headers=AUTH).status_code == 200
    assert writer.get("/api/assignments/assignment-Oceania").status_code == 404
    f068 = ox.NamedNode("https://w3id.org/alliance-kg/id/F068")
    assert not list(kg.quads(f068, None, None, None))
    answer = writer.get("/api/responsibility?region=Oceania").get_json()
    assert answer["leader_assigned"] is False


def test_a_model_and_its_derivation(writer):
    created = writer.post("/api/models", headers=AUTH, json={
        "label": "Mitsubishi Colt Test", "brand": "Mitsubishi", "platform": "CMF-B", "source": SOURCE})
    assert created.status_code == 201, created.get_json()
    derived = writer.post("/api/derivations", headers=AUTH, json={
        "model": "MitsubishiColtTest", "derived_from": "Renault Clio V", "kind": "rebadge", "source": SOURCE})
    assert derived.status_code == 201, derived.get_json()
    lineage = writer.get("/api/lineage/MitsubishiColtTest").get_json()
    assert [p["id"] for p in lineage["platforms"]] == ["CMF-B"]
    [edge] = [e for e in lineage["edges"] if e["relation"] == "derived_from"]
    assert (edge["object"]["id"], edge["kind"]) == ("RenaultClioV", "rebadge")


def test_a_platform_variant(writer):
    response = writer.post("/api/platforms", headers=AUTH, json={
        "label": "CMF-Test", "variant_of": "CMF", "developed_by": ["Renault"], "source": SOURCE})
    assert response.status_code == 201
    assert [a["id"] for a in writer.get("/api/lineage/CMF-Test").get_json()["ancestors"]] == ["CMF"]


@pytest.mark.parametrize(
    "path, body, shape",
    [
        ("/api/assignments", {"scope": "Japan", "leader": "Renault", "valid_from": "2021-01-01", "source": SOURCE},
         "SingleLeaderShape"),
        ("/api/assignments", {"scope": "Japan", "leader": "Nissan", "followers": ["Nissan", "Renault"],
                              "valid_from": "2040-01-01", "source": SOURCE}, "LeaderNotFollowerShape"),
        ("/api/derivations", {"model": "Nissan Livina", "derived_from": "Nissan Livina", "source": SOURCE},
         "IrreflexiveDerivationShape"),
        ("/api/derivations", {"model": "Mitsubishi Xpander", "derived_from": "Nissan Livina", "source": SOURCE},
         "AcyclicDerivationShape"),
        ("/api/models", {"label": "Unsourced Car", "platform": "CMF-B"}, "LineageSourceShape"),
        ("/api/assignments", {"scope": "Oceania", "leader": "Renault", "valid_from": "2040-01-01",
                              "source": {"document": "D000"}}, "SeedQuoteShape"),
    ],
    ids=["single-leader", "leader-not-follower", "irreflexive", "acyclic", "lineage-source", "seed-quote"],
)
def test_json_writes_that_break_a_rule_are_422_and_change_nothing(writer, kg, path, body, shape):
    before = dump(kg)
    response = writer.post(path, headers=AUTH, json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "nothing was changed" in error["hint"]
    assert shape in shapes_of(response)
    assert dump(kg) == before


def test_a_leader_from_outside_the_alliance_is_rejected(writer, kg):
    assert writer.post("/api/companies", headers=AUTH, json={"label": "Outsider Motors"}).status_code == 201
    ended = writer.patch("/api/assignments/assignment-SolidStateBatteries", headers=AUTH, json={"valid_to": "2039-12-31"})
    assert ended.status_code == 200
    before = dump(kg)
    response = writer.post("/api/assignments", headers=AUTH, json={
        "scope": "all-solid-state batteries", "leader": "Outsider Motors", "valid_from": "2040-01-01", "source": SOURCE})
    assert response.status_code == 422 and shapes_of(response) == {"MembersOnlyShape"}
    assert "Outsider Motors" in response.get_json()["error"]["report"]["results"][0]["message"]
    assert dump(kg) == before


def test_an_assignment_ending_before_it_starts_is_rejected(writer, kg):
    before = dump(kg)
    response = writer.patch("/api/assignments/assignment-Japan", headers=AUTH, json={"valid_to": "2019-01-01"})
    assert response.status_code == 422 and shapes_of(response) == {"AssignmentShape"}
    assert dump(kg) == before


def test_the_rejection_report_comes_as_turtle_by_accept(writer, kg):
    response = writer.post("/api/derivations", headers={**AUTH, "Accept": "text/turtle"},
                           json={"model": "Nissan Livina", "derived_from": "Nissan Livina", "source": SOURCE})
    assert response.status_code == 422 and response.mimetype == "text/turtle"
    predicates = {t.predicate.value for t in ox.parse(response.data, format=ox.RdfFormat.TURTLE)}
    assert "http://www.w3.org/ns/shacl#sourceShape" in predicates


@pytest.mark.parametrize(
    "kwargs, status, words",
    [
        ({"json": {"label": "X", "colour": "red"}}, 400, "unknown field(s): colour"),
        ({"json": {}}, 400, "body.label is required"),
        ({"json": ["not", "an", "object"]}, 400, "must be a JSON object"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"data": "label=X", "content_type": "application/x-www-form-urlencoded"}, 415, "application/json"),
        ({"json": {"label": "X", "same_as": ["not an iri"]}}, 400, "body.same_as"),
    ],
)
def test_bad_bodies_are_4xx_with_the_field_named(writer, kg, kwargs, status, words):
    before = dump(kg)
    response = writer.post("/api/companies", headers=AUTH, **kwargs)
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]
    assert dump(kg) == before


@pytest.mark.parametrize(
    "body, words",
    [
        ({"scope": "Atlantis", "leader": "Nissan", "valid_from": "2030-01-01", "source": SOURCE}, "Atlantis"),
        ({"scope": "Europe", "leader": "Nissan", "valid_from": "2030-13-01", "source": SOURCE}, "not a date"),
        ({"scope": "Europe", "leader": "Nissan", "valid_from": "2030-01-01"}, "body.source is required"),
        ({"scope": "Europe", "leader": "Nissan", "valid_from": "2030-01-01", "source": {"url": "ftp://x"}}, "http(s) URL"),
        ({"scope": "Europe", "leader": "Nissan", "valid_from": "2030-01-01",
          "source": {"url": "https://a.example", "document": "D000"}}, "exactly one of url or document"),
        ({"scope": "Europe", "leader": "Nissan", "valid_from": "2030-01-01",
          "source": {"url": "https://a.example", "strength": "rumour"}}, "not a strength"),
    ],
)
def test_bad_assignment_bodies_are_400_or_404(writer, kg, body, words):
    before = dump(kg)
    response = writer.post("/api/assignments", headers=AUTH, json=body)
    assert response.status_code in (400, 404)
    assert words in response.get_json()["error"]["message"]
    assert dump(kg) == before


def test_an_unknown_assignment_is_404(writer):
    assert writer.patch("/api/assignments/assignment-Atlantis", headers=AUTH, json={"valid_to": "2030-01-01"}).status_code == 404
    assert writer.delete("/api/assignments/assignment-Atlantis", headers=AUTH).status_code == 404


# --- dry runs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, kwargs", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_dry_run_changes_nothing_and_reports(writer, kg, method, path, kwargs):
    before = dump(kg)
    response = getattr(writer, method)(path, headers=AUTH, query_string={"dry_run": "true"}, **kwargs)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is True and body["committed"] is False and body["change"] is None
    assert body["report"]["conforms"] is True
    assert dump(kg) == before


def test_a_dry_run_of_a_bad_write_reports_the_violation(writer, kg):
    response = writer.post("/api/derivations?dry_run=true", headers=AUTH,
                           json={"model": "Nissan Livina", "derived_from": "Nissan Livina", "source": SOURCE})
    assert response.status_code == 200
    assert response.get_json()["accepted"] is False
    assert shapes_of(response) == {"IrreflexiveDerivationShape"}


# --- SPARQL Update ---------------------------------------------------------------------------------


@pytest.fixture
def fixture_writer(config):
    """A writer over the small base graph of the shape fixtures."""
    from alliance_kg.store import empty_graph

    kg = empty_graph()
    for path in config.ontology_dir.glob("*.ttl"):
        kg.load_file(path, graph="ontology")
    kg.load_file(FIXTURES / "base.ttl", graph="seed")
    return kg, create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_rule_is_enforced_on_sparql_update(fixture_writer, fixture):
    kg, client = fixture_writer
    triples = ox.serialize(ox.parse(path=str(fixture), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES).decode()
    before = dump(kg)
    response = client.post("/sparql", headers=AUTH, data={"update": f"INSERT DATA {{ GRAPH <{PUBLIC}> {{ {triples} }} }}"})
    if fixture.name.startswith("valid-"):
        assert response.status_code == 200, response.get_json()
        assert dump(kg) != before
    else:
        assert response.status_code == 422
        assert shapes_of(response) == {RULE_SHAPES[fixture.parent.name]}
        assert dump(kg) == before


def test_an_update_in_a_sparql_update_body_is_committed_and_logged(writer, kg):
    update = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology#> PREFIX akr: <https://w3id.org/alliance-kg/id/> "
              "DELETE { ?a akg:validTo ?t } INSERT { ?a akg:validTo \"2031-12-31\"^^<http://www.w3.org/2001/XMLSchema#date> } "
              "WHERE { BIND (akr:assignment-Japan AS ?a) OPTIONAL { ?a akg:validTo ?t } }")
    response = writer.post("/sparql", headers=AUTH, data=update, content_type="application/sparql-update")
    assert response.status_code == 200, response.get_json()
    assert writer.get("/api/assignments/assignment-Japan").get_json()["valid_to"] == "2031-12-31"
    [entry] = writer.get("/api/changes").get_json()["changes"]
    assert entry["endpoint"] == "POST /sparql" and entry["added"] == 1


def test_an_update_with_a_syntax_error_is_400_with_its_position(writer):
    response = writer.post("/sparql", headers=AUTH, data={"update": "INSERT DATA { <a:b> <a:b> }"})
    assert response.status_code == 400
    assert response.get_json()["error"]["line"] == 1


def test_load_in_an_update_is_refused(writer, kg):
    before = dump(kg)
    response = writer.post("/sparql", headers=AUTH, data={"update": "LOAD <http://127.0.0.1:9/data.ttl>"})
    assert response.status_code == 400 and "LOAD" in response.get_json()["error"]["message"]
    assert dump(kg) == before


def test_the_change_log_cannot_be_written_by_an_update(writer, kg):
    response = writer.post("/sparql", headers=AUTH, data={
        "update": "INSERT DATA { GRAPH <https://w3id.org/alliance-kg/graph/changes> { <https://example.org/a> <https://example.org/p> 1 } }"})
    assert response.status_code == 403


# --- the change log --------------------------------------------------------------------------------


def test_changes_are_listed_newest_first_and_filtered_by_since(writer):
    for label in ("First Motors", "Second Motors"):
        writer.post("/api/companies", headers=AUTH, json={"label": label})
    changes = writer.get("/api/changes").get_json()["changes"]
    assert [c["summary"] for c in changes] == ["create company Second Motors", "create company First Motors"]
    assert changes[0]["time"] >= changes[1]["time"]
    later = writer.get("/api/changes", query_string={"since": changes[0]["time"]}).get_json()["changes"]
    assert [c["summary"] for c in later] == ["create company Second Motors"]
    assert writer.get("/api/changes?since=2999-01-01").get_json()["changes"] == []
    assert writer.get("/api/changes?since=yesterday").status_code == 400


def test_rejected_writes_and_dry_runs_leave_no_change_log_entry(writer):
    writer.post("/api/derivations", headers=AUTH, json={"model": "Nissan Livina", "derived_from": "Nissan Livina", "source": SOURCE})
    writer.post("/api/companies?dry_run=true", headers=AUTH, json={"label": "Dry Motors"})
    assert writer.get("/api/changes").get_json()["changes"] == []


def test_a_malformed_write_is_answered_without_waiting_for_the_writer_lock(kg):
    """A 400 depends on the body alone: it does not queue behind the writes ahead of it."""
    import threading

    app = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg)
    client = app.test_client()
    answers = []
    lock = app.extensions["alliance_kg"].guard._writer
    with lock:  # a long write is under way
        thread = threading.Thread(target=lambda: answers.append(client.post(
            "/api/companies", json={"label": "Newco", "colour": "red"}, headers=AUTH)))
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the malformed write waited for the writer lock"
    assert answers[0].status_code == 400 and "colour" in answers[0].get_json()["error"]["message"]


def test_an_unknown_field_of_a_patch_is_named_with_every_field_the_endpoint_knows(writer):
    response = writer.patch("/api/assignments/assignment-Europe", headers=AUTH,
                            json={"valid_to": "2030-01-01", "zz": 1})
    error = response.get_json()["error"]
    assert response.status_code == 400 and "zz" in error["message"]
    assert all(field in error["hint"] for field in ("valid_from", "valid_to", "leader", "followers", "source"))
