"""Ontology hygiene, as queries that must return nothing (``tests/queries/*-violation.rq``)."""

from __future__ import annotations

from pathlib import Path

import pytest

QUERIES = Path(__file__).parent / "queries"
ONTOLOGY = "https://w3id.org/alliance-kg/ontology"


@pytest.mark.parametrize("query", sorted(QUERIES.glob("*-violation.rq")), ids=lambda p: p.stem)
def test_violation_query_returns_nothing(shipped, query):
    rows = shipped.select(query.read_text())
    assert rows == [], f"{query.name}: {[{k: v.value for k, v in r.items()} for r in rows]}"


def test_violation_query_catches_an_unlabelled_term(kg):
    kg.load_data(f"<{ONTOLOGY}#Orphan> a <http://www.w3.org/2002/07/owl#Class> .", "turtle", graph="ontology")
    rows = kg.select((QUERIES / "unlabelled-term-violation.rq").read_text())
    assert {(r["term"].value, r["missing"].value) for r in rows} == {
        (f"{ONTOLOGY}#Orphan", "label"), (f"{ONTOLOGY}#Orphan", "comment")
    }


def test_violation_query_catches_an_undeclared_term(kg):
    kg.load_data(f"<https://example.org/x> <{ONTOLOGY}#invented> \"1\" .", "nt", graph="seed")
    rows = kg.select((QUERIES / "undeclared-term-violation.rq").read_text())
    assert [r["term"].value for r in rows] == [f"{ONTOLOGY}#invented"]


def test_ontology_header(shipped):
    rows = shipped.select(
        """SELECT ?version ?licence ?creator ?modified ?note WHERE {
             ?o a owl:Ontology ; owl:versionIRI ?version ; dcterms:license ?licence ;
                dcterms:creator ?creator ; dcterms:modified ?modified ; skos:changeNote ?note }""",
        graphs=["ontology"],
    )
    assert len(rows) == 1
    assert rows[0]["version"].value.startswith(ONTOLOGY + "/")


def test_standard_vocabularies_are_reused(shipped):
    parents = {
        r["parent"].value
        for r in shipped.select("SELECT ?parent WHERE { ?c rdfs:subClassOf ?parent }", graphs=["ontology"])
    }
    for expected in ("http://www.w3.org/ns/org#FormalOrganization", "https://schema.org/Organization",
                     "http://www.w3.org/ns/prov#Entity", "http://www.w3.org/2004/02/skos/core#Concept",
                     "https://schema.org/ProductModel"):
        assert expected in parents


def test_readme_diagram_is_generated_from_the_ontology():
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("ontology_diagram", root / "scripts" / "ontology_diagram.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"{module.START}\n{module.mermaid()}\n{module.END}" in readme, "run: make diagram"


def test_canned_queries_parse():
    from alliance_kg.store.queries import check_queries, query_names

    assert "class_counts" in query_names()
    check_queries()  # raises ConfigurationError naming the file if one does not parse
