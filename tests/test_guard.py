"""The guard: its incremental verdict equals a full validation's, on every shape fixture and on
randomised change sequences; rejected writes change nothing; CQ42 and CQ44 as writes."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.rules.guard import Guard
from alliance_kg.rules.validation import validate
from alliance_kg.store import LAYER_GRAPHS, Change, KnowledgeGraph, empty_graph
from test_shapes import CQ42, FIXTURES

AKS = "https://w3id.org/alliance-kg/shapes#"
AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PUBLIC = ox.NamedNode(LAYER_GRAPHS["public"])


def quads(path_or_text, graph=PUBLIC) -> frozenset[ox.Quad]:
    if isinstance(path_or_text, Path):
        parsed = ox.parse(path=str(path_or_text), format=ox.RdfFormat.TURTLE)
    else:
        parsed = ox.parse(path_or_text, format=ox.RdfFormat.TURTLE)
    return frozenset(ox.Quad(q.subject, q.predicate, q.object, graph) for q in parsed)


def dump(kg: KnowledgeGraph) -> frozenset[ox.Quad]:
    """Every quad of ``kg``, to compare before and after (a failed comparison names the quads
    one side lacks)."""
    return frozenset(kg.quads())


def full_verdict(kg: KnowledgeGraph, change: Change, shapes_dir) -> tuple[bool, set]:
    """What a full validation says of ``kg`` with ``change`` applied (on a copy)."""
    copy = empty_graph()
    copy.commit(Change(added=frozenset(kg.quads())))
    copy.commit(change)
    report = validate(copy, shapes_dir)
    return report.conforms, {(r.source_shape, r.focus_node) for r in report.results}


@pytest.fixture
def base(config) -> KnowledgeGraph:
    """The base graph of the shape fixtures, with the ontology."""
    kg = empty_graph()
    for path in config.ontology_dir.glob("*.ttl"):
        kg.load_file(path, graph="ontology")
    kg.load_file(FIXTURES / "base.ttl", graph="seed")
    return kg


FIXTURE_FILES = sorted(FIXTURES.glob("*/*.ttl"), key=str)


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_adding_a_fixture_gets_the_verdict_of_a_full_validation(base, config, fixture):
    change = Change(added=quads(fixture))
    expected, expected_results = full_verdict(base, change, config.shapes_dir)
    before = dump(base)
    result = Guard(base, config.shapes_dir).write(change, agent="test", endpoint="test", summary="fixture", dry_run=True)
    assert result.mode == "incremental"
    assert result.accepted == expected == fixture.name.startswith("valid-")
    assert {(r.source_shape, r.focus_node) for r in result.report.results} == expected_results
    assert dump(base) == before


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_removing_a_fixture_gets_the_verdict_of_a_full_validation(base, config, fixture):
    added = quads(fixture)
    base.commit(Change(added=added))
    change = Change(removed=added)
    expected, _ = full_verdict(base, change, config.shapes_dir)
    result = Guard(base, config.shapes_dir).write(change, agent="test", endpoint="test", summary="undo", dry_run=True)
    assert result.accepted == expected is True


def test_an_accepted_write_is_committed_with_a_change_log_entry(kg, config):
    guard = Guard(kg, config.shapes_dir)
    company = ox.Quad(ox.NamedNode(AKR + "Dacia"), ox.NamedNode(RDF_TYPE), ox.NamedNode(AKG + "Company"), PUBLIC)
    label = ox.Quad(ox.NamedNode(AKR + "Dacia"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                    ox.Literal("Dacia", language="en"), PUBLIC)
    result = guard.write(Change(added=frozenset([company, label])), agent="tester", endpoint="test", summary="add Dacia")
    assert result.accepted and result.committed and result.change_id
    assert kg.contains(company)
    log = ox.NamedNode(AKR + result.change_id)
    logged = {q.predicate.value: q.object for q in kg.quads(log, None, None, None)}
    assert logged[AKG + "quadsAdded"].value == "2"
    assert str(company).rsplit(" ", 2)[0].split(" ", 1)[0] in logged[AKG + "addedQuads"].value


def _company(local: str, label: str) -> frozenset[ox.Quad]:
    node = ox.NamedNode(AKR + local)
    return frozenset([ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(AKG + "Company"), PUBLIC),
                      ox.Quad(node, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                              ox.Literal(label, language="en"), PUBLIC)])


def test_a_commit_that_fails_leaves_the_guards_view_as_the_store(kg, config, monkeypatch):
    """The store refuses a validated change (a journal or disk error): the next write is judged
    against the store as it is, not as it would have been. Had the guard kept the failed change,
    the second label in English below would break skos:prefLabel's sh:uniqueLang."""
    guard = Guard(kg, config.shapes_dir)
    version, real_commit = kg.version, kg.commit

    def failing(change):
        raise OSError("disk full")

    monkeypatch.setattr(kg, "commit", failing)
    with pytest.raises(OSError):
        guard.write(Change(added=_company("Dacia", "Dacia")), agent="t", endpoint="t", summary="fails")
    assert kg.version == version and not any(kg.quads(ox.NamedNode(AKR + "Dacia"), None, None, None))
    monkeypatch.setattr(kg, "commit", real_commit)
    result = guard.write(Change(added=_company("Dacia", "Automobile Dacia")), agent="t", endpoint="t", summary="ok")
    assert result.committed, [r.message for r in result.report.results]


def test_cq42_as_a_write_is_rejected_with_exactly_one_single_leader_violation(kg, config):
    before = dump(kg)
    result = Guard(kg, config.shapes_dir).write(Change(added=quads(CQ42)), agent="t", endpoint="t", summary="cq42")
    assert not result.accepted and not result.committed
    assert [(r.source_shape, r.focus_node) for r in result.report.results] == [(AKS + "SingleLeaderShape", AKR + "Europe")]
    assert "Renault" in result.report.results[0].message and "Nissan" in result.report.results[0].message
    assert dump(kg) == before


def test_cq44_as_a_write_is_rejected_with_exactly_one_irreflexive_violation(kg, config):
    before = dump(kg)
    livina = ox.NamedNode(AKR + "NissanLivina")
    change = Change(added=frozenset([ox.Quad(livina, ox.NamedNode(AKG + "derivedFrom"), livina, PUBLIC)]))
    result = Guard(kg, config.shapes_dir).write(change, agent="t", endpoint="t", summary="cq44")
    assert [(r.source_shape, r.focus_node) for r in result.report.results] == [
        (AKS + "IrreflexiveDerivationShape", AKR + "NissanLivina")
    ]
    assert dump(kg) == before


def test_a_change_with_blank_nodes_is_validated_in_full(kg, config):
    node = ox.BlankNode()
    change = Change(added=frozenset([ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(AKG + "Statement"), PUBLIC)]))
    result = Guard(kg, config.shapes_dir).write(change, agent="t", endpoint="t", summary="bnode", dry_run=True)
    assert result.mode == "full"
    assert not result.accepted  # a statement needs a document, a strength, a layer and a fact id


# --- randomised change sequences -------------------------------------------------------------------


def _subjects(kg, cls: str) -> list[ox.NamedNode]:
    found = {q.subject for q in kg.quads(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(AKG + cls), None)}
    return sorted((s for s in found if isinstance(s, ox.NamedNode)), key=lambda n: n.value)


def _quads_of(kg, s=None, p=None, o=None) -> list[ox.Quad]:
    return sorted(kg.quads(s, ox.NamedNode(p) if p else None, o, None), key=str)


def _date(rng) -> ox.Literal:
    return ox.Literal(f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


def _statement(rng, *, supports: ox.NamedNode | None = None, about: tuple | None = None) -> list[ox.Quad]:
    """A well-formed public statement that supports a node or is about one triple."""
    st = ox.NamedNode(AKR + f"random-statement-{rng.randrange(10**9)}")
    p = lambda local: ox.NamedNode(AKG + local)  # noqa: E731
    out = [
        ox.Quad(st, ox.NamedNode(RDF_TYPE), p("Statement"), PUBLIC),
        ox.Quad(st, p("factId"), ox.Literal("R"), PUBLIC),
        ox.Quad(st, p("document"), ox.NamedNode(AKR + "D000"), PUBLIC),
        ox.Quad(st, p("quote"), ox.Literal("random"), PUBLIC),
        ox.Quad(st, p("strength"), p("Stated"), PUBLIC),
        ox.Quad(st, p("layer"), p("PublicLayer"), PUBLIC),
    ]
    if supports is not None:
        out.append(ox.Quad(st, p("supports"), supports, PUBLIC))
    if about is not None:
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        out += [ox.Quad(st, ox.NamedNode(rdf + name), term, PUBLIC) for name, term in zip(("subject", "predicate", "object"), about)]
    return out


def _mutation(kg, rng) -> Change:
    """One random change, valid or not."""
    p = lambda local: ox.NamedNode(AKG + local)  # noqa: E731
    companies = _subjects(kg, "Company")
    assignments = _subjects(kg, "LeadershipAssignment")
    models = _subjects(kg, "VehicleModel")
    kind = rng.randrange(9)
    if kind == 0:  # a new assignment for an existing scope, maybe overlapping the current one
        scope = rng.choice(_quads_of(kg, None, AKG + "scope")).object
        a = ox.NamedNode(AKR + f"random-assignment-{rng.randrange(10**9)}")
        start = _date(rng)
        added = [
            ox.Quad(a, ox.NamedNode(RDF_TYPE), p("LeadershipAssignment"), PUBLIC),
            ox.Quad(a, p("scope"), scope, PUBLIC),
            ox.Quad(a, p("leader"), rng.choice(companies), PUBLIC),
            ox.Quad(a, p("followersRule"), p("FollowersDerived"), PUBLIC),
            ox.Quad(a, p("validFrom"), start, PUBLIC),
        ] + _statement(rng, supports=a)
        if rng.random() < 0.5:
            added.append(ox.Quad(a, p("validTo"), _date(rng), PUBLIC))
        return Change(added=frozenset(added))
    if kind == 1:  # end an assignment, maybe before it starts
        a = rng.choice(assignments)
        return Change(removed=frozenset(_quads_of(kg, a, AKG + "validTo")),
                      added=frozenset([ox.Quad(a, p("validTo"), _date(rng), PUBLIC)]))
    if kind == 2:  # drop one source of an assignment
        supports = [q for q in _quads_of(kg, None, AKG + "supports") if q.object in assignments]
        return Change(removed=frozenset([rng.choice(supports)]))
    if kind == 3:  # a derivation between two models, sourced, maybe closing a cycle
        a, b = rng.choice(models), rng.choice(models)
        edge = (a, p("derivedFrom"), b)
        return Change(added=frozenset([ox.Quad(*edge, PUBLIC), *_statement(rng, about=edge)]))
    if kind == 4:  # a company leaves the alliance
        return Change(removed=frozenset(_quads_of(kg, rng.choice(companies), "http://www.w3.org/ns/org#memberOf")))
    if kind == 5:  # the leader also follows
        a = rng.choice(assignments)
        leader = _quads_of(kg, a, AKG + "leader")[0].object
        return Change(added=frozenset([ox.Quad(a, p("follower"), leader, PUBLIC)]))
    if kind == 6:  # a platform loses its type
        platforms = _subjects(kg, "Platform")
        return Change(removed=frozenset(_quads_of(kg, rng.choice(platforms), RDF_TYPE)))
    if kind == 7:  # a statement loses its document
        documents = _quads_of(kg, None, AKG + "document")
        return Change(removed=frozenset([rng.choice(documents)]))
    a = rng.choice(assignments)  # an assignment removed outright
    return Change(removed=frozenset(_quads_of(kg, a)))


@pytest.mark.long
@pytest.mark.parametrize("seed", [7, 2026])
def test_random_change_sequences_get_the_verdict_of_a_full_validation(kg, config, seed):
    rng = random.Random(seed)
    guard = Guard(kg, config.shapes_dir)
    verdicts = []
    for step in range(8):
        change = _mutation(kg, rng)
        expected, _ = full_verdict(kg, change, config.shapes_dir)
        result = guard.write(change, agent="random", endpoint="test", summary=f"step {step}")
        assert result.accepted == expected, f"step {step}: {change}"
        verdicts.append(expected)
    assert validate(kg, config.shapes_dir).conforms  # only conforming states were committed
    assert True in verdicts and False in verdicts, "the sequence should try both kinds of change"


def test_a_quad_removed_and_added_back_in_one_change_stays(kg, config):
    """Replacing a set of values by an overlapping one keeps the values they share."""
    europe, follower = ox.NamedNode(AKR + "assignment-Europe"), ox.NamedNode(AKG + "follower")
    seed = ox.NamedNode(LAYER_GRAPHS["seed"])
    current = frozenset(kg.quads(europe, follower, None, None))
    nissan = ox.Quad(europe, follower, ox.NamedNode(AKR + "Nissan"), seed)
    assert nissan in current
    result = Guard(kg, config.shapes_dir).write(Change(removed=current, added=frozenset([nissan])),
                                                agent="t", endpoint="t", summary="followers")
    assert result.committed and (result.removed, result.added) == (1, 0)
    assert set(kg.quads(europe, follower, None, None)) == {nissan}


def test_warming_up_builds_the_validation_graph_before_the_first_write(kg):
    from alliance_kg.config import Config
    from alliance_kg.rules.guard import Guard

    guard = Guard(kg, Config.from_env({}).shapes_dir)
    guard.warm()
    assert guard._validation_graph is not None and len(guard._validation_graph) > 0
    assert guard._synced_version == kg.version
