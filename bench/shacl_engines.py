"""The SHACL engines for the core constraints, side by side on the project's own shapes (issue 16).

alliance-kg runs its SHACL-SPARQL constraints as queries on the store itself (they use the
project's SPARQL function ``akf:quoteCheck``, which only Oxigraph is given), and the core
constraints (``sh:minCount``, ``sh:class``, ``sh:uniqueLang``...) with an engine. This script puts
the candidate engines for the core constraints on the same footing:

1. correctness: on every shape fixture (``tests/data/shapes``) and the shipped graph, the set of
   results (focus node, path, value, constraint component, source shape, severity) must equal
   plain pySHACL's, the reference;
2. time and peak RSS of a full validation of a generated graph (``bench/generate.py``), each
   engine in a process of its own, the data loaded before the clock starts.

    .venv/bin/python bench/shacl_engines.py                      # fixtures, shipped graph, 10k and 100k
    .venv/bin/python bench/shacl_engines.py --sizes 100k,1M      # add 1M (minutes)

Engines: ``pyshacl`` (rdflib Memory graph), ``pyshacl-turbo`` on a pyoxigraph Store (which it
dumps and reads into its own graph), ``pyshacl-turbo`` on the rdflib graph, ``pyshifty`` 0.5 (on
the rdflib graph), ``shacl-rust`` 0.2 (on N-Triples text, its "experimental index"): the last two
are not dependencies (``pip install pyshifty shacl-rust`` to run them). docs/validation.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.util import from_n3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from alliance_kg.rules.focused import shapes_index  # noqa: E402

FIXTURES = ROOT / "tests" / "data" / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
ENGINES = ("pyshacl", "turbo-store", "turbo-rdflib", "pyshifty", "shacl-rust")


def core_shapes(shapes_dir: Path) -> rdflib.Graph:
    """The shapes without ``sh:sparql``: what the core engine is given."""
    graph = rdflib.Graph()
    graph.addN((s, p, o, graph) for s, p, o in shapes_index(shapes_dir).core_triples)
    return graph


def run(engine: str, data: ox.Store, shapes: rdflib.Graph) -> rdflib.Graph:
    """The report graph of ``engine`` on the default graph of ``data``."""
    if engine == "turbo-store":
        import pyshacl_turbo

        return pyshacl_turbo.validate(data, shacl_graph=shapes, inference="none")[1]
    if engine == "shacl-rust":  # strings in, a dict out (its interned index: "faster on large graphs")
        import shacl_rust

        text = data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode()
        answer = shacl_rust.validate(text, shapes.serialize(format="turtle"), data_format="nt",
                                     shapes_format="turtle", experimental_index=True)
        return _report_of(answer["results"])
    graph = rdflib.Graph()
    graph.parse(data=data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    if engine == "pyshifty":
        import shifty

        return shifty.validate(graph, shapes, infer=False)[1]
    if engine == "turbo-rdflib":
        import pyshacl_turbo

        return pyshacl_turbo.validate(graph, shacl_graph=shapes, inference="none")[1]
    import pyshacl

    return pyshacl.validate(graph, shacl_graph=shapes, inference="none")[1]


def _report_of(found: list[dict]) -> rdflib.Graph:
    """shacl-rust's results (N-Triples terms in a dict) as a report graph."""
    report = rdflib.Graph()
    keys = {"focusNode": SH.focusNode, "resultPath": SH.resultPath, "value": SH.value,
            "sourceConstraintComponent": SH.sourceConstraintComponent, "sourceShape": SH.sourceShape,
            "severity": SH.resultSeverity}
    for item in found:
        node = rdflib.BNode()
        report.add((node, rdflib.RDF.type, SH.ValidationResult))
        for key, predicate in keys.items():
            if item.get(key):
                term = item[key]  # a path other than a predicate is in SPARQL's syntax: a blank node in a report
                report.add((node, predicate, rdflib.BNode() if term.startswith(("^", "(")) else from_n3(term)))
    return report


def results(report: rdflib.Graph) -> set[tuple]:
    """A report's results as comparable tuples (blank-node shapes and paths by their kind only)."""

    def term(node):
        return "_:b" if isinstance(node, rdflib.BNode) else str(node)

    found = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        found.add(tuple(term(report.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.value,
                                                             SH.sourceConstraintComponent, SH.sourceShape,
                                                             SH.resultSeverity)))
    return found


def fixture_store(paths: list[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def check_fixtures(shapes_dir: Path) -> dict[str, dict]:
    """Per engine: how many fixtures (and the shipped graph) give pySHACL's results exactly."""
    shapes = core_shapes(shapes_dir)
    ontology = sorted((ROOT / "ontology").glob("*.ttl"))
    cases = {"(base)": ontology + [FIXTURES / "base.ttl"]}
    for path in sorted(FIXTURES.glob("*/*.ttl")):
        cases[f"{path.parent.name}/{path.stem}"] = ontology + [FIXTURES / "base.ttl", path]
    from alliance_kg.config import Config
    from alliance_kg.rules.validation import union_store
    from alliance_kg.store import open_graph

    shipped = union_store(open_graph(Config.from_env({})))
    outcome: dict[str, dict] = {e: {"same": 0, "cases": 0, "differ": []} for e in ENGINES[1:]}
    for name, data in [*((n, fixture_store(p)) for n, p in cases.items()), ("(shipped graph)", shipped)]:
        reference = results(run("pyshacl", data, shapes))
        for engine in ENGINES[1:]:
            outcome[engine]["cases"] += 1
            try:
                same = results(run(engine, data, shapes)) == reference
            except Exception as exc:  # noqa: BLE001 - an engine that fails a case is a result
                same, name = False, f"{name} ({type(exc).__name__}: {exc})"
            outcome[engine]["same"] += same
            if not same:
                outcome[engine]["differ"].append(name)
    return outcome


def timed(engine: str, nt: Path, shapes_dir: Path) -> dict:
    """In this process: load ``nt`` (not timed), then one validation by ``engine``."""
    data = ox.Store()
    data.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    shapes = core_shapes(shapes_dir)
    start = time.perf_counter()
    report = run(engine, data, shapes)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "results": len(results(report)),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(engine: str, nt: Path, shapes_dir: Path, timeout: float) -> dict:
    command = [sys.executable, __file__, "--one", engine, str(nt), str(shapes_dir)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def bulk_load_seconds(nt: Path) -> float:
    start = time.perf_counter()
    ox.Store().bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--engines", default=",".join(ENGINES), help="which engines to time")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        engine, nt, shapes_dir = args.one
        print(json.dumps(timed(engine, Path(nt), Path(shapes_dir))))
        return 0
    shapes_dir = ROOT / "shapes"
    print("correctness: results equal to pySHACL's on the core shapes")
    for engine, o in check_fixtures(shapes_dir).items():
        print(f"  {engine}: {o['same']}/{o['cases']}" + (f"; differ: {', '.join(o['differ'])}" if o["differ"] else ""))
    from compare import parse_size
    from generate import generate

    for text in args.sizes.split(","):
        label, triples = parse_size(text.strip())
        out = ROOT / "build" / "bench" / f"shacl-{label}"
        nt = out / "union.nt"
        if not nt.exists():
            generate(triples, 1, out)
            quads = ox.Store()
            quads.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
            union = ox.Store()
            union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
            union.dump(str(nt), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        load = bulk_load_seconds(nt)
        print(f"{label}: pyoxigraph bulk load {load:.2f} s")
        for engine in args.engines.split(","):
            m = measure(engine, nt, shapes_dir, args.timeout)
            if "error" in m:
                print(f"  {engine}: {m['error']}")
            else:
                print(f"  {engine}: {m['seconds']:.2f} s ({m['seconds'] / load:.1f}× the bulk load), "
                      f"peak RSS {m['peak_rss_mb']:.0f} MB, {m['results']} results")
    return 0


if __name__ == "__main__":
    sys.exit(main())
