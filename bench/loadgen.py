"""HTTP load for the comparison harness: wrk (Debian's package) when it is installed, else the
bounded Python client of ``http_bench.py``. Both run for a fixed time at a fixed concurrency
over keep-alive connections and give requests per second and p50 / p99 latency.

A :class:`Workload` is one request repeated, or a rotation over many paths, where ``NONCE`` in a
path is replaced by a number unique to each request (``distinct`` queries: no result cache of
any server can answer one from another).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from http_bench import percentile
from http_bench import run as python_run

NONCE = "NONCE"


@dataclass(frozen=True)
class Workload:
    """What to request: ``paths`` (relative to a server's base URL), in turn; ``NONCE`` in a path
    becomes a number unique to the request."""

    name: str
    paths: tuple[str, ...]
    headers: dict = field(default_factory=dict, hash=False)

    @property
    def distinct(self) -> bool:
        return len(self.paths) > 1 or NONCE in self.paths[0]

    def path(self, n: int) -> str:
        return self.paths[n % len(self.paths)].replace(NONCE, str(n))


@dataclass
class Load:
    """One measured run."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float | None
    p99_ms: float | None
    client: str

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {"requests": self.requests, "errors": self.errors, "seconds": self.seconds,
                "per_second": self.per_second, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "client": self.client}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def measure(base_url: str, workload: Workload, concurrency: int, seconds: float, *, client: str = "auto",
            timeout: float = 30.0) -> Load:
    """Run ``workload`` against ``base_url`` (``http://127.0.0.1:PORT`` plus an optional path
    prefix) for ``seconds`` at ``concurrency``. ``client``: ``wrk``, ``python`` or ``auto``."""
    if client == "auto":
        client = "wrk" if wrk_path() and seconds >= 1 else "python"
    if client == "wrk":
        return _wrk(base_url, workload, concurrency, seconds, timeout)
    return _python(base_url, workload, concurrency, seconds, timeout)


def _join(base_path: str, path: str) -> str:
    """
    >>> _join("/", "?query=x"), _join("/sparql", "?query=x"), _join("", "/api/x"), _join("/a/", "/b")
    ('/?query=x', '/sparql?query=x', '/api/x', '/a/b')
    """
    if path.startswith("?"):
        return (base_path or "/") + path
    return base_path.rstrip("/") + path


def _python(base_url: str, workload: Workload, concurrency: int, seconds: float, timeout: float) -> Load:
    base = urlsplit(base_url)
    if len(workload.paths) == 1 and NONCE not in workload.paths[0]:
        path = _join(base.path, workload.paths[0])
    else:
        path = lambda n: _join(base.path, workload.path(n))  # noqa: E731
    latencies, errors = python_run(base.port, path, workload.headers, concurrency, seconds, timeout=timeout)
    if not latencies:
        return Load(0, errors, seconds, None, None, "python")
    return Load(len(latencies), errors, seconds, statistics.median(latencies) * 1000,
                percentile(latencies, 99) * 1000, "python")


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal


LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local nonce = %(nonce)s
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if nonce then
    path = (string.gsub(path, "NONCE", tostring((tid or 0) * 1000000000 + counter)))
  end
  return wrk.format("GET", path, headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(base_url: str, workload: Workload, concurrency: int, seconds: float, timeout: float) -> Load:
    base = urlsplit(base_url)
    script = LUA % {
        "paths": ", ".join(_lua_string(_join(base.path, p)) for p in workload.paths),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in workload.headers.items()),
        "nonce": "true" if any(NONCE in p for p in workload.paths) else "false",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        duration = max(1, round(seconds))
        command = [wrk_path(), "-t", str(min(concurrency, 2)), "-c", str(concurrency), "-d", f"{duration}s",
                   "--timeout", f"{max(1, round(timeout))}s", "-s", f.name, base_url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + timeout + 30)
    finally:
        Path(f.name).unlink(missing_ok=True)
    line = next((ln for ln in reversed(done.stdout.splitlines()) if ln.startswith('{"requests"')), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    figures = json.loads(line)
    n = figures["requests"]
    return Load(n, figures["errors"], figures["duration_us"] / 1e6,
                figures["p50_us"] / 1000 if n else None, figures["p99_us"] / 1000 if n else None, "wrk")
