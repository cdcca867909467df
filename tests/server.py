"""Start and stop the real server (``alliance-kg serve`` on waitress) for tests and benchmarks.

    with running_server() as server:
        urllib.request.urlopen(server.url + "/health")

Test modules import the fixture (``from server import live_server``); a benchmark can use
:func:`running_server` directly.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
#: Starts the CLI from this interpreter, so the test's virtualenv is the server's.
COMMAND = [sys.executable, "-c", "from alliance_kg.launch import main; main()"]


@dataclass(frozen=True)
class Server:
    """A running server: its base URL (no trailing slash) and how long it took to answer /health."""

    url: str
    process: subprocess.Popen
    started_in: float

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(*args: str, port: int | None = None, env: dict[str, str] | None = None,
                   timeout: float = START_TIMEOUT, threads: int | None = None,
                   workers: int | None = None) -> Iterator[Server]:
    """Run ``alliance-kg [args] serve`` on 127.0.0.1 until the block ends; yield once /health answers.

    The graph is in memory (``ALLIANCE_KG_STORE`` is dropped from the environment unless ``env``
    sets it). The process is stopped however the block ends.

    :raises RuntimeError: the server exited, or did not answer within ``timeout`` seconds
        (the message ends with its output).
    """
    port = port or free_port()
    environ = {k: v for k, v in os.environ.items() if k != "ALLIANCE_KG_STORE"} | (env or {})
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        start = time.monotonic()
        serve = ["serve", "--host", HOST, "--port", str(port), *(["--threads", str(threads)] if threads else []),
                 *(["--workers", str(workers)] if workers else [])]
        process = subprocess.Popen([*COMMAND, *args, *serve],
                                   stdout=log, stderr=subprocess.STDOUT, env=environ)
        try:
            started_in = _wait_for_health(url, process, start, timeout, log)
            yield Server(url, process, started_in)
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask ``process`` to end, and kill it if it has not within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_health(url: str, process: subprocess.Popen, start: float, timeout: float, log) -> float:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{_output(log)}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"the server did not answer {url}/health within {timeout:.0f} s:\n{_output(log)}")
        time.sleep(0.05)


def _output(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    """The real server on a free port of 127.0.0.1, for one test module."""
    with running_server() as server:
        print(f"\nalliance-kg answered /health {server.started_in:.2f} s after the process started")
        yield server
