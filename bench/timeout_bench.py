"""The query time limit, measured: time to stop a runaway query, CPU after it, and what the
killable, confined child process costs per query (reused, or new after a write). Not a test:
it prints figures.

    .venv/bin/python bench/timeout_bench.py [--limit 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from alliance_kg.config import Config  # noqa: E402
from alliance_kg.store import open_graph  # noqa: E402
from alliance_kg.store.pool import WorkerPool  # noqa: E402
from alliance_kg.store.processes import Limits, run_isolated  # noqa: E402
from server import running_server  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT ?a ?l WHERE { ?a <https://w3id.org/alliance-kg/ontology#leader> ?l }"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children, from /proc."""
    total = 0.0
    for task in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{task}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=2.0, help="the query_timeout setting for the run")
    args = parser.parse_args()
    with running_server(env={"ALLIANCE_KG_QUERY_TIMEOUT": str(args.limit)}) as server:
        url = server.sparql + "?" + urllib.parse.urlencode({"query": RUNAWAY})
        start = time.perf_counter()
        try:
            urllib.request.urlopen(url, timeout=60)
            status = 200
        except urllib.error.HTTPError as exc:
            status = exc.code
        stopped = time.perf_counter() - start
        before = cpu_seconds(server.process.pid)
        time.sleep(1.0)
        idle = cpu_seconds(server.process.pid) - before
        children = _children(server.process.pid)
    kg = open_graph(Config.from_env({}))

    def in_process() -> tuple[bytes, dict]:
        results = kg.query(SMALL)
        return results.serialize(format=ox.QueryResultsFormat.JSON), {"content_type": "application/sparql-results+json"}

    pool = WorkerPool(lambda request: in_process(), idle_seconds=60, memory_bytes=2**30)
    renewed = WorkerPool(lambda request: in_process(), idle_seconds=60, memory_bytes=2**30)
    direct, forked, pooled, fresh = [], [], [], []
    for i in range(200):
        t = time.perf_counter()
        in_process()
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        run_isolated(in_process, Limits(timeout=10, memory_bytes=2**30))
        forked.append(time.perf_counter() - t)
        t = time.perf_counter()
        pool.run({}, version=kg.version, timeout=10)
        pooled.append(time.perf_counter() - t)
        t = time.perf_counter()
        renewed.run({}, version=-1 - i, timeout=10)  # a graph state no worker holds: a new one is forked
        fresh.append(time.perf_counter() - t)
    pool.close()
    renewed.close()
    print(f"runaway query, limit {args.limit:g} s: answered {status} after {stopped:.2f} s")
    print(f"CPU used by the server in the second after: {idle:.2f} s; query processes left: {len(children)}")
    print(f"a small SELECT, median of 200: in process {statistics.median(direct) * 1000:.2f} ms, "
          f"in a process forked for it {statistics.median(forked) * 1000:.2f} ms, "
          f"in a pooled query process {statistics.median(pooled) * 1000:.2f} ms, "
          f"in a new pooled query process (forked and confined) {statistics.median(fresh) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
