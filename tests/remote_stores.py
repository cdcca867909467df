"""Remote SPARQL stores for the tests, each started by the test itself on 127.0.0.1 and stopped
after: the Oxigraph server (``oxigraph serve``, from the ``oxigraph`` package of the test
extras) and Virtuoso Open Source 7 (tests/virtuoso.py, which ``make test-slow`` installs). Each
yields a :class:`RunningStore`: its URLs and credentials, the
:class:`~alliance_kg.config.Config` that runs alliance-kg over it, and the environment the CLI
reads them from."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from alliance_kg.config import Config
from server import HOST, free_port
from virtuoso import virtuoso_server


@dataclass
class RunningStore:
    """A store that runs: its URLs, its credentials (if its writes need them), and how to stop and
    start it again (same data, same URLs)."""

    name: str
    query: str
    update: str
    gsp: str
    process: subprocess.Popen
    restart: object
    user: str | None = None
    password: str | None = None

    def config(self, base: Config) -> Config:
        return replace(base, remote_query=self.query, remote_update=self.update, remote_gsp=self.gsp,
                       remote_user=self.user, remote_password=self.password)

    def env(self) -> dict[str, str]:
        """The environment that gives the CLI the credentials (never its command line)."""
        if self.user is None:
            return {}
        return {"ALLIANCE_KG_REMOTE_USER": self.user, "ALLIANCE_KG_REMOTE_PASSWORD": self.password or ""}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def oxigraph_command() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the Oxigraph server is not installed: run make install (it is in the test extras)")
    return found


@contextlib.contextmanager
def oxigraph_server(workdir: Path, *, timeout: float = 30.0) -> Iterator[RunningStore]:
    """``oxigraph serve --location workdir/db`` on a free port, until the block ends."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    command = [oxigraph_command(), "serve", "--location", str(workdir / "db"), "--bind", f"{HOST}:{port}"]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
            try:
                if httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError(f"oxigraph serve did not answer within {timeout:g} s")

    store = RunningStore("oxigraph", url + "/query", url + "/update", url + "/store", start(), None)

    def restart() -> None:
        store.stop()
        store.process = start()

    store.restart = restart
    try:
        yield store
    finally:
        store.stop()


@contextlib.contextmanager
def virtuoso(workdir: Path) -> Iterator[RunningStore]:
    """Virtuoso Open Source 7 (:func:`virtuoso.virtuoso_server`) with its database in ``workdir``:
    queries on ``/sparql``, updates on ``/sparql-auth`` and the Graph Store on
    ``/sparql-graph-crud-auth`` as ``dba`` (digest), until the block ends. ``restart`` starts it
    again on the same ports with the same database."""
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(virtuoso_server(workdir))
        ports = (server.sql_port, server.http_port)
        store = RunningStore("virtuoso", server.query_url, server.update_url, server.gsp_url, server.process, None,
                             user=server.user, password=server.password)

        def restart() -> None:
            store.stop()
            stack.close()  # the stopped server's block ends
            store.process = stack.enter_context(virtuoso_server(workdir, ports=ports)).process

        store.restart = restart
        yield store
