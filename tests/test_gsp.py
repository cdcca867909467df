"""The SPARQL 1.1 Graph Store HTTP Protocol at /store (indirect graph identification)."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.rules.changes import list_changes
from alliance_kg.store import CHANGES_GRAPH, GRAPH_BASE, LAYER_GRAPHS
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Emptying a layer graph needs an admin token (tests/test_destructive_writes.py).
ADMIN = {"Authorization": "Bearer an-admin-token-0123456789"}
SEED = LAYER_GRAPHS["seed"]
NEW = "https://example.org/graphs/new"
AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
EUROPE_ASSIGNMENT = ox.Triple(
    ox.NamedNode(AKR + "assignment-Europe"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ox.NamedNode(AKG + "LeadershipAssignment"),
)
SELF_DERIVATION = (f"<{AKR}NissanLivina> <{AKG}derivedFrom> <{AKR}NissanLivina> .\n").encode()
A_TRIPLE = b'<https://example.org/a> <https://example.org/p> "one" .\n'
B_TRIPLE = b'<https://example.org/b> <https://example.org/p> "two" .\n'
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}


@pytest.fixture
def writer(kg):
    """A test client of an app with a write token, over a fresh copy of the shipped graph."""
    env = {"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_ADMIN_TOKEN": ADMIN["Authorization"].split()[1]}
    app = create_app(Config.from_env(env), kg=kg)
    return app.test_client()


def url(graph: str | None = None, **params) -> str:
    query = "default" if graph is None else f"graph={graph}"
    return "/store?" + "&".join([query, *(f"{k}={v}" for k, v in params.items())])


def dump(kg) -> list[str]:
    return sorted(map(str, kg.quads()))


def triples(response, format=ox.RdfFormat.TURTLE) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(response.data, format=format)}


def triples_of(data: bytes) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def put(writer, graph, body, headers=TURTLE, **params):
    return writer.put(url(graph, **params), data=body, headers={**AUTH, **headers})


def post(writer, graph, body, headers=TURTLE, **params):
    return writer.post(url(graph, **params), data=body, headers={**AUTH, **headers})


# --- GET and HEAD ----------------------------------------------------------------------------


def test_get_of_a_named_graph_answers_its_triples_in_turtle(client, shipped):
    response = client.get(url(SEED))
    assert response.status_code == 200
    assert response.content_type == "text/turtle; charset=utf-8"
    got = triples(response)
    assert EUROPE_ASSIGNMENT in got
    assert len(got) == shipped.triple_counts()[SEED]


def test_get_answers_only_the_named_graph_not_the_union(client, shipped):
    seed = triples(client.get(url(SEED)))
    regions = triples(client.get(url(LAYER_GRAPHS["regions"])))
    assert regions and not regions <= seed
    assert EUROPE_ASSIGNMENT not in regions


def test_get_of_an_unknown_graph_is_404(client):
    response = client.get(url("https://example.org/no-such-graph"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_head_has_the_content_type_and_length_of_get_but_no_body(client):
    got = client.get(url(SEED), headers={"Accept": "application/n-triples"})
    head = client.head(url(SEED), headers={"Accept": "application/n-triples"})
    assert head.status_code == 200
    assert head.content_type == "application/n-triples"
    assert head.headers["Content-Length"] == str(len(got.data))
    assert head.data == b""


@pytest.mark.parametrize("method", ["get", "head"])
def test_an_accept_header_asking_for_utf8_turtle_gets_turtle(client, method):
    # the W3C test head_existing_indirect sends "Accept: text/turtle; charset=utf-8"
    response = getattr(client, method)(url(SEED), headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200
    assert response.content_type == "text/turtle; charset=utf-8"
    assert (response.data == b"") == (method == "head")


def test_head_of_an_unknown_graph_is_404(client):
    assert client.head(url("https://example.org/no-such-graph")).status_code == 404


@pytest.mark.parametrize("accept, content_type, format", [
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", "application/rdf+xml; charset=utf-8", ox.RdfFormat.RDF_XML),
    ("text/turtle;q=0.5, application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
])
def test_get_follows_the_accept_header(client, accept, content_type, format):
    response = client.get(url(SEED), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.content_type == content_type
    assert "Accept" in response.headers["Vary"]
    assert EUROPE_ASSIGNMENT in triples(response, format)


@pytest.mark.parametrize("accept, format", [("application/n-quads", ox.RdfFormat.N_QUADS),
                                            ("application/trig", ox.RdfFormat.TRIG)])
def test_dataset_formats_keep_the_graph_name(client, accept, format):
    response = client.get(url(SEED), headers={"Accept": accept})
    quads = list(ox.parse(response.data, format=format))
    assert quads and {q.graph_name for q in quads} == {ox.NamedNode(SEED)}


def test_an_unacceptable_accept_header_is_406_listing_the_formats(client):
    response = client.get(url(SEED), headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["error"]["message"]


def test_without_the_union_the_default_graph_is_the_stores_own_and_empty_at_first(shipped):
    assert "" not in shipped.triple_counts()  # the shipped graph has no triple in the default graph
    own = create_app(Config.from_env({"ALLIANCE_KG_UNION_DEFAULT_GRAPH": "false"}), kg=shipped).test_client()
    response = own.get(url())
    assert response.status_code == 200
    assert triples(response) == set()


def test_with_the_union_the_default_graph_is_every_graph_once(client, shipped):
    """As queries see it (issue 14): tests/test_default_graph.py checks it query form by query form."""
    assert triples(client.get(url())) == {q.triple for q in shipped.quads()}


def test_the_change_log_graph_can_be_read(writer):
    assert put(writer, NEW, A_TRIPLE).status_code == 201
    response = writer.get(url(CHANGES_GRAPH), headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert any(t.object == ox.Literal("PUT /store") for t in triples(response, ox.RdfFormat.N_TRIPLES))


# --- PUT --------------------------------------------------------------------------------------


def test_put_creates_a_new_graph_with_201_then_replaces_it_with_200(writer):
    created = put(writer, NEW, A_TRIPLE)
    assert created.status_code == 201
    assert created.get_json()["created"] is True and created.get_json()["added"] == 1
    assert len(triples(writer.get(url(NEW)))) == 1

    replaced = put(writer, NEW, B_TRIPLE)
    assert replaced.status_code == 200
    body = replaced.get_json()
    assert (body["created"], body["added"], body["removed"], body["committed"]) == (False, 1, 1, True)
    (only,) = triples(writer.get(url(NEW)))
    assert only.object == ox.Literal("two")


def test_put_of_the_same_content_changes_no_data(writer, kg):
    put(writer, NEW, A_TRIPLE)
    before = kg.triple_counts()
    response = put(writer, NEW, A_TRIPLE)
    assert response.status_code == 200
    assert (response.get_json()["added"], response.get_json()["removed"]) == (0, 0)
    after = kg.triple_counts()
    after.pop(CHANGES_GRAPH), before.pop(CHANGES_GRAPH)  # the guard logs even a write that changes nothing
    assert after == before


def test_put_of_an_empty_body_empties_the_graph_which_then_does_not_exist(writer):
    put(writer, NEW, A_TRIPLE + B_TRIPLE)
    response = writer.put(url(NEW), data=b"", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json()["removed"] == 2
    assert writer.get(url(NEW)).status_code == 404


def test_put_to_the_default_graph_leaves_the_named_graphs_alone(writer, kg):
    seed_before = kg.triple_counts()[SEED]
    response = put(writer, None, A_TRIPLE)
    assert response.status_code == 200  # the default graph always exists: nothing was created
    (added,) = triples_of(A_TRIPLE)
    assert added in triples(writer.get(url()))  # the union of every graph, the store's own default graph too
    assert kg.triple_counts()[""] == 1 and kg.triple_counts()[SEED] == seed_before


@pytest.mark.parametrize("content_type, body", [
    ("application/n-triples", A_TRIPLE),
    ("text/plain", A_TRIPLE),
    ("application/ld+json", json.dumps({"@id": "https://example.org/a", "https://example.org/p": "one"}).encode()),
    ("application/rdf+xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
                            b'<rdf:Description rdf:about="https://example.org/a"><ex:p>one</ex:p></rdf:Description></rdf:RDF>'),
])
def test_put_reads_each_graph_format(writer, content_type, body):
    assert put(writer, NEW, body, headers={"Content-Type": content_type}).status_code == 201
    (only,) = triples(writer.get(url(NEW)))
    assert (only.subject, only.object) == (ox.NamedNode("https://example.org/a"), ox.Literal("one"))


def test_relative_iris_resolve_against_the_graph_iri(writer):
    put(writer, "https://example.org/graphs/g1", b"<a> <p> <#x> .")
    (only,) = triples(writer.get(url("https://example.org/graphs/g1")))
    assert only.subject == ox.NamedNode("https://example.org/graphs/a")
    assert only.object == ox.NamedNode("https://example.org/graphs/g1#x")


def test_percent_encoding_in_the_graph_parameter_is_decoded_once(writer):
    # The W3C test put_get_uri_pct_encoded_twice: %2531 names the IRI ending in %31, not in 1.
    put(writer, "http://www.example/gsp/person/%31.ttl", A_TRIPLE)
    put(writer, "http://www.example/gsp/person/%2531.ttl", B_TRIPLE)
    (first,) = triples(writer.get(url("http://www.example/gsp/person/%31.ttl")))
    (second,) = triples(writer.get(url("http://www.example/gsp/person/%2531.ttl")))
    assert (first.object, second.object) == (ox.Literal("one"), ox.Literal("two"))


# --- POST -------------------------------------------------------------------------------------


def test_post_adds_to_an_existing_graph_with_200(writer):
    put(writer, NEW, A_TRIPLE)
    response = post(writer, NEW, B_TRIPLE)
    assert response.status_code == 200
    assert response.get_json()["added"] == 1 and response.get_json()["removed"] == 0
    assert {t.object for t in triples(writer.get(url(NEW)))} == {ox.Literal("one"), ox.Literal("two")}


def test_post_to_a_graph_that_does_not_exist_creates_it_with_201(writer):
    response = post(writer, NEW, A_TRIPLE)
    assert response.status_code == 201 and response.get_json()["created"] is True
    assert writer.get(url(NEW)).status_code == 200


def test_posted_blank_nodes_are_kept_apart_from_the_graphs(writer):
    document = b'_:x <https://example.org/p> "one" .'
    post(writer, NEW, document)
    post(writer, NEW, document)
    assert len(triples(writer.get(url(NEW)))) == 2


def test_post_to_the_store_creates_a_graph_and_answers_its_location(writer):
    response = writer.post("/store", data=A_TRIPLE, headers={**AUTH, **TURTLE})
    assert response.status_code == 201
    body = response.get_json()
    assert body["graph"].startswith(GRAPH_BASE) and body["created"] is True
    location = response.headers["Location"]  # the new graph's IRI (graph-store-protocol/manifest-indirect)
    assert location == body["graph"]
    (only,) = triples(writer.get(url(location)))
    assert only.object == ox.Literal("one")
    assert writer.get(url(body["graph"])).status_code == 200


def test_each_post_to_the_store_creates_a_different_graph(writer):
    first = writer.post("/store", data=A_TRIPLE, headers={**AUTH, **TURTLE}).headers["Location"]
    second = writer.post("/store", data=A_TRIPLE, headers={**AUTH, **TURTLE}).headers["Location"]
    assert first != second


def test_post_to_the_store_without_triples_is_400_and_creates_nothing(writer, kg):
    before = dump(kg)
    response = writer.post("/store", data=b"", headers={**AUTH, **TURTLE})
    assert response.status_code == 400
    assert dump(kg) == before


def test_multipart_post_adds_every_part_in_one_change(writer, kg):
    changes_before = len(list_changes(kg))
    parts = {
        "first": (io.BytesIO(A_TRIPLE), "first.ttl", "text/turtle"),
        "second": (io.BytesIO(B_TRIPLE), "second.nt", "application/n-triples"),
    }
    response = writer.post(url(NEW), data=parts, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.get_json()["added"] == 2
    assert {t.object for t in triples(writer.get(url(NEW)))} == {ox.Literal("one"), ox.Literal("two")}
    assert len(list_changes(kg)) == changes_before + 1


def test_a_multipart_part_without_a_type_is_read_by_its_file_name(writer):
    parts = {"only": (io.BytesIO(A_TRIPLE), "data.nt", "application/octet-stream")}
    response = writer.post(url(NEW), data=parts, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 201
    assert len(triples(writer.get(url(NEW)))) == 1


def test_a_bad_multipart_part_is_400_and_no_part_is_added(writer, kg):
    before = dump(kg)
    parts = {
        "good": (io.BytesIO(A_TRIPLE), "good.ttl", "text/turtle"),
        "bad": (io.BytesIO(b"<https://example.org/a> <https://example.org/p> ."), "bad.ttl", "text/turtle"),
    }
    response = writer.post(url(NEW), data=parts, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "bad.ttl" in response.get_json()["error"]["message"]
    assert dump(kg) == before


def test_multipart_is_refused_for_put(writer):
    parts = {"only": (io.BytesIO(A_TRIPLE), "data.ttl", "text/turtle")}
    response = writer.put(url(NEW), data=parts, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 415


# --- DELETE -----------------------------------------------------------------------------------


def test_delete_removes_the_graph_then_it_is_404(writer, kg):
    put(writer, NEW, A_TRIPLE + B_TRIPLE)
    response = writer.delete(url(NEW), headers=AUTH)
    assert response.status_code == 200
    assert response.get_json()["removed"] == 2
    assert writer.get(url(NEW)).status_code == 404
    assert writer.delete(url(NEW), headers=AUTH).status_code == 404
    assert ox.NamedNode(NEW) not in set(kg.named_graphs())


def test_delete_of_an_unknown_graph_is_404(writer):
    assert writer.delete(url("https://example.org/no-such-graph"), headers=AUTH).status_code == 404


def test_delete_of_the_default_graph_empties_it(writer, kg):
    put(writer, None, A_TRIPLE)
    response = writer.delete(url(), headers=AUTH)
    assert response.status_code == 200 and response.get_json()["removed"] == 1
    assert "" not in kg.triple_counts()
    assert writer.get(url()).status_code == 200


def test_delete_of_the_seed_graph_is_rejected_as_other_graphs_rely_on_it(writer, kg):
    # The public layer's assignments name companies whose akg:Company type is in the seed graph.
    before = dump(kg)
    response = writer.delete(url(SEED), headers=ADMIN)
    assert response.status_code == 422
    shapes = {r["source_shape"] for r in response.get_json()["error"]["report"]["results"]}
    assert "https://w3id.org/alliance-kg/shapes#AssignmentShape" in shapes
    assert dump(kg) == before


def test_delete_of_a_graph_no_rule_needs_is_accepted(writer, kg):
    response = writer.delete(url(LAYER_GRAPHS["ontology"]), headers=ADMIN)
    assert response.status_code == 200 and response.get_json()["committed"] is True
    assert LAYER_GRAPHS["ontology"] not in kg.triple_counts()


# --- the change log, dry runs and rejected writes ---------------------------------------------


def test_an_accepted_write_is_logged_with_its_endpoint_and_writer(writer, kg):
    change = put(writer, NEW, A_TRIPLE).get_json()["change"]
    (entry,) = [e for e in list_changes(kg) if e.id == change]
    assert (entry.endpoint, entry.agent, entry.added) == ("PUT /store", "token", 1)
    assert NEW in entry.summary


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_the_change_log_graph_cannot_be_written(writer, kg, method):
    before = dump(kg)
    response = getattr(writer, method)(url(CHANGES_GRAPH), data=A_TRIPLE, headers={**AUTH, **TURTLE})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert dump(kg) == before


@pytest.mark.parametrize("method, target", [("put", NEW), ("post", NEW), ("delete", LAYER_GRAPHS["regions"])])
def test_a_dry_run_answers_the_result_and_changes_nothing(writer, kg, method, target):
    before = dump(kg)
    token = ADMIN if target in LAYER_GRAPHS.values() else AUTH
    response = getattr(writer, method)(url(target, dry_run="true"), data=A_TRIPLE, headers={**token, **TURTLE})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["dry_run"], body["accepted"], body["committed"]) == (True, True, False)
    assert body["added"] + body["removed"] > 0
    assert dump(kg) == before


@pytest.mark.parametrize("method, target", [("put", NEW), ("post", NEW), ("post", SEED), ("put", None)])
def test_a_self_derivation_is_rejected_with_422_and_nothing_changes(writer, kg, method, target):
    before = dump(kg)
    response = getattr(writer, method)(url(target), data=SELF_DERIVATION, headers={**AUTH, **TURTLE})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "https://w3id.org/alliance-kg/shapes#IrreflexiveDerivationShape" in {
        r["source_shape"] for r in error["report"]["results"]}
    assert dump(kg) == before


def test_a_put_that_would_drop_seed_statements_is_rejected(writer, kg):
    # Replacing the seed graph with one triple removes what the other layers rely on.
    before = dump(kg)
    response = put(writer, SEED, A_TRIPLE)
    assert response.status_code == 422
    assert dump(kg) == before


def test_a_rejected_write_may_answer_the_report_in_turtle(writer):
    response = put(writer, NEW, SELF_DERIVATION, headers={**TURTLE, "Accept": "text/turtle"})
    assert response.status_code == 422
    assert response.content_type.startswith("text/turtle")
    assert b"IrreflexiveDerivationShape" in response.data


# --- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, fragment", [
    ("get", "/store?default&graph=https://example.org/g", "not both"),
    ("put", "/store?default&graph=https://example.org/g", "not both"),
    ("get", "/store", "name a graph"),
    ("put", "/store", "needs a graph"),
    ("delete", "/store", "needs a graph"),
    ("get", "/store?graph=seed", "not an absolute IRI"),
    ("put", "/store?graph=relative/graph", "not an absolute IRI"),
    ("get", "/store?graph=https://example.org/a&graph=https://example.org/b", "2 graph parameters"),
])
def test_graph_parameters_other_than_exactly_one_graph_are_400(writer, method, path, fragment):
    response = getattr(writer, method)(path, data=A_TRIPLE, headers={**AUTH, **TURTLE})
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]["message"]


def test_bad_turtle_is_400_with_its_line_and_column(writer, kg):
    before = dump(kg)
    body = b"@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p .\n"
    response = put(writer, NEW, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "rdf_syntax_error"
    assert "line 3" in error["message"] and error["line"] == 3 and error["column"] > 0
    assert dump(kg) == before


def test_a_body_that_is_not_utf8_is_400(writer):
    response = put(writer, NEW, b'<https://example.org/a> <https://example.org/p> "caf\xe9" .')
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["error"]["message"]


def test_json_ld_with_a_named_graph_is_400(writer):
    body = json.dumps({"@id": "https://example.org/g", "@graph": [{"@id": "https://example.org/a", "https://example.org/p": "x"}]})
    response = put(writer, NEW, body.encode(), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["application/x-unknown", "application/json", "application/trig",
                                          "application/n-quads", "text/turtle; charset=iso-8859-1"])
def test_a_body_type_the_store_does_not_read_is_415_listing_the_accepted_types(writer, content_type):
    response = put(writer, NEW, A_TRIPLE, headers={"Content-Type": content_type})
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert "text/turtle" in error["message"] + (error["hint"] or "")


def test_other_methods_are_405_with_allow(writer):
    response = writer.patch(url(NEW), data=A_TRIPLE, headers={**AUTH, **TURTLE})
    assert response.status_code == 405
    assert {"GET", "PUT", "POST", "DELETE"} <= {m.strip() for m in response.headers["Allow"].split(",")}


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-token-0123456789"}, {"Authorization": TOKEN}])
@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_writes_without_the_right_token_are_401(writer, kg, headers, method):
    before = dump(kg)
    response = getattr(writer, method)(url(SEED), data=A_TRIPLE, headers={**headers, **TURTLE})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert dump(kg) == before


def test_writes_are_403_when_no_token_is_configured(client, shipped):
    before = dump(shipped)
    response = client.put(url(NEW), data=A_TRIPLE, headers={**AUTH, **TURTLE})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "writes_disabled"
    assert dump(shipped) == before


def test_a_write_of_a_mailto_iri_is_validated_like_any_other(writer):
    # the W3C update tests add/, copy/, move/, delete-insert/ load such data
    response = put(writer, NEW, b'<https://example.org/a> <http://xmlns.com/foaf/0.1/mbox> <mailto:a@example.org> .\n')
    assert response.status_code == 201, response.get_json()
