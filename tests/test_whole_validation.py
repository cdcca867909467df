"""Full validation answered by the store (engine ``sparql``, :mod:`alliance_kg.rules.whole`): the
same results as pySHACL, the reference, on the shipped graph with violations of every kind of
rule (a core cardinality, a SPARQL constraint, a constraint that calls the project's quote
check, an outsider follower); over the embedded store here, over remote stores in test_remote."""

from __future__ import annotations

import re

import pytest

from alliance_kg.rules.shapesql import Unsupported
from alliance_kg.rules.validation import union_store, validate, validate_store
from test_shapes import CQ42

AKS = "https://w3id.org/alliance-kg/shapes#"
#: Four violations of four rules: a second start date (sh:maxCount), a second leader for
#: Europe (SingleLeaderShape, with CQ42), a quote not in its article (QuoteShape, akf:quoteCheck),
#: and a follower in no alliance (MembersOnlyShape).
INJECTED = (
    CQ42
    + """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
akr:assignment-Europe akg:validFrom "2021-01-01"^^xsd:date .
akr:statement-ariya a akg:Statement ; skos:prefLabel "a made-up quote"@en ; akg:factId "X1" ;
    akg:document akr:D000 ; akg:quote "the Ariya is based on the Leaf" ; akg:strength akg:Stated ;
    akg:layer akg:PublicLayer .
akr:Outsider a akg:Company ; skos:prefLabel "Outsider Motors"@en ; rdfs:label "Outsider Motors"@en .
akr:assignment-Japan akg:follower akr:Outsider .
"""
)
EXPECTED_SHAPES = {AKS + s for s in ("AssignmentShape", "SingleLeaderShape", "QuoteShape", "MembersOnlyShape")}


def comparable(report) -> set[tuple]:
    """Results as the engines are compared; the lists of sources in a message in sorted order
    (they come from GROUP_CONCAT, whose order SPARQL leaves to the store)."""
    return {
        (r.focus_node, r.path, r.value, r.source_shape, r.severity, _sorted_lists(r.message)) for r in report.results
    }


def _sorted_lists(message: str) -> str:
    return re.sub(r"\(([^()]*,[^()]*)\)", lambda m: "(" + ", ".join(sorted(m.group(1).split(", "))) + ")", message)


def reference(kg, shapes_dir):
    """pySHACL's report on an in-memory copy of what ``kg`` holds."""
    return validate_store(union_store(kg), shapes_dir, engine="pyshacl")


@pytest.fixture
def injected(kg):
    kg.load_data(INJECTED, "turtle", graph="candidate")
    return kg


def test_the_shipped_graph_conforms_validated_in_the_store(shipped, config):
    report = validate(shipped, config.shapes_dir, engine="sparql")
    assert report.conforms, report.to_text()


def test_validated_in_the_store_as_the_reference_on_violations_of_every_kind(injected, config):
    mine = validate(injected, config.shapes_dir, engine="sparql")
    expected = reference(injected, config.shapes_dir)
    assert {r.source_shape for r in mine.results} == EXPECTED_SHAPES
    assert comparable(mine) == comparable(expected)
    assert "Outsider Motors" in mine.to_text()  # explained from the store: labels, not IRIs


def test_a_shape_the_engine_does_not_compile_is_refused_by_name(tmp_path, shipped):
    (tmp_path / "odd.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> sh:targetNode <https://example.org/a> ; sh:closed true .\n"
    )
    with pytest.raises(Unsupported, match="sh:closed"):
        validate(shipped, tmp_path, engine="sparql")
