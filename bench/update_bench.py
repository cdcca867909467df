"""What a guarded SPARQL Update costs on generated graphs: the change worked out from the update's
footprint (in the child's own copy of the store) against the same update run on a copy of the
data graphs (issue 16). Not a test: it prints figures.

    .venv/bin/python bench/update_bench.py [--triples 10000 100000 1000000] [--seed 1] [--writes 10]

Each size is generated once by ``bench/generate.py`` into ``build/bench/update-<size>``. The
updates, each validated and committed by the guard as ``POST /sparql`` does (no HTTP):

- ``INSERT DATA`` of one comment on a company (nothing targets it beyond the company);
- ``DELETE/INSERT … WHERE`` that makes a follower of one assignment its leader and the leader a
  follower (the single-leader and members-only rules look at the whole scope);
- the same with the assignment a variable bound in the ``WHERE`` (its footprint is every leader
  and follower triple of the layer: what it costs when the update does not name what it changes).

Median and RSS of the service process after the writes, per path; the ratio copy ÷ footprint.

With ``--http``, the writes go to a server instead (``alliance-kg --data-dir D serve``, in memory,
as ``make run``), as clients send them: the JSON write API's bodies of the manifest (an accepted
assignment, an accepted derivation, a rejected assignment: ``bench/compare.py``'s writes) and the
two SPARQL updates above and an ``INSERT DATA`` of one new assignment (the quads the JSON API
would write for another of the manifest's bodies) by ``POST /sparql``; p50 of each, and the server's RSS idle (after its
warm-up) and after the writes (issue 16: writing must not cost a copy of the dataset).

    .venv/bin/python bench/update_bench.py --http --triples 10000 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from alliance_kg.config import Config
from alliance_kg.rules.guard import Guard
from alliance_kg.store import open_graph, updates
from alliance_kg.store.processes import Limits

ROOT = Path(__file__).resolve().parent.parent
AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
SEED = "https://w3id.org/alliance-kg/graph/seed"
LIMITS = Limits(600, what="update")


def generated(triples: int, seed: int) -> Path:
    out = ROOT / "build" / "bench" / f"update-{triples}-{seed}"
    if not (out / "manifest.json").is_file():
        from generate import generate  # bench/generate.py, beside this script

        generate(triples, seed, out)
    return out


def updates_for(kg) -> dict[str, object]:
    """The updates, as functions of the write's number (each write a new one)."""
    rows = kg.query(
        f"SELECT ?a ?leader ?follower WHERE {{ GRAPH <{SEED}> {{ ?a <{AKG}leader> ?leader ; <{AKG}follower> ?follower }} }}"
        " ORDER BY ?a ?follower LIMIT 5000"
    )
    swaps = list({r["a"].value: (r["a"].value, r["leader"].value, r["follower"].value) for r in rows}.values())
    company = next(iter(kg.query(f"SELECT ?c WHERE {{ ?c a <{AKG}Company> }} LIMIT 1")))["c"].value

    def insert_data(i: int) -> str:
        return (f'INSERT DATA {{ GRAPH <{SEED}> {{ <{company}> <http://www.w3.org/2000/01/rdf-schema#comment> '
                f'"bench comment {i}" }} }}')

    def swap(i: int, *, named: bool) -> str:
        a, leader, follower = swaps[i % len(swaps)]  # each assignment once
        subject = f"<{a}>" if named else "?a"
        bind = "" if named else f"VALUES ?a {{ <{a}> }}"
        return (f"DELETE {{ GRAPH <{SEED}> {{ {subject} <{AKG}leader> ?l ; <{AKG}follower> ?f }} }} "
                f"INSERT {{ GRAPH <{SEED}> {{ {subject} <{AKG}leader> ?f ; <{AKG}follower> ?l }} }} "
                f"WHERE {{ {bind} GRAPH <{SEED}> {{ {subject} <{AKG}leader> ?l ; <{AKG}follower> ?f }} "
                f"FILTER(?l = <{leader}> && ?f = <{follower}>) }}")

    return {
        "INSERT DATA, one triple": insert_data,
        "DELETE/INSERT WHERE, the assignment named": lambda i: swap(i, named=True),
        "DELETE/INSERT WHERE, the assignment a variable": lambda i: swap(i, named=False),
    }


def measure(guard: Guard, make, writes: int, first: int) -> tuple[float, bool]:
    """Median ms of ``writes`` guarded updates (numbers ``first``...), and whether every one was
    accepted and changed something."""
    times, accepted = [], True
    for i in range(first, first + writes):
        update = make(i)
        start = time.perf_counter()
        result = guard.write(lambda kg, u=update: kg.change_for_update(u, limits=LIMITS),
                             agent="bench", endpoint="bench", summary="bench")
        times.append((time.perf_counter() - start) * 1000)
        accepted = accepted and result.committed and (result.added + result.removed) > 0
    return statistics.median(times), accepted


def http_run(triples: int, seed: int, writes: int) -> list[dict]:
    """The writes over HTTP against a server on the generated data (see the module)."""
    import compare
    import servers
    from generate import Manifest

    data = generated(triples, seed)
    fields = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    manifest = Manifest(**{k: v for k, v in fields.items() if k in Manifest.__dataclass_fields__})
    out = []
    with servers.alliance_kg(data, write_token=compare.WRITE_TOKEN, timeout=1200) as endpoint:
        wait_warm(endpoint)
        idle = rss_mb(endpoint.pid)
        for kind, figures in compare.writes(endpoint, manifest, writes).items():
            out.append({"triples": triples, "write": f"JSON {kind}", "p50_ms": figures["p50_ms"],
                        "unexpected": figures["unexpected"]})
        out += [{"triples": triples, **row} for row in sparql_writes(endpoint, data, manifest, writes)]
        after = rss_mb(endpoint.pid)
    for row in out:
        row.update(idle_rss_mb=idle, after_rss_mb=after)
    return out


def sparql_writes(endpoint, data: Path, manifest, writes: int) -> list[dict]:
    """Guarded SPARQL updates over HTTP (``POST /sparql``), ``writes`` of each: ``INSERT DATA`` of
    one triple, a ``DELETE/INSERT … WHERE`` that swaps one assignment's leader and follower, and
    ``INSERT DATA`` of one new assignment as the JSON API writes it (bodies ``writes`` to
    ``2 × writes`` of the manifest: :func:`compare.writes` uses the first ones). Each row: the
    write, its p50 and p99 in ms, and how many answers were not 200."""
    import urllib.parse

    from alliance_kg.rules.writes import create_assignment

    kg = open_graph(Config.from_env({}, data_dir=data))  # to pick the updates' subjects
    try:
        texts = {f"SPARQL {name}": [make(1000 + i) for i in range(writes)]
                 for name, make in updates_for(kg).items() if "variable" not in name}
        w = manifest.writes
        bodies = [w["assignment_accepted"]["body"], *w["more_assignments_accepted"]["bodies"]][writes : 2 * writes]
        # bodies the JSON writes did not use: each assignment is new
        texts["SPARQL INSERT DATA, one assignment (as the JSON API writes it)"] = [
            insert_data(create_assignment(kg, body).change.added) for body in bodies]
    finally:
        kg.close()
    out = []
    for name, sent in texts.items():
        times, bad = [], 0
        for update in sent:
            status, took = post_form(endpoint.url + "/sparql", urllib.parse.urlencode({"update": update}).encode())
            times.append(took * 1000)
            bad += status != 200
        if times:
            ordered = sorted(times)
            out.append({"write": name, "n": len(times), "p50_ms": statistics.median(times),
                        "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], "unexpected": bad})
    return out


def insert_data(quads) -> str:
    """``INSERT DATA`` of ``quads``, a ``GRAPH`` block for each graph."""
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
    return "INSERT DATA { " + " ".join(f"GRAPH {g} {{ {' '.join(t)} }}" for g, t in by_graph.items()) + " }"


def post_form(url: str, body: bytes) -> tuple[int, float]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers={
        "Authorization": "Bearer bench-write-token", "Content-Type": "application/x-www-form-urlencoded"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - start


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_warm(endpoint, seconds: float = 600) -> None:
    """Until the server's warm-up (catalog, the guard's graph) is done: its CPU time stops growing
    for a second."""
    from servers import wait_idle  # bench/, beside this file

    wait_idle(endpoint.pid, cap=seconds, interval=1.0, max_cpu=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--http", action="store_true", help="the writes over HTTP, against a server")
    args = parser.parse_args()
    if args.http:
        rows = [row for triples in args.triples for row in http_run(triples, args.seed, args.writes)]
        print(f"guarded writes over HTTP, p50 of {args.writes} (ms); the server's RSS idle and after (MB)")
        print("| triples | write | p50 | unexpected status | RSS idle → after |")
        print("|---:|---|---:|---:|---|")
        for r in rows:
            print(f"| {r['triples']:,} | {r['write']} | {r['p50_ms']:.1f} | {r['unexpected']} | "
                  f"{r['idle_rss_mb']:.0f} → {r['after_rss_mb']:.0f} |")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        return
    results = []
    print(f"guarded SPARQL updates, median of {args.writes} (ms); RSS of this process after (MB)")
    print("| triples | update | footprint | copy | copy ÷ footprint |")
    print("|---:|---|---:|---:|---:|")
    first = 0
    for triples in args.triples:
        data = generated(triples, args.seed)
        config = Config.from_env({}, data_dir=data)
        kg = open_graph(config)
        guard = Guard(kg, config.shapes_dir)
        guard.write(lambda kg: kg.change_for_update("INSERT DATA {}", limits=LIMITS), agent="bench",
                    endpoint="bench", summary="warm-up")
        for name, make in updates_for(kg).items():
            fast, fast_ok = measure(guard, make, args.writes, first)
            footprint = updates.update_footprint
            updates.update_footprint = lambda text, base: None  # the copy of the data graphs
            try:
                slow, slow_ok = measure(guard, make, args.writes, first + args.writes)
            finally:
                updates.update_footprint = footprint
            first += 2 * args.writes
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            results.append({"triples": triples, "update": name, "footprint_ms": fast, "copy_ms": slow,
                            "accepted": fast_ok and slow_ok, "max_rss_mb": rss})
            note = "" if fast_ok and slow_ok else " (not all accepted)"
            print(f"| {triples:,} | {name}{note} | {fast:.1f} | {slow:.1f} | {slow / fast:.1f}× |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
