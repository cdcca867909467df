"""What the network hop to a remote store costs (issue 17): alliance-kg on its embedded store
against alliance-kg over the Oxigraph server (``--remote-query``), and the Oxigraph server
itself, on the same generated data, requests per second at concurrency 8 and guarded writes.
Not a test: it prints a table.

    .venv/bin/python bench/remote_bench.py [--size 100k] [--seconds 2] [--writes 10]

The Oxigraph server is loaded with the data (``oxigraph load``, as ``make bench`` does) and serves
both as the remote store of one alliance-kg and on its own; the reads are measured before any
write. The JSON API and SPARQL rows are ``bench/compare.py``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import compare  # noqa: E402
import loadgen  # noqa: E402
import servers  # noqa: E402
from server import running_server  # noqa: E402

ROWS = ("lookup", "lookup-distinct", "path", "responsibility-api", "responsibility-api-distinct", "lineage-api",
        "lineage-api-distinct")


@contextlib.contextmanager
def alliance_kg_over(data_dir: Path, store: servers.Endpoint, *, timeout: float):
    """``alliance-kg --data-dir D serve`` over ``store`` (its shapes from D, its triples from the store)."""
    env = {"ALLIANCE_KG_REMOTE_QUERY": store.url + "/query", "ALLIANCE_KG_REMOTE_UPDATE": store.url + "/update",
           "ALLIANCE_KG_REMOTE_GSP": store.url + "/store", "ALLIANCE_KG_WRITE_TOKEN": compare.WRITE_TOKEN}
    with running_server("--data-dir", str(data_dir), env=env, timeout=timeout) as server:
        yield servers.Endpoint("alliance-kg over Oxigraph", server.url, "/sparql", 0.0, server.process.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--writes", type=int, default=10)
    args = parser.parse_args()
    label, triples = compare.parse_size(args.size)
    workdir = ROOT / "build" / "bench"
    data_dir, manifest, keys, _ = compare.prepare(triples, 1, workdir, label)
    specs = {s.key: s for s in compare.specs(manifest, keys)}
    table: dict[str, dict[str, float | None]] = {}
    with contextlib.ExitStack() as stack:
        oxigraph = stack.enter_context(servers.oxigraph(data_dir / "dataset.nq", workdir=workdir, timeout=1200))
        embedded = stack.enter_context(servers.alliance_kg(data_dir, write_token=compare.WRITE_TOKEN, timeout=1200))
        remote = stack.enter_context(alliance_kg_over(data_dir, oxigraph, timeout=120))
        for key in ROWS:
            spec = specs[key]
            row: dict[str, float | None] = {}
            for name, endpoint in (("embedded", embedded), ("remote", remote), ("oxigraph", oxigraph)):
                workload = spec.api if spec.api is not None else spec.sparql
                if spec.api is not None and name == "oxigraph":
                    row[name] = None  # no JSON API
                    continue
                base = endpoint.url if spec.api is not None else endpoint.sparql
                loadgen.measure(base, workload, 1, 1.0)  # warm-up: a first answer is not cached yet
                load = loadgen.measure(base, workload, args.concurrency, args.seconds)
                row[name] = load.per_second if not load.errors else None
            table[spec.label] = row
            print(f"  {spec.label}: {row}", file=sys.stderr, flush=True)
        writes = {name: compare.writes(ep, manifest, args.writes) for name, ep in (("embedded", embedded), ("remote", remote))}
    print(f"requests per second at concurrency {args.concurrency}, {manifest.triples:,} triples")
    print("| request | alliance-kg (embedded) | alliance-kg over the Oxigraph server | ÷ embedded | Oxigraph server |")
    print("|---|---:|---:|---:|---:|")
    for request, row in table.items():
        ratio = row["remote"] / row["embedded"] if row.get("remote") and row.get("embedded") else None
        cells = [f"{row[n]:,.0f}" if row.get(n) else "—" for n in ("embedded", "remote")]
        ox_cell = f"{row['oxigraph']:,.0f}" if row.get("oxigraph") else "—"
        print(f"| {request} | {cells[0]} | {cells[1]} | {f'{ratio:.2f}×' if ratio else '—'} | {ox_cell} |")
    print()
    print("| guarded write, p50 | embedded | over the Oxigraph server | unexpected statuses (embedded / remote) |")
    print("|---|---:|---:|---|")
    for kind in writes["embedded"]:
        e, r = writes["embedded"][kind], writes["remote"][kind]
        print(f"| {kind} | {e['p50_ms']:.1f} ms | {r['p50_ms']:.1f} ms | {e['unexpected']} / {r['unexpected']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
