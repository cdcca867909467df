"""HTTP latency and throughput of alliance-kg's query service on the shipped graph.

Starts ``alliance-kg serve`` on a free loopback port, waits for ``/health``, then for each
request below runs a fixed time at concurrency 1 and 8 (one keep-alive connection per client
thread) and prints p50 / p99 latency and requests per second. Not a test: it prints figures.

    .venv/bin/python bench/http_bench.py [--seconds 5] [--threads 8]

The clients are Python threads on the same machine as the server, so at concurrency 8 they
compete with it for the cores: the figures are a floor, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server import running_server  # noqa: E402  (the tests' start/stop of the real server)

SELECT = """PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
SELECT ?scope ?leader WHERE { ?a akg:scope ?scope ; akg:leader ?leader }"""

REQUESTS = [
    ("responsibility?country=DE", "/api/responsibility?country=DE", {}),
    ("lineage/CMF-CD", "/api/lineage/CMF-CD", {}),
    ("lineage/Nissan Livina", "/api/lineage/" + quote("Nissan Livina"), {}),
    ("SPARQL SELECT (JSON)", "/sparql?" + urlencode({"query": SELECT}),
     {"Accept": "application/sparql-results+json"}),
]


def run(port: int, path: str | Callable[[int], str], headers: dict, clients: int, seconds: float,
        *, timeout: float = 30.0) -> tuple[list[float], int]:
    """GET ``path`` for ``seconds`` (at least once) from ``clients`` threads, one keep-alive connection each: the
    latency of every answer, and how many were not a 200 (or failed: the client reconnects).

    ``path`` is one path, or a function of the request's number (unique across the clients)
    that gives its path, for a run of distinct requests."""
    path_of = (lambda n: path) if isinstance(path, str) else path
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(k: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        mine, bad, n = [], 0, k
        # at least one request each: a thread that starts late on a busy machine still measures
        while not mine and not bad or time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path_of(n), headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                continue
            finally:
                n += clients
            mine.append(time.perf_counter() - t0)
            bad += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()

    rows = []
    with running_server(threads=args.threads) as server:
        port = urlsplit(server.url).port
        first_answer = server.started_in
        for name, path, headers in REQUESTS:
            run(port, path, headers, 1, 0.3)  # warm up
            for clients in (1, 8):
                latencies, errors = run(port, path, headers, clients, args.seconds)
                rows.append({
                    "request": name, "concurrency": clients, "requests": len(latencies), "errors": errors,
                    "p50_ms": statistics.median(latencies) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
                    "per_second": len(latencies) / args.seconds,
                })

    print(f"alliance-kg HTTP benchmark: {os.cpu_count()} cores, waitress {args.threads} threads, "
          f"{args.seconds:g} s per row, Python clients on the same machine")
    print(f"first answer from /health: {first_answer:.2f} s after start")
    print()
    print("| request | concurrency | p50 ms | p99 ms | requests/s | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['request']} | {r['concurrency']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
              f"{r['per_second']:.0f} | {r['errors']} |")
    if args.json:
        print(json.dumps({"first_answer_s": first_answer, "rows": rows}, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
