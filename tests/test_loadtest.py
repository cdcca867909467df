"""scripts/loadtest runs: 3 s of mixed reads and writes against a real server with a store on
disk, with no error, every request kind sent and every check passed. Not a measurement (the
figures are in docs/reliability.md): no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# A real server under load for seconds, in processes of their own: `make test-slow`.
pytestmark = pytest.mark.processes

LOADTEST = Path(__file__).resolve().parent.parent / "scripts" / "loadtest"
KINDS = 15


def test_a_short_load_test_passes():
    done = subprocess.run([sys.executable, str(LOADTEST), "--seconds", "3", "--clients", "4", "--json"],
                          capture_output=True, text=True, timeout=300)
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON from the load test (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    assert result["settings"]["store"] == "disk" and result["settings"]["clients"] == 4
    assert result["total"]["errors"] == 0, result["error_examples"]
    assert len(result["rows"]) == KINDS
    assert [r["kind"] for r in result["rows"] if r["requests"] == 0] == []
    assert {name: c for name, c in result["checks"].items() if not c["ok"]} == {}
    assert result["accepted_writes"] > 0 and result["rss_kib"]["start"] > 0
    assert done.returncode == 0, done.stderr
