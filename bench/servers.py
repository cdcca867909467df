"""The servers the harness compares, each started on a free loopback port and stopped at the end:

- alliance-kg: ``alliance-kg --data-dir DIR serve`` (in memory, waitress), through the tests'
  :func:`server.running_server`;
- the Oxigraph server (``oxigraph`` from PyPI, Rust, RocksDB on disk): ``oxigraph load`` into a
  fresh directory, then ``oxigraph serve --union-default-graph``, so that the default graph is
  the union of the named graphs, as in alliance-kg;
- rdflib-endpoint (FastAPI on uvicorn over an rdflib ``Dataset`` in memory, default graph the
  union of the named graphs): ``python -m rdflib_endpoint serve FILE.nq``.

Each yields an :class:`Endpoint` with ``first_answer_s``: the time from starting the process to
its first answer to a SPARQL query (``ASK {}``), polled every 10 ms (alliance-kg: once /health
answers, polled every 50 ms by ``running_server``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from server import HOST, free_port, running_server, stop
from timeout_bench import cpu_seconds

ASK = "ASK {}"


@dataclass
class Endpoint:
    name: str
    url: str  # base URL, no trailing slash
    sparql_path: str  # the SPARQL endpoint's path, relative to url
    first_answer_s: float
    pid: int
    load_s: float | None = None  # a separate load step before start (oxigraph load)
    notes: list[str] = field(default_factory=list)

    @property
    def sparql(self) -> str:
        return self.url + self.sparql_path


def wait_idle(pid: int, *, cap: float = 120.0, interval: float = 0.05, max_cpu: float = 0.011) -> float:
    """Wait until process ``pid`` (with its children) uses at most ``max_cpu`` seconds of CPU
    (one 10 ms tick of /proc) over ``interval``, at most ``cap`` seconds: a server still working
    off requests that a load generator abandoned (rdflib-endpoint on a slow query) must not slow
    down the next measurement. Returns the seconds waited."""
    start = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - start < cap:
        time.sleep(interval)
        now = cpu_seconds(pid)
        if now - before <= max_cpu:
            break
        before = now
    return time.monotonic() - start


def oxigraph_command() -> str | None:
    """The ``oxigraph`` CLI of this virtualenv, or on PATH."""
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


def rdflib_endpoint_installed() -> bool:
    return importlib.util.find_spec("rdflib_endpoint") is not None and importlib.util.find_spec("uvicorn") is not None


def missing(name: str) -> str | None:
    """Why ``name`` cannot run here, or None."""
    if name == "oxigraph" and oxigraph_command() is None:
        return "the oxigraph CLI is not installed (pip install -e '.[bench]', or make bench)"
    if name == "rdflib-endpoint" and not rdflib_endpoint_installed():
        return "rdflib-endpoint is not installed (pip install -e '.[bench]', or make bench)"
    return None


def answers(sparql_url: str, query: str = ASK, timeout: float = 2.0) -> bool:
    url = sparql_url + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _wait(sparql_url: str, process: subprocess.Popen, start: float, timeout: float, log, what: str) -> float:
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read().decode(errors='replace')[-3000:]}")
        if answers(sparql_url):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            log.seek(0)
            raise RuntimeError(f"{what} did not answer within {timeout:.0f} s:\n{log.read().decode(errors='replace')[-3000:]}")
        time.sleep(0.01)


@contextlib.contextmanager
def alliance_kg(data_dir: Path | None, *, write_token: str | None = None, timeout: float = 600.0,
                threads: int | None = None, workers: int | None = None) -> Iterator[Endpoint]:
    """``alliance-kg [--data-dir DIR] serve [--workers N]``: in memory, like ``make run``; the
    shipped graph without ``data_dir``."""
    env = {"ALLIANCE_KG_WRITE_TOKEN": write_token} if write_token else {}
    args = ["--data-dir", str(data_dir)] if data_dir is not None else []
    start = time.monotonic()
    with running_server(*args, env=env, timeout=timeout, threads=threads, workers=workers) as server:
        # /health answered; the first SPARQL answer follows at once.
        for _ in range(100):
            if answers(server.sparql):
                break
            time.sleep(0.01)
        first = time.monotonic() - start
        yield Endpoint("alliance-kg", server.url, "/sparql", first, server.process.pid)


@contextlib.contextmanager
def oxigraph(nquads: Path, *, workdir: Path, timeout: float = 600.0) -> Iterator[Endpoint]:
    """``oxigraph load`` of ``nquads`` into a new directory under ``workdir``, then ``oxigraph
    serve`` on it (on disk, union default graph)."""
    command = oxigraph_command()
    if command is None:
        raise RuntimeError(missing("oxigraph"))
    location = Path(tempfile.mkdtemp(prefix="oxigraph-", dir=workdir))
    try:
        start = time.monotonic()
        subprocess.run([command, "load", "--location", str(location), "--file", str(nquads)],
                       check=True, capture_output=True, timeout=timeout)
        load_s = time.monotonic() - start
        port = free_port()
        with tempfile.TemporaryFile() as log:
            start = time.monotonic()
            process = subprocess.Popen([command, "serve", "--location", str(location), "--bind", f"{HOST}:{port}",
                                        "--union-default-graph"], stdout=log, stderr=subprocess.STDOUT)
            try:
                url = f"http://{HOST}:{port}"
                first = _wait(url + "/query", process, start, timeout, log, "oxigraph serve")
                yield Endpoint("oxigraph", url, "/query", first, process.pid, load_s=load_s)
            finally:
                stop(process)
    finally:
        shutil.rmtree(location, ignore_errors=True)


@contextlib.contextmanager
def rdflib_endpoint(nquads: Path, *, timeout: float = 300.0) -> Iterator[Endpoint]:
    """``rdflib-endpoint serve nquads``: rdflib parses the file into a Dataset (Memory store,
    default graph the union), then uvicorn serves it. ``timeout`` caps the load."""
    if not rdflib_endpoint_installed():
        raise RuntimeError(missing("rdflib-endpoint"))
    port = free_port()
    with tempfile.TemporaryFile() as log:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "rdflib_endpoint", "serve", "--host", HOST,
                                    "--port", str(port), str(nquads)],
                                   stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"NO_COLOR": "1"})
        try:
            url = f"http://{HOST}:{port}"
            first = _wait(url + "/", process, start, timeout, log, "rdflib-endpoint")
            yield Endpoint("rdflib-endpoint", url, "/", first, process.pid)
        finally:
            stop(process)


def serving_memory_mb(pid: int) -> float | None:
    """The memory of process ``pid`` and every process under it (granian's workers), as the sum of
    their proportional set sizes (PSS: a page the forked workers still share counts once in all),
    in MB; None where /proc cannot say."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            if current == pid:
                return None
    return total
