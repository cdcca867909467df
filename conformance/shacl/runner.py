"""Run the W3C SHACL test suite (``core``, ``sparql``) against pySHACL, pyshacl-turbo and
alliance-kg's own validation.

    python -m conformance.shacl [--suite DIR] [--engines NAME,...] [--output FILE] [--baseline FILE]

Every ``sht:Validate`` test runs on every engine (:mod:`.engines`). A test passes when the engine
gives the expected report (:mod:`.compare`: ``sh:conforms`` and the results, as the suite
compares them), or, for a test expecting ``sht:Failure``, when it signals a failure. An engine
that raises on a test that expects a report fails that test, with the exception as the reason;
the runner goes on.

Prints a pass/fail table per folder and engine, writes every test's outcome per engine to
``build/conformance/shacl-results.json``, and compares the pass counts per engine and folder
with ``conformance/shacl-baseline.json``. Exit status: 0 when none is below the baseline, or
when there is no suite (``../shared/w3c/shacl`` is optional: the project runs without it); 1 when
one is below (or there is no baseline); 2 for a suite that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .compare import difference, read_report
from .engines import ENGINES, quiet, run_engine
from .manifest import FOLDERS, ShaclTest, load_tests

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SUITE = ROOT.parent / "shared" / "w3c" / "shacl"
DEFAULT_OUTPUT = ROOT / "build" / "conformance" / "shacl-results.json"
DEFAULT_BASELINE = ROOT / "conformance" / "shacl-baseline.json"


@dataclass
class Outcome:
    """One test on one engine: ``pass`` or ``fail``, and why it failed (or how it signalled the
    failure a ``sht:Failure`` test expects)."""

    test: ShaclTest
    engine: str
    status: str
    reason: str = ""
    seconds: float = 0.0


def one_line(exc: BaseException) -> str:
    """An exception as a reason: its type and the first line of its message, at most 300 characters.

    >>> one_line(ValueError("bad\\nmore"))
    'ValueError: bad'
    """
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def run_test(test: ShaclTest, engine: str, scratch: Path) -> Outcome:
    """The outcome of ``test`` on ``engine``; ``scratch``: an empty directory for this run."""
    start = time.monotonic()
    try:
        actual = run_engine(engine, test, scratch)
    except Exception as exc:  # noqa: BLE001 - an engine error is the test's outcome, never the runner's end
        seconds = time.monotonic() - start
        if test.expects_failure:
            return Outcome(test, engine, "pass", f"signalled a failure: {one_line(exc)}", seconds)
        return Outcome(test, engine, "fail", f"the engine failed: {one_line(exc)}", seconds)
    seconds = time.monotonic() - start
    if test.expects_failure:
        return Outcome(test, engine, "fail", f"expected a failure (sht:Failure), got a report with "
                       f"conforms {actual.conforms} and {sum(actual.results.values())} result(s)", seconds)
    assert test.expected is not None
    expected = read_report(test.expected, test.report, data=test.data, shapes=test.shapes)
    reason = difference(expected, actual)
    return Outcome(test, engine, "fail" if reason else "pass", reason, seconds)


def run_all(tests: list[ShaclTest], engines: list[str], scratch: Path, progress=None) -> list[Outcome]:
    """Every test on every engine, each run with a scratch directory of its own."""
    outcomes = []
    for number, test in enumerate(tests):
        for engine in engines:
            place = scratch / f"{number:04d}-{engine}"
            place.mkdir()
            outcome = run_test(test, engine, place)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes


def tally(outcomes: list[Outcome], key) -> dict[str, dict[str, dict[str, int]]]:
    """Pass and fail counts by engine, then by ``key`` (folder or group) of the test.

    >>> t = ShaclTest("core/node/x", "", "approved", None, None, None, None)
    >>> tally([Outcome(t, "pyshacl", "pass"), Outcome(t, "pyshacl", "fail")], lambda t: t.folder)
    {'pyshacl': {'core': {'pass': 1, 'fail': 1}}}
    """
    table: dict = defaultdict(lambda: defaultdict(lambda: {"pass": 0, "fail": 0}))
    for o in outcomes:
        table[o.engine][key(o.test)][o.status] += 1
    return {engine: dict(rows) for engine, rows in table.items()}


def format_table(outcomes: list[Outcome], engines: list[str]) -> str:
    """Pass and fail per sub-folder, folder and engine, a column pair per engine."""
    groups = tally(outcomes, lambda t: t.group)
    folders = tally(outcomes, lambda t: t.folder)
    names = sorted({o.test.group for o in outcomes})
    width = max([len(n) for n in names] + [12])
    head = f"{'folder':<{width}}" + "".join(f"  {e:>13}" for e in engines)
    sub = f"{'':<{width}}" + "".join(f"  {'pass':>6} {'fail':>6}" for _ in engines)
    rule = "-" * len(sub)
    lines = [head, sub, rule]

    def row(name: str, table: dict) -> str:
        cells = [table.get(e, {}).get(name, {"pass": 0, "fail": 0}) for e in engines]
        return f"{name:<{width}}" + "".join(f"  {c['pass']:>6} {c['fail']:>6}" for c in cells)

    for folder in sorted(dict.fromkeys(n.split("/")[0] for n in names)):
        lines += [row(n, groups) for n in names if n.split("/")[0] == folder]
        lines += [row(folder, folders), rule]
    return "\n".join(lines)


def report(outcomes: list[Outcome], engines: list[str], seconds: float) -> dict:
    """The JSON report: counts per engine and folder and per sub-folder, and every test with its
    outcome on each engine."""
    tests: dict[str, dict] = {}
    for o in outcomes:
        entry = tests.setdefault(o.test.name, {
            "test": o.test.name, "label": o.test.label, "status": o.test.status,
            "expects": "failure" if o.test.expects_failure else "report", "engines": {},
        })
        entry["engines"][o.engine] = {"status": o.status, "reason": o.reason, "seconds": round(o.seconds, 3)}
    return {
        "seconds": round(seconds, 1),
        "engines": engines,
        "counts": tally(outcomes, lambda t: t.folder),
        "groups": tally(outcomes, lambda t: t.group),
        "failures": [{"test": o.test.name, "engine": o.engine, "reason": o.reason}
                     for o in outcomes if o.status == "fail"],
        "tests": list(tests.values()),
    }


def below_baseline(counts: dict, baseline: dict) -> list[str]:
    """The engine and folder pairs that passed fewer tests than the baseline records.

    >>> below_baseline({"pyshacl": {"core": {"pass": 90}}}, {"pyshacl": {"core": 91, "sparql": 0}})
    ['pyshacl core: 90 passed, baseline 91']
    """
    return [f"{engine} {folder}: {passed} passed, baseline {minimum}"
            for engine, folders in baseline.items() for folder, minimum in folders.items()
            if (passed := counts.get(engine, {}).get(folder, {}).get("pass", 0)) < minimum]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.shacl", description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help=f"the shacl folder (default: {DEFAULT_SUITE})")
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated, of {', '.join(ENGINES)}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON report")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE, help="pass counts not to fall below")
    parser.add_argument("--write-baseline", action="store_true", help="record this run's pass counts as the baseline")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure as it happens")
    args = parser.parse_args(argv)

    if not (args.suite / "manifest.ttl").is_file():
        print(f"conformance.shacl: no W3C SHACL suite at {args.suite}: not run")
        return 0
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(unknown)}; use {', '.join(ENGINES)}")
    try:
        with quiet():
            tests = load_tests(args.suite, FOLDERS)
    except Exception as exc:  # noqa: BLE001 - a suite that does not read: say so, exit 2
        print(f"conformance.shacl: cannot read the suite at {args.suite}: {exc}", file=sys.stderr)
        return 2

    def progress(o: Outcome) -> None:
        if args.verbose and o.status == "fail":
            print(f"FAIL {o.engine} {o.test.name}\n     {o.reason}", file=sys.stderr)

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="alliance-kg-shacl-") as scratch:
        outcomes = run_all(tests, engines, Path(scratch), progress)
    seconds = time.monotonic() - start
    result = report(outcomes, engines, seconds)

    print(format_table(outcomes, engines))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{len(tests)} SHACL tests on {len(engines)} engines in {seconds:.0f} s; every outcome: {args.output}",
          flush=True)

    counts = {e: {f: result["counts"].get(e, {}).get(f, {}).get("pass", 0) for f in FOLDERS} for e in engines}
    if args.write_baseline:
        args.baseline.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
        print(f"baseline written: {args.baseline}")
        return 0
    if not args.baseline.is_file():
        print(f"conformance.shacl: no baseline at {args.baseline}", file=sys.stderr)
        return 1
    baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    if set(engines) != set(ENGINES):
        baseline = {e: folders for e, folders in baseline.items() if e in engines}
        print("conformance.shacl: some engines only (--engines): compared with their baseline alone")
    worse = below_baseline(result["counts"], baseline)
    if worse:
        print("conformance.shacl: below the baseline: " + "; ".join(worse), file=sys.stderr)
        return 1
    print(f"conformance.shacl: every engine and folder is at or above the baseline ({args.baseline.name})")
    return 0
