"""Messages name what is wrong (issue 14, finding 6): every rule's message names the thing it is
about (an assignment by its scope, leader and dates), in every write path and every report
format; never an id that nobody can look up; unknown JSON fields are named; reports cite real
SHACL-SPARQL constraints and write paths in SPARQL syntax; a store another process holds says so."""

from __future__ import annotations

import re
import subprocess

import pytest
import rdflib

from alliance_kg.cli import cli
from alliance_kg.config import Config
from alliance_kg.web import create_app
from server import COMMAND, free_port, stop
from test_guard import dump

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology#> PREFIX akr: <https://w3id.org/alliance-kg/id/> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ")
#: A second assignment of Japan with two leaders: it breaks the assignment-structure rule.
TWO_LEADERS = PREFIXES + """INSERT DATA { GRAPH <https://w3id.org/alliance-kg/graph/public> {
  akr:assignment-Japan-two a akg:LeadershipAssignment ; skos:prefLabel "two leaders for Japan"@en ;
    akg:scope akr:Japan ; akg:leader akr:Nissan , akr:Renault ; akg:followersRule akg:FollowersDerived ;
    akg:validFrom "2030-01-01"^^xsd:date .
  akr:statement-japan-two a akg:Statement ; skos:prefLabel "statement-japan-two: two leaders"@en ;
    akg:factId "statement-japan-two" ; akg:document akr:src-alliance-press-release-2020-05-27 ;
    akg:strength akg:Stated ; akg:layer akg:PublicLayer ; akg:supports akr:assignment-Japan-two . } }"""


@pytest.fixture
def writer(kg):
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def test_a_rule_message_names_the_assignment_its_scope_and_its_companies(writer, kg):
    before = dump(kg)
    response = writer.post("/sparql", data={"update": TWO_LEADERS}, headers=AUTH)
    assert response.status_code == 422
    error = response.get_json()["error"]
    structure = [r for r in error["report"]["results"] if r["source_shape"].endswith("AssignmentShape")]
    assert structure, error
    message = structure[0]["message"]
    assert "the assignment of Japan that this write adds" in message
    assert "Nissan" in message and "Renault" in message and "2030-01-01" in message
    assert "An assignment needs exactly one leader" in message
    assert "assignment-Japan-two" not in message  # not stored: no id to look up
    assert dump(kg) == before


def test_a_rejected_write_never_cites_an_id_that_is_not_stored(writer):
    body = {"scope": "Europe", "leader": "Nissan", "valid_from": "2025-01-01",
            "source": {"url": "https://example.org/news/nissan-europe", "quote": "Nissan will lead Europe"}}
    response = writer.post("/api/assignments", json=body, headers=AUTH)
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert re.search(r"Europe has two leaders at the same time: Renault \((F063, F070|F070, F063)\) "
                     r"and Nissan \(this write\)", message), message
    assert "W-" not in message and "statement-" not in message


def test_an_unknown_field_is_named_with_the_closest_known_one(writer, kg):
    before = dump(kg)
    body = {"scope": "Europe", "leadr": "Nissan", "valid_from": "2025-01-01",
            "source": {"url": "https://example.org/news/x", "quote": "Nissan will lead Europe"}}
    response = writer.post("/api/assignments", json=body, headers=AUTH)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "'leadr'" in message and "did you mean 'leader'" in message
    assert dump(kg) == before


def test_an_unknown_field_among_the_others_gets_a_suggestion(writer):
    body = {"label": "Ørestad Motors", "alliance": "Alliance", "labl": "x"}
    response = writer.post("/api/companies?dry_run=true", json=body, headers=AUTH)
    assert response.status_code == 400
    assert "labl (did you mean label?)" in response.get_json()["error"]["message"]


def test_the_turtle_report_cites_a_real_sparql_constraint(writer):
    body = {"scope": "Europe", "leader": "Nissan", "valid_from": "2025-01-01",
            "source": {"url": "https://example.org/news/nissan-europe", "quote": "Nissan will lead Europe"}}
    response = writer.post("/api/assignments", json=body, headers={**AUTH, "Accept": "text/turtle"})
    assert response.status_code == 422
    report = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    constraints = set(report.objects(None, SH.sourceConstraint))
    assert constraints == {rdflib.URIRef("https://w3id.org/alliance-kg/shapes#SingleLeaderConstraint")}
    (constraint,) = constraints
    assert report.value(constraint, rdflib.RDFS.label) is not None  # described, not an empty [ ]
    assert any("this write" in str(m) for m in report.objects(None, SH.resultMessage))


def test_the_text_report_writes_paths_in_sparql_syntax(runner, tmp_path):
    candidate = tmp_path / "no-source.ttl"
    candidate.write_text(PREFIXES.replace("PREFIX ", "@prefix ").replace("> ", "> .\n") + """
akr:assignment-Japan-bare a akg:LeadershipAssignment ; skos:prefLabel "a bare assignment"@en ;
    akg:scope akr:Japan ; akg:leader akr:Nissan ; akg:followersRule akg:FollowersDerived ;
    akg:validFrom "2030-01-01"^^xsd:date .
""")
    result = runner.invoke(cli, ["validate", str(candidate)])
    assert result.exit_code == 1, result.output
    assert "path: ^akg:supports" in result.output
    assert "(complex path)" not in result.output
    assert "the assignment of Japan (leader Nissan, from 2030-01-01; assignment-Japan-bare)" in result.output


@pytest.mark.processes
def test_a_store_held_by_a_server_says_so_in_one_line(tmp_path):
    store = tmp_path / "store"
    server = subprocess.Popen([*COMMAND, "--store", str(store), "serve", "--port", str(free_port())],
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr.readline().startswith("alliance-kg ")  # it holds the store now
        done = subprocess.run([*COMMAND, "--store", str(store), "stats"], capture_output=True, text=True, timeout=60)
    finally:
        stop(server)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"alliance-kg: error: the store at {store} is in use by another alliance-kg "
                                   f"process (pid {server.pid}); stop it or use the HTTP API")
