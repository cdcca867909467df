"""The SHACL shapes: each invalid fixture fails for exactly its rule; valid fixtures conform;
the shipped graph conforms; competency questions CQ42 and CQ44."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from alliance_kg.rules.validation import validate, validate_graph
from helpers import plain_pyshacl

FIXTURES = Path(__file__).parent / "data" / "shapes"
AKS = "https://w3id.org/alliance-kg/shapes#"
RULE_SHAPES = {
    "single-leader": "SingleLeaderShape",
    "members-only": "MembersOnlyShape",
    "leader-not-follower": "LeaderNotFollowerShape",
    "irreflexive-derivation": "IrreflexiveDerivationShape",
    "acyclic-derivation": "AcyclicDerivationShape",
    "lineage-types": "LineageTypesShape",
    "assignment-source": "AssignmentSourceShape",
    "lineage-source": "LineageSourceShape",
    "statement": "StatementShape",
    "seed-quote": "SeedQuoteShape",
    "assignment-structure": "AssignmentShape",
    "pref-label": "PrefLabelShape",
}


def _fixtures(kind: str):
    return sorted(FIXTURES.glob(f"*/{kind}-*.ttl"), key=str)


def _graph(config, fixture: Path | None) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in config.ontology_dir.glob("*.ttl"):
        g.parse(path)
    g.parse(FIXTURES / "base.ttl")
    if fixture is not None:
        g.parse(fixture)
    return g


def test_every_rule_has_valid_and_invalid_fixtures():
    for rule in RULE_SHAPES:
        assert list((FIXTURES / rule).glob("invalid-*.ttl")), f"{rule} has no invalid fixture"
    assert set(p.name for p in FIXTURES.iterdir() if p.is_dir()) == set(RULE_SHAPES)


def test_base_fixture_conforms(config):
    report = validate_graph(_graph(config, None), config.shapes_dir)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("fixture", _fixtures("valid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_valid_fixture_conforms(config, fixture):
    report = validate_graph(_graph(config, fixture), config.shapes_dir)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("fixture", _fixtures("invalid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invalid_fixture_fails_for_its_rule_only(config, fixture):
    report = validate_graph(_graph(config, fixture), config.shapes_dir)
    assert not report.conforms
    assert report.results, "a non-conforming report must carry results"
    assert {r.source_shape for r in report.results} == {AKS + RULE_SHAPES[fixture.parent.name]}, report.to_text()
    assert all(r.severity == "Violation" and r.message for r in report.results)


def _comparable(report) -> set[tuple]:
    """A report's results as the issue compares engines: focus node, path, value, source shape,
    severity, and the message (the constraint component speaks through it)."""
    return {(r.focus_node, r.path, r.value, r.source_shape, r.severity, r.message) for r in report.results}


@pytest.mark.parametrize("fixture", [None, *_fixtures("valid"), *_fixtures("invalid")],
                         ids=lambda p: "base" if p is None else f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("engine", ["turbo", "rust", "sparql"])
def test_every_engine_reports_what_the_reference_does_on_every_fixture(config, fixture, engine):
    """pyshacl-turbo (focused validation), shacl-rust (full validation) and pySHACL (the
    reference) check the core constraints: the same results, messages included."""
    data = _graph(config, fixture)
    mine = validate_graph(data, config.shapes_dir, engine=engine)
    reference = validate_graph(data, config.shapes_dir, engine="pyshacl")
    assert mine.conforms == reference.conforms
    assert _comparable(mine) == _comparable(reference)


def test_every_engine_agrees_on_the_shipped_graph_full_and_focused(shipped, config):
    """The shipped graph with a second start date for Europe's assignment (a core sh:maxCount)
    and a second leader for Europe (CQ42, a SPARQL constraint): both engines, both ways."""
    import pyoxigraph as ox

    from alliance_kg.rules.validation import union_store, validate_store

    union = union_store(shipped)
    union.load(CQ42.encode(), ox.RdfFormat.TURTLE)
    europe = "https://w3id.org/alliance-kg/id/assignment-Europe"
    union.add(ox.Quad(ox.NamedNode(europe), ox.NamedNode("https://w3id.org/alliance-kg/ontology#validFrom"),
                      ox.Literal("2021-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))))
    nodes = [europe, "https://w3id.org/alliance-kg/id/Europe", "https://w3id.org/alliance-kg/id/Renault"]
    for engine in ("turbo", "rust", "sparql", None):  # None: each way its default engine
        for kwargs in ({}, {"focus_nodes": nodes}):
            mine = validate_store(union, config.shapes_dir, engine=engine, **kwargs)
            reference = validate_store(union, config.shapes_dir, engine="pyshacl", **kwargs)
            assert {r.source_shape for r in mine.results} == {AKS + "AssignmentShape", AKS + "SingleLeaderShape"}
            assert _comparable(mine) == _comparable(reference)


def test_an_unknown_engine_is_refused(config):
    from alliance_kg.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown SHACL engine 'jena'"):
        validate_graph(_graph(config, None), config.shapes_dir, engine="jena")


def test_shipped_graph_conforms(shipped, config):
    report = validate(shipped, config.shapes_dir)
    assert report.conforms, report.to_text()
    assert report.results == ()


CQ42 = """
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
akr:assignment-Europe-Nissan a akg:LeadershipAssignment ; skos:prefLabel "Nissan leads Europe"@en ;
    akg:scope akr:Europe ; akg:leader akr:Nissan ; akg:follower akr:Renault , akr:MitsubishiMotors ;
    akg:followersRule akg:FollowersDerived ; akg:validFrom "2020-05-27"^^xsd:date .
akr:news-cq42 a akg:SourceDocument ; skos:prefLabel "A news item that says Nissan leads Europe (CQ42)"@en .
akr:statement-cq42 a akg:Statement ; skos:prefLabel "CQ42: Nissan leads Europe"@en ;
    akg:factId "CQ42" ; akg:document akr:news-cq42 ; akg:quote "Nissan leads Europe" ;
    akg:strength akg:Stated ; akg:layer akg:PublicLayer ; akg:supports akr:assignment-Europe-Nissan .
"""


def test_cq42_second_leader_for_europe_is_one_single_leader_violation(kg, config):
    kg.load_data(CQ42, "turtle", graph="candidate")
    report = validate(kg, config.shapes_dir)
    assert not report.conforms
    assert len(report.results) == 1
    (result,) = report.results
    assert result.source_shape == AKS + "SingleLeaderShape"
    assert result.focus_node == "https://w3id.org/alliance-kg/id/Europe"
    assert "Renault" in result.message and "Nissan" in result.message
    assert "F063" in result.message and "F070" in result.message  # the sources of the existing leader


def test_cq44_self_derivation_is_one_irreflexive_violation(kg, config):
    kg.load_data(
        "<https://w3id.org/alliance-kg/id/NissanLivina> <https://w3id.org/alliance-kg/ontology#derivedFrom> "
        "<https://w3id.org/alliance-kg/id/NissanLivina> .",
        "nt",
        graph="candidate",
    )
    report = validate(kg, config.shapes_dir)
    assert not report.conforms
    assert [(r.source_shape, r.focus_node) for r in report.results] == [
        (AKS + "IrreflexiveDerivationShape", "https://w3id.org/alliance-kg/id/NissanLivina")
    ]


def test_report_is_rdf_with_json_and_text_views(kg, config):
    kg.load_data(CQ42, "turtle", graph="candidate")
    report = validate(kg, config.shapes_dir)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    parsed = rdflib.Graph().parse(data=report.serialize("turtle"), format="turtle")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in parsed
    assert (None, sh.conforms, rdflib.Literal(False)) in parsed
    data = report.to_dict()
    assert data["conforms"] is False and data["result_count"] == 1
    assert data["results"][0]["focus_label"] == "Europe"
    assert "Rule: one leader per scope at any point in time (1)" in report.to_text()


@pytest.mark.parametrize("fixture", _fixtures("invalid") + _fixtures("valid"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_our_engine_reports_what_plain_pyshacl_reports(config, fixture):
    """alliance-kg runs the SHACL-SPARQL constraints on Oxigraph itself (alliance_kg.rules.focused);
    plain pySHACL on an rdflib graph is the reference: the same focus nodes, shapes and messages
    (both as alliance_kg.rules.messages.explain words them for people)."""
    from alliance_kg.rules.messages import explain
    from alliance_kg.rules.validation import load_shapes

    data = _graph(config, fixture)
    ours = validate_graph(data, config.shapes_dir)
    shapes = load_shapes(config.shapes_dir)
    report = plain_pyshacl(data, shapes)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")

    def owner(shape):
        holder = shapes.value(predicate=sh.property, object=shape) if isinstance(shape, rdflib.BNode) else None
        return str(holder if holder is not None else shape)

    reference = sorted(
        (owner(report.value(r, sh.sourceShape)), str(report.value(r, sh.focusNode)),
         explain(str(report.value(r, sh.resultMessage)), data, report.value(r, sh.focusNode)))
        for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
    )
    assert sorted((r.source_shape, r.focus_node, r.message) for r in ours.results) == reference
