"""Destructive writes need an admin token (issue 13, finding 10): ``DROP ALL`` conformed (an
empty graph breaks no rule), so one request with a write token wiped the graph. Now the
operations that empty graphs wholesale, and any write that empties a layer graph, by SPARQL
Update or the Graph Store Protocol, are a 403 for a write token and change nothing; an admin
token may make them, and they are logged like every write."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from alliance_kg.config import Config
from alliance_kg.store import CHANGES_GRAPH, LAYER_GRAPHS
from alliance_kg.web import create_app
from test_guard import dump

TOKEN = "a-test-token-0123456789"
ADMIN_TOKEN = "the-admin-token-0123456789"
WRITER = {"Authorization": f"Bearer {TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SEED = LAYER_GRAPHS["seed"]


@pytest.fixture
def service(kg):
    config = Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_ADMIN_TOKEN": ADMIN_TOKEN})
    return create_app(config, kg=kg).test_client()


def update(client, text: str, headers: dict):
    return client.post("/sparql", data={"update": text}, headers=headers)


@pytest.mark.parametrize("text, named", [
    ("DROP ALL", "DROP ALL"),
    ("CLEAR ALL", "CLEAR ALL"),
    ("DROP SILENT DEFAULT", "DROP DEFAULT"),
    ("CLEAR DEFAULT", "CLEAR DEFAULT"),
    ("DROP NAMED", "DROP NAMED"),
    ("INSERT DATA { <urn:a> <urn:b> 1 } ; clear all", "CLEAR ALL"),
])
def test_operations_that_empty_graphs_wholesale_need_an_admin_token(service, kg, text, named):
    before = dump(kg)
    response = update(service, text, WRITER)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "admin_required" and named in error["message"]
    assert "ALLIANCE_KG_ADMIN_TOKEN" in error["hint"]
    assert dump(kg) == before


@pytest.mark.parametrize("text", [
    f"DROP GRAPH <{SEED}>",
    f"CLEAR GRAPH <{SEED}>",
    f"DELETE WHERE {{ GRAPH <{SEED}> {{ ?s ?p ?o }} }}",
    f"MOVE <https://example.org/nothing> TO <{SEED}>",
])
def test_emptying_a_layer_graph_by_sparql_needs_an_admin_token(service, kg, text):
    before = dump(kg)
    response = update(service, text.replace("MOVE <", "MOVE SILENT <"), WRITER)
    assert response.status_code == 403, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "admin_required" and f"<{SEED}>" in error["message"]
    assert dump(kg) == before


@pytest.mark.parametrize("method, body", [("DELETE", None), ("PUT", b"")])
def test_emptying_a_layer_graph_by_the_graph_store_needs_an_admin_token(service, kg, method, body):
    before = dump(kg)
    response = service.open(f"/store?graph={quote(SEED, safe='')}", method=method, data=body,
                            headers={**WRITER, "Content-Type": "text/turtle"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "admin_required"
    assert dump(kg) == before


def test_a_dry_run_of_a_destructive_update_is_refused_too(service, kg):
    before = dump(kg)
    response = service.post("/sparql?dry_run=true", data={"update": "DROP ALL"}, headers=WRITER)
    assert response.status_code == 403 and dump(kg) == before


def test_a_write_token_still_changes_a_layer_without_emptying_it(service, kg):
    response = update(service, f"DELETE WHERE {{ GRAPH <{SEED}> {{ ?s <http://www.w3.org/2004/02/skos/core#altLabel> "
                               f"\"Mitsubishi\"@en }} }}", WRITER)
    assert response.status_code in (200, 422), response.get_json()  # the rules decide, not the admin check


def test_an_admin_may_drop_all_and_the_change_is_logged(service, kg):
    before = len(kg)  # no change log yet: every quad is data
    response = update(service, "DROP ALL", ADMIN)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["committed"] is True and answer["removed"] == before
    graphs = {g.value for g in kg.named_graphs()}
    assert graphs == {CHANGES_GRAPH}  # the change log stays, and holds this write
    entry = service.get("/api/changes?limit=1").get_json()["changes"][0]
    assert entry["id"] == answer["change"] and entry["agent"] == "admin" and entry["removed"] == before


def test_a_token_file_line_may_name_an_admin(tmp_path, kg):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"editor: {TOKEN}\nroot: {ADMIN_TOKEN} admin\n", encoding="utf-8")
    client = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKENS": str(tokens)}), kg=kg).test_client()
    assert update(client, "CLEAR ALL", WRITER).status_code == 403
    assert update(client, "CLEAR ALL", ADMIN).status_code == 200


def test_a_token_file_line_with_another_role_is_refused(tmp_path, kg):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"root: {ADMIN_TOKEN} superuser\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 1: expected 'name: token' or 'name: token admin'"):
        create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKENS": str(tokens)}), kg=kg)
