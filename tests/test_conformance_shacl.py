"""The W3C SHACL suite runner's own logic (``conformance/shacl/``): reading manifests, comparing
reports as the suite says, running an engine without letting its errors end the run, the
baseline. Small inline suites and graphs only: ``make conformance`` runs the real suite."""

from __future__ import annotations

import doctest
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.shacl import compare, engines, manifest, runner  # noqa: E402
from conformance.shacl.compare import Report, difference, path_key, read_report, term_key  # noqa: E402

EX = Namespace("http://example.org/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
PREFIXES = """@prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
@prefix sht: <http://www.w3.org/ns/shacl-test#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""

#: One test in one file: data, shapes and the expected report together (``<>`` for both graphs).
MIN_COUNT_TEST = PREFIXES + """
ex:Shape a sh:NodeShape ; sh:targetClass ex:Person ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:alice a ex:Person ; ex:name "Alice" .
ex:bob a ex:Person .
<> a mf:Manifest ; mf:entries ( <min-count> ) .
<min-count> a sht:Validate ; rdfs:label "minCount on a property shape" ;
  mf:action [ sht:dataGraph <> ; sht:shapesGraph <> ] ;
  mf:result [ a sh:ValidationReport ; sh:conforms false ;
    sh:result [ a sh:ValidationResult ; sh:focusNode ex:bob ; sh:resultPath ex:name ;
      sh:resultSeverity sh:Violation ; sh:sourceConstraintComponent sh:MinCountConstraintComponent ;
      sh:sourceShape [ sh:path ex:name ; sh:minCount 1 ] ] ] ;
  mf:status sht:approved .
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def parse(text: str, base: str = "http://example.org/file.ttl") -> Graph:
    return Graph().parse(data=text, format="turtle", publicID=base)


@pytest.mark.parametrize("module", [manifest, compare, engines, runner], ids=lambda m: m.__name__)
def test_the_doctests_of_the_shacl_runner_pass(module):
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


# --- manifests ------------------------------------------------------------------------------------


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A suite shaped like the W3C one: root, folder and sub-folder manifests, test files."""
    include = PREFIXES + "<> a mf:Manifest ; {} ."
    write(tmp_path / "manifest.ttl", include.format("mf:include <core/manifest.ttl>, <sparql/manifest.ttl>, <other/manifest.ttl>"))
    write(tmp_path / "core" / "manifest.ttl", include.format("mf:include <node/manifest.ttl>"))
    write(tmp_path / "core" / "node" / "manifest.ttl", include.format("mf:include <min-count.ttl>, <apart.ttl>"))
    write(tmp_path / "core" / "node" / "min-count.ttl", MIN_COUNT_TEST)
    write(tmp_path / "core" / "node" / "apart-data.ttl", PREFIXES + "ex:x ex:p 1 .")
    write(tmp_path / "core" / "node" / "apart-shapes.ttl", PREFIXES + "ex:S a sh:NodeShape ; sh:targetNode ex:x .")
    write(tmp_path / "core" / "node" / "apart.ttl", PREFIXES + """
      <> a mf:Manifest ; mf:entries ( <apart> <not-a-validation> ) .
      <apart> a sht:Validate ; mf:action [ sht:dataGraph <apart-data.ttl> ; sht:shapesGraph <apart-shapes.ttl> ] ;
        mf:result [ a sh:ValidationReport ; sh:conforms true ] ; mf:status sht:proposed .
      <not-a-validation> a mf:SomethingElse .""")
    write(tmp_path / "sparql" / "manifest.ttl", include.format("mf:include <failing.ttl>"))
    write(tmp_path / "sparql" / "failing.ttl", PREFIXES + """
      ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?v { 1 } }" ] .
      <> a mf:Manifest ; mf:entries ( <values> ) .
      <values> a sht:Validate ; rdfs:label "VALUES is not allowed" ;
        mf:action [ sht:dataGraph <> ; sht:shapesGraph <> ] ; mf:result sht:Failure ; mf:status sht:approved .""")
    write(tmp_path / "other" / "manifest.ttl", include.format("mf:include <never.ttl>"))  # not a folder run
    return tmp_path


def test_manifests_are_followed_from_the_root_through_every_include(suite):
    tests = {t.name: t for t in manifest.load_tests(suite)}
    assert sorted(tests) == ["core/node/apart", "core/node/min-count", "sparql/values"]
    own, apart, failing = tests["core/node/min-count"], tests["core/node/apart"], tests["sparql/values"]
    assert (own.folder, own.group, own.label, own.status) == ("core", "core/node", "minCount on a property shape", "approved")
    assert own.data is own.shapes is own.expected  # <>: the test file itself, parsed once
    assert (None, SH.conforms, Literal(False)) in own.expected and not own.expects_failure
    assert (URIRef("http://example.org/x"), None, None) in apart.data and len(apart.shapes) == 2
    assert apart.status == "proposed" and apart.expected is not apart.data
    assert failing.expects_failure and failing.expected is None and failing.group == "sparql/values"


def test_only_the_folders_asked_are_read(suite):
    assert [t.name for t in manifest.load_tests(suite, ["sparql"])] == ["sparql/values"]


def test_literals_are_read_as_written(tmp_path):
    file = write(tmp_path / "t.ttl", PREFIXES + 'ex:x ex:p "none"^^xsd:boolean, "01"^^xsd:integer, "1.50"^^xsd:decimal .')
    with engines.quiet():  # rdflib warns of the ill-formed boolean, as the runner's run does
        graph = manifest.Files()(file.as_uri())
    assert sorted(str(o) for o in graph.objects(EX.x, EX.p)) == ["01", "1.50", "none"]
    assert rdflib.NORMALIZE_LITERALS is True  # as it was: only the suite's files are read so


def test_a_test_without_a_data_graph_is_an_error_that_names_it(tmp_path):
    graph = parse(PREFIXES + "<> a mf:Manifest ; mf:entries ( <t> ) . <t> a sht:Validate ; mf:action [ sht:shapesGraph <> ] .",
                  base=tmp_path.as_uri() + "/core/t.ttl")
    with pytest.raises(ValueError, match="core/t: the action names no dataGraph"):
        manifest.tests_in(graph, tmp_path.as_uri() + "/", manifest.Files())


# --- reports --------------------------------------------------------------------------------------


def report_of(results: str, conforms: str = "false") -> Graph:
    return parse(PREFIXES + f"[] a sh:ValidationReport ; sh:conforms {conforms} ; {results} .")


RESULT = """sh:result [ a sh:ValidationResult ; sh:focusNode ex:{focus} ; sh:resultPath ex:name ;
  sh:resultSeverity sh:Violation ; sh:sourceConstraintComponent sh:MinCountConstraintComponent ;
  sh:sourceShape ex:S {extra} ]"""


def read(graph: Graph) -> Report:
    return read_report(graph, data=Graph(), shapes=Graph())


def test_reports_match_whatever_the_order_message_and_source_constraint():
    expected = report_of(RESULT.format(focus="a", extra="") + " ; " + RESULT.format(focus="b", extra=""))
    actual = report_of(RESULT.format(focus="b", extra='; sh:resultMessage "no name"') + " ; "
                       + RESULT.format(focus="a", extra="; sh:sourceConstraint ex:C ; sh:detail [ a sh:ValidationResult ]"))
    assert difference(read(expected), read(actual)) == ""


def test_conforms_and_each_missing_or_extra_result_are_reported():
    expected = read(report_of(RESULT.format(focus="a", extra="")))
    assert difference(expected, read(report_of("", conforms="true"))).startswith(
        "conforms: expected false, got true; 1 result missing: focus <http://example.org/a>, path <http://example.org/name>")
    extra = read(report_of(RESULT.format(focus="a", extra="") + " ; " + RESULT.format(focus="c", extra="")))
    assert difference(expected, extra) == (
        "1 result not expected: focus <http://example.org/c>, path <http://example.org/name>, "
        "sh:MinCountConstraintComponent, shape <http://example.org/S>, sh:Violation")


@pytest.mark.parametrize("field, other", [
    ("sh:resultSeverity sh:Violation", "sh:resultSeverity sh:Warning"),
    ("sh:sourceConstraintComponent sh:MinCountConstraintComponent", "sh:sourceConstraintComponent sh:MaxCountConstraintComponent"),
    ("sh:sourceShape ex:S", "sh:sourceShape ex:T"),
    ("sh:resultPath ex:name", "sh:resultPath [ sh:inversePath ex:name ]"),
    ("sh:focusNode ex:a", "sh:focusNode ex:b"),
])
def test_every_compared_field_counts(field, other):
    result = RESULT.format(focus="a", extra="; sh:value 1")
    assert field in result
    assert difference(read(report_of(result)), read(report_of(result.replace(field, other))))


def test_results_are_a_multiset():
    one = RESULT.format(focus="a", extra="")
    twice = read(report_of(one + " ; " + one.replace("ex:S", "ex:S ; rdfs:comment 2")))
    assert sum(twice.results.values()) == 2
    assert "1 result not expected" in difference(read(report_of(one)), twice)


@pytest.mark.parametrize("a, b, same", [
    (Literal("x"), Literal("x", datatype=XSD.string), True),  # RDF 1.1: a simple literal is an xsd:string
    (Literal("x", lang="EN-us"), Literal("x", lang="en-US"), True),
    (Literal("01", datatype=XSD.integer, normalize=False), Literal("1", datatype=XSD.integer), False),  # as written
    (Literal("1", datatype=XSD.integer), Literal("1", datatype=XSD.decimal), False),
    (URIRef("http://example.org/a"), Literal("http://example.org/a"), False),
])
def test_terms_compare_as_rdf_terms(a, b, same):
    assert (term_key(a) == term_key(b)) is same


def test_blank_focus_nodes_match_by_their_description_not_their_label():
    text = PREFIXES + "ex:s ex:p [ ex:q 1 ] , [ ex:q 2 ] ."
    first, second = parse(text), parse(text)  # parsed twice: other labels
    node = lambda g, n: next(g.subjects(EX.q, Literal(n)))  # noqa: E731 - the blank node with ex:q n
    assert term_key(node(first, 1), first) == term_key(node(second, 1), second)
    assert term_key(node(first, 1), first) != term_key(node(first, 2), first)

    def report(graph: Graph, value: int) -> Report:
        result = Graph()
        result.parse(data=PREFIXES + "[] a sh:ValidationReport ; sh:conforms false ; sh:result ex:r .", format="turtle")
        result.add((EX.r, SH.focusNode, node(graph, value)))
        return read_report(result, data=graph, shapes=Graph())

    assert difference(report(first, 1), report(second, 1)) == ""
    assert difference(report(first, 1), report(second, 2)) != ""


def test_blank_source_shapes_match_by_their_description_in_the_shapes_graph():
    shapes_text = PREFIXES + "ex:S sh:property [ sh:path ex:name ; sh:minCount 1 ] , [ sh:path ex:name ; sh:maxCount 1 ] ."
    expected_shapes, actual_shapes = parse(shapes_text), parse(shapes_text)
    min_count = lambda g: next(g.subjects(SH.minCount, None))  # noqa: E731 - the property shape with sh:minCount
    max_count = lambda g: next(g.subjects(SH.maxCount, None))  # noqa: E731
    assert term_key(min_count(expected_shapes), expected_shapes) == term_key(min_count(actual_shapes), actual_shapes)
    assert term_key(min_count(expected_shapes), expected_shapes) != term_key(max_count(actual_shapes), actual_shapes)


def test_paths_compare_as_property_paths_wherever_their_triples_are():
    expected = parse(PREFIXES + "ex:r sh:resultPath ( ex:a [ sh:inversePath ex:b ] [ sh:oneOrMorePath ex:c ] ) .")
    shapes = parse(PREFIXES + "ex:S sh:path ( ex:a [ sh:inversePath ex:b ] [ sh:oneOrMorePath ex:c ] ) .")
    report = parse(PREFIXES + "ex:r sh:value 1 .")  # the engine points at the shapes graph's path
    report.add((EX.r, SH.resultPath, shapes.value(EX.S, SH.path)))
    a = path_key(expected.value(EX.r, SH.resultPath), [expected])
    assert a == path_key(report.value(EX.r, SH.resultPath), [report, shapes])
    assert a == "(<http://example.org/a>/^<http://example.org/b>/(<http://example.org/c>)+)"
    other = parse(PREFIXES + "ex:r sh:resultPath ( ex:a [ sh:inversePath ex:b ] [ sh:zeroOrMorePath ex:c ] ) .")
    assert a != path_key(other.value(EX.r, SH.resultPath), [other])


# --- running ---------------------------------------------------------------------------------------


def the_test(tmp_path: Path, text: str = MIN_COUNT_TEST, name: str = "core/node/t") -> manifest.ShaclTest:
    file = write(tmp_path / "suite" / f"{name}.ttl", text)
    graph = manifest.Files()(file.as_uri())
    (test,) = manifest.tests_in(graph, (tmp_path / "suite").as_uri() + "/", manifest.Files())
    return test


@pytest.mark.parametrize("engine", engines.ENGINES)
def test_each_engine_passes_a_small_core_test(tmp_path, engine):
    test = the_test(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    outcome = runner.run_test(test, engine, scratch)
    assert (outcome.status, outcome.reason) == ("pass", "")


def test_an_engine_error_is_a_failure_with_its_reason_and_the_run_goes_on(tmp_path, monkeypatch):
    def broken(test, scratch):
        raise RuntimeError("cannot read the shapes\nsecond line")

    monkeypatch.setitem(engines.RUNNERS, "pyshacl", broken)
    test = the_test(tmp_path)
    outcomes = runner.run_all([test, test], ["pyshacl", "pyshacl-turbo"], tmp_path)
    assert [o.status for o in outcomes] == ["fail", "pass", "fail", "pass"]
    assert outcomes[0].reason == "the engine failed: RuntimeError: cannot read the shapes"


FAILURE_TEST = PREFIXES + """
ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { MINUS { $this ex:p 1 } }" ] .
<> a mf:Manifest ; mf:entries ( <minus> ) .
<minus> a sht:Validate ; mf:action [ sht:dataGraph <> ; sht:shapesGraph <> ] ; mf:result sht:Failure .
"""


def test_a_failure_test_passes_when_the_engine_signals_one_and_fails_on_a_report(tmp_path, monkeypatch):
    test = the_test(tmp_path, FAILURE_TEST)
    assert test.expects_failure
    assert runner.run_test(test, "pyshacl", tmp_path).status == "pass"  # pySHACL refuses MINUS
    monkeypatch.setitem(engines.RUNNERS, "pyshacl", lambda t, s: (_ for _ in ()).throw(engines.EngineFailure("no")))
    assert runner.run_test(test, "pyshacl", tmp_path).reason == "signalled a failure: EngineFailure: no"
    monkeypatch.setitem(engines.RUNNERS, "pyshacl", lambda t, s: Report(True, Counter()))
    outcome = runner.run_test(test, "pyshacl", tmp_path)
    assert outcome.status == "fail" and outcome.reason.startswith("expected a failure (sht:Failure), got a report")


def test_the_table_and_the_json_count_per_engine_and_folder(tmp_path):
    core, sparql = the_test(tmp_path), the_test(tmp_path, name="sparql/node/t")
    outcomes = [runner.Outcome(core, "pyshacl", "pass"), runner.Outcome(sparql, "pyshacl", "fail", "why")]
    table = runner.format_table(outcomes, ["pyshacl"])
    assert [line.split() for line in table.splitlines() if line.startswith(("core", "sparql"))] == [
        ["core/node", "1", "0"], ["core", "1", "0"], ["sparql/node", "0", "1"], ["sparql", "0", "1"]]
    result = runner.report(outcomes, ["pyshacl"], 1.0)
    assert result["counts"] == {"pyshacl": {"core": {"pass": 1, "fail": 0}, "sparql": {"pass": 0, "fail": 1}}}
    assert result["failures"] == [{"test": "sparql/node/min-count", "engine": "pyshacl", "reason": "why"}]


def test_without_the_suite_the_runner_does_not_run_and_succeeds(tmp_path, capsys):
    assert runner.main(["--suite", str(tmp_path / "absent"), "--output", str(tmp_path / "out.json")]) == 0
    assert "no W3C SHACL suite" in capsys.readouterr().out
    assert not (tmp_path / "out.json").exists()


def test_fewer_passes_than_the_baseline_fail_the_run(suite, tmp_path, capsys):
    args = ["--suite", str(suite), "--engines", "pyshacl", "--output", str(tmp_path / "out.json")]
    baseline = tmp_path / "baseline.json"
    assert runner.main([*args, "--baseline", str(baseline), "--write-baseline"]) == 0
    recorded = json.loads(baseline.read_text())
    assert recorded == {"pyshacl": {"core": 2, "sparql": 1}}
    assert runner.main([*args, "--baseline", str(baseline)]) == 0
    baseline.write_text(json.dumps({"pyshacl": {"core": 3, "sparql": 1}, "alliance-kg": {"core": 99}}))
    assert runner.main([*args, "--baseline", str(baseline)]) == 1
    assert "pyshacl core: 2 passed, baseline 3" in capsys.readouterr().err
    written = json.loads((tmp_path / "out.json").read_text())
    assert {t["test"] for t in written["tests"]} == {"core/node/apart", "core/node/min-count", "sparql/values"}


def test_the_baseline_covers_every_engine_and_folder():
    baseline = json.loads((ROOT / "conformance" / "shacl-baseline.json").read_text(encoding="utf-8"))
    assert set(baseline) == set(engines.ENGINES)
    assert all(set(folders) == set(manifest.FOLDERS) for folders in baseline.values())
