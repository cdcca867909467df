"""The W3C conformance runner's own logic (``conformance/``): reading results, comparing them as
the suites say, reading manifests. Small and fast: no server (``make conformance`` runs the suites)."""

from __future__ import annotations

import doctest
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance import httptests, manifest, results, runner  # noqa: E402
from conformance.results import (  # noqa: E402
    XSD,
    Order,
    Results,
    bnode,
    compare_datasets,
    compare_graphs,
    compare_results,
    literal,
    match_solutions,
    order_of,
    parse_csv,
    parse_json,
    parse_result_graph,
    parse_tsv,
    parse_xml,
    uri,
)

E = "http://example.org/"
INT = XSD + "integer"


@pytest.mark.parametrize("module", [results, manifest, httptests, runner], ids=lambda m: m.__name__)
def test_the_doctests_of_the_runner_pass(module):
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


# --- reading results ------------------------------------------------------------------------------


def test_json_xml_and_tsv_of_the_same_solutions_read_the_same():
    json = """{"head": {"vars": ["s", "o", "u"]}, "results": {"bindings": [
        {"s": {"type": "uri", "value": "http://example.org/a"}, "o": {"type": "literal", "value": "chat", "xml:lang": "FR"}},
        {"s": {"type": "bnode", "value": "x"}, "o": {"type": "literal", "value": "01", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
        {"s": {"type": "uri", "value": "http://example.org/b"}, "o": {"type": "literal", "value": "a\\tb"}}]}}"""
    xml = """<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">
      <head><variable name="s"/><variable name="o"/><variable name="u"/></head><results>
      <result><binding name="s"><uri>http://example.org/a</uri></binding><binding name="o"><literal xml:lang="fr">chat</literal></binding></result>
      <result><binding name="s"><bnode>y</bnode></binding><binding name="o"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">1</literal></binding></result>
      <result><binding name="s"><uri>http://example.org/b</uri></binding><binding name="o"><literal>a\tb</literal></binding></result>
      </results></sparql>"""
    tsv = '?s\t?o\t?u\n<http://example.org/a>\t"chat"@fr\t\n_:z\t1\t\n<http://example.org/b>\t"a\\tb"\t\n'
    a, b, c = parse_json(json), parse_xml(xml), parse_tsv(tsv)
    assert a.variables == b.variables == c.variables == ["s", "o", "u"]
    assert compare_results(a, b) is None and compare_results(b, c) is None
    assert "u" not in a.rows[0]  # unbound


def test_ask_results_read_as_booleans():
    assert parse_json('{"head": {}, "boolean": false}').boolean is False
    xml = '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>true</boolean></sparql>'
    assert parse_xml(xml).boolean is True
    assert compare_results(Results(boolean=True), Results(boolean=False)) == "expected the boolean True, got False"
    assert compare_results(Results(boolean=True), Results(["x"], [])) is not None


def test_tsv_abbreviations_are_typed_literals():
    row = parse_tsv("?a\t?b\t?c\t?d\n1\t-2.5\t1.0e6\ttrue\n").rows[0]
    assert [row[k][2].rsplit("#", 1)[1] for k in "abcd"] == ["integer", "decimal", "double", "boolean"]


def test_csv_is_compared_as_text_with_blank_nodes_and_numbers_by_value():
    expected = parse_csv("s,o\r\nhttp://example.org/a,_:b0\r\nhttp://example.org/c,1.0E6\r\n")
    actual = parse_csv("s,o\r\nhttp://example.org/c,1000000\r\nhttp://example.org/a,_:x\r\n")
    assert compare_results(expected, actual) is None
    assert compare_results(expected, parse_csv("s,o\r\nhttp://example.org/c,1000001\r\nhttp://example.org/a,_:x\r\n"))


def test_a_result_set_in_rdf_keeps_its_rs_index_order():
    turtle = f"""@prefix rs: <http://www.w3.org/2001/sw/DataAccess/tests/result-set#> .
    [] a rs:ResultSet ; rs:resultVariable "x" ;
       rs:solution [ rs:index 2 ; rs:binding [ rs:variable "x" ; rs:value <{E}b> ] ] ,
                   [ rs:index 1 ; rs:binding [ rs:variable "x" ; rs:value <{E}a> ] ] ."""
    parsed = parse_result_graph(t.triple for t in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    assert parsed.variables == ["x"] and [r["x"] for r in parsed.rows] == [uri(E + "a"), uri(E + "b")]


# --- literals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "equal"), [
    (literal("1.0", XSD + "decimal"), literal("1", XSD + "decimal"), True),
    (literal("01", INT), literal("1", INT), True),
    (literal("3.0E4", XSD + "double"), literal("30000", XSD + "double"), True),
    (literal("1", INT), literal("1", XSD + "decimal"), False),  # value comparison keeps the datatype
    (literal("-3", XSD + "negativeInteger"), literal("-3", INT), False),
    (literal("01"), literal("1"), False),  # strings compare by their characters
    (literal("x", lang="EN-us"), literal("x", lang="en-US"), True),
    (literal("x"), literal("x", XSD + "string"), True),
    (literal("abc", INT), literal("abc", INT), True),  # ill-typed: as written
])
def test_literals_compare_by_value_within_their_datatype(a, b, equal):
    assert (a == b) is equal


# --- solutions: multisets, blank nodes, order -----------------------------------------------------


def test_blank_nodes_map_one_to_one():
    expected = [{"x": bnode("a"), "y": bnode("b")}]
    assert match_solutions(expected, [{"x": bnode("p"), "y": bnode("q")}]) == {"a": "p", "b": "q"}
    assert match_solutions(expected, [{"x": bnode("p"), "y": bnode("p")}]) is None  # not injective
    assert match_solutions([{"x": bnode("a")}], [{"x": uri(E + "a")}]) is None


def test_blank_node_mapping_is_consistent_across_rows():
    expected = [{"x": bnode("a"), "v": literal("1", INT)}, {"x": bnode("a"), "v": literal("2", INT)}]
    same = [{"x": bnode("z"), "v": literal("2", INT)}, {"x": bnode("z"), "v": literal("1", INT)}]
    split = [{"x": bnode("z"), "v": literal("2", INT)}, {"x": bnode("w"), "v": literal("1", INT)}]
    assert match_solutions(expected, same) == {"a": "z"}
    assert match_solutions(expected, split) is None


def test_the_search_backtracks_when_a_first_choice_fails():
    # a greedy pairing of the first row with the first candidate dead-ends
    expected = [{"x": bnode("a"), "y": bnode("b")}, {"x": bnode("b"), "y": bnode("c")}]
    actual = [{"x": bnode("2"), "y": bnode("3")}, {"x": bnode("1"), "y": bnode("2")}]
    assert match_solutions(expected, actual) == {"a": "1", "b": "2", "c": "3"}


def test_solutions_are_multisets():
    one = {"x": uri(E + "a")}
    assert compare_results(Results(["x"], [one, one]), Results(["x"], [one])) == \
        "expected 2 solutions, got 1: missing {x=<http://example.org/a>}"
    assert compare_results(Results(["x"], [one, {}]), Results(["x"], [{}, one])) is None


def test_variables_are_compared_as_sets():
    assert compare_results(Results(["x", "y"], []), Results(["y", "x"], [])) is None
    assert "variables" in compare_results(Results(["x"], []), Results(["y"], []))


def rows(*values):
    return [{"k": literal(str(k), INT), "v": uri(E + v)} for k, v in values]


def test_order_matters_only_under_order_by_and_only_for_its_keys():
    expected = Results(["k", "v"], rows((1, "a"), (1, "b"), (2, "c")))
    ties_swapped = Results(["k", "v"], rows((1, "b"), (1, "a"), (2, "c")))
    out_of_order = Results(["k", "v"], rows((2, "c"), (1, "a"), (1, "b")))
    assert compare_results(expected, out_of_order) is None  # no ORDER BY: any order
    assert compare_results(expected, ties_swapped, Order(("k",))) is None
    assert "ORDER BY" in compare_results(expected, out_of_order, Order(("k",)))
    assert compare_results(expected, ties_swapped, Order(None)) is not None  # keys are expressions: whole rows


@pytest.mark.parametrize(("query", "order"), [
    ("SELECT * { ?s ?p ?o }", None),
    ("SELECT * { ?s ?p ?o } ORDER BY ?s", Order(("s",))),
    ("select * { ?s ?p ?o } order by desc(?o) asc(?s) LIMIT 2", Order(("o", "s"))),
    ("SELECT * { ?s ?p ?o } ORDER BY STR(?o)", Order(None)),
    ("SELECT * { { SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }", None),
    ("SELECT * { ?s ?p 'ORDER BY ?x' } # ORDER BY ?y", None),
    ("PREFIX : <http://e/> SELECT * { ?s :order ?o } ORDER BY ?o", Order(("o",))),
])
def test_order_of_a_query(query, order):
    assert order_of(query) == order


# --- graphs and datasets --------------------------------------------------------------------------


def triples(turtle: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]


def test_graphs_compare_by_isomorphism():
    a = triples(f"<{E}s> <{E}p> [ <{E}q> 1.0 ], [ <{E}q> 2 ] .")
    b = triples(f"<{E}s> <{E}p> [ <{E}q> 2 ], [ <{E}q> 1.00 ] .")
    c = triples(f"<{E}s> <{E}p> [ <{E}q> 2 ], [ <{E}q> 3 ] .")
    assert compare_graphs(a, b) is None
    assert compare_graphs(a, c).startswith("the graphs differ: ")
    assert compare_graphs(a, a[:-1]).startswith("the graphs differ: ")


def quad(s, o, graph=None):
    node = lambda x: ox.BlankNode(x[2:]) if x.startswith("_:") else ox.NamedNode(E + x)  # noqa: E731
    return ox.Quad(node(s), ox.NamedNode(E + "p"), node(o), ox.NamedNode(E + graph) if graph else ox.DefaultGraph())


def test_datasets_compare_graph_by_graph():
    expected = [quad("a", "_:b"), quad("c", "d", "g1")]
    assert compare_datasets(expected, [quad("a", "_:x"), quad("c", "d", "g1")]) is None
    assert compare_datasets(expected, [quad("a", "_:x")]) == \
        "the datasets differ: graph <http://example.org/g1> is missing"
    assert compare_datasets(expected, [quad("a", "_:x"), quad("c", "d", "g2")]).startswith("the datasets differ")
    assert compare_datasets([quad("a", "b")], [quad("a", "b", "g1")]) is not None


def test_a_blank_node_shared_by_two_graphs_must_be_shared_in_both_datasets():
    shared = [quad("_:b", "a", "g1"), quad("_:b", "c", "g2")]
    assert compare_datasets(shared, [quad("_:x", "a", "g1"), quad("_:x", "c", "g2")]) is None
    assert compare_datasets(shared, [quad("_:x", "a", "g1"), quad("_:y", "c", "g2")]) is not None


# --- manifests ------------------------------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


PREFIXES = """
    @prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
    @prefix qt: <http://www.w3.org/2001/sw/DataAccess/tests/test-query#> .
    @prefix ut: <http://www.w3.org/2009/sparql/tests/test-update#> .
    @prefix dawgt: <http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def test_manifests_give_kinds_files_and_skips(tmp_path):
    write(tmp_path / "manifest-all.ttl", PREFIXES + "<> mf:include ( <demo/manifest.ttl> <entailment/manifest.ttl> ) .")
    write(tmp_path / "demo" / "manifest.ttl", PREFIXES + """
        <> mf:entries ( <#q> <#u> <#gone> <#neg> ) .
        <#q> a mf:QueryEvaluationTest ; mf:name "q" ;
             mf:action [ qt:query <q.rq> ; qt:data <d.ttl> ; qt:graphData <g.ttl> ] ; mf:result <q.srx> .
        <#u> a mf:UpdateEvaluationTest ; mf:name "u" ;
             mf:action [ ut:request <u.ru> ; ut:graphData [ ut:graph <g.ttl> ; rdfs:label "http://example.org/g" ] ] ;
             mf:result [ ut:data <r.ttl> ] .
        <#gone> a mf:PositiveSyntaxTest11 ; mf:action <s.rq> ; dawgt:approval dawgt:Withdrawn .
        <#neg> a mf:NegativeUpdateSyntaxTest11 ; mf:action <n.ru> .
    """)
    write(tmp_path / "entailment" / "manifest.ttl", PREFIXES + """
        <> mf:entries ( <#e> ) .
        <#e> a mf:QueryEvaluationTest ; mf:action [ qt:query <e.rq> ] ; mf:result <e.srx> .
    """)
    write(tmp_path / "http-rdf-update" / "manifest.ttl", PREFIXES + "<> mf:entries () .")
    tests = {t.iri.rsplit("#", 1)[1]: t for t in manifest.load_tests(tmp_path)}
    base = manifest.BASE + "demo/"
    q, u = tests["q"], tests["u"]
    assert (q.kind, q.category, q.query, q.result) == ("query-evaluation", "query-evaluation", base + "q.rq", base + "q.srx")
    assert [(d.file, d.name) for d in q.data] == [(base + "d.ttl", None), (base + "g.ttl", base + "g.ttl")]
    assert [(d.file, d.name) for d in u.data] == [(base + "g.ttl", "http://example.org/g")]
    assert [(d.file, d.name) for d in u.result_data] == [(base + "r.ttl", None)]
    assert tests["gone"].skip == "withdrawn by the working group"
    assert tests["neg"].kind == "syntax-negative-update" and tests["neg"].skip is None
    assert tests["e"].skip.startswith("needs an entailment regime")
    assert manifest.local_path(base + "q.rq", tmp_path) == tmp_path / "demo" / "q.rq"


# --- HTTP tests -----------------------------------------------------------------------------------


def test_the_prose_of_http_rdf_update_reads_as_a_request_and_a_response():
    from rdflib import RDFS, Graph, Literal, URIRef

    graph, node = Graph(), URIRef("http://example.org/t")
    graph.add((node, RDFS.comment, Literal("This test is deprecated")))
    graph.add((node, RDFS.comment, Literal(textwrap.dedent("""
        #### Request

            POST $GRAPHSTORE$/person/1.ttl HTTP/1.1
            Host: $HOST$
            Content-Type: multipart/form-data; boundary=b

            --b
            Content-Disposition: form-data; name="a.ttl"; filename="a.ttl"
            Content-Type: text/turtle

            <http://$HOST$/$GRAPHSTORE$/person/1> <http://example.org/p> "x" .
            --b--

        #### Response

            200 OK
            Content-Type: text/turtle; charset=utf-8
        """))))
    test = manifest.Test(str(node), "t", "http-rdf-update", "graph-store", "graph-store", manifest=graph, node=node)
    exchange = httptests.prose_exchange(test, "h:1")
    assert (exchange.method, exchange.target, exchange.status) == ("POST", "store/person/1.ttl", 200)
    assert exchange.headers["Content-Type"] == "multipart/form-data; boundary=b"
    assert exchange.body.startswith(b"--b\r\nContent-Disposition") and b"<http://h:1/store/person/1>" in exchange.body
    assert exchange.response_headers == {"Content-Type": "text/turtle; charset=utf-8"}
    assert httptests.direct_to_indirect(exchange.target, "h:1") == \
        "/store?graph=http%3A%2F%2Fh%3A1%2Fstore%2Fperson%2F1.ttl"


def test_a_service_description_is_checked_against_the_vocabulary():
    sd = triples("""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
        [] a sd:Service ; sd:endpoint <http://h/sparql> ; sd:supportedLanguage sd:SPARQL11Query ;
           sd:feature sd:UnionDefaultGraph ; sd:resultFormat <http://www.w3.org/ns/formats/Turtle> ;
           sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ;
                               sd:namedGraph [ a sd:NamedGraph ; sd:name <http://h/g> ] ] .""")
    assert httptests.sd_conforms(sd) == []
    broken = triples("""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
        [] a sd:Service ; sd:endpoint <http://h/sparql> ; sd:supportedLanguage sd:SPARQL12Query ; sd:colour "blue" .""")
    assert httptests.sd_conforms(broken) == [
        "sd:supportedLanguage <http://www.w3.org/ns/sparql-service-description#SPARQL12Query> is none of the vocabulary's languages",
        "sd:colour is not a property of the vocabulary"]


# --- the report and the baseline -------------------------------------------------------------------


def test_the_baseline_is_a_floor_per_category():
    categories = {"protocol": {"pass": 32, "fail": 2, "skip": 0}, "graph store": {"pass": 20, "fail": 7, "skip": 4}}
    assert runner.below_baseline(categories, {"protocol": 32, "graph store": 20}) == []
    assert runner.below_baseline(categories, {"protocol": 33}) == ["protocol: 32 passed, baseline 33"]
    assert runner.below_baseline(categories, {"service description": 3}) == ["service description: 0 passed, baseline 3"]


def test_the_committed_baseline_names_every_category():
    import json

    baseline = json.loads((ROOT / "conformance" / "baseline.json").read_text(encoding="utf-8"))
    assert set(baseline) == set(manifest.CATEGORIES.values())
    assert all(isinstance(n, int) and n >= 0 for n in baseline.values())


def test_the_table_has_a_row_per_folder_and_a_total():
    table = runner.format_table("folder", {"add": {"pass": 8, "fail": 0, "skip": 0}, "service": {"pass": 0, "fail": 0, "skip": 7}})
    lines = table.splitlines()
    assert lines[0].split() == ["folder", "pass", "fail", "skip", "total"]
    assert lines[2].split() == ["add", "8", "0", "0", "8"] and lines[-1].split() == ["all", "8", "0", "7", "15"]
