"""The SPARQL 1.1 Protocol endpoint at /sparql, through Flask's test client (``client`` from conftest)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
GRAPH = "https://w3id.org/alliance-kg/graph/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

# The Europe assignment is stated in the seed layer only.
LEADER = f"SELECT ?leader WHERE {{ <{AKR}assignment-Europe> <{AKG}leader> ?leader }}"
RENAULT = AKR + "Renault"
LEADER_GRAPHS = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{AKR}assignment-Europe> <{AKG}leader> ?leader }} }}"
CONSTRUCT = (f"CONSTRUCT {{ ?a <{AKG}leader> ?leader }} WHERE {{ ?a <{AKG}leader> ?leader "
             f"FILTER(?a = <{AKR}assignment-Europe>) }}")
LEADER_TRIPLE = (ox.NamedNode(AKR + "assignment-Europe"), ox.NamedNode(AKG + "leader"), ox.NamedNode(RENAULT))


def get(client, query: str, accept: str | None = None, **params):
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers)


def leaders_json(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [b["leader"]["value"] for b in response.get_json()["results"]["bindings"]]


def column(response, name: str, delimiter: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter=delimiter))
    return [row[name] for row in rows]


# --- the three request forms ------------------------------------------------------------------


def test_get_form_post_and_body_post_give_the_same_answer(client):
    by_get = client.get("/sparql", query_string={"query": LEADER})
    by_form = client.post("/sparql", data={"query": LEADER})
    by_body = client.post("/sparql", data=LEADER.encode(), content_type="application/sparql-query")
    assert leaders_json(by_get) == [RENAULT]
    assert by_form.get_data() == by_body.get_data() == by_get.get_data()


@pytest.mark.parametrize("kind", ["application/sparql-query", "application/sparql-update"])
def test_a_body_in_another_charset_than_utf_8_is_refused(client, kind):
    """The protocol says UTF-8 (the W3C tests bad_query_non_utf8 and bad_update_non_utf8 expect a
    4xx); it used to be decoded with the charset it declared."""
    text = 'ASK { FILTER(STRLEN("Renault–Nissan") = 14) }'
    response = client.post("/sparql", data=text.encode("utf-16"), content_type=f"{kind}; charset=utf-16")
    assert response.status_code == 415
    assert "must be sent in UTF-8" in response.get_json()["error"]["message"]
    utf8 = client.post("/sparql", data=text.encode(), content_type="application/sparql-query; charset=UTF-8")
    assert utf8.status_code == 200 and utf8.get_json()["boolean"] is True


def test_dataset_parameters_of_a_form_post_come_from_the_form(client):
    response = client.post("/sparql", data={"query": LEADER, "default-graph-uri": GRAPH + "public"})
    assert leaders_json(response) == []


# --- SELECT and ASK results -------------------------------------------------------------------


def _from_json(response):
    return [b["leader"]["value"] for b in json.loads(response.get_data())["results"]["bindings"]]


def _from_xml(response):
    root = ET.fromstring(response.get_data())
    return [uri.text for uri in root.iter(f"{RESULTS_NS}uri")]


def _from_csv(response):
    return column(response, "leader", ",")


def _from_tsv(response):
    return [value.strip("<>") for value in column(response, "?leader", "\t")]


@pytest.mark.parametrize(
    ("accept", "content_type", "read"),
    [
        (None, "application/sparql-results+json", _from_json),
        ("*/*", "application/sparql-results+json", _from_json),
        ("application/sparql-results+json", "application/sparql-results+json", _from_json),
        ("application/json", "application/json", _from_json),
        ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8", _from_xml),
        ("application/xml", "application/xml; charset=utf-8", _from_xml),
        ("text/xml", "text/xml; charset=utf-8", _from_xml),
        ("text/csv", "text/csv; charset=utf-8", _from_csv),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", _from_tsv),
    ],
)
def test_select_results_in_each_format_name_renault_as_leader_of_europe(client, accept, content_type, read):
    response = get(client, LEADER, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]
    assert read(response) == [RENAULT]


@pytest.mark.parametrize(("ask", "expected"), [
    (f"ASK {{ <{AKR}assignment-Europe> <{AKG}leader> <{AKR}Renault> }}", True),
    (f"ASK {{ <{AKR}assignment-Europe> <{AKG}leader> <{AKR}Nissan> }}", False),
])
def test_ask_answers_true_or_false_in_json_xml_and_csv(client, ask, expected):
    assert get(client, ask).get_json()["boolean"] is expected
    xml = ET.fromstring(get(client, ask, "application/sparql-results+xml").get_data())
    assert xml.find(f"{RESULTS_NS}boolean").text == str(expected).lower()
    assert get(client, ask, "text/csv").get_data(as_text=True).strip() == str(expected).lower()


def test_q_values_choose_the_preferred_format(client):
    response = get(client, LEADER, "text/csv;q=0.5, application/sparql-results+xml")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    response = get(client, LEADER, "text/csv, application/sparql-results+xml;q=0.5")
    assert response.headers["Content-Type"].startswith("text/csv")


def test_browser_accept_header_gets_xml_results(client):
    response = get(client, LEADER, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert _from_xml(response) == [RENAULT]


# --- CONSTRUCT and DESCRIBE -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "format"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("text/plain", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/xml", ox.RdfFormat.RDF_XML),
        ("application/trig", ox.RdfFormat.TRIG),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
    ],
)
def test_construct_in_each_rdf_format_holds_the_leader_triple(client, accept, format):
    response = get(client, CONSTRUCT, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == (accept or "text/turtle")
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(response.get_data(), format)}
    assert triples == {LEADER_TRIPLE}


def test_turtle_declares_the_prefixes_it_uses_and_no_others(client):
    body = get(client, CONSTRUCT, "text/turtle").get_data(as_text=True)
    assert f"@prefix akr: <{AKR}> ." in body
    assert "@prefix prov:" not in body


def test_describe_answers_a_graph_about_the_resource(client):
    response = get(client, f"DESCRIBE <{AKR}assignment-Europe>", "application/n-triples")
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(response.get_data(), ox.RdfFormat.N_TRIPLES)}
    assert LEADER_TRIPLE in triples


# --- the dataset --------------------------------------------------------------------------------


def test_without_a_dataset_the_default_graph_is_the_union_of_all_graphs(client):
    assert leaders_json(get(client, LEADER)) == [RENAULT]
    labels = get(client, f"SELECT ?l WHERE {{ <{AKG}LeadershipAssignment> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")
    assert labels.get_json()["results"]["bindings"], "ontology terms are in the union too"


def test_default_graph_uri_restricts_the_default_graph(client):
    assert leaders_json(get(client, LEADER, **{"default-graph-uri": GRAPH + "seed"})) == [RENAULT]
    assert leaders_json(get(client, LEADER, **{"default-graph-uri": GRAPH + "public"})) == []


def test_default_graph_uri_may_repeat(client):
    response = client.get("/sparql", query_string=[
        ("query", LEADER), ("default-graph-uri", GRAPH + "public"), ("default-graph-uri", GRAPH + "seed"),
    ])
    assert leaders_json(response) == [RENAULT]


def test_named_graph_uri_limits_the_graphs_a_graph_pattern_sees(client):
    def graphs(**params):
        response = get(client, LEADER_GRAPHS, **params)
        return [b["g"]["value"] for b in response.get_json()["results"]["bindings"]]

    assert graphs() == [GRAPH + "seed"]
    assert graphs(**{"named-graph-uri": GRAPH + "seed"}) == [GRAPH + "seed"]
    assert graphs(**{"named-graph-uri": GRAPH + "public"}) == []


def test_named_graph_uri_alone_leaves_the_default_graph_empty(client):
    assert leaders_json(get(client, LEADER, **{"named-graph-uri": GRAPH + "seed"})) == []


def test_from_in_the_query_sets_the_default_graph(client):
    query = f"SELECT ?leader FROM <{{}}> WHERE {{{{ <{AKR}assignment-Europe> <{AKG}leader> ?leader }}}}"
    assert leaders_json(get(client, query.format(GRAPH + "seed"))) == [RENAULT]
    assert leaders_json(get(client, query.format(GRAPH + "public"))) == []


def test_from_named_in_the_query_sets_the_named_graphs(client):
    query = LEADER_GRAPHS.replace("WHERE", f"FROM NAMED <{GRAPH}public> WHERE")
    assert get(client, query).get_json()["results"]["bindings"] == []


def test_protocol_dataset_overrides_from_in_the_query(client):
    query = LEADER.replace("WHERE", f"FROM <{GRAPH}public> WHERE")
    assert leaders_json(get(client, query, **{"default-graph-uri": GRAPH + "seed"})) == [RENAULT]


def test_from_inside_a_string_or_iri_is_not_a_dataset_clause(client):
    query = f'SELECT ?leader WHERE {{ <{AKR}assignment-Europe> <{AKG}leader> ?leader FILTER("FROM" != "from <x>") }} # FROM'
    assert leaders_json(get(client, query)) == [RENAULT]


def test_no_prefixes_are_declared_for_the_query(client):
    response = get(client, "SELECT ?l WHERE { akr:assignment-Europe akg:leader ?l }")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "query_syntax_error"
    assert "PREFIX" in error["hint"]


# --- errors -------------------------------------------------------------------------------------


def test_syntax_error_is_400_with_line_and_column(client):
    response = get(client, "SELECT ?x\nWHERE { ?x ?y ?z } LIMIT x")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "query_syntax_error"
    assert "error at 2:" in error["message"]
    assert (error["line"], error["column"]) == (2, 26)


PUT, DELETE = "put", "delete"


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "code", "fragment"),
    [
        ("get", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "bad_request", "2 query parameters"),
        ("post", {"data": {"query": ["ASK {}", "ASK {}"]}}, 400, "bad_request", "2 query parameters"),
        ("get", {"query_string": {"query": "  "}}, 400, "bad_request", "empty"),
        ("post", {"data": b"", "content_type": "application/sparql-query"}, 400, "bad_request", "empty"),
        ("post", {"data": {"default-graph-uri": GRAPH + "seed"}}, 400, "bad_request", "no query"),
        ("get", {"query_string": {"default-graph-uri": GRAPH + "seed"}}, 400, "bad_request", "no query"),
        ("get", {"query_string": {"query": "ASK {}", "default-graph-uri": "seed"}}, 400, "bad_request",
         "default-graph-uri is not an absolute IRI"),
        ("get", {"query_string": {"query": "ASK {}", "named-graph-uri": "a b"}}, 400, "bad_request",
         "named-graph-uri is not an absolute IRI"),
        ("post", {"data": b"ASK {}", "content_type": "application/sparql-query", "query_string": {"query": "ASK {}"}},
         400, "bad_request", "both the body and the URL"),
        ("post", {"data": b"\xff", "content_type": "application/sparql-query"}, 400, "bad_request", "UTF-8"),
        ("post", {"data": b"ASK {}", "content_type": "text/plain"}, 415, "unsupported_media_type", "text/plain"),
        ("post", {"data": b"ASK {}"}, 415, "unsupported_media_type", "(none)"),
        ("post", {"data": b"ASK {}", "content_type": "application/sparql-query; charset=klingon"}, 415,
         "unsupported_media_type", "klingon"),
        # no write token is configured for this app: updates are refused before anything is read
        ("post", {"data": {"update": "DROP ALL"}}, 403, "writes_disabled", "writes are disabled"),
        ("post", {"data": b"DROP ALL", "content_type": "application/sparql-update"}, 403, "writes_disabled",
         "writes are disabled"),
        ("post", {"data": {"update": "DROP ALL", "query": "ASK {}"}}, 400, "bad_request", "not both"),
        ("get", {"query_string": {"update": "DROP ALL"}}, 405, "method_not_allowed", "needs POST"),
        ("get", {"query_string": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}},
         400, "federation_disabled", "SERVICE"),
        ("get", {"query_string": {"query": "ASK { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }"}},
         400, "federation_disabled", "SERVICE"),
        ("get", {"query_string": {"query": "INSERT DATA { <a:b> <a:b> <a:b> }"}}, 400, "query_syntax_error", "error at"),
        (PUT, {"data": b"ASK {}"}, 405, "method_not_allowed", "not allowed"),
        (DELETE, {}, 405, "method_not_allowed", "not allowed"),
    ],
)
def test_bad_requests_are_answered_in_the_error_envelope(client, method, kwargs, status, code, fragment):
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert fragment in error["message"]


def test_the_415_answer_names_the_accepted_types(client):
    error = client.post("/sparql", data=b"ASK {}", content_type="text/plain").get_json()["error"]
    assert "application/sparql-query" in error["message"]
    assert "application/x-www-form-urlencoded" in error["message"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405_with_allow(client, method):
    response = getattr(client, method)("/sparql")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_update_by_get_is_405_allowing_post_only(client):
    response = client.get("/sparql", query_string={"update": "DROP ALL"})
    assert response.headers["Allow"] == "POST"


def test_updates_change_nothing(client, shipped):
    before = len(shipped)
    client.post("/sparql", data={"update": "DROP ALL"})
    client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update")
    assert len(shipped) == before > 0


@pytest.mark.parametrize(("query", "kind", "example"), [
    (LEADER, "a SELECT query", "application/sparql-results+json"),
    ("ASK {}", "an ASK query", "text/csv"),
    (CONSTRUCT, "a CONSTRUCT or DESCRIBE query", "application/n-triples"),
])
def test_unacceptable_accept_is_406_listing_the_available_types(client, query, kind, example):
    response = get(client, query, "image/png")
    assert response.status_code == 406
    error = response.get_json()["error"]
    assert error["code"] == "not_acceptable"
    assert kind in error["message"]
    assert example in error["message"]
    assert "image/png" not in error["message"]


def test_a_syntax_error_is_reported_before_the_accept_header_is_considered(client):
    assert get(client, "SELECT nonsense", "image/png").status_code == 400


def test_head_answers_like_get_without_a_body(client):
    response = client.head("/sparql", query_string={"query": LEADER})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert response.get_data() == b""


# --- the service description ------------------------------------------------------------------


def service_description(response, format=ox.RdfFormat.TURTLE) -> ox.Store:
    assert response.status_code == 200, response.get_data(as_text=True)
    store = ox.Store()
    store.load(response.get_data(), format)
    return store


def test_get_without_a_query_answers_the_service_description_in_turtle(client, shipped):
    response = client.get("/sparql?")
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    sd = service_description(response)
    assert [r["e"].value for r in sd.query(f"PREFIX sd: <{SD}> SELECT ?e {{ ?s a sd:Service ; sd:endpoint ?e }}")] \
        == ["http://localhost/sparql"]
    names = {r["n"].value for r in sd.query(f"PREFIX sd: <{SD}> SELECT ?n {{ [] sd:defaultDataset/sd:namedGraph/sd:name ?n }}")}
    assert names == {GRAPH + layer for layer in ("ontology", "seed", "regions", "public")}
    assert names == {g.value for g in shipped.named_graphs()}


def test_service_description_lists_result_formats_and_the_union_default_graph(client):
    sd = service_description(client.get("/sparql"))
    formats = {r["f"].value for r in sd.query(f"PREFIX sd: <{SD}> SELECT ?f {{ [] sd:resultFormat ?f }}")}
    assert {"http://www.w3.org/ns/formats/" + name for name in (
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")} == formats
    assert sd.query(f"PREFIX sd: <{SD}> ASK {{ [] sd:supportedLanguage sd:SPARQL11Query ; sd:feature sd:UnionDefaultGraph }}")


def test_service_description_follows_the_accept_header(client):
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.mimetype == "application/n-triples"
    assert len(service_description(response, ox.RdfFormat.N_TRIPLES)) > 10
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["error"]["message"]


# --- what the W3C protocol suites need (see docs/conformance.md) ---------------------------------

EX = "https://example.org/"
TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADMIN_TOKEN = "an-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHANGES = GRAPH + "changes"


def plain_service(union: bool = True, write_token: str | None = TOKEN):
    """A test client of an app over an empty in-memory graph (a plain SPARQL dataset), and the
    graph; writes with ``write_token``, or with :data:`ADMIN_TOKEN` (destructive ones too)."""
    from alliance_kg.config import Config
    from alliance_kg.store import empty_graph
    from alliance_kg.web import create_app

    kg = empty_graph()
    config = Config(write_token=write_token, admin_token=ADMIN_TOKEN, shipped=False, union_default_graph=union)
    return create_app(config, kg=kg).test_client(), kg


@pytest.fixture
def plain():
    return plain_service()


def update(client, text: str, *, headers=AUTH, **params):
    return client.post("/sparql", query_string=params, data=text.encode(), headers=headers,
                       content_type="application/sparql-update")


def quads(kg, graph: str | None = None) -> set[tuple[str, str, str]]:
    name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    return {(q.subject.value, q.predicate.value, q.object.value) for q in kg.quads(None, None, None, name)}


def test_relative_iris_in_a_query_resolve_against_the_endpoint(client):
    response = get(client, "SELECT (<relative/x> AS ?i) WHERE {}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]["bindings"][0]["i"]["value"] == "http://localhost/relative/x"
    assert get(client, "CONSTRUCT { <s> <p> 1 } WHERE {}").status_code == 200


def test_relative_iris_in_an_update_resolve_against_the_endpoint(plain):
    client, kg = plain
    response = update(client, f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> <test> }} }}")
    assert response.status_code == 200, response.get_json()
    assert quads(kg, EX + "g") == {(EX + "s", EX + "p", "http://localhost/test")}


def _two_graphs(client):
    data = " ".join(f"GRAPH <{EX}{g}> {{ <{EX}{g}-doc> a <{EX}Document> }}" for g in ("g1", "g2", "g3"))
    assert update(client, f"INSERT DATA {{ {data} }}").status_code == 200


@pytest.mark.parametrize("where", ["WHERE { ?s a <https://example.org/Document> }",
                                   "WHERE { { ?s a <https://example.org/Document> } UNION { GRAPH ?g { ?s ?p ?o } } }"])
def test_using_graph_uri_sets_the_default_graph_of_the_update(plain, where):
    client, kg = plain
    _two_graphs(client)
    response = update(client, f"INSERT {{ GRAPH <{EX}out> {{ ?s a <{EX}Found> }} }} {where}",
                      **{"using-graph-uri": [EX + "g1", EX + "g2"]})
    assert response.status_code == 200, response.get_json()
    assert {s for s, _, _ in quads(kg, EX + "out")} == {EX + "g1-doc", EX + "g2-doc"}


def test_using_named_graph_uri_sets_the_named_graphs_of_the_update(plain):
    client, kg = plain
    _two_graphs(client)
    response = update(client, f"INSERT {{ GRAPH <{EX}out> {{ ?s <{EX}in> ?g }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                      **{"using-named-graph-uri": EX + "g3"})
    assert response.status_code == 200, response.get_json()
    assert quads(kg, EX + "out") == {(EX + "g3-doc", EX + "in", EX + "g3")}


def test_using_graph_uri_applies_to_delete_where(plain):
    client, kg = plain
    _two_graphs(client)
    update(client, f"INSERT DATA {{ <{EX}g1-doc> a <{EX}Document> . <{EX}g2-doc> a <{EX}Document> }}")
    response = update(client, f"DELETE WHERE {{ ?s a <{EX}Document> }}", **{"using-graph-uri": EX + "g1"})
    assert response.status_code == 200, response.get_json()
    assert quads(kg) == {(EX + "g2-doc", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", EX + "Document")}


@pytest.mark.parametrize("text", [f"WITH <{EX}g1> INSERT {{ <{EX}a> <{EX}b> 1 }} WHERE {{}}",
                                  f"INSERT {{ <{EX}a> <{EX}b> 1 }} USING <{EX}g1> WHERE {{}}"])
def test_using_graph_uri_with_using_or_with_in_the_update_is_400(plain, text):
    client, kg = plain
    response = update(client, text, **{"using-named-graph-uri": EX + "g2"})
    assert response.status_code == 400
    assert "one way only" in response.get_json()["error"]["message"]
    assert len(kg) == 0


def test_using_graph_uri_must_be_an_absolute_iri(plain):
    response = update(plain[0], "INSERT { <x:a> <x:b> ?o } WHERE { ?s ?p ?o }", **{"using-graph-uri": "g1"})
    assert response.status_code == 400
    assert "using-graph-uri is not an absolute IRI" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("clear", ["DROP ALL", "CLEAR ALL", "DROP NAMED", "CLEAR NAMED"])
def test_drop_and_clear_of_all_graphs_leave_the_change_log(plain, clear):
    client, kg = plain
    _two_graphs(client)
    logged = len(quads(kg, CHANGES))
    response = update(client, clear, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    assert {g.value for g in kg.named_graphs()} == {CHANGES}
    assert len(quads(kg, CHANGES)) > logged  # the log keeps its entries, and logs this write too


def test_graph_patterns_of_an_update_do_not_see_the_change_log(plain):
    client, kg = plain
    _two_graphs(client)
    response = update(client, f"INSERT {{ GRAPH <{EX}copy> {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert response.status_code == 200
    assert len(quads(kg, EX + "copy")) == 3


@pytest.mark.parametrize("text", [
    f"DROP GRAPH <{CHANGES}>",
    f"CLEAR GRAPH <{CHANGES}>",
    f"MOVE <{CHANGES}> TO DEFAULT",
    f"INSERT {{ GRAPH <{CHANGES}> {{ <{EX}a> <{EX}b> 1 }} }} WHERE {{}}",
])
def test_an_update_that_names_the_change_log_is_403(plain, text):
    client, kg = plain
    _two_graphs(client)
    before = sorted(map(str, kg.quads()))
    response = update(client, text)
    assert response.status_code == 403, response.get_json()
    assert sorted(map(str, kg.quads())) == before


def test_an_update_reads_the_change_log_as_an_empty_graph(plain):
    client, kg = plain
    _two_graphs(client)
    response = update(client, f"COPY <{CHANGES}> TO <{EX}g1>")
    assert response.status_code == 200
    assert quads(kg, EX + "g1") == set() and quads(kg, CHANGES)


def test_load_silent_changes_nothing_and_fetches_nothing(plain):
    import socket

    client, kg = plain
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.3)
        document = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
        response = update(client, f"LOAD SILENT <{document}> INTO GRAPH <{EX}g> ; INSERT DATA {{ <{EX}a> <{EX}b> 1 }}")
        assert response.status_code == 200, response.get_json()
        assert update(client, f"load silent <{document}>").status_code == 200
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came for the document
    assert quads(kg) == {(EX + "a", EX + "b", "1")}
    response = update(client, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert response.status_code == 400 and "LOAD" in response.get_json()["error"]["message"]


def test_without_the_union_the_change_log_is_not_a_named_graph_of_queries():
    client, kg = plain_service(union=False)
    _two_graphs(client)
    assert CHANGES in {g.value for g in kg.named_graphs()}
    graphs = get(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").get_json()["results"]["bindings"]
    assert {b["g"]["value"] for b in graphs} == {EX + "g1", EX + "g2", EX + "g3"}
    assert get(client, "ASK { ?s ?p ?o }").get_json()["boolean"] is False  # the default graph is empty
    named = get(client, f"ASK FROM NAMED <{CHANGES}> {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert named.get_json()["boolean"] is True  # named, the change log can be queried
    assert get(client, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": CHANGES}).get_json()["boolean"] is True


def test_the_service_description_follows_the_settings():
    client, _ = plain_service(union=False)
    _two_graphs(client)
    sd = service_description(client.get("/sparql"))
    assert not sd.query(f"PREFIX sd: <{SD}> ASK {{ [] sd:feature sd:UnionDefaultGraph }}")
    assert sd.query(f"PREFIX sd: <{SD}> ASK {{ [] sd:supportedLanguage sd:SPARQL11Update }}")
    names = {r["n"].value for r in sd.query(f"PREFIX sd: <{SD}> SELECT ?n {{ [] sd:namedGraph/sd:name ?n }}")}
    assert names == {EX + "g1", EX + "g2", EX + "g3"}


def test_without_writes_the_service_description_offers_no_update(client):
    sd = service_description(client.get("/sparql"))
    assert not sd.query(f"PREFIX sd: <{SD}> ASK {{ [] sd:supportedLanguage sd:SPARQL11Update }}")


@pytest.mark.parametrize(("query", "accept", "content_type"), [
    (CONSTRUCT, "text/turtle; charset=utf-8", "text/turtle; charset=utf-8"),
    (LEADER, "application/sparql-results+json; charset=UTF-8", "application/sparql-results+json"),
    (LEADER, "text/csv;charset=utf-8;q=0.9, application/sparql-results+xml;q=0.5", "text/csv; charset=utf-8"),
])
def test_an_accept_header_may_ask_for_utf8(client, query, accept, content_type):
    response = get(client, query, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == content_type


def test_an_accept_header_asking_for_another_charset_is_406(client):
    assert get(client, CONSTRUCT, "text/turtle; charset=latin-1").status_code == 406
