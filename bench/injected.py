"""Ten violations put into a generated graph, past the guard, and a full validation that must find
exactly those ten, in every report format (issue 16). Not a test by itself: ``tests/test_injected.py``
runs it at 10k triples; at 1M it takes about a minute:

    .venv/bin/python bench/injected.py --triples 1000000

The ten, each built as the JSON write API would build it (so that nothing but the one rule is
broken), then committed straight into the store:

- four second leaders: a second assignment of a scope, by another member, for one day on which
  its leader holds (the single-leader rule, one result on each scope);
- two outsider followers: an assignment that names a company of another alliance as a follower
  (the members-only rule, one result on each assignment);
- a derivation cycle: a model's parent said to derive from the model (the acyclic-lineage rule,
  one result on each of the two models);
- two statements without a source: the document of two statements removed, each of an assignment
  another statement supports (the statement shape, one result on each statement).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
SHAPES = "https://w3id.org/alliance-kg/shapes#"


def inject(kg, manifest: dict) -> Counter:
    """Put the ten violations into ``kg``; the (focus node, shape) of each result they must give."""
    from alliance_kg.rules import writes
    from alliance_kg.store import Change

    expected: Counter = Counter()
    w = manifest["writes"]
    rejected = [w["assignment_rejected"]["body"], *w["more_assignments_rejected"]["bodies"]]
    scopes = set()
    for body in rejected:
        if len(scopes) == 4:
            break
        if body["scope"] in scopes:
            continue
        # for one day, on which the scope's leader holds: one conflicting pair, one result
        kg.commit(writes.create_assignment(kg, {**body, "valid_to": body["valid_from"]}).change)
        scopes.add(body["scope"])
        expected[(AKR + body["scope"], SHAPES + "SingleLeaderShape")] += 1
    companies = manifest["keys"]["companies"]
    accepted = [w["assignment_accepted"]["body"], *w["more_assignments_accepted"]["bodies"]]
    outsiders = 0
    for body in accepted:
        if outsiders == 2 or body["scope"] in scopes:
            continue
        member_of = ox.NamedNode("http://www.w3.org/ns/org#memberOf")
        alliances = {q.object.value.rsplit("/", 1)[1] for q in kg.quads(ox.NamedNode(AKR + body["leader"]), member_of)}
        outsider = next(c["id"] for c in companies if c["alliance"] not in alliances)
        plan = writes.create_assignment(kg, {**body, "followers": [*body["followers"], outsider]})
        kg.commit(plan.change)
        scopes.add(body["scope"])
        outsiders += 1
        expected[(plan.iri, SHAPES + "MembersOnlyShape")] += 1
    model = manifest["keys"]["models_deep"][0]["id"]
    parent = next(kg.quads(ox.NamedNode(AKR + model), ox.NamedNode(AKG + "derivedFrom"), None, None)).object
    cycle = writes.create_derivation(kg, {
        "model": parent.value, "derived_from": AKR + model,
        "source": {"url": f"https://alliance-news.example/injected/{model}", "quote": "an injected cycle"}})
    kg.commit(cycle.change)
    for node in (AKR + model, parent.value):
        expected[(node, SHAPES + "AcyclicDerivationShape")] += 1
    # Two statements of assignments that another statement still supports: the assignment keeps
    # a source, and the statement shape alone sees what is missing.
    document, supports = ox.NamedNode(AKG + "document"), ox.NamedNode(AKG + "supports")
    by_target: dict = {}
    for quad in kg.quads(None, supports, None, None):
        if "assignment-" in quad.object.value and quad.object.value.split("/")[-1].split("-")[1] not in scopes:
            by_target.setdefault(quad.object, []).append(quad.subject)
    chosen = [subjects[0] for subjects in by_target.values() if len(subjects) >= 2][:2]
    statements = [q for st in chosen for q in kg.quads(st, document, None, None)]
    kg.commit(Change(removed=frozenset(statements)))
    for quad in statements:
        expected[(quad.subject.value, SHAPES + "StatementShape")] += 1
    return expected


def check(triples: int, seed: int = 1, workdir: Path | None = None, engine: str | None = None) -> dict:
    """Generate, inject, validate; the results found in each format against the expected ones."""
    from alliance_kg.config import Config
    from alliance_kg.rules.validation import validate
    from alliance_kg.store import open_graph
    from generate import generate

    out = (workdir or ROOT / "build" / "bench") / f"injected-{triples}-{seed}"
    if not (out / "manifest.json").is_file():
        generate(triples, seed, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    config = Config.from_env({}, data_dir=out)
    kg = open_graph(config)
    expected = inject(kg, manifest)
    start = time.perf_counter()
    report = validate(kg, config.shapes_dir, engine=engine)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    found = Counter((r["focus_node"], r["source_shape"]) for r in json.loads(report.to_json())["results"])
    formats = {"json": sum(found.values())}
    for name in ("turtle", "json-ld"):
        graph = ox.Store()
        graph.load(report.serialize(name).encode(), ox.RdfFormat.TURTLE if name == "turtle" else ox.RdfFormat.JSON_LD)
        formats[name] = sum(1 for _ in graph.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/ns/shacl#ValidationResult"), None))
    formats["text"] = report.to_text().count("focus node:")
    return {"triples": manifest["triples"], "expected": expected, "found": found, "formats": formats,
            "validation_s": seconds, "conforms": report.conforms, "bulk_load_s": _bulk_load_seconds(out)}


def _bulk_load_seconds(out: Path) -> float | None:
    """The anchor: pyoxigraph's own bulk load of the generated dataset, in this run."""
    dataset = out / "dataset.nq"
    if not dataset.is_file():
        return None
    start = time.perf_counter()
    ox.Store().bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    return time.perf_counter() - start


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=["turbo", "rust", "sparql", "pyshacl"], default=None,
                        help="the validation engine (default: the full validation's own)")
    args = parser.parse_args()
    result = check(args.triples, args.seed, engine=args.engine)
    missing, extra = result["expected"] - result["found"], result["found"] - result["expected"]
    print(f"{result['triples']:,} triples, 10 violations put in: {sum(result['found'].values())} results "
          f"in {result['validation_s']:.1f} s; per format {result['formats']}")
    if result["bulk_load_s"]:
        print(f"  pyoxigraph's bulk load of the same dataset: {result['bulk_load_s']:.1f} s; validation "
              f"{result['validation_s'] / result['bulk_load_s']:.1f}x that; peak RSS {_peak_mb():,.0f} MB")
    for (node, shape), n in sorted(missing.items()):
        print(f"  missing: {shape.rsplit('#', 1)[1]} on {node} ({n})")
    for (node, shape), n in sorted(extra.items()):
        print(f"  unexpected: {shape.rsplit('#', 1)[1]} on {node} ({n})")
    return 0 if not missing and not extra else 1


if __name__ == "__main__":
    sys.exit(main())
