"""Quotes of the source articles are checked against their fingerprints (issue 14): an invented
quote of D000 or D002 is rejected on every write path and by full validation; real quotes pass,
however they are typed; the fingerprints are rebuilt from the articles and do not carry their text."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from alliance_kg.cli import cli
from alliance_kg.config import Config
from alliance_kg.errors import ConfigurationError
from alliance_kg.rules import quotes
from alliance_kg.rules.guard import Guard
from alliance_kg.rules.validation import load_shapes, validate, validate_graph
from alliance_kg.store import LAYER_GRAPHS, Change, KnowledgeGraph
from alliance_kg.web import create_app
from helpers import plain_pyshacl, shared_file
from test_shapes import AKS
from test_shapes import FIXTURES as SHAPE_FIXTURES

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SEED = LAYER_GRAPHS["seed"]
ROOT = Path(__file__).resolve().parent.parent
QUOTE_FIXTURES = Path(__file__).parent / "data" / "quotes"
RULE_SHAPES = {"quote": "QuoteShape", "seed-document": "SeedDocumentShape"}
#: The sentence of issue 14: D000 has no such sentence.
ARIYA = "the Ariya is based on the Leaf"
NOT_IN = "not in the document"


@pytest.fixture
def writer(kg):
    """A client of an app that accepts writes with TOKEN, over a fresh copy of the shipped graph."""
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def dump(kg) -> list[str]:
    return sorted(map(str, kg.quads()))


def seed_quote(kg: KnowledgeGraph, fact: str) -> tuple[str, str]:
    """The quote of the seed statement ``fact`` and the short name of its document."""
    rows = kg.select(
        "SELECT ?fact ?quote ?doc WHERE { ?st akg:factId ?fact ; akg:quote ?quote ; akg:document/akg:shortName ?doc }",
        bindings={"fact": ox.Literal(fact)})
    (row,) = rows
    return row["quote"].value, row["doc"].value


def seed_statements(kg: KnowledgeGraph) -> list[tuple[str, str, str]]:
    """(fact id, quote, document short name) of every statement of the seed layer."""
    rows = kg.select("""SELECT ?st ?fact ?quote ?doc WHERE { ?st akg:layer akg:SeedLayer ; akg:factId ?fact .
                          OPTIONAL { ?st akg:quote ?quote } OPTIONAL { ?st akg:document/akg:shortName ?doc } }""")
    return [(r["fact"].value, r["quote"].value if r["quote"] else None, r["doc"].value if r["doc"] else None)
            for r in rows]


def error_message(response) -> str:
    return response.get_json()["error"]["message"]


def shapes_of(response) -> set[str]:
    return {r["source_shape"].rsplit("#", 1)[-1] for r in response.get_json()["error"]["report"]["results"]}


def statement(quote: str, *, document: str = AKR + "D000", graph: str | None = None) -> list[ox.Quad]:
    """A seed-layer statement that Nissan Ariya derives from Nissan Leaf, citing ``document`` (an
    IRI) with ``quote``, and the derivation itself (in ``graph``, default: the default graph)."""
    st, ariya, leaf = ox.NamedNode(AKR + "statement-ariya-test"), ox.NamedNode(AKR + "NissanAriya"), ox.NamedNode(AKR + "NissanLeaf")
    g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    p = lambda local: ox.NamedNode(AKG + local)  # noqa: E731
    triples = [
        (ariya, p("derivedFrom"), leaf),
        (st, ox.NamedNode(RDF + "type"), p("Statement")),
        (st, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("T-ARIYA: Nissan Ariya derives from Nissan Leaf", language="en")),
        (st, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("T-ARIYA: Nissan Ariya derives from Nissan Leaf", language="en")),
        (st, p("factId"), ox.Literal("T-ARIYA")),
        (st, p("document"), ox.NamedNode(document)),
        (st, p("quote"), ox.Literal(quote)),
        (st, p("strength"), p("Stated")),
        (st, p("layer"), p("SeedLayer")),
        (st, ox.NamedNode(RDF + "subject"), ariya),
        (st, ox.NamedNode(RDF + "predicate"), p("derivedFrom")),
        (st, ox.NamedNode(RDF + "object"), leaf),
    ]
    return [ox.Quad(s, pr, o, g) for s, pr, o in triples]


def n_triples(quads: list[ox.Quad]) -> str:
    return ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode()


# --- the verifier ------------------------------------------------------------------------------------


def test_a_real_quote_is_verified_and_an_invented_one_is_not(shipped):
    quote, doc = seed_quote(shipped, "F063")
    assert (doc, quotes.verify(quote, doc)) == ("D000", "verified")
    assert quotes.verify(ARIYA, "D000") == NOT_IN
    assert quotes.verify(quote, "D002") == NOT_IN  # D002 words it differently
    assert quotes.verify(" ".join(quote.split()[:3]), "D000") == "too short to verify (fewer than 4 words)"
    assert quotes.verify(ARIYA, "src-news-item") is None  # no fingerprint: not checked


def test_quote_marks_dashes_case_and_spacing_do_not_matter_but_words_do(shipped):
    apostrophe, _ = seed_quote(shipped, "F112")  # "It's not the first time…"
    dash, _ = seed_quote(shipped, "F020")  # "…a leader-follower model"
    assert "'" in apostrophe and "-" in dash
    typed = [apostrophe.replace("'", "\u2019"), dash.replace("-", "\u2013"), "  " + dash.upper().replace(" ", "   ") + " ",
             dash.replace("leader-follower", "leader - follower")]
    assert [quotes.verify(q, "D000") for q in typed] == ["verified"] * 4
    assert quotes.verify(dash.replace("leader-follower", "leaderfollower"), "D000") == NOT_IN
    assert quotes.verify(dash.replace("cooperation", "co-operation"), "D000") == NOT_IN


def test_a_quote_must_be_one_run_of_words_in_order(shipped):
    quote, _ = seed_quote(shipped, "F063")  # "Renault will be the leader for Europe, Russia, …"
    swapped = quote.replace("Europe, Russia", "Russia, Europe")
    dropped = quote.replace("will be the", "will the")
    assert quotes.verify(swapped, "D000") == quotes.verify(dropped, "D000") == NOT_IN


def test_a_graph_without_fingerprints_has_no_fingerprinted_document(tmp_path):
    assert quotes.load_fingerprints(tmp_path / "missing.json") == {}
    assert quotes.verify("Renault will be the leader for Europe", "D000", tmp_path / "missing.json") is None


def test_broken_fingerprints_are_a_configuration_error(tmp_path):
    broken = tmp_path / "quotes.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="build_quote_fingerprints"):
        quotes.load_fingerprints(broken)


# --- the JSON write API ------------------------------------------------------------------------------


def derivation(quote: str, document: str = "D000") -> dict:
    return {"model": "Nissan Ariya", "derived_from": "Nissan Leaf", "source": {"document": document, "quote": quote}}


def test_the_issue_14_derivation_is_rejected_and_changes_nothing(writer, kg):
    before = dump(kg)
    response = writer.post("/api/derivations", headers=AUTH, json=derivation(ARIYA))
    assert response.status_code == 422, response.get_json()
    message = error_message(response)
    assert "D000" in message and f'"{ARIYA}"' in message and f"the quote is {NOT_IN}" in message
    assert shapes_of(response) == {"QuoteShape"}
    assert dump(kg) == before
    lineage = writer.get("/api/lineage/NissanAriya?layer=seed").get_json()
    assert ARIYA not in json.dumps(lineage)
    assert writer.get("/api/validation").get_json()["conforms"] is True


def test_the_same_derivation_with_a_real_quote_of_d000_is_accepted(writer, kg):
    quote, _ = seed_quote(kg, "F020")
    response = writer.post("/api/derivations", headers=AUTH, json=derivation(quote))
    assert response.status_code == 201, response.get_json()
    assert quote in json.dumps(writer.get("/api/lineage/NissanAriya?layer=seed").get_json())


@pytest.mark.parametrize("quote, document, verdict", [
    ("F063", "D002", NOT_IN),  # a quote of D000 sent as D002
    ("leader for Europe", "D000", "too short to verify (fewer than 4 words)"),
], ids=["quote-of-D000-as-D002", "three-words"])
def test_a_quote_not_of_the_cited_article_is_rejected(writer, kg, quote, document, verdict):
    if quote.startswith("F"):
        quote, _ = seed_quote(kg, quote)
    before = dump(kg)
    response = writer.post("/api/derivations", headers=AUTH, json=derivation(quote, document))
    assert response.status_code == 422, response.get_json()
    assert document in error_message(response) and f"the quote is {verdict}" in error_message(response)
    assert dump(kg) == before


def test_an_assignment_with_an_invented_quote_is_rejected(writer, kg):
    before = dump(kg)
    body = {"scope": "Oceania", "leader": "Nissan", "valid_from": "2040-01-01",
            "source": {"document": "D002", "quote": "Nissan will be the reference for Oceania from 2040"}}
    response = writer.post("/api/assignments", headers=AUTH, json=body)
    assert response.status_code == 422
    assert "D002" in error_message(response) and NOT_IN in error_message(response)
    assert dump(kg) == before


# --- SPARQL Update and the Graph Store Protocol --------------------------------------------------------


def test_sparql_update_of_an_invented_seed_quote_is_rejected(writer, kg):
    before = dump(kg)
    update = f"INSERT DATA {{ GRAPH <{SEED}> {{ {n_triples(statement(ARIYA))} }} }}"
    response = writer.post("/sparql", headers=AUTH, data={"update": update})
    assert response.status_code == 422
    assert "D000" in error_message(response) and NOT_IN in error_message(response)
    assert dump(kg) == before


def test_sparql_update_of_a_real_seed_quote_is_accepted(writer, kg):
    quote, _ = seed_quote(kg, "F020")
    update = f"INSERT DATA {{ GRAPH <{SEED}> {{ {n_triples(statement(quote))} }} }}"
    response = writer.post("/sparql", headers=AUTH, data={"update": update})
    assert response.status_code == 200, response.get_json()


def test_a_seed_quote_of_a_news_item_is_rejected(writer, kg):
    """Labelling a statement seed layer does not escape the check: it must cite D000 or D002."""
    before = dump(kg)
    news = kg.select("SELECT ?d WHERE { ?d a akg:SourceDocument ; akg:layer akg:PublicLayer } ORDER BY ?d LIMIT 1")[0]["d"]
    update = f"INSERT DATA {{ GRAPH <{SEED}> {{ {n_triples(statement(ARIYA, document=news.value))} }} }}"
    response = writer.post("/sparql", headers=AUTH, data={"update": update})
    assert response.status_code == 422
    assert shapes_of(response) == {"SeedDocumentShape"} and "seed layer" in error_message(response)
    assert dump(kg) == before


@pytest.mark.parametrize("method, graph", [("put", "https://example.org/graphs/new"), ("post", SEED)])
def test_the_graph_store_rejects_an_invented_seed_quote(writer, kg, method, graph):
    before = dump(kg)
    response = getattr(writer, method)(f"/store?graph={graph}", data=n_triples(statement(ARIYA)).encode(),
                                       headers={**AUTH, "Content-Type": "application/n-triples"})
    assert response.status_code == 422
    assert "D000" in error_message(response) and NOT_IN in error_message(response)
    assert dump(kg) == before


def test_the_graph_store_accepts_a_real_seed_quote(writer, kg):
    quote, _ = seed_quote(kg, "F020")
    response = writer.post(f"/store?graph={SEED}", data=n_triples(statement(quote)).encode(),
                           headers={**AUTH, "Content-Type": "application/n-triples"})
    assert response.status_code in (200, 204), response.data


# --- the command line ----------------------------------------------------------------------------------


def test_alliance_kg_validate_and_load_reject_an_invented_quote(runner, tmp_path):
    invented, real = tmp_path / "ariya.nt", tmp_path / "real.nt"
    invented.write_text(n_triples(statement(ARIYA)))
    checked = runner.invoke(cli, ["validate", str(invented)])
    assert checked.exit_code == 1
    assert f'quotes D000 as "{ARIYA}", but the quote is {NOT_IN}' in checked.output
    store = str(tmp_path / "store")
    before = runner.invoke(cli, ["--store", store, "export", "--format", "nq"]).output
    loaded = runner.invoke(cli, ["--store", store, "load", str(invented)])
    assert loaded.exit_code == 1 and "D000" in loaded.stderr and NOT_IN in loaded.stderr
    del loaded  # its exit's traceback holds the store (and its lock) open until collected
    gc.collect()
    assert runner.invoke(cli, ["--store", store, "export", "--format", "nq"]).output == before
    real.write_text(n_triples(statement("have all agreed to deepen their cooperation by adopting a leader-follower model")))
    assert runner.invoke(cli, ["--store", store, "load", str(real)]).exit_code == 0


# --- the guard and full validation ---------------------------------------------------------------------


def test_the_guard_checks_a_new_statement_as_a_focus_node(kg, config):
    result = Guard(kg, config.shapes_dir).write(Change(added=frozenset(statement(ARIYA, graph=SEED))),
                                                agent="t", endpoint="t", summary="ariya", dry_run=True)
    assert result.mode == "incremental" and not result.accepted
    assert [(r.source_shape, r.focus_node) for r in result.report.results] == [(AKS + "QuoteShape", AKR + "statement-ariya-test")]


def test_renaming_an_article_rechecks_the_statements_that_cite_it(kg, config):
    d000, short_name = ox.NamedNode(AKR + "D000"), ox.NamedNode(AKG + "shortName")
    (old,) = kg.quads(d000, short_name, None, None)
    change = Change(removed=frozenset([old]), added=frozenset([ox.Quad(d000, short_name, ox.Literal("D002"), old.graph_name)]))
    result = Guard(kg, config.shapes_dir).write(change, agent="t", endpoint="t", summary="rename", dry_run=True)
    assert result.mode == "incremental" and not result.accepted
    assert {r.source_shape for r in result.report.results} == {AKS + "QuoteShape"}
    assert len(result.report.results) > 10  # the quotes of D000, now checked against D002


def test_every_seed_statement_quotes_its_article_and_full_validation_agrees(shipped, config):
    statements = seed_statements(shipped)
    assert len(statements) == 115
    assert [s for s in statements if s[2] is None or quotes.verify(s[1], s[2]) != "verified"] == []
    report = validate(shipped, config.shapes_dir)
    assert report.conforms, report.to_text()
    assert not [r for r in report.results if r.source_shape in (AKS + "QuoteShape", AKS + "SeedDocumentShape")]


def test_full_validation_reports_an_invented_quote(kg, config):
    kg.load_data(n_triples(statement(ARIYA)), "nt", graph="candidate")
    report = validate(kg, config.shapes_dir)
    assert [(r.source_shape, r.value) for r in report.results] == [(AKS + "QuoteShape", ARIYA)]


# --- the shape fixtures: tests/data/quotes/<rule>/valid-*.ttl and invalid-*.ttl -------------------------


def _fixtures(kind: str) -> list[Path]:
    return sorted(QUOTE_FIXTURES.glob(f"*/{kind}-*.ttl"), key=str)


def _graph(config, fixture: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in [*config.ontology_dir.glob("*.ttl"), SHAPE_FIXTURES / "base.ttl", QUOTE_FIXTURES / "articles.ttl", fixture]:
        g.parse(path)
    return g


def test_every_quote_rule_has_valid_and_invalid_fixtures():
    assert {p.name for p in QUOTE_FIXTURES.iterdir() if p.is_dir()} == set(RULE_SHAPES)
    for rule in RULE_SHAPES:
        assert list((QUOTE_FIXTURES / rule).glob("invalid-*.ttl")) and list((QUOTE_FIXTURES / rule).glob("valid-*.ttl"))


@pytest.mark.parametrize("fixture", _fixtures("valid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_valid_quote_fixture_conforms(config, fixture):
    report = validate_graph(_graph(config, fixture), config.shapes_dir)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("fixture", _fixtures("invalid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invalid_quote_fixture_fails_for_its_rule_only(config, fixture):
    report = validate_graph(_graph(config, fixture), config.shapes_dir)
    assert report.results and {r.source_shape for r in report.results} == {AKS + RULE_SHAPES[fixture.parent.name]}, report.to_text()
    assert all(r.severity == "Violation" and r.message.startswith("Statement ") for r in report.results)


@pytest.mark.parametrize("fixture", _fixtures("invalid") + _fixtures("valid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_our_engine_reports_what_plain_pyshacl_reports_on_quotes(config, fixture):
    """pySHACL evaluates akf:quoteCheck through rdflib's registry, as Oxigraph does through ours."""
    data = _graph(config, fixture)
    ours = validate_graph(data, config.shapes_dir)
    report = plain_pyshacl(data, load_shapes(config.shapes_dir))
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    reference = sorted((str(report.value(r, sh.sourceShape)), str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultMessage)))
                       for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
                       if str(report.value(r, sh.sourceShape)).startswith(AKS))
    assert sorted((r.source_shape, r.focus_node, r.message) for r in ours.results) == reference


# --- the committed fingerprints ------------------------------------------------------------------------


def test_rebuilding_the_fingerprints_from_the_articles_gives_the_committed_file():
    seeds = shared_file("seeds").resolve()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_quote_fingerprints.py"), "--seeds", str(seeds),
                             "--check"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is up to date" in result.stdout


def test_the_build_fails_clearly_without_the_articles(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_quote_fingerprints.py"),
                             "--seeds", str(tmp_path / "absent"), "--out", str(tmp_path / "quotes.json")],
                            check=False, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "absent" in result.stderr
    assert not (tmp_path / "quotes.json").exists()


def runs(text: str, length: int = 5) -> set[str]:
    """Every run of ``length`` normalised words of ``text``, as text."""
    found = quotes.words(text)
    return {" ".join(found[i:i + length]) for i in range(len(found) - length + 1)}


def test_the_committed_file_holds_no_run_of_five_words_of_a_quote(shipped):
    committed = " ".join(quotes.words(quotes.fingerprints_path().read_text(encoding="utf-8")))
    quoted = set().union(*(runs(quote) for _, quote, doc in seed_statements(shipped) if doc in ("D000", "D002")))
    assert len(quoted) > 500
    assert [run for run in quoted if f" {run} " in f" {committed} "] == []


def test_the_committed_file_holds_no_run_of_five_words_of_the_articles():
    committed = " ".join(quotes.words(quotes.fingerprints_path().read_text(encoding="utf-8")))
    for name in ("000_84604f3204db915b.txt", "002_ff078e5cea379b1f.txt"):
        article = shared_file("seeds", name).read_text(encoding="utf-8")
        assert [run for run in runs(article) if f" {run} " in f" {committed} "] == [], name
