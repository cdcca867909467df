"""bench/compare.py runs end to end at a tiny size and prints every row of its table (issue 7).

Not a measurement: durations are cut to the bone and no figure is asserted. It uses the Python
load client (wrk cannot run for less than a second). The Oxigraph server and rdflib-endpoint come
with the optional ``bench`` extra (``make bench`` installs it): when one is not installed, its
cells must say so, and everything else must still be measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# It starts the benchmark harness in a process of its own, which starts servers: `make test-slow`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import servers  # noqa: E402  (bench/servers.py: which competitors are installed)


def test_the_harness_runs_and_prints_every_row(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compare.py"), "--sizes", "3000", "--seconds", "0.05", "--rounds", "1",
         "--client", "python", "--writes", "1", "--load-rounds", "1", "--startup-rounds", "1",
         "--validation-timeout", "1", "--distinct-size", "200", "--workdir", str(tmp_path), "--out", str(out),
         "--quiet"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    (size,) = results["sizes"]
    table = results["table"]
    measures = [row["measure"] for row in table]

    # Every HTTP row at both concurrencies, then validation, writes, load and start-up.
    for spec in size["rows"].values():
        for c in (1, 8):
            assert f"{spec['label']}, concurrency {c}" in measures
    # validation (2), writes (3 JSON, 3 SPARQL Update) and memory while writing, load (2), start-up
    # the workers, validation (2), writes, memory while writing and serving, load (2), start-up (2)
    assert len(table) == 1 + 2 * len(size["rows"]) + 2 + 6 + 1 + 1 + 2 + 1 + 1
    assert table[0]["measure"].startswith("alliance-kg's worker processes") and table[0]["alliance-kg"].isdigit()
    assert sum("guarded write" in m for m in measures) == 6
    assert sum("SPARQL" in m and "guarded write" in m for m in measures) == 3
    assert any(m.startswith("memory of the server after the writes") for m in measures)
    assert any("alliance-kg on the shipped graph" in m for m in measures)
    assert all(row["alliance-kg"] not in ("", "—") for row in table), [r for r in table if r["alliance-kg"] in ("", "—")]
    assert "| size | measure | alliance-kg |" in done.stdout

    # alliance-kg answered every request and every write as the manifest expects.
    for key, by_server in size["http"].items():
        for c, figures in by_server.get("alliance-kg", {}).items():
            assert figures["requests"] > 0 and figures["errors"] == 0, (key, c, figures)
    assert {k: w["unexpected"] for k, w in size["writes"].items()} == dict.fromkeys(size["writes"], 0), size["writes"]
    assert size["validation"]["alliance-kg"]["status"] == "ok" and size["validation"]["alliance-kg"]["conforms"]
    assert size["load"]["alliance-kg"]["load_s"] > 0 and size["load"]["pyoxigraph"]["load_s"] > 0

    # A competitor is measured, or its cells say why not (not installed): never silently missing.
    for name in ("oxigraph", "rdflib-endpoint"):
        why = servers.missing(name)
        if why is None:
            assert name in size["servers"], size.get("skipped")
            sparql_rows = [key for key, spec in size["rows"].items() if spec["against"] is None]
            assert all(name in size["http"][key] for key in sparql_rows), name
        else:
            assert size["skipped"][name] == why
            assert "not installed" in done.stdout
