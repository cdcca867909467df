"""Run the W3C SPARQL 1.1 test suites against the real service, over HTTP.

    python -m conformance [--suite DIR] [--only FOLDER,...] [--output FILE] [--baseline FILE]

One ``alliance-kg --empty --store <temp dir> serve`` is started on a free loopback port with
``ALLIANCE_KG_UNION_DEFAULT_GRAPH=false`` (SPARQL's default graph is the store's default graph,
as the suites assume) and a random admin token (the tests drop and clear graphs wholesale). Before each test the dataset is emptied (one
SPARQL Update dropping the default graph and every named graph except the change log), then
the test's data is loaded through the Graph Store Protocol (``PUT``/``POST /store?default``,
``/store?graph=<IRI>``). Every accepted write also adds an entry to the change-log graph
``https://w3id.org/alliance-kg/graph/changes``; it is never dropped, and never compared.

Exit status: 0 when no category's pass count is below the baseline, 1 otherwise, 2 when the
run could not start (no suite, the server did not start).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from .client import Client, Response
from .httptests import SD_TESTS, Failed, describe, run_ht_test, run_prose_test
from .manifest import CATEGORIES, DataFile, Test, load_tests, local_path
from .results import (
    Results,
    compare_datasets,
    compare_graphs,
    compare_results,
    order_of,
    parse_csv,
    parse_json,
    parse_result_graph,
    parse_tsv,
    parse_xml,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUITE = ROOT.parent / "shared" / "w3c" / "sparql11"
DEFAULT_OUTPUT = ROOT / "build" / "conformance" / "results.json"
DEFAULT_BASELINE = ROOT / "conformance" / "baseline.json"
CHANGES_GRAPH = "https://w3id.org/alliance-kg/graph/changes"

RDF_FILES = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}
#: Result files: the media type asked of the service and the parser for both sides.
RESULT_FILES = {
    "srx": ("application/sparql-results+xml", parse_xml),
    "srj": ("application/sparql-results+json", parse_json),
    "tsv": ("text/tab-separated-values", parse_tsv),
    "csv": ("text/csv", parse_csv),
}
SPARQL_JSON = "application/sparql-results+json"


class Broken(Exception):
    """The test could not be set up (its data did not load): a failure, with this reason."""


# --- the service ------------------------------------------------------------------------------


class Service:
    """The running service, seen through HTTP only."""

    def __init__(self, base_url: str, token: str, suite: Path):
        self.client = Client(base_url)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.suite = suite
        self.host = base_url.split("//", 1)[1]
        self.dirty = True

    # SPARQL

    def query(self, text: str | bytes, accept: str | None = SPARQL_JSON) -> Response:
        headers = {"Content-Type": "application/sparql-query; charset=utf-8"}
        if accept:
            headers["Accept"] = accept
        return self.client.request("POST", "/sparql", text, headers)

    def update(self, text: str | bytes) -> Response:
        self.dirty = True
        return self.client.request("POST", "/sparql", text,
                                   {"Content-Type": "application/sparql-update; charset=utf-8", **self.auth})

    def named_graphs(self) -> list[str]:
        response = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        if response.status != 200:
            raise Broken(f"cannot list the named graphs: {describe(response)}")
        names = [row["g"][1] for row in parse_json(response.body).rows]
        return sorted(n for n in names if n != CHANGES_GRAPH)

    def reset(self) -> None:
        """Empty the dataset, except the change log (which only the service writes)."""
        if not self.dirty:
            return
        drops = ["DROP SILENT DEFAULT"] + [f"DROP SILENT GRAPH <{g}>" for g in self.named_graphs()]
        response = self.update(" ;\n".join(drops))
        if response.status != 200:
            raise Broken(f"cannot empty the dataset: {describe(response)}")
        self.dirty = False

    # the Graph Store Protocol

    def load(self, files: list[DataFile]) -> None:
        """PUT the first file of each graph, POST the others (so they add up)."""
        seen: set = set()
        for data in files:
            body, media_type = self.document(data.file)
            target = "/store?default" if data.name is None else "/store?graph=" + quote(data.name, safe="")
            method = "POST" if target in seen else "PUT"
            seen.add(target)
            self.dirty = True
            response = self.client.request(method, target, body, {"Content-Type": media_type, **self.auth})
            if response.status not in (200, 201, 204):
                raise Broken(f"{method} {target} of {data.file.rsplit('/', 1)[-1]}: {describe(response)}")

    def document(self, iri: str) -> tuple[bytes, str]:
        """A data file as the body of a Graph Store request. Turtle is sent as it is, after a
        ``@base`` line naming the file's own IRI (relative IRIs resolve as in the suite);
        N-Triples as it is; RDF/XML as N-Triples, read here with the file's IRI as base."""
        path = local_path(iri, self.suite)
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        extension = path.suffix.lstrip(".")
        if extension == "ttl":
            return f"@base <{iri}> .\n".encode() + raw, "text/turtle; charset=utf-8"
        if extension == "nt":
            return raw, "application/n-triples"
        if extension == "rdf":
            triples = [q.triple for q in ox.parse(raw, format=ox.RdfFormat.RDF_XML, base_iri=iri)]
            return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "application/n-triples"
        raise Broken(f"no way to load {path.name}")

    def dataset(self) -> list[ox.Quad]:
        """Every quad but the change log's: ``GET /store?default`` and ``GET /store?graph=`` of
        each named graph, as N-Triples."""
        quads: list[ox.Quad] = []
        for name in [None, *self.named_graphs()]:
            target = "/store?default" if name is None else "/store?graph=" + quote(name, safe="")
            response = self.client.request("GET", target, None, {"Accept": "application/n-triples"})
            if response.status == 404 and name is not None:
                continue
            if response.status != 200:
                raise Failed(f"GET {target}: {describe(response)}")
            graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
            for t in ox.parse(response.body, format=ox.RdfFormat.N_TRIPLES):
                quads.append(ox.Quad(t.subject, t.predicate, t.object, graph))
        return quads


def read_rdf(suite: Path, iri: str) -> list[ox.Triple]:
    path = local_path(iri, suite)
    format = RDF_FILES[path.suffix.lstrip(".")]
    return [q.triple for q in ox.parse(path=str(path), format=format, base_iri=iri, rename_blank_nodes=True)]


# --- the kinds of test -----------------------------------------------------------------------


def with_base(text: str, iri: str) -> str:
    """The query or update with its file's IRI as base, as the suites read them.

    >>> with_base("SELECT * {}", "http://e/q.rq")
    'BASE <http://e/q.rq>\\nSELECT * {}'
    """
    return f"BASE <{iri}>\n{text}"


def run_query_evaluation(service: Service, test: Test) -> None:
    service.reset()
    service.load(test.data)
    query = local_path(test.query, service.suite).read_text(encoding="utf-8")
    if test.result is None:
        raise Failed("the test has no expected result")
    extension = test.result.rsplit(".", 1)[-1]
    order = order_of(query)
    if extension in RESULT_FILES:
        media_type, parse = RESULT_FILES[extension]
        expected = parse(local_path(test.result, service.suite).read_bytes())
        actual = _results(service.query(with_base(query, test.query), media_type), media_type, parse)
        difference = compare_results(expected, actual, order)
    else:
        triples = read_rdf(service.suite, test.result)
        if any(t.object == ox.NamedNode("http://www.w3.org/2001/sw/DataAccess/tests/result-set#ResultSet")
               for t in triples):
            expected = parse_result_graph(triples)
            actual = _results(service.query(with_base(query, test.query), SPARQL_JSON), SPARQL_JSON, parse_json)
            difference = compare_results(expected, actual, order)
        else:
            response = service.query(with_base(query, test.query), "application/n-triples")
            if response.status != 200:
                raise Failed(describe(response))
            if response.media_type != "application/n-triples":
                raise Failed(f"asked for N-Triples, got {response.media_type}")
            actual_triples = [q.triple for q in ox.parse(response.body, format=ox.RdfFormat.N_TRIPLES)]
            difference = compare_graphs(triples, actual_triples)
    if difference:
        raise Failed(difference)


def _results(response: Response, media_type: str, parse) -> Results:
    if response.status != 200:
        raise Failed(describe(response))
    if response.media_type != media_type:
        raise Failed(f"asked for {media_type}, got {response.media_type}")
    try:
        return parse(response.body)
    except (ValueError, SyntaxError) as exc:
        raise Failed(f"the {media_type} answer does not parse: {exc}") from None


def run_update_evaluation(service: Service, test: Test) -> None:
    service.reset()
    service.load(test.data)
    update = local_path(test.query, service.suite).read_text(encoding="utf-8")
    response = service.update(with_base(update, test.query))
    if response.status != 200:
        raise Failed(f"the update failed: {describe(response)}")
    expected = []
    for data in test.result_data or []:
        graph = ox.DefaultGraph() if data.name is None else ox.NamedNode(data.name)
        expected += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in read_rdf(service.suite, data.file)]
    difference = compare_datasets(expected, service.dataset())
    if difference:
        raise Failed(difference)


#: Answers that show a positive syntax test parsed: success; for updates, a rejection by the
#: shapes after evaluation (422); or an evaluation error (400 ``query_evaluation_error``, e.g.
#: ``DROP GRAPH`` of a graph that does not exist in the empty store).
def parsed(response: Response) -> bool:
    if response.status in (200, 422):
        return True
    return response.status == 400 and response.error_code() == "query_evaluation_error"


def run_syntax(service: Service, test: Test) -> None:
    body = local_path(test.query, service.suite).read_bytes()
    update = test.kind.endswith("update")
    if update:
        service.reset()
        response = service.update(body)
    else:
        response = service.query(body, None)
    if "negative" in test.kind:
        if response.status != 400:
            raise Failed(f"expected 400, got {describe(response)}")
    elif not parsed(response):
        raise Failed(f"expected the {'update' if update else 'query'} to be accepted, got {describe(response)}")


def run_protocol(service: Service, test: Test) -> None:
    service.reset()
    service.load(test.data)
    service.dirty = True  # the requests may write
    run_ht_test(service, test)


def run_graph_store(service: Service, test: Test, state: dict) -> None:
    """``graph-store-protocol/`` tests each start from an empty store; ``http-rdf-update/`` tests
    build on each other, from an empty store at the first (``state`` carries what they share)."""
    if test.folder == "http-rdf-update":
        if not state.get("http-rdf-update started"):
            service.reset()
            state["http-rdf-update started"] = True
        service.dirty = True
        run_prose_test(service, test, state)
    else:
        service.reset()
        service.dirty = True
        run_ht_test(service, test)


def run_service_description(service: Service, test: Test) -> None:
    local = test.iri.rsplit("#", 1)[-1]
    if local not in SD_TESTS:
        raise Failed(f"no check for the service description test {local}")
    SD_TESTS[local](service)


RUNNERS = {
    "query-evaluation": run_query_evaluation,
    "update-evaluation": run_update_evaluation,
    "syntax-positive-query": run_syntax,
    "syntax-negative-query": run_syntax,
    "syntax-positive-update": run_syntax,
    "syntax-negative-update": run_syntax,
    "protocol": run_protocol,
    "service-description": run_service_description,
}


# --- running and reporting ----------------------------------------------------------------------


@dataclass
class Outcome:
    test: Test
    status: str  # pass | fail | skip
    reason: str = ""
    seconds: float = 0.0


def run_test(service: Service, test: Test, state: dict) -> Outcome:
    if test.skip:
        return Outcome(test, "skip", test.skip)
    start = time.monotonic()
    try:
        if test.kind == "graph-store":
            run_graph_store(service, test, state)
        elif test.kind in RUNNERS:
            RUNNERS[test.kind](service, test)
        else:
            raise Failed(f"the runner does not know this kind of test ({test.kind})")
    except (Failed, Broken) as exc:
        return Outcome(test, "fail", str(exc), time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001 - a runner bug or a broken answer: a failure, reported
        return Outcome(test, "fail", f"{type(exc).__name__}: {exc}", time.monotonic() - start)
    return Outcome(test, "pass", "", time.monotonic() - start)


def run_all(service: Service, tests: list[Test], progress=None) -> list[Outcome]:
    outcomes = []
    state: dict = {}
    for test in tests:
        outcome = run_test(service, test, state)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def tally(outcomes: list[Outcome], key) -> dict[str, dict[str, int]]:
    table: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        table[key(o)][o.status] += 1
    return {k: {s: v.get(s, 0) for s in ("pass", "fail", "skip")} for k, v in table.items()}


def format_table(title: str, rows: dict[str, dict[str, int]], order: list[str] | None = None) -> str:
    names = order or sorted(rows)
    width = max([len(title)] + [len(n) for n in names] + [5])
    lines = [f"{title:<{width}}  {'pass':>5}  {'fail':>5}  {'skip':>5}  {'total':>5}",
             f"{'-' * width}  -----  -----  -----  -----"]
    totals = Counter()
    for name in names:
        row = rows.get(name, {"pass": 0, "fail": 0, "skip": 0})
        totals.update(row)
        lines.append(f"{name:<{width}}  {row['pass']:>5}  {row['fail']:>5}  {row['skip']:>5}  {sum(row.values()):>5}")
    lines.append(f"{'-' * width}  -----  -----  -----  -----")
    lines.append(f"{'all':<{width}}  {totals['pass']:>5}  {totals['fail']:>5}  {totals['skip']:>5}  {sum(totals.values()):>5}")
    return "\n".join(lines)


def report(outcomes: list[Outcome], seconds: float) -> dict:
    folders = tally(outcomes, lambda o: o.test.folder)
    categories = tally(outcomes, lambda o: CATEGORIES.get(o.test.category, o.test.category))
    entry = lambda o: {"test": o.test.iri, "name": o.test.name, "folder": o.test.folder,  # noqa: E731
                       "category": CATEGORIES.get(o.test.category, o.test.category), "reason": o.reason}
    return {
        "seconds": round(seconds, 1),
        "categories": categories,
        "folders": folders,
        "failures": [entry(o) for o in outcomes if o.status == "fail"],
        "skipped": [entry(o) for o in outcomes if o.status == "skip"],
    }


def below_baseline(categories: dict[str, dict[str, int]], baseline: dict[str, int]) -> list[str]:
    """The categories whose pass count fell below the baseline's.

    >>> below_baseline({"protocol": {"pass": 30}}, {"protocol": 31, "graph store": 0})
    ['protocol: 30 passed, baseline 31']
    """
    return [f"{name}: {categories.get(name, {}).get('pass', 0)} passed, baseline {minimum}"
            for name, minimum in baseline.items() if categories.get(name, {}).get("pass", 0) < minimum]


def start_server(store: Path, token: str):
    sys.path.insert(0, str(ROOT / "tests"))
    from server import running_server  # tests/server.py: the real `alliance-kg serve` as a subprocess

    env = {"ALLIANCE_KG_SHIPPED": "false", "ALLIANCE_KG_UNION_DEFAULT_GRAPH": "false",
           "ALLIANCE_KG_ADMIN_TOKEN": token, "ALLIANCE_KG_WRITE_TOKEN": "",
           "ALLIANCE_KG_WRITE_TOKENS": ""}
    return running_server("--empty", "--store", str(store), env=env, timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help=f"the sparql11 folder (default: {DEFAULT_SUITE})")
    parser.add_argument("--only", default="", help="comma-separated folders to run (default: all)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON report")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE, help="pass counts not to fall below")
    parser.add_argument("--write-baseline", action="store_true", help="record this run's pass counts as the baseline")
    parser.add_argument("--url", help="test a server that is already running (empty, union_default_graph false) "
                                      "instead of starting one; needs --token")
    parser.add_argument("--token", help="the write token of the server given by --url")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure as it happens")
    args = parser.parse_args(argv)

    if not (args.suite / "manifest-all.ttl").is_file():
        print(f"conformance: no W3C SPARQL 1.1 suite at {args.suite}", file=sys.stderr)
        return 2
    only = {f.strip() for f in args.only.split(",") if f.strip()}
    tests = load_tests(args.suite, only or None)
    token = secrets.token_urlsafe(24)
    start = time.monotonic()

    def progress(outcome: Outcome) -> None:
        if args.verbose and outcome.status == "fail":
            print(f"FAIL {outcome.test.iri}\n     {outcome.reason}", file=sys.stderr)

    if args.url:
        if not args.token:
            parser.error("--url needs --token")
        service = Service(args.url, args.token, args.suite)
        outcomes = run_all(service, tests, progress)
        service.client.close()
    else:
        with tempfile.TemporaryDirectory(prefix="alliance-kg-conformance-") as scratch:
            try:
                server = start_server(Path(scratch) / "store", token)
                context = server.__enter__()
            except RuntimeError as exc:
                print(f"conformance: the server did not start: {exc}", file=sys.stderr)
                return 2
            try:
                service = Service(context.url, token, args.suite)
                outcomes = run_all(service, tests, progress)
                service.client.close()
            finally:
                server.__exit__(None, None, None)
    seconds = time.monotonic() - start
    result = report(outcomes, seconds)

    print(format_table("folder", result["folders"], list(dict.fromkeys(t.folder for t in tests))))
    print()
    names = [c for c in CATEGORIES.values() if c in result["categories"]]
    print(format_table("category", result["categories"], names))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{len(tests)} tests in {seconds:.0f} s; failures and skips: {args.output}")

    if args.write_baseline:
        baseline = {name: counts["pass"] for name, counts in result["categories"].items()}
        ordered = {name: baseline[name] for name in CATEGORIES.values() if name in baseline}
        args.baseline.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
        print(f"baseline written: {args.baseline}")
        return 0
    if only:
        print("conformance: a partial run (--only) is not compared with the baseline")
        return 0
    if not args.baseline.is_file():
        print(f"conformance: no baseline at {args.baseline}", file=sys.stderr)
        return 1
    baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    worse = below_baseline(result["categories"], baseline)
    if worse:
        print("conformance: below the baseline: " + "; ".join(worse), file=sys.stderr)
        return 1
    print(f"conformance: every category is at or above the baseline ({args.baseline.name})")
    return 0
