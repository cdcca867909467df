"""What SPARQL's default graph as a set costs (issue 14): the benchmark's lookups on the union
graph alliance-kg keeps (``store/union.py``) against Oxigraph's own merged default graph
(``use_default_graph_as_union``, which repeats a triple once per graph) on the same data, and the
time to build the union against pyoxigraph's own bulk load of the data.

    .venv/bin/python bench/union_bench.py --triples 100000

Prints ratios (set union ÷ Oxigraph's union, interleaved runs, medians), so the shared machine's
drift cancels out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import compare  # noqa: E402
import generate  # noqa: E402
from alliance_kg.store.union import UnionGraph  # noqa: E402


def timed(function, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="runs of each query, each way")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "data"
        generate.main(["--triples", str(args.triples), "--seed", "1", "--out", str(out)])
        manifest = __import__("json").loads((out / "manifest.json").read_text())
        plain = ox.Store()
        start = time.perf_counter()
        plain.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        bulk_load = time.perf_counter() - start
        kept = ox.Store()
        kept.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        start = time.perf_counter()
        union = UnionGraph(kept)
        union.rebuild()
        build = time.perf_counter() - start
        quads = len(plain)
    country = manifest["keys"]["countries"][0]["id"]
    model = manifest["keys"]["models_deep"][0]["id"]
    queries = {"lookup": compare.lookup(country), "path": compare.path(model), "aggregate": compare.PREFIXES + compare.AGGREGATE}
    print(f"{quads:,} quads, {len(union):,} distinct triples in the union "
          f"({quads - len(union):,} stated in more than one graph)")
    print(f"building the union: {build:.2f} s = {build / bulk_load:.2f}x pyoxigraph's bulk load of the data ({bulk_load:.2f} s)")
    print("| query | set union (ms, median) | Oxigraph's union (ms, median) | ratio |")
    print("|---|---|---|---|")
    for name, text in queries.items():
        runs = args.runs if name != "aggregate" else max(args.runs // 20, 5)
        ours, theirs = [], []
        for _ in range(runs):  # interleaved, so drift hits both alike
            ours += timed(lambda: list(kept.query(text, default_graph=[union.name])), 1)  # as the service asks
            theirs += timed(lambda: list(plain.query(text, use_default_graph_as_union=True)), 1)
        a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
