"""How long the search takes (issue 19): building its index, and answering queries of each level.

Prints one line per query: the median of ``--repeat`` runs, in ms, and what it found first. On the
shipped graph by default; ``--data-dir`` names another (e.g. ``build/bench/data-100k`` after
``make bench``). Not a test: it prints figures.

    .venv/bin/python bench/search_bench.py
    .venv/bin/python bench/search_bench.py --data-dir build/bench/data-100k
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from alliance_kg.config import Config
from alliance_kg.knowledge.catalog import catalog
from alliance_kg.knowledge.names import preload
from alliance_kg.knowledge.search import SearchIndex
from alliance_kg.store import open_graph

QUERIES = ("Renault", "South-East Asia", "PHEVs", "autonomous drive", "Deutschland", "Qashqai", "Renualt",
           "Mitsubshi", "batery", "Ren", "kei cars", "zzqxv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="a data directory (default: the shipped graph)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    kg = open_graph(Config.from_env(data_dir=args.data_dir) if args.data_dir else Config.from_env())
    cat = catalog(kg)
    began = time.perf_counter()
    preload()
    names_s = time.perf_counter() - began
    began = time.perf_counter()
    index = SearchIndex.build(cat)
    build_s = time.perf_counter() - began
    names = sum(len(v) for v in index.names.values())
    print(f"{len(kg):,} triples, {len(cat.entities):,} things, {names:,} names")
    print(f"country names from pycountry: {names_s * 1000:.0f} ms (once per process); the index: {build_s * 1000:.0f} ms")
    began = time.perf_counter()
    index.patched(cat, [next(iter(cat.entities))])
    print(f"the index after a change of one thing (what a write costs it): {(time.perf_counter() - began) * 1000:.1f} ms")
    for query in QUERIES:
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            hits = index.search(query)
            times.append(time.perf_counter() - began)
        first = f"{hits[0].entity.label} ({hits[0].level})" if hits else "nothing"
        print(f"{query!r:20} {statistics.median(times) * 1000:7.2f} ms  {first}")


if __name__ == "__main__":
    main()
