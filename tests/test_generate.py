"""The synthetic data generator (bench/generate.py) at a small size: the output loads into
alliance-kg and conforms to the shapes, it is the same for the same seed, it has the size asked
for and deep lineage, and the manifest's keys and write bodies work through the JSON API."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.rules.validation import validate
from alliance_kg.store import LAYER_GRAPHS, KnowledgeGraph, open_graph
from alliance_kg.web import create_app
from helpers import TESTS

ROOT = TESTS.parent
SIZE, SEED = 4000, 11
TOKEN = "a-generator-test-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("akg_bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generator = _load_generator()

# One worker runs the module (--dist loadgroup): its tests share one generated data set.
pytestmark = pytest.mark.xdist_group(name="generate")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("generated") / "akg"
    manifest = generator.generate(SIZE, seed=SEED, out=out)
    assert json.loads((out / "manifest.json").read_text()) == manifest.to_dict()
    return out, manifest.to_dict()


@pytest.fixture(scope="module")
def config(dataset) -> Config:
    out, _ = dataset
    return Config.from_env({}, data_dir=out)


@pytest.fixture(scope="module")
def generated(config) -> KnowledgeGraph:
    """The generated data directory, loaded as alliance-kg loads its shipped graph. Read-only."""
    return open_graph(config)


@pytest.fixture(scope="module")
def client(config, generated):
    return create_app(config, kg=generated).test_client()


def quads_of(path: Path) -> set[str]:
    return {str(q) for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)}


# --- size, determinism, formats ----------------------------------------------------------------------


def test_the_size_is_within_5_percent_and_every_quad_is_distinct(dataset):
    out, manifest = dataset
    lines = (out / "dataset.nq").read_bytes().count(b"\n")
    assert manifest["requested_triples"] == SIZE
    assert abs(manifest["triples"] - SIZE) <= 0.05 * SIZE
    assert lines == manifest["triples"] == sum(manifest["graphs"].values())
    assert len(quads_of(out / "dataset.nq")) == lines


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(dataset, tmp_path):
    out, _ = dataset
    again = tmp_path / "again"
    generator.generate(SIZE, seed=SEED, out=again)
    files = ["dataset.nq", "manifest.json", *(f"data/{layer}/generated.ttl" for layer in ("seed", "regions", "public"))]
    for name in files:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    other = tmp_path / "other"
    generator.generate(SIZE, seed=SEED + 1, out=other)
    assert (other / "dataset.nq").read_bytes() != (out / "dataset.nq").read_bytes()


def test_the_data_directory_and_the_nquads_file_hold_the_same_dataset(dataset, generated):
    out, manifest = dataset
    in_store = {str(q) for q in generated.quads(None, None, None, None)}
    assert in_store == quads_of(out / "dataset.nq")
    counts = generated.triple_counts()
    assert {layer: counts.get(iri, 0) for layer, iri in LAYER_GRAPHS.items()} == manifest["graphs"]
    assert manifest["graphs"]["ontology"] == len(list(ox.parse(path=str(ROOT / "ontology" / "alliance.ttl"),
                                                                format=ox.RdfFormat.TURTLE)))


def test_a_single_nquads_file_with_its_manifest_beside_it(tmp_path):
    manifest = generator.generate(generator.MIN_TRIPLES, seed=3, out=tmp_path / "small.nq")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.manifest.json", "small.nq"]
    assert len(quads_of(tmp_path / "small.nq")) == manifest.triples
    with pytest.raises(ValueError):
        generator.generate(generator.MIN_TRIPLES - 1, seed=3, out=tmp_path / "too-small.nq")


def test_a_directory_that_is_not_an_earlier_output_is_left_alone(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.ttl").write_text("")
    with pytest.raises(ValueError, match="not empty"):
        generator.generate(SIZE, seed=SEED, out=tmp_path)
    assert (tmp_path / "data" / "keep.ttl").exists()
    with pytest.raises(ValueError):
        generator.generate(SIZE, seed=SEED, out=ROOT)


# --- validity and shape of the data -------------------------------------------------------------------


def test_the_generated_graph_conforms_to_every_shape(generated, config):
    report = validate(generated, config.shapes_dir)
    assert report.conforms, report.to_text()


def test_instances_carry_their_schema_org_types(generated):
    query = (TESTS / "queries" / "schema-type-violation.rq").read_text()
    assert generated.select(query) == []


def test_derivation_chains_reach_depth_6(generated, dataset):
    _, manifest = dataset
    six = "/".join(["akg:derivedFrom"] * 6)
    assert bool(generated.query(f"ASK {{ ?model {six} ?ancestor }}"))
    assert manifest["counts"]["max_derivation_depth"] >= 6
    assert manifest["keys"]["models_deep"] and all(m["depth"] >= 6 for m in manifest["keys"]["models_deep"])


def test_the_model_is_many_alliances_each_with_its_own_members(generated, dataset):
    _, manifest = dataset
    rows = generated.select("SELECT ?alliance (COUNT(?c) AS ?n) WHERE { ?c org:memberOf ?alliance } GROUP BY ?alliance")
    assert len(rows) == manifest["counts"]["alliances"] >= 2
    assert all(3 <= int(r["n"].value) <= 10 for r in rows)
    # every leader and follower belongs to the alliance of the leader
    assert generated.select("""SELECT ?a WHERE {
        ?a akg:leader ?l ; akg:follower ?f . ?l org:memberOf ?x . FILTER NOT EXISTS { ?f org:memberOf ?x } }""") == []


# --- the manifest against the JSON API ----------------------------------------------------------------


def test_country_keys_answer_with_the_leaders_the_manifest_names(client, dataset):
    _, manifest = dataset
    assert manifest["keys"]["countries"]
    for key in manifest["keys"]["countries"]:
        for as_of in (manifest["as_of"], None):  # the keys' leaders hold on as_of and after it (today)
            answer = client.get("/api/responsibility", query_string={"country": key["id"], "as_of": as_of}).get_json()
            assert answer["leader_assigned"], answer
            assert sorted(r["id"] for r in answer["leaders"]) == key["leaders"]
            assert sorted(a["scope"]["id"] for a in answer["assignments"]) == key["regions"]
    for key in manifest["keys"]["countries_without_leader"]:
        answer = client.get("/api/responsibility", query_string={"country": key["label"]}).get_json()
        assert answer["leader_assigned"] is False and answer["question"]["country"]["id"] == key["id"]


@pytest.mark.parametrize("kind, param", [("regions", "region"), ("technology_scopes", "technology"),
                                         ("segment_scopes", "segment"), ("technologies", "technology"),
                                         ("segments", "segment")])
def test_scope_keys_answer_with_a_leader(client, dataset, kind, param):
    _, manifest = dataset
    assert manifest["keys"][kind]
    for key in manifest["keys"][kind]:
        response = client.get("/api/responsibility", query_string={param: key["id"], "as_of": manifest["as_of"]})
        answer = response.get_json()
        # a segment (or technology) asked for on its own may be led only in scopes limited to
        # some regions: those leads are the limited ones (issue 14), never read as global
        leads = answer["leaders"] + answer["limited_leaders"]
        assert response.status_code == 200 and leads, answer
        if "leader" in key:
            assert key["leader"] in {r["id"] for r in leads}


def test_lineage_keys_have_deep_ancestry_and_platforms_have_models(client, dataset):
    _, manifest = dataset
    for key in manifest["keys"]["models_deep"][:4]:
        lineage = client.get(f"/api/lineage/{key['id']}").get_json()
        assert max(node["depth"] for node in lineage["ancestors"]) == key["depth"] >= 6
    for key in manifest["keys"]["platforms"][:2] + manifest["keys"]["platform_families"][:2]:
        lineage = client.get(f"/api/lineage/{key['id']}").get_json()
        assert lineage["item"]["kind"] == "platform" and lineage["descendants"]


def test_company_keys_lead_something(client, dataset):
    _, manifest = dataset
    for key in manifest["keys"]["companies"]:
        roles = client.get(f"/api/companies/{key['id']}", query_string={"as_of": manifest["as_of"]}).get_json()
        assert roles["leads"] and roles["member_of"][0]["id"] == key["alliance"]


def test_the_manifest_writes_are_accepted_and_rejected_as_it_says(dataset, config):
    _, manifest = dataset
    kg = open_graph(config)
    writer = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}, data_dir=config.data_dir), kg=kg).test_client()
    writes = manifest["writes"]
    for name in ("assignment_accepted", "derivation_accepted"):
        write = writes[name]
        response = writer.open(write["path"], method=write["method"], json=write["body"], headers=AUTH)
        assert response.status_code == write["status"] == 201, response.get_json()
        assert response.get_json()["committed"]
        if name == "assignment_accepted":
            created = writer.get(response.headers["Location"]).get_json()
            assert (created["leader"]["id"], created["valid_from"]) == (write["body"]["leader"], write["body"]["valid_from"])
    before = len(kg)
    write = writes["assignment_rejected"]
    response = writer.open(write["path"], method=write["method"], json=write["body"], headers=AUTH)
    assert response.status_code == write["status"] == 422
    shapes = {r["source_shape"].rsplit("#", 1)[-1] for r in response.get_json()["error"]["report"]["results"]}
    assert shapes == {write["violates"]} == {"SingleLeaderShape"}
    assert len(kg) == before
