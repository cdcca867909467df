"""Jobs the harness runs each in a fresh Python process, so that its peak RSS is its own: load
and full SHACL validation, by alliance-kg and by the libraries it is compared with.

    python bench/probes.py JOB ARG...        (prints one JSON object)

Jobs:
  load-alliance-kg DATA_DIR       KnowledgeGraph.open on a generated data directory, in memory (as serve)
  load-pyoxigraph FILE.nq         pyoxigraph's own Store().bulk_load of the same data, in memory
  validate-alliance-kg DATA_DIR   alliance-kg's full validation (validation.validate), after the load
  validate-pyshacl-rdflib FILE.nt plain pySHACL on an rdflib Memory graph, same shapes
  validate-pyshacl-oxrdflib FILE.nt  plain pySHACL over a pyoxigraph store through oxrdflib, same shapes
  validate-pyrudof FILE.nt|FILE.nq   pyrudof (Rust) on the core shapes only: the SHACL-SPARQL ones call
                                  alliance-kg's akf:quoteCheck, which it does not have (an N-Quads
                                  file is first written as the N-Triples of its union, not timed)

Every job reports ``peak_rss_mb`` (VmHWM: the whole process, interpreter and imports included)
and ``import_rss_mb`` (VmRSS once its modules are imported, before any data). :func:`run_probe`
starts one with a time limit; a job past it is killed, and its peak RSS so far is read from /proc.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "shapes"


def _status_mb(field: str, pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_probe(job: str, *args: str, timeout: float) -> dict:
    """Run ``job`` in a new interpreter; its JSON, plus ``status`` (ok, timeout, error) and ``wall_s``."""
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, __file__, job, *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _status_mb("VmHWM", process.pid) or 0.0)
        if time.monotonic() - start > timeout:
            process.kill()
            process.communicate()
            return {"job": job, "status": "timeout", "timeout_s": timeout, "wall_s": time.monotonic() - start,
                    "peak_rss_mb": peak or None}
        time.sleep(0.05)
    out, err = process.communicate()
    wall = time.monotonic() - start
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"job": job, "status": "error", "wall_s": wall, "error": (err or out).strip()[-2000:]}
    return {"job": job, "status": "ok", "wall_s": wall, **result}


# --- the jobs (run in the child) -----------------------------------------------------------------


def _report(**figures) -> None:
    figures["peak_rss_mb"] = _status_mb("VmHWM")
    print(json.dumps(figures))


def load_alliance_kg(data_dir: str) -> None:
    from alliance_kg.config import Config
    from alliance_kg.store import open_graph

    config = Config.from_env({}, data_dir=Path(data_dir))
    base = _status_mb("VmRSS")
    start = time.perf_counter()
    kg = open_graph(config)
    took = time.perf_counter() - start
    _report(load_s=took, triples=len(kg), import_rss_mb=base)


def load_pyoxigraph(nquads: str) -> None:
    import pyoxigraph as ox

    base = _status_mb("VmRSS")
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    took = time.perf_counter() - start
    _report(load_s=took, triples=len(store), import_rss_mb=base)


def validate_alliance_kg(data_dir: str) -> None:
    from alliance_kg.config import Config
    from alliance_kg.rules.validation import validate
    from alliance_kg.store import open_graph

    config = Config.from_env({}, data_dir=Path(data_dir))
    base = _status_mb("VmRSS")
    start = time.perf_counter()
    kg = open_graph(config)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    report = validate(kg, config.shapes_dir)
    took = time.perf_counter() - start
    _report(load_s=loaded, validate_s=took, conforms=report.conforms, results=len(report.results), import_rss_mb=base)


def _shapes():
    import rdflib

    shapes = rdflib.Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def _pyshacl(data) -> tuple[float, bool, int]:
    import pyshacl
    from rdflib.namespace import SH

    shapes = _shapes()
    start = time.perf_counter()
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=False)
    took = time.perf_counter() - start
    return took, bool(conforms), len(set(report.subjects(predicate=None, object=SH.ValidationResult)))


def validate_pyshacl_rdflib(ntriples: str) -> None:
    import pyshacl  # noqa: F401  (imported before the baseline, as in the other jobs)
    import rdflib

    base = _status_mb("VmRSS")
    start = time.perf_counter()
    data = rdflib.Graph()
    data.parse(ntriples, format="nt")
    loaded = time.perf_counter() - start
    took, conforms, results = _pyshacl(data)
    _report(load_s=loaded, validate_s=took, conforms=conforms, results=results, import_rss_mb=base)


def validate_pyshacl_oxrdflib(ntriples: str) -> None:
    import pyoxigraph as ox
    import pyshacl  # noqa: F401
    import rdflib
    from oxrdflib import OxigraphStore
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    base = _status_mb("VmRSS")
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    data = rdflib.Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    loaded = time.perf_counter() - start
    took, conforms, results = _pyshacl(data)
    _report(load_s=loaded, validate_s=took, conforms=conforms, results=results, import_rss_mb=base)


def validate_pyrudof(data: str) -> None:
    import tempfile

    import pyoxigraph as ox
    import pyrudof
    import rdflib

    sys.path.insert(0, str(ROOT / "src"))
    from alliance_kg.rules.focused import shapes_index

    base = _status_mb("VmRSS")
    with tempfile.TemporaryDirectory(prefix="rudof-") as scratch:
        ntriples, shapes_file = Path(scratch) / "union.nt", Path(scratch) / "shapes.ttl"
        if data.endswith(".nq"):  # the union, each triple once: SHACL's data graph
            store = ox.Store()
            store.bulk_load(path=data, format=ox.RdfFormat.N_QUADS)
            with ntriples.open("wb") as out:
                seen: set = set()
                for quad in store.quads_for_pattern(None, None, None, None):
                    if quad.triple not in seen:
                        seen.add(quad.triple)
                        out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n".encode())
            del store, seen
            data = str(ntriples)
        shapes = rdflib.Graph()
        shapes.addN((s, p, o, shapes) for s, p, o in shapes_index(SHAPES).core_triples)
        shapes_file.write_text(shapes.serialize(format="turtle"), encoding="utf-8")
        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        start = time.perf_counter()
        rudof.read_data(data, format=pyrudof.RDFFormat.NTriples)
        loaded = time.perf_counter() - start
        rudof.read_shacl(str(shapes_file))
        start = time.perf_counter()
        report = rudof.validate_shacl()
        took = time.perf_counter() - start
    _report(load_s=loaded, validate_s=took, conforms=bool(report.conforms), results=len(report.violations),
            import_rss_mb=base, engine=f"pyrudof {pyrudof.__version__}")


JOBS = {
    "load-alliance-kg": load_alliance_kg,
    "load-pyoxigraph": load_pyoxigraph,
    "validate-alliance-kg": validate_alliance_kg,
    "validate-pyshacl-rdflib": validate_pyshacl_rdflib,
    "validate-pyshacl-oxrdflib": validate_pyshacl_oxrdflib,
    "validate-pyrudof": validate_pyrudof,
}

if __name__ == "__main__":
    JOBS[sys.argv[1]](*sys.argv[2:])
