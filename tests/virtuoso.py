"""Start and stop a real Virtuoso Open Source 7 server (Debian's ``virtuoso-opensource``) for tests.

    with virtuoso_server(tmp_path) as virtuoso:
        urllib.request.urlopen(virtuoso.query_url + "?query=ASK%7B%7D")

The server listens on 127.0.0.1 only, on two free ports (SQL and HTTP); its configuration
(``virtuoso.ini``), database, transaction log and logs are files in ``workdir``, which is left as it
is afterwards (nothing is removed: a later ``virtuoso_server(workdir)`` opens the same database, and
``virtuoso.log`` is there to read). ``make test-slow`` installs the package; without its binary
:func:`virtuoso_server` raises :class:`RuntimeError`, it does not skip.

Account: ``dba``/``dba``, a fresh database's default. ``dba`` may run SPARQL Update on
``/sparql-auth`` (digest authentication) and write through the Graph Store Protocol on
``/sparql-graph-crud-auth`` without any grant; the anonymous ``/sparql`` is read-only.
docs/virtuoso-notes.md lists how Virtuoso differs from a SPARQL 1.1 server such as Oxigraph's.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
BINARY = "virtuoso-t"
ISQL = ("isql-vt", "isql")
USER = "dba"
PASSWORD = "dba"
INSTALL_HINT = "run `make test-slow` (it installs Debian's virtuoso-opensource package)"


@dataclass
class VirtuosoServer:
    """A running Virtuoso: its URLs, the dba account, and :meth:`stop`."""

    base_url: str
    sql_port: int
    http_port: int
    workdir: Path
    process: subprocess.Popen = field(repr=False)
    started_in: float
    user: str = USER
    password: str = PASSWORD

    @property
    def query_url(self) -> str:
        """SPARQL queries, anonymous, read-only."""
        return self.base_url + "/sparql"

    @property
    def update_url(self) -> str:
        """SPARQL queries and updates with digest authentication (``user``/``password``)."""
        return self.base_url + "/sparql-auth"

    @property
    def gsp_url(self) -> str:
        """The Graph Store Protocol with digest authentication: ``?graph-uri=`` (or ``?graph=``), or ``?default``."""
        return self.base_url + "/sparql-graph-crud-auth"

    @property
    def log(self) -> Path:
        return self.workdir / "virtuoso.log"

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that answers the digest challenges of ``update_url`` and ``gsp_url``."""
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.base_url, self.user, self.password)
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))

    def sql(self, statement: str, *, timeout: float = 60.0) -> str:
        """Run one SQL statement (or several, ``;``-separated) as dba with ``isql``; return its output.

        :raises RuntimeError: isql failed or reported an error.
        """
        isql = _isql()
        done = subprocess.run([isql, f"{HOST}:{self.sql_port}", self.user, self.password, f"EXEC={statement}"],
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"{isql} failed ({done.returncode}) on {statement!r}:\n{output}")
        return output

    def stop(self) -> None:
        """Stop the server: SIGTERM (a quick shutdown, about 2 s), SIGKILL after 20 s. Idempotent."""
        _stop(self.process)


def installed() -> bool:
    return shutil.which(BINARY) is not None


@contextlib.contextmanager
def virtuoso_server(workdir: Path, *, timeout: float = 60.0,
                    ports: tuple[int, int] | None = None) -> Iterator[VirtuosoServer]:
    """Run ``virtuoso-t`` on 127.0.0.1 with its database in ``workdir`` until the block ends.

    ``ports`` (SQL, HTTP): the ones to listen on, e.g. a stopped server's, to start it again at the
    same URLs; by default two free ones.

    Yields once ``/sparql`` answers an ``ASK {}`` (2 to 2.5 s on a fresh database; a database left
    by a killed server replays its transaction log first). The process is stopped however the block
    ends, and killed if the thread that started it dies (Linux, PR_SET_PDEATHSIG): start it from a
    thread that outlives the block, as a test's own thread does.

    :raises RuntimeError: the binary is missing (run ``make test-slow``), or the server exited or did
        not answer within ``timeout`` seconds (the message ends with its output).
    """
    binary = shutil.which(BINARY)
    if binary is None:
        raise RuntimeError(f"{BINARY} (Virtuoso Open Source 7) is not installed: {INSTALL_HINT}")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = ports or free_ports(2)
    ini = write_ini(workdir, sql_port=sql_port, http_port=http_port)
    output_path = workdir / "virtuoso.out"
    base_url = f"http://{HOST}:{http_port}"
    with output_path.open("ab") as output:
        start = time.monotonic()
        process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=workdir,
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        started_in = _wait_until_answering(base_url + "/sparql", process, start, timeout, output_path)
        yield VirtuosoServer(base_url, sql_port, http_port, workdir, process, started_in)
    finally:
        _stop(process)


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` different TCP ports nothing listens on now (the OS picks them)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def write_ini(workdir: Path, *, sql_port: int, http_port: int) -> Path:
    """Write ``workdir/virtuoso.ini``: files in ``workdir``, 127.0.0.1 only, small memory (~100 MB of
    buffers, two threads per query), no result-row cap worth hitting in tests. Returns its path."""
    root = workdir / "www"  # the HTTP server's file root: empty, so it serves none of workdir's files
    root.mkdir(exist_ok=True)
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        INI_TEMPLATE.format(dir=workdir, root=root, sql_port=sql_port, http=f"{HOST}:{http_port}"),
        encoding="utf-8",
    )
    return ini


INI_TEMPLATE = """\
; Written by tests/virtuoso.py for one test server.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = {sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
O_DIRECT             = 0
CaseMode             = 2
MaxStaticCursorRows  = 5000
AllowOSCalls         = 0
DirsAllowed          = ., {dir}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
MaxQueryMem          = 512M
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4
VectorSize           = 1000
MaxVectorSize        = 1000000

[HTTPServer]
ServerPort           = {http}
ServerRoot           = {root}
MaxClientConnections = 10
ServerThreads        = 10
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
; Debian's virtuoso.ini caps results at 10000 rows (silently); a test server should not.
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


def _isql() -> str:
    for name in ISQL:
        if path := shutil.which(name):
            return path
    raise RuntimeError(f"neither {' nor '.join(ISQL)} is installed: {INSTALL_HINT}")


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the parent (the forking thread) dies (PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(url: str, process: subprocess.Popen, start: float, timeout: float, output: Path) -> float:
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(probe, headers={"Accept": "application/sparql-results+json"})
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{_tail(output)}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200 and "boolean" in json.loads(response.read()):
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError, OSError):
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"virtuoso-t did not answer {url} within {timeout:.0f} s:\n{_tail(output)}")
        time.sleep(0.1)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


if __name__ == "__main__":  # python tests/virtuoso.py DIR: run one until Ctrl-C or SIGTERM, to try things by hand
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job starts with SIGINT ignored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave the block: the server is stopped
    with virtuoso_server(Path(sys.argv[1] if len(sys.argv) > 1 else "build/virtuoso")) as server:
        print(f"{server.query_url} (up in {server.started_in:.1f} s), updates {server.update_url}, "
              f"GSP {server.gsp_url}, SQL port {server.sql_port}, {server.user}/{server.password}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
