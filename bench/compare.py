"""alliance-kg side by side with the Oxigraph server, rdflib-endpoint and plain pySHACL, on the same
generated data, in one run (issue 7). Not a test: it prints one Markdown table and writes JSON.

    .venv/bin/python bench/compare.py --sizes 10k,100k          (what `make bench` runs)
    .venv/bin/python bench/compare.py --sizes 1M                (about an hour; see docs/performance.md)

For each size, :func:`generate.generate` writes the data once (a data directory for alliance-kg
and one N-Quads file of the same quads for the others). Then:

1. HTTP throughput and p50/p99 latency at concurrency 1 and 8 (wrk, or the bounded Python client
   of ``http_bench.py`` when wrk is absent) for three SPARQL queries (a region-leader lookup, a
   ``derivedFrom+`` lineage path, a full-scan aggregate), the JSON API questions
   (``/api/responsibility?country=``, ``/api/lineage/{key}``) and a SPARQL query that asks for the
   same as each (on every server), against ``alliance-kg serve`` (in memory, as ``make run``),
   ``oxigraph serve`` (on disk, union default graph) and ``rdflib-endpoint serve`` (rdflib in
   memory; skipped above ``--rdflib-max`` triples). Each query is measured repeated (one request
   over and over: what a result cache can serve) and distinct (a rotation over many keys, with a
   number unique to each request in SPARQL, so that no cache helps). Rounds are interleaved
   (every server and query once per round); the table gives the median of the rounds.
2. Full SHACL validation, time and peak RSS, each in its own process: alliance-kg's own
   (``validation.validate``), plain pySHACL on an rdflib Memory graph and plain pySHACL over a
   pyoxigraph store (oxrdflib), same shapes; the pySHACL runs are stopped at ``--validation-timeout``.
3. Guarded writes through the JSON write API of the running alliance-kg server (with a write
   token), p50/p99 over ``--writes`` of each: a new assignment and a derivation (accepted), an
   assignment that gives a scope a second leader (rejected): end-to-end HTTP latency.
4. Load time and peak RSS, each in its own process: alliance-kg opening the generated data
   directory in memory against pyoxigraph's own ``Store().bulk_load`` of the N-Quads file; time to
   the first answer after start for each server, and for alliance-kg on the shipped graph.

Each row gives the issue's target, the measured ratio and whether it is met.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT / "tests")]

import pyoxigraph as ox  # noqa: E402

import loadgen  # noqa: E402
import servers  # noqa: E402
from generate import generate  # noqa: E402
from loadgen import NONCE, Workload  # noqa: E402
from probes import run_probe  # noqa: E402

AKR = "https://w3id.org/alliance-kg/id/"
AKG = "https://w3id.org/alliance-kg/ontology#"
PREFIXES = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology#>\n"
            "PREFIX akr: <https://w3id.org/alliance-kg/id/>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n")
SPARQL_JSON = {"Accept": "application/sparql-results+json"}
JSON = {"Accept": "application/json"}
SERVERS = ("alliance-kg", "oxigraph", "rdflib-endpoint")
WRITE_TOKEN = "bench-write-token"
#: Figures from the issue, for a results file from before pyrudof was measured in the run (probes.py validate-pyrudof).
PYRUDOF_1M = {"validate_s": 16.8, "peak_rss_mb": 4.4 * 1024}


# --- the queries ----------------------------------------------------------------------------------


def lookup(country: str, nonce: bool = False) -> str:
    """The region-leader lookup: the reference regions of a country and their leaders."""
    return PREFIXES + (
        "SELECT ?region ?leader WHERE {\n"
        f"  ?region akg:hasMemberCountry <{AKR}{country}> .\n"
        "  ?assignment akg:scope ?region ; akg:leader ?leader .\n"
        + (f"  FILTER(?leader != <urn:bench:{NONCE}>)\n" if nonce else "") + "}")


def path(model: str, nonce: bool = False) -> str:
    """The lineage path: every ancestor of a model through akg:derivedFrom+."""
    return PREFIXES + (
        f"SELECT ?ancestor WHERE {{ <{AKR}{model}> akg:derivedFrom+ ?ancestor ."
        + (f" FILTER(?ancestor != <urn:bench:{NONCE}>)" if nonce else "") + " }")


AGGREGATE = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"


def responsibility_equivalent(country: str, as_of: str, nonce: bool = False) -> str:
    """What /api/responsibility?country= asks, in one SPARQL query: the assignments of the
    country's regions holding on ``as_of``, with leader, followers and the sources behind them."""
    return PREFIXES + (
        "SELECT ?region ?assignment ?leader ?leaderLabel ?follower ?from ?to ?statement ?document ?quote WHERE {\n"
        f"  ?region akg:hasMemberCountry <{AKR}{country}> .\n"
        "  ?assignment akg:scope ?region ; akg:leader ?leader ; akg:validFrom ?from .\n"
        "  ?leader skos:prefLabel ?leaderLabel .\n"
        "  OPTIONAL { ?assignment akg:validTo ?to }\n"
        f"  FILTER(?from <= \"{as_of}\"^^xsd:date && (!BOUND(?to) || ?to >= \"{as_of}\"^^xsd:date))\n"
        "  OPTIONAL { ?assignment akg:follower ?follower }\n"
        "  OPTIONAL { ?statement akg:supports ?assignment ; akg:document ?document . OPTIONAL { ?statement akg:quote ?quote } }\n"
        + (f"  FILTER(?leader != <urn:bench:{NONCE}>)\n" if nonce else "") + "}")


def lineage_equivalent(model: str, nonce: bool = False) -> str:
    """What /api/lineage/{key} asks of a model, in one SPARQL query: every derivation edge above
    and below it, with labels and the statement and document behind each edge (the shapes
    require a source for every derivation). Each branch of the UNION is whole: Oxigraph plans
    that in 0.3 ms at 10k triples, and the same joins after the UNION, or the source in an
    OPTIONAL, in 3 to 9 ms."""
    m = f"<{AKR}{model}>"
    edge = ("?from akg:derivedFrom ?to . ?from skos:prefLabel ?fromLabel . ?to skos:prefLabel ?toLabel .\n"
            "    ?statement <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?from ;\n"
            "      <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?to ; akg:document ?document .")
    return PREFIXES + (
        "SELECT ?from ?to ?fromLabel ?toLabel ?statement ?document WHERE {\n"
        f"  {{ {m} akg:derivedFrom* ?from . {edge} }}\n"
        f"  UNION {{ ?from akg:derivedFrom+ {m} . {edge} }}\n"
        + (f"  FILTER(?from != <urn:bench:{NONCE}>)\n" if nonce else "") + "}")


def last_line(text: str) -> str:
    """The last line of an error's text (of a traceback, the exception), without ``|`` (a cell)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "").replace("|", "/")


def _q(sparql: str) -> str:
    """``?query=…`` (``NONCE`` survives the encoding, for the load generator)."""
    return "?" + urllib.parse.urlencode({"query": sparql})


@dataclass
class Spec:
    """One row family: a workload per server kind, and the targets at concurrency 8."""

    key: str
    label: str
    sparql: Workload | None = None  # asked of every server (path relative to its SPARQL endpoint)
    api: Workload | None = None  # asked of alliance-kg only (path relative to its base URL)
    against: str | None = None  # for an API row: the key of the SPARQL row it is compared with
    min_oxigraph: float | None = None
    min_rdflib: float | None = None
    note: str = ""


def specs(manifest, keys: dict, *, distinct_size: int = 20_000) -> list[Spec]:
    """The HTTP rows, from the manifest's sample keys (repeated) and every key in the data (distinct)."""
    country = manifest.keys["countries"][0]["id"]
    model = manifest.keys["models_deep"][0]["id"]
    as_of = manifest.as_of
    countries, models = keys["countries"], keys["models"]
    rotate = lambda build, items: tuple(_q(build(i, nonce=True)) for i in items)  # noqa: E731

    def sparql(name, paths):
        return Workload(name, tuple(paths), SPARQL_JSON)

    # Distinct JSON questions: every country on many dates (no nonce: an unknown parameter is a 400).
    start = dt.date.fromisoformat(as_of)
    days = max(1, distinct_size // max(1, len(countries)))
    rng = random.Random(7)
    questions = [f"/api/responsibility?country={c}&as_of={(start - dt.timedelta(days=d)).isoformat()}"
                 for c in countries for d in range(days)]
    rng.shuffle(questions)
    # Distinct lineage: every model with a derivation, by id, by IRI and by label, each layer.
    lineages = [f"/api/lineage/{urllib.parse.quote(k, safe='')}?layer={layer}"
                for m, label in models for k in (m, AKR + m, label) for layer in ("all", "seed")]
    rng.shuffle(lineages)
    return [
        Spec("lookup", "SPARQL lookup: region leader of a country, repeated",
             sparql("lookup", [_q(lookup(country))]), min_oxigraph=1, min_rdflib=3),
        Spec("lookup-distinct", f"SPARQL lookup, distinct (rotating {len(countries):,} countries, unique literal)",
             sparql("lookup-distinct", rotate(lookup, countries)), min_oxigraph=0.3, min_rdflib=3),
        Spec("path", "SPARQL lineage path derivedFrom+, repeated",
             sparql("path", [_q(path(model))]), min_oxigraph=1, min_rdflib=3),
        Spec("path-distinct", f"SPARQL lineage path, distinct (rotating {len(models):,} models, unique literal)",
             sparql("path-distinct", rotate(path, [m for m, _ in models])), min_rdflib=3),
        Spec("aggregate", "SPARQL full-scan aggregate (COUNT per predicate), repeated",
             sparql("aggregate", [_q(AGGREGATE)]), min_oxigraph=1, min_rdflib=3),
        Spec("responsibility-sparql", "SPARQL equivalent of /api/responsibility?country=, repeated",
             sparql("responsibility-sparql", [_q(responsibility_equivalent(country, as_of))]), min_rdflib=3),
        Spec("responsibility-sparql-distinct", "SPARQL equivalent of /api/responsibility, distinct",
             sparql("responsibility-sparql-distinct",
                    tuple(_q(responsibility_equivalent(c, as_of, nonce=True)) for c in countries)), min_rdflib=3),
        Spec("lineage-sparql", "SPARQL equivalent of /api/lineage/{model}, repeated",
             sparql("lineage-sparql", [_q(lineage_equivalent(model))]), min_rdflib=3),
        Spec("lineage-sparql-distinct", "SPARQL equivalent of /api/lineage, distinct",
             sparql("lineage-sparql-distinct", rotate(lineage_equivalent, [m for m, _ in models])), min_rdflib=3),
        Spec("responsibility-api", "JSON /api/responsibility?country=, repeated",
             api=Workload("responsibility-api", (f"/api/responsibility?country={country}&as_of={as_of}",), JSON),
             against="responsibility-sparql", min_oxigraph=1),
        Spec("responsibility-api-distinct", f"JSON /api/responsibility, distinct ({len(questions):,} country-date pairs)",
             api=Workload("responsibility-api-distinct", tuple(questions), JSON), against="responsibility-sparql-distinct"),
        Spec("lineage-api", "JSON /api/lineage/{model}, repeated",
             api=Workload("lineage-api", (f"/api/lineage/{model}",), JSON), against="lineage-sparql", min_oxigraph=1),
        Spec("lineage-api-distinct", f"JSON /api/lineage, distinct ({len(lineages):,} key-layer pairs)",
             api=Workload("lineage-api-distinct", tuple(lineages), JSON), against="lineage-sparql-distinct"),
    ]


# --- the data -------------------------------------------------------------------------------------


def prepare(triples: int, seed: int, workdir: Path, label: str):
    """Generate the data for one size; write ``union.nt`` (the union of the graphs, for pySHACL)
    and collect every country in a reference region and every model with a derivation."""
    out = workdir / f"data-{label}"
    start = time.perf_counter()
    manifest = generate(triples, seed, out)
    generated = time.perf_counter() - start
    member, derived = ox.NamedNode(AKG + "hasMemberCountry"), ox.NamedNode(AKG + "derivedFrom")
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    countries, models, labels = set(), set(), {}
    quads = ox.parse(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)

    def triples_of():
        for q in quads:
            if q.predicate == member:
                countries.add(q.object.value.removeprefix(AKR))
            elif q.predicate == derived:
                models.add(q.subject.value.removeprefix(AKR))
            elif q.predicate == pref and q.subject.value.startswith(AKR):
                labels[q.subject.value.removeprefix(AKR)] = q.object.value
            yield q.triple

    with open(out / "union.nt", "wb") as f:
        ox.serialize(triples_of(), f, format=ox.RdfFormat.N_TRIPLES)
    keys = {"countries": sorted(countries), "models": sorted((m, labels.get(m, m)) for m in models)}
    return out, manifest, keys, generated


# --- measuring ------------------------------------------------------------------------------------


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fetch(base: str, path: str, headers: dict, *, timeout: float = 300) -> tuple[int, bytes] | None:
    """GET ``path`` (a path, or ``?query…``) relative to ``base``: the status and body, or None."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", loadgen._join(parts.path, path), headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def result_rows(endpoint: servers.Endpoint, workload: Workload) -> int | None:
    """How many rows the first request of ``workload`` answers (a check that the servers agree)."""
    answer = fetch(endpoint.sparql, workload.path(0), workload.headers)
    if answer is None or answer[0] != 200:
        return None
    try:
        return len(json.loads(answer[1])["results"]["bindings"])
    except (ValueError, KeyError):
        return None


def http_rounds(endpoints: dict[str, servers.Endpoint], rows: list[Spec], args, log) -> dict:
    """Every (row, server, concurrency), once per round, interleaved; the median of the rounds."""
    runs: dict[tuple[str, str, int], list[loadgen.Load]] = {}
    jobs = []
    for spec in rows:
        if spec.sparql is not None:
            jobs += [(spec, name, ep.sparql, spec.sparql) for name, ep in endpoints.items()]
        if spec.api is not None and "alliance-kg" in endpoints:
            jobs.append((spec, "alliance-kg", endpoints["alliance-kg"].url, spec.api))
    for spec, name, base, workload in jobs:  # warm-up: caches, connections, lazy imports
        for n in range(3):
            fetch(base, workload.path(n), workload.headers, timeout=args.request_timeout)
    for r in range(args.rounds):
        log(f"  HTTP round {r + 1}/{args.rounds}")
        for spec, name, base, workload in jobs:
            for c in args.concurrency:
                load = loadgen.measure(base, workload, c, args.seconds, client=args.client, timeout=args.request_timeout)
                runs.setdefault((spec.key, name, c), []).append(load)
                servers.wait_idle(endpoints[name].pid, cap=args.request_timeout * 4)
    out = {}
    for (key, name, c), loads in runs.items():
        out.setdefault(key, {}).setdefault(name, {})[str(c)] = {
            "per_second": median([x.per_second for x in loads]),
            "p50_ms": median([x.p50_ms for x in loads]),
            "p99_ms": median([x.p99_ms for x in loads]),
            "errors": sum(x.errors for x in loads),
            "requests": sum(x.requests for x in loads),
            "client": loads[0].client,
            "seconds": median([x.seconds for x in loads]),
            "rounds": [x.to_dict() for x in loads],
        }
    return out


def post(url: str, path: str, body: dict, token: str) -> tuple[int, float, str]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    data = json.dumps(body).encode()
    try:
        start = time.perf_counter()
        conn.request("POST", path, body=data, headers={"Authorization": f"Bearer {token}",
                                                       "Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read()
        took = time.perf_counter() - start
        return response.status, took, text[:300].decode(errors="replace")
    finally:
        conn.close()


def writes(endpoint: servers.Endpoint, manifest, n: int) -> dict:
    """``n`` of each write, interleaved; p50/p99 of each, with any unexpected status."""
    w = manifest.writes
    kinds = {
        "assignment_accepted": (w["assignment_accepted"], [w["assignment_accepted"]["body"]] + w["more_assignments_accepted"]["bodies"]),
        "derivation_accepted": (w["derivation_accepted"], [w["derivation_accepted"]["body"]] + w["more_derivations_accepted"]["bodies"]),
        "assignment_rejected": (w["assignment_rejected"], [w["assignment_rejected"]["body"]] + w["more_assignments_rejected"]["bodies"]),
    }
    # Warm-up: a rejected write changes nothing.
    spec, bodies = kinds["assignment_rejected"]
    post(endpoint.url, spec["path"], bodies[-1], WRITE_TOKEN)
    times = {k: [] for k in kinds}
    unexpected = {k: [] for k in kinds}
    for i in range(n):
        for kind, (spec, bodies) in kinds.items():
            if kind.endswith("accepted") and i >= len(bodies):
                continue  # each accepted body once: the same one again would be a different write
            status, took, text = post(endpoint.url, spec["path"], bodies[i % len(bodies)], WRITE_TOKEN)
            times[kind].append(took * 1000)
            if status != spec["status"]:
                unexpected[kind].append({"status": status, "expected": spec["status"], "answer": text})
    out = {}
    for kind, values in times.items():
        ordered = sorted(values)
        out[kind] = {"n": len(values), "p50_ms": median(values),
                     "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else None,
                     "unexpected": len(unexpected[kind]), "examples": unexpected[kind][:3]}
    return out


def measure_size(label: str, triples: int, args, log) -> dict:
    log(f"== {label}: generating {triples:,} triples")
    data_dir, manifest, keys, generated = prepare(triples, args.seed, args.workdir, label)
    nq, nt = data_dir / "dataset.nq", data_dir / "union.nt"
    result = {"label": label, "requested": triples, "triples": manifest.triples, "generate_s": generated,
              "keys": {"countries": len(keys["countries"]), "models": len(keys["models"])},
              "sample": {"country": manifest.keys["countries"][0]["id"], "model": manifest.keys["models_deep"][0]["id"]},
              "notes": []}

    log("  load: alliance-kg and pyoxigraph bulk_load, interleaved rounds")
    loads = {"alliance-kg": [], "pyoxigraph": []}
    for _ in range(args.load_rounds):
        loads["alliance-kg"].append(run_probe("load-alliance-kg", data_dir, timeout=args.load_timeout))
        loads["pyoxigraph"].append(run_probe("load-pyoxigraph", nq, timeout=args.load_timeout))
    result["load"] = {k: {"load_s": median([x.get("load_s") for x in v]), "peak_rss_mb": median([x.get("peak_rss_mb") for x in v]),
                          "import_rss_mb": median([x.get("import_rss_mb") for x in v]), "runs": v} for k, v in loads.items()}

    log("  full SHACL validation")
    result["validation"] = {"alliance-kg": run_probe("validate-alliance-kg", data_dir, timeout=args.own_validation_timeout)}
    for job, name in (("validate-pyshacl-rdflib", "pyshacl-rdflib"), ("validate-pyshacl-oxrdflib", "pyshacl-oxrdflib"),
                      ("validate-pyrudof", "pyrudof")):
        log(f"  {name} (stopped after {args.validation_timeout:g} s)")
        result["validation"][name] = run_probe(job, nt, timeout=args.validation_timeout)

    log("  servers")
    endpoints: dict[str, servers.Endpoint] = {}
    skipped: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        starters = {
            "alliance-kg": lambda: servers.alliance_kg(data_dir, write_token=WRITE_TOKEN, timeout=args.load_timeout,
                                                       workers=args.workers),
            "oxigraph": lambda: servers.oxigraph(nq, workdir=args.workdir, timeout=args.load_timeout),
            "rdflib-endpoint": lambda: servers.rdflib_endpoint(nq, timeout=args.rdflib_timeout),
        }
        for name in args.servers:
            why = servers.missing(name)
            if why is None and name == "rdflib-endpoint" and manifest.triples > args.rdflib_max:
                why = (f"skipped above {args.rdflib_max:,} triples (--rdflib-max): it parses the whole file "
                       f"before its first answer (about 8 s at 100k) and a full scan takes seconds")
            if why is not None:
                skipped[name] = why
                continue
            try:
                endpoints[name] = stack.enter_context(starters[name]())
            except (RuntimeError, OSError, Exception) as exc:  # a competitor that cannot start is a note, not a crash
                if name == "alliance-kg":
                    raise
                skipped[name] = f"did not start: {str(exc).splitlines()[0][:200]}"
        result["servers"] = {name: {"first_answer_s": ep.first_answer_s, "load_s": ep.load_s} for name, ep in endpoints.items()}
        result["skipped"] = skipped
        rows = specs(manifest, keys, distinct_size=args.distinct_size)
        result["agreement"] = {}
        for spec in rows:
            if spec.sparql is not None:
                result["agreement"][spec.key] = {name: result_rows(ep, spec.sparql) for name, ep in endpoints.items()}
        result["http"] = http_rounds(endpoints, rows, args, log)
        result["serving_memory_mb"] = servers.serving_memory_mb(endpoints["alliance-kg"].pid)
        result["rows"] = {s.key: {"label": s.label, "against": s.against, "min_oxigraph": s.min_oxigraph,
                                  "min_rdflib": s.min_rdflib} for s in rows}
        log(f"  guarded writes ({args.writes} of each): the JSON API, then SPARQL updates")
        import update_bench  # here: it imports this module

        akg = endpoints["alliance-kg"]
        idle = update_bench.rss_mb(akg.pid)
        result["writes"] = writes(akg, manifest, args.writes)
        for row in update_bench.sparql_writes(akg, data_dir, manifest, args.writes):
            result["writes"][row.pop("write")] = {**row, "examples": []}
        result["write_rss"] = {"idle_mb": idle, "after_mb": update_bench.rss_mb(akg.pid)}
    return result


def startup_shipped(rounds: int) -> dict:
    """alliance-kg on the shipped graph: time from start to the first SPARQL answer, median."""
    times, triples = [], None
    for _ in range(max(1, rounds)):
        with servers.alliance_kg(None) as ep:
            times.append(ep.first_answer_s)
            if triples is None:
                answer = fetch(ep.url, "/health", JSON)
                triples = json.loads(answer[1]).get("triples") if answer and answer[0] == 200 else None
    return {"first_answer_s": median(times), "runs": times, "triples": triples}


# --- the table ------------------------------------------------------------------------------------


def fmt_n(x, digits=0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def fmt_s(x) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def fmt_mb(x) -> str:
    return "—" if x is None else f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB"


def fmt_ratio(x) -> str:
    if x is None:
        return "—"
    return (">" if isinstance(x, Bound) else "") + (f"{x:.2f}×" if x < 10 else f"{x:,.0f}×")


@dataclass
class Row:
    size: str
    measure: str
    akg: str
    oxigraph: str = "—"
    rdflib: str = "—"
    vs_oxigraph: str = "—"
    vs_rdflib: str = "—"
    target: str = "—"
    met: str = "—"
    data: dict = field(default_factory=dict)

    def cells(self) -> list[str]:
        return [self.size, self.measure, self.akg, self.oxigraph, self.rdflib, self.vs_oxigraph, self.vs_rdflib,
                self.target, self.met]


HEADER = ["size", "measure", "alliance-kg", "Oxigraph", "rdflib", "alliance-kg ÷ Oxigraph", "alliance-kg ÷ rdflib",
          "target (issues 7, 18)", "met"]


def verdict(checks: list[bool | None]) -> str:
    if not checks:
        return "—"
    if any(c is None for c in checks):
        return "n/a"
    return "yes" if all(checks) else "**no**"


def http_cell(figures: dict | None) -> str:
    if figures is None:
        return "—"
    cell = f"{fmt_n(figures['per_second'])}/s · p50 {fmt_n(figures['p50_ms'], 1)} · p99 {fmt_n(figures['p99_ms'], 1)} ms"
    if figures["errors"]:
        cell += f" · {figures['errors']} errors"
    return cell


class Bound(float):
    """A ratio that is a lower bound: the other server answered nothing within the window."""


def throughput_ratio(mine: dict | None, other: dict | None) -> float | None:
    if not mine or not other:
        return None
    if other["per_second"]:
        return mine["per_second"] / other["per_second"]
    # Nothing answered in the window: the other server's rate is below one per window.
    return Bound(mine["per_second"] * other["seconds"]) if other.get("seconds") else None


def short(reason: str) -> str:
    """
    >>> short("skipped above 200,000 triples (--rdflib-max): it parses…")
    'skipped above 200,000 triples'
    """
    return reason.split(":")[0].split(" (")[0]


def table_rows(results: dict) -> list[Row]:
    out: list[Row] = [Row("all", "alliance-kg's worker processes (serve --workers)", str(results["settings"].get("workers")))]
    sizes = results["sizes"]
    first = sizes[0] if sizes else None
    for size in sizes:
        label, http, skipped = size["label"], size["http"], size.get("skipped", {})
        missing = lambda name: f"not run: {short(skipped[name])}" if name in skipped else "—"  # noqa: E731
        # 1. HTTP
        for key, spec in size["rows"].items():
            for c in sorted({int(c) for by in http.get(key, {}).values() for c in by}):
                c_ = str(c)
                mine = http.get(key, {}).get("alliance-kg", {}).get(c_)
                peer_key = spec["against"] or key
                ox_fig = http.get(peer_key, {}).get("oxigraph", {}).get(c_)
                rd_fig = None if spec["against"] else http.get(key, {}).get("rdflib-endpoint", {}).get(c_)
                r_ox, r_rd = throughput_ratio(mine, ox_fig), throughput_ratio(mine, rd_fig)
                targets, checks = [], []
                if c == 8 and spec["min_oxigraph"] is not None:
                    what = "the Oxigraph server on the equivalent SPARQL" if spec["against"] else "Oxigraph"
                    targets.append(f"≥ {spec['min_oxigraph']:g}× {what}")
                    checks.append(None if r_ox is None else r_ox >= spec["min_oxigraph"])
                if c == 8 and spec["min_rdflib"] is not None and "rdflib-endpoint" not in skipped:
                    targets.append(f"≥ {spec['min_rdflib']:g}× rdflib-endpoint")
                    checks.append(None if r_rd is None else r_rd >= spec["min_rdflib"])
                if mine and mine["errors"]:
                    checks.append(False)
                    targets.append("no errors")
                if rd_fig is None and not spec["against"] and "rdflib-endpoint" in skipped:
                    rd_cell = missing("rdflib-endpoint")
                else:
                    rd_cell = http_cell(rd_fig)
                ox_cell = http_cell(ox_fig) if ox_fig or "oxigraph" not in skipped else missing("oxigraph")
                if spec["against"] and ox_fig:
                    ox_cell = "equivalent SPARQL: " + ox_cell
                out.append(Row(label, f"{spec['label']}, concurrency {c}", http_cell(mine), ox_cell, rd_cell,
                               fmt_ratio(r_ox), fmt_ratio(r_rd), "; ".join(targets) or "—", verdict(checks)))
        # 2. validation
        v = size["validation"]
        cell = lambda p, key, f: (f"> {p['timeout_s']:g} s (stopped)" if p.get("status") == "timeout" and key == "validate_s"  # noqa: E731
                                  else (f(p.get(key)) + (" so far" if p.get("status") == "timeout" else ""))
                                  if p.get("status") in ("ok", "timeout") else f"error: {last_line(p.get('error', ''))[:120]}")
        a, pr, po = v["alliance-kg"], v["pyshacl-rdflib"], v["pyshacl-oxrdflib"]

        def vratio(key, other):
            """alliance-kg ÷ the other, and "< " when the other was stopped (its time is a floor)."""
            if a.get("status") != "ok" or other.get(key) is None and other.get("status") != "timeout":
                return None, ""
            if other.get("status") == "timeout" and key == "validate_s":
                return a[key] / other["timeout_s"], "< "
            return (a[key] / other[key], "") if other.get(key) else (None, "")

        def at_most(ratio, prefix, limit):
            """Met, not met, or None when a stopped run leaves it open."""
            if ratio is None:
                return None
            if prefix == "< ":
                return True if ratio <= limit else None
            return ratio <= limit

        conform = "" if a.get("conforms", True) else " (does NOT conform)"
        r_ox, p_ox = vratio("validate_s", po)
        r_rd, p_rd = vratio("validate_s", pr)
        targets, checks = ["≤ 1× pySHACL over oxrdflib"], [at_most(r_ox, p_ox, 1)]
        rudof = v.get("pyrudof") or {}
        if rudof.get("status") == "ok" and rudof.get("validate_s"):  # measured in this run
            targets.append(f"≤ 1× pyrudof's {rudof['validate_s']:.1f} s on the core shapes (this run): "
                           f"{fmt_ratio(a['validate_s'] / rudof['validate_s']) if a.get('validate_s') else '—'}")
            checks.append(a.get("validate_s") is not None and a["validate_s"] <= rudof["validate_s"])
        elif size["triples"] >= 900_000:
            targets.append(f"≤ {PYRUDOF_1M['validate_s']:g} s (pyrudof at 1M, from the issue)")
            checks.append(a.get("validate_s") is not None and a["validate_s"] <= PYRUDOF_1M["validate_s"])
        bulk = size["load"]["pyoxigraph"].get("load_s")
        if bulk and a.get("validate_s"):
            targets.append(f"≤ 5× pyoxigraph's bulk load ({bulk:.1f} s): {fmt_ratio(a['validate_s'] / bulk)}")
            checks.append(a["validate_s"] <= 5 * bulk)
        out.append(Row(label, "full SHACL validation time (Oxigraph: pySHACL over oxrdflib; rdflib: pySHACL on rdflib Memory)",
                       cell(a, "validate_s", fmt_s) + conform, cell(po, "validate_s", fmt_s), cell(pr, "validate_s", fmt_s),
                       p_ox + fmt_ratio(r_ox), p_rd + fmt_ratio(r_rd), "; ".join(targets), verdict(checks)))
        m_ox = a["peak_rss_mb"] / po["peak_rss_mb"] if a.get("peak_rss_mb") and po.get("peak_rss_mb") else None
        m_rd = a["peak_rss_mb"] / pr["peak_rss_mb"] if a.get("peak_rss_mb") and pr.get("peak_rss_mb") else None
        targets, checks = [], []
        rudof_mb = rudof.get("peak_rss_mb") if rudof.get("status") == "ok" else None
        if rudof_mb:
            targets.append(f"≤ ¼ of pyrudof's {fmt_mb(rudof_mb)} (this run): "
                           f"{fmt_ratio(a['peak_rss_mb'] / rudof_mb) if a.get('peak_rss_mb') else '—'}")
            checks.append(a.get("peak_rss_mb") is not None and a["peak_rss_mb"] <= rudof_mb / 4)
        elif size["triples"] >= 900_000:
            targets.append(f"≤ {fmt_mb(PYRUDOF_1M['peak_rss_mb'] / 4)} (a quarter of pyrudof's at 1M, from the issue)")
            checks.append(a.get("peak_rss_mb") is not None and a["peak_rss_mb"] <= PYRUDOF_1M["peak_rss_mb"] / 4)
        out.append(Row(label, "full SHACL validation, peak RSS of the process (data loaded)", cell(a, "peak_rss_mb", fmt_mb),
                       cell(po, "peak_rss_mb", fmt_mb), cell(pr, "peak_rss_mb", fmt_mb), fmt_ratio(m_ox), fmt_ratio(m_rd),
                       "; ".join(targets) or "—", verdict(checks)))
        # 3. writes
        base = first["writes"] if first else None
        for kind, what in (("assignment_accepted", "a new assignment (accepted, 201)"),
                           ("derivation_accepted", "a derivation (accepted, 201)"),
                           ("assignment_rejected", "a second leader (rejected, 422)"),
                           ("SPARQL INSERT DATA, one assignment (as the JSON API writes it)",
                            "SPARQL INSERT DATA of one assignment (200)"),
                           ("SPARQL DELETE/INSERT WHERE, the assignment named",
                            "SPARQL DELETE/INSERT … WHERE changing one leader (200)"),
                           ("SPARQL INSERT DATA, one triple", "SPARQL INSERT DATA of one triple (200)")):
            w = size["writes"].get(kind)
            if w is None:  # a results file from before these rows
                continue
            start = (base or {}).get(kind) or {}
            growth = (w["p50_ms"] / start["p50_ms"]) if start.get("p50_ms") and w["p50_ms"] else None
            akg = f"p50 {fmt_n(w['p50_ms'], 1)} · p99 {fmt_n(w['p99_ms'], 1)} ms (n={w['n']})"
            if growth is not None and size is not first:
                akg += f"; {fmt_ratio(growth)} its {first['label']} p50"
            if w["unexpected"]:
                example = f", e.g. {w['examples'][0]['status']}" if w["examples"] else ""
                akg += f"; {w['unexpected']} unexpected status{example}"
            checks = [w["p50_ms"] is not None and w["p50_ms"] <= 50, not w["unexpected"]]
            target = "p50 ≤ 50 ms (the issue's 1M target, checked at every size)"
            if size is not first and growth is not None:
                target += f"; ≤ 2× the {first['label']} p50"
                checks.append(growth <= 2)
            out.append(Row(label, f"guarded write over HTTP: {what}", akg, target=target, met=verdict(checks)))
        rss = size.get("write_rss")
        if rss and rss["idle_mb"]:
            grew = rss["after_mb"] / rss["idle_mb"]
            out.append(Row(label, "memory of the server after the writes above, to its idle memory",
                           f"{fmt_mb(rss['after_mb'])} / {fmt_mb(rss['idle_mb'])} = {fmt_ratio(grew)}",
                           target="≤ 1.2× (no dataset copy)", met=verdict([grew <= 1.2])))
        if size.get("serving_memory_mb"):
            out.append(Row(label, f"memory of the serving processes after the reads ({results['settings'].get('workers')} "
                                  "workers: PSS summed, pages the forks share counted once)",
                           fmt_mb(size["serving_memory_mb"])))
        # 4. load and start-up
        la, lo = size["load"]["alliance-kg"], size["load"]["pyoxigraph"]
        r = la["load_s"] / lo["load_s"] if la["load_s"] and lo["load_s"] else None
        rdflib_parse = pr.get("load_s") if pr.get("status") in ("ok", "timeout") else None
        r_rd = la["load_s"] / rdflib_parse if la["load_s"] and rdflib_parse else None
        out.append(Row(label, "load into memory (alliance-kg: its data directory; Oxigraph: pyoxigraph Store.bulk_load; rdflib: Graph.parse)",
                       fmt_s(la["load_s"]), fmt_s(lo["load_s"]), fmt_s(rdflib_parse), fmt_ratio(r), fmt_ratio(r_rd),
                       "≤ 1.2× pyoxigraph's bulk load", verdict([None if r is None else r <= 1.2])))
        r = la["peak_rss_mb"] / lo["peak_rss_mb"] if la["peak_rss_mb"] and lo["peak_rss_mb"] else None
        out.append(Row(label, f"load, peak RSS of the process (after imports: alliance-kg {fmt_mb(la['import_rss_mb'])}, "
                              f"pyoxigraph {fmt_mb(lo['import_rss_mb'])})",
                       fmt_mb(la["peak_rss_mb"]), fmt_mb(lo["peak_rss_mb"]), "—", fmt_ratio(r), "—",
                       "≤ 1.2× pyoxigraph's", verdict([None if r is None else r <= 1.2])))
        srv = size["servers"]
        first_answer = lambda name: srv.get(name, {}).get("first_answer_s")  # noqa: E731
        a_s, o_s, r_s = first_answer("alliance-kg"), first_answer("oxigraph"), first_answer("rdflib-endpoint")
        ox_load = srv.get("oxigraph", {}).get("load_s")
        out.append(Row(label, "start to first SPARQL answer, generated data (Oxigraph: serve after `oxigraph load`; rdflib: parse included)",
                       fmt_s(a_s), (fmt_s(o_s) + (f" (+ load {fmt_s(ox_load)})" if ox_load is not None else ""))
                       if o_s is not None else missing("oxigraph"),
                       fmt_s(r_s) if r_s is not None else missing("rdflib-endpoint"),
                       fmt_ratio(a_s / o_s if a_s and o_s else None), fmt_ratio(a_s / r_s if a_s and r_s else None)))
    shipped = results.get("startup_shipped")
    if shipped:
        s = shipped["first_answer_s"]
        out.append(Row(f"shipped ({shipped['triples'] or 0:,})", "start to first SPARQL answer, alliance-kg on the shipped graph",
                       fmt_s(s), target="≤ 1.5 s", met=verdict([s is not None and s <= 1.5])))
    return out


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] * len(HEADER)) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r.cells()) + " |" for r in rows]
    return "\n".join(lines)


# --- the command ----------------------------------------------------------------------------------


def parse_size(text: str) -> tuple[str, int]:
    """
    >>> parse_size("100k"), parse_size("1M"), parse_size("3000")
    (('100k', 100000), ('1M', 1000000), ('3000', 3000))
    """
    text = text.strip()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = float(text[:-1]) if scale != 1 else float(text)
    return text, int(number * scale)


def environment() -> dict:
    import importlib.metadata as md

    def version(name):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    mem = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    git = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        run = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()  # noqa: E731
        git = {"commit": run("rev-parse", "--short", "HEAD"),
               "src_changed": bool(run("status", "--porcelain", "--", "src"))}
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "git": git, "cores": os.cpu_count(), "memory_gib": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
            "wrk": loadgen.wrk_path() is not None,
            "versions": {n: version(n) for n in ("alliance-kg", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint",
                                                 "pyshacl", "oxrdflib", "flask", "waitress", "uvicorn", "fastapi")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k", help="triples, comma-separated (10k, 100k, 1M; at least 3000)")
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each HTTP measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the HTTP measurements")
    parser.add_argument("--concurrency", default="1,8", help="client connections, comma-separated")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk if installed (auto), else the Python client")
    parser.add_argument("--servers", default=",".join(SERVERS), help="which servers to compare")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="alliance-kg's worker processes (serve --workers; default: the cores)")
    parser.add_argument("--writes", type=int, default=20, help="writes of each kind")
    parser.add_argument("--load-rounds", type=int, default=3, help="interleaved rounds of the load measurements")
    parser.add_argument("--validation-timeout", type=float, default=120.0, help="stop plain pySHACL after this many seconds")
    parser.add_argument("--own-validation-timeout", type=float, default=1800.0,
                        help="stop alliance-kg's own full validation after this many seconds")
    parser.add_argument("--load-timeout", type=float, default=1200.0, help="cap on any load or server start (s)")
    parser.add_argument("--rdflib-max", type=int, default=200_000, help="skip rdflib-endpoint above this many triples")
    parser.add_argument("--rdflib-timeout", type=float, default=300.0, help="cap on rdflib-endpoint's start (s)")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="cap on one HTTP request (s)")
    parser.add_argument("--distinct-size", type=int, default=20_000, help="distinct JSON questions to rotate over")
    parser.add_argument("--startup-rounds", type=int, default=3, help="starts on the shipped graph")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench", help="generated data and stores")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (default: WORKDIR/results.json)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--from-json", type=Path, default=None, metavar="RESULTS",
                        help="measure nothing: print the table of a results.json again")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        report(json.loads(args.from_json.read_text(encoding="utf-8")), args.from_json)
        return 0
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(args.servers) - set(SERVERS)
    if unknown or "alliance-kg" not in args.servers:
        parser.error(f"--servers: alliance-kg and any of {', '.join(SERVERS[1:])}")
    if args.client == "wrk" and loadgen.wrk_path() is None:
        parser.error("--client wrk: wrk is not installed (apt-get install wrk)")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or args.workdir / "results.json"
    started = time.monotonic()
    log = (lambda msg: None) if args.quiet else (
        lambda msg: print(f"[{time.monotonic() - started:6.0f} s] {msg}", file=sys.stderr, flush=True))

    results = {"command": " ".join(["bench/compare.py", *(argv if argv is not None else sys.argv[1:])]),
               "environment": environment(), "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
               "sizes": []}
    log(f"{os.cpu_count()} cores; load generator: {'wrk' if args.client != 'python' and loadgen.wrk_path() else 'Python client'}")
    log("alliance-kg on the shipped graph: start to first answer")
    results["startup_shipped"] = startup_shipped(args.startup_rounds)
    for label, triples in sizes:
        results["sizes"].append(measure_size(label, triples, args, log))
        out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")  # what is done so far
    results["environment"]["load_average_at_end"] = os.getloadavg()
    results["elapsed_s"] = time.monotonic() - started
    rows = table_rows(results)
    results["table"] = [dict(zip(HEADER, r.cells())) for r in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    report(results, out)
    return 0


def report(results: dict, out: Path) -> None:
    """Print the run's first line, the table and its notes."""
    env, settings = results["environment"], results["settings"]
    print(f"alliance-kg {env['versions']['alliance-kg']} compared on {env['cores']} cores, {env['memory_gib']} GiB, "
          f"Python {env['python']}; load generator: {'wrk' if env['wrk'] and settings['client'] != 'python' else 'Python client'}, "
          f"{settings['seconds']:g} s per measurement, median of {settings['rounds']} interleaved rounds; "
          f"commit {env['git'].get('commit', '?')}{' with uncommitted changes in src/' if env['git'].get('src_changed') else ''}; "
          f"load average {env['load_average_at_start'][0]:.1f} at start, "
          + (f"{env['load_average_at_end'][0]:.1f} at end" if "load_average_at_end" in env else "run not finished"))
    print()
    print(markdown(table_rows(results)))
    notes = []
    for size in results["sizes"]:
        for name, why in size.get("skipped", {}).items():
            notes.append(f"{size['label']}: {name}: {why}")
        for key, counts in size.get("agreement", {}).items():
            if len({c for c in counts.values()}) > 1:
                notes.append(f"{size['label']}: result rows differ for {key}: {counts}")
    agreed = [size["label"] for size in results["sizes"]
              if all(len(set(c.values())) == 1 for c in size.get("agreement", {}).values())]
    if agreed:
        notes.append(f"every server answered each SPARQL query with the same number of rows ({', '.join(agreed)})")
    if notes:
        print()
        for n in notes:
            print(f"- {n}")
    print()
    print(f"JSON: {out}" + (f"; took {results['elapsed_s']:.0f} s" if "elapsed_s" in results else ""))


if __name__ == "__main__":
    sys.exit(main())
