"""What a guarded write costs on the shipped graph: incremental against full validation, in
memory and on disk. Not a test: it prints figures.

    .venv/bin/python bench/write_bench.py [--writes 20]

Each write adds one company (nothing targets it) or one sourced derivation between two models
(the lineage shapes and the provenance shapes must look at it); the median of ``--writes`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from alliance_kg.config import Config
from alliance_kg.rules.guard import Guard
from alliance_kg.store import LAYER_GRAPHS, Change, open_graph

AKR = "https://w3id.org/alliance-kg/id/"
AKG = "https://w3id.org/alliance-kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PUBLIC = ox.NamedNode(LAYER_GRAPHS["public"])


def company(i: int) -> Change:
    node = ox.NamedNode(AKR + f"BenchCompany{i}")
    return Change(added=frozenset([ox.Quad(node, ox.NamedNode(RDF + "type"), ox.NamedNode(AKG + "Company"), PUBLIC)]))


def derivation(i: int) -> Change:
    model, ancestor = ox.NamedNode(AKR + f"BenchModel{i}"), ox.NamedNode(AKR + "RenaultClioV")
    st = ox.NamedNode(AKR + f"bench-statement-{i}")
    p = lambda local: ox.NamedNode(AKG + local)  # noqa: E731
    quads = [
        (model, ox.NamedNode(RDF + "type"), p("VehicleModel")),
        (model, p("derivedFrom"), ancestor),
        (st, ox.NamedNode(RDF + "type"), p("Statement")), (st, p("factId"), ox.Literal("BENCH")),
        (st, p("document"), ox.NamedNode(AKR + "D000")), (st, p("strength"), p("Stated")),
        (st, p("layer"), p("PublicLayer")), (st, ox.NamedNode(RDF + "subject"), model),
        (st, ox.NamedNode(RDF + "predicate"), p("derivedFrom")), (st, ox.NamedNode(RDF + "object"), ancestor),
    ]
    return Change(added=frozenset(ox.Quad(*q, PUBLIC) for q in quads))


def measure(config: Config, make, writes: int, *, full: bool) -> float:
    kg = open_graph(config)
    guard = Guard(kg, config.shapes_dir)
    guard.write(make(-1), agent="bench", endpoint="bench", summary="warm-up", full=full)
    times = []
    for i in range(writes):
        start = time.perf_counter()
        result = guard.write(make(i), agent="bench", endpoint="bench", summary="bench", full=full)
        times.append(time.perf_counter() - start)
        assert result.committed, result.report.to_text()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    print(f"guarded writes on the shipped graph, median of {args.writes} (ms)")
    print("| write | store | incremental | full |")
    print("|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for store_name in ("memory", "disk"):
            for name, make in (("one company", company), ("one sourced derivation", derivation)):
                row = []
                for full in (False, True):
                    store = None if store_name == "memory" else Path(tmp) / f"{name}-{full}"
                    row.append(measure(Config.from_env({}, store=store), make, args.writes, full=full))
                print(f"| {name} | {store_name} | {row[0]:.0f} | {row[1]:.0f} |")


if __name__ == "__main__":
    main()
