"""The command line: exit codes, formats, one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib

from alliance_kg.cli import cli
from helpers import iri

SECOND_LEADER = """
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
akr:assignment-Europe-Nissan a akg:LeadershipAssignment ; skos:prefLabel "Nissan leads Europe"@en ;
    akg:scope akr:Europe ; akg:leader akr:Nissan ;
    akg:followersRule akg:FollowersDerived ; akg:validFrom "2020-05-27"^^xsd:date .
akr:news-x a akg:SourceDocument ; skos:prefLabel "A news item that says Nissan leads Europe"@en .
akr:statement-x a akg:Statement ; skos:prefLabel "X1: Nissan leads Europe"@en ; akg:factId "X1" ;
    akg:document akr:news-x ; akg:quote "x" ;
    akg:strength akg:Stated ; akg:layer akg:PublicLayer ; akg:supports akr:assignment-Europe-Nissan .
"""


def test_validate_shipped_graph_conforms_with_a_summary(runner):
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "The graph conforms to every shape: 0 results." in result.output
    assert "seed: 17 leadership assignments" in result.output


def test_validate_candidate_that_breaks_a_rule_exits_1_with_a_readable_report(runner, tmp_path):
    candidate = tmp_path / "nissan-europe.ttl"
    candidate.write_text(SECOND_LEADER)
    result = runner.invoke(cli, ["validate", str(candidate)])
    assert result.exit_code == 1
    assert "Rule: one leader per scope at any point in time (1)" in result.output
    assert "Europe has two leaders at the same time: Renault" in result.output


def test_validate_json_report(runner, tmp_path):
    candidate = tmp_path / "nissan-europe.ttl"
    candidate.write_text(SECOND_LEADER)
    result = runner.invoke(cli, ["validate", "--format", "json", str(candidate)])
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["conforms"] is False
    assert [r["focus_node"] for r in report["results"]] == [iri("Europe")]


def test_validate_turtle_report_is_shacl(runner):
    result = runner.invoke(cli, ["validate", "--format", "turtle"])
    g = rdflib.Graph().parse(data=result.output, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(True)) in g


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("this is not turtle", "bad.ttl", "bad.ttl"),
        ("<a> <b> <c> .", "data.xyz", "cannot tell the RDF format"),
    ],
)
def test_validate_bad_candidate_exits_2_with_one_line(runner, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_validate_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(cli, ["validate", str(tmp_path / "missing.ttl")])
    assert result.exit_code == 2
    assert "missing.ttl" in result.stderr


def test_query_table(runner):
    result = runner.invoke(cli, ["query", "SELECT ?l WHERE { akr:assignment-Europe akg:leader/skos:prefLabel ?l }"])
    assert result.exit_code == 0
    assert "Renault" in result.output and "(1 row)" in result.output


def test_query_json_and_csv(runner):
    q = "SELECT ?r WHERE { ?r akg:hasMemberCountry akr:country-ID } ORDER BY ?r"
    data = json.loads(runner.invoke(cli, ["query", "--format", "json", q]).output)
    assert [b["r"]["value"] for b in data["results"]["bindings"]] == [iri("ASEAN"), iri("SouthEastAsia")]
    rows = list(csv.reader(io.StringIO(runner.invoke(cli, ["query", "--format", "csv", q]).output)))
    assert rows[0] == ["r"] and len(rows[1:]) == 2


def test_query_restricted_to_a_layer(runner):
    q = "ASK { ?m akg:sitsOnPlatform ?p }"
    assert runner.invoke(cli, ["query", "--graph", "seed", q]).output.strip() == "false"
    assert runner.invoke(cli, ["query", q]).output.strip() == "true"


def test_query_construct_prints_turtle(runner):
    result = runner.invoke(cli, ["query", "CONSTRUCT WHERE { akr:Renault skos:prefLabel ?l }"])
    g = rdflib.Graph().parse(data=result.output, format="turtle")
    assert len(g) == 1


def test_query_syntax_error_exits_2_with_position(runner):
    result = runner.invoke(cli, ["query", "SELEC ?x WHERE {}"])
    assert result.exit_code == 2
    assert "SPARQL syntax error" in result.stderr and "1:" in result.stderr


def test_query_needs_exactly_one_source(runner, tmp_path):
    assert runner.invoke(cli, ["query"]).exit_code == 2


@pytest.mark.parametrize("fmt, parse_as", [("turtle", "turtle"), ("nt", "nt"), ("xml", "xml")])
def test_export_triple_formats_round_trip(runner, shipped, fmt, parse_as):
    result = runner.invoke(cli, ["export", "--format", fmt])
    g = rdflib.Graph().parse(data=result.output, format=parse_as)
    assert len(g) == len(list(shipped.query("CONSTRUCT WHERE { ?s ?p ?o }")))


@pytest.mark.parametrize("fmt, parse_as", [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_export_dataset_formats_keep_the_named_graphs(runner, shipped, fmt, parse_as):
    result = runner.invoke(cli, ["export", "--format", fmt])
    ds = rdflib.Dataset()
    ds.parse(data=result.output, format=parse_as)
    counts = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert counts == shipped.triple_counts()


def test_export_one_layer_to_a_file(runner, tmp_path, shipped):
    out = tmp_path / "seed.ttl"
    result = runner.invoke(cli, ["export", "--format", "turtle", "--graph", "seed", "-o", str(out)])
    assert result.exit_code == 0
    assert len(rdflib.Graph().parse(out)) == shipped.triple_counts()["https://w3id.org/alliance-kg/graph/seed"]


def test_export_unknown_graph_is_a_clear_error(runner):
    result = runner.invoke(cli, ["export", "--graph", "nonsense"])
    assert result.exit_code == 2 and "unknown graph 'nonsense'" in result.stderr


def test_stats(runner, shipped):
    data = json.loads(runner.invoke(cli, ["stats", "--format", "json"]).output)
    assert data["graphs"] == shipped.triple_counts()
    assert data["classes"]["https://w3id.org/alliance-kg/ontology#LeadershipAssignment"] == 21
    text = runner.invoke(cli, ["stats"]).output
    assert "akg:LeadershipAssignment" in text


def test_persistent_store_loads_once_and_reopens(runner, tmp_path):
    store = tmp_path / "store"
    first = runner.invoke(cli, ["--store", str(store), "stats", "--format", "json"])
    second = runner.invoke(cli, ["--store", str(store), "stats", "--format", "json"])
    assert first.exit_code == second.exit_code == 0
    assert json.loads(first.output) == json.loads(second.output)
    assert any(store.iterdir())


def test_update_on_the_command_line_leaves_the_change_log(runner, tmp_path):
    store = str(tmp_path / "store")
    added = runner.invoke(cli, ["--store", store, "update",
                                "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 1 } }"])
    assert added.exit_code == 0, added.output
    dropped = runner.invoke(cli, ["--store", store, "update", "DROP ALL"])
    assert dropped.exit_code == 0, dropped.output  # an empty graph breaks no rule
    log = runner.invoke(cli, ["--store", store, "query", "--format", "csv",
                              "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/alliance-kg/graph/changes> { ?s ?p ?o } }"])
    assert int(log.output.splitlines()[1]) > 0
