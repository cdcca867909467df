"""Run what a client sends in a confined child process that can be killed: the query time limit,
the memory limit, no network, and no crash of the service.

pyoxigraph has no per-query timeout, a query keeps running after its HTTP request is gone, its
parser overflows the stack on a text nested a few thousand levels deep, and it follows
``SERVICE`` and ``LOAD`` to the network. So a client's SPARQL query or update is parsed and run
in a child process, confined by :func:`alliance_kg.store.confine.confine` (no network, an address-space
limit). The child inherits the in-memory store as it is at the fork, a consistent snapshot,
copied on write. The parent waits for the answer up to the time limit; past it, the parent kills
the child with SIGKILL, so the work really stops, and answers 503. The parent's thread waits in
``select``, holding no GIL, so other requests go on. A child that dies is read like a flight
recorder: its exit signal and what it wrote on its standard error (a file the parent keeps) tell
a memory limit (503 naming the setting) from a crash of the engine on the text (400), and the
service itself never sees the text that crashed it.

:func:`run_isolated` forks a child for one piece of work (about 5 ms). :class:`.pool.WorkerPool` keeps
children and sends them one query after another over a pipe (about 0.2 ms more than running the
query in the service), as long as the graph stays as it was at their fork.

The child must only compute and write: it touches no lock the parent's other threads may have
held at the fork (no logging, no Flask state changes), and leaves with ``os._exit``. It reads the
in-memory graph only, never RocksDB: a RocksDB store is not fork-safe (its background threads
do not exist in the child), and opening it read-only while the service writes it is undefined
behaviour. That is why a persistent graph is also kept in memory (:class:`~alliance_kg.store.KnowledgeGraph`).
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import AllianceKGError, QueryMemoryLimit, QueryTimeout, QueryTooComplex, error_class
from .confine import Confinement, confine, socket_filter

_OK, _ERROR = b"O", b"E"
log = logging.getLogger(__name__)
#: Children alive now (their pids), for tests and for the shutdown of the service.
LIVE: set[int] = set()
#: What the end of a child's standard error says when an allocation failed (Rust, then Python).
_OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory", b"out of memory")
#: Signals of a crash: the engine could not take the text (a stack overflow, an abort).
_CRASHES = {signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL}
#: In a child, what confines it (set once it is confined); in the service itself, None.
_CONFINEMENT: Confinement | None = None


def confinement() -> Confinement | None:
    """What confines this process, if it is a child of this module; None in the service."""
    return _CONFINEMENT


class ChildError(AllianceKGError):
    """An error the child reported, rebuilt in the parent with the child's status and code."""


@dataclass(frozen=True)
class Limits:
    """What confines a child: its time limit and the setting that names it, whether it may reach
    the network, and how many bytes it may grow (``None``: no limit). ``what`` names the work
    in messages (``"query"``, ``"update"``, ``"document"``)."""

    timeout: float
    setting: str = "query_timeout"
    what: str = "query"
    network: bool = False
    memory_bytes: int | None = None

    def timed_out(self) -> QueryTimeout:
        return QueryTimeout(
            f"the {self.what} ran longer than the limit of {self.timeout:g} s and was stopped",
            hint=f"the limit is the setting {self.setting} (ALLIANCE_KG_{self.setting.upper()}); "
            "narrow the query, add a LIMIT, or ask for less time with timeout=",
        )

    def out_of_memory(self) -> QueryMemoryLimit:
        limit = f" of {self.memory_bytes // 2**20:,} MB" if self.memory_bytes else ""
        return QueryMemoryLimit(
            f"the {self.what} needed more memory than the limit{limit} and was stopped",
            hint="the limit is the setting query_memory_mb (ALLIANCE_KG_QUERY_MEMORY_MB); narrow the query "
            "(a LIMIT, fewer joins, no ORDER BY over a cross product)",
        )

    def died(self, status: int, stderr: bytes) -> AllianceKGError:
        """The error for a child that ended with ``status`` without an answer."""
        if any(sign in stderr for sign in _OUT_OF_MEMORY):
            return self.out_of_memory()
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in _CRASHES:
            name = signal.Signals(os.WTERMSIG(status)).name
            log.warning("a %s process crashed (%s): %s", self.what, name, stderr[-300:].decode(errors="replace"))
            return QueryTooComplex(
                f"the {self.what} could not be parsed or evaluated: its process crashed ({name})",
                hint="the engine cannot take a text nested or chained this deeply (long chains of UNION, "
                "OPTIONAL, &&, + or / count too); simplify it",
            )
        return ChildError(
            f"the {self.what} process ended without an answer",
            hint="it may have been killed for memory by the system; try again, or narrow it",
        )


def stderr_file() -> int:
    """A file for a child's standard error, which the parent reads if the child dies."""
    try:
        return os.memfd_create("alliance-kg-child-stderr", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        handle, path = tempfile.mkstemp(prefix="alliance-kg-child-")
        os.unlink(path)
        return handle


def stderr_tail(fd: int, size: int = 4096) -> bytes:
    """The start and the end of what a child wrote on its standard error (a failed allocation is
    said first, then a backtrace may follow)."""
    try:
        end = os.fstat(fd).st_size
        if end <= 2 * size:
            return os.pread(fd, end, 0)
        return os.pread(fd, size, 0) + b"\n...\n" + os.pread(fd, size, end - size)
    except OSError:
        return b""


def start_child(limits: Limits, stderr: int, keep: tuple[int, ...]) -> None:
    """In a freshly forked child: standard error to ``stderr``, then confined (:mod:`.confine`)."""
    global _CONFINEMENT
    os.dup2(stderr, 2)
    _CONFINEMENT = confine(network=limits.network, memory_bytes=limits.memory_bytes, keep_fds=(2, *keep))


def run_isolated(work: Callable[[], tuple[bytes, dict]], limits: Limits) -> tuple[bytes, dict]:
    """``work()`` in a forked, confined child, its ``(body, about)`` answer returned (``about``:
    anything JSON can carry, such as the content type); killed after ``limits.timeout`` seconds.

    >>> run_isolated(lambda: (b"42", {"content_type": "text/plain"}), Limits(timeout=5))
    (b'42', {'content_type': 'text/plain'})

    :raises QueryTimeout: the work did not finish in time; the child is gone.
    :raises QueryMemoryLimit: the work needed more than ``limits.memory_bytes``.
    :raises QueryTooComplex: the child crashed (the engine overflowed its stack, say).
    :raises AllianceKGError: the error the work raised, with its status and code.
    """
    socket_filter()  # built in the parent, once
    read_end, write_end = os.pipe()
    stderr = stderr_file()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            start_child(limits, stderr, (write_end,))
            write_all(write_end, child_message(work))
        finally:
            os._exit(0)
    os.close(write_end)
    LIVE.add(pid)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limits.timeout
    status = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise limits.timed_out()
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        LIVE.discard(pid)
        crash = stderr_tail(stderr)
        os.close(stderr)
    data = b"".join(chunks)
    if not data:
        raise limits.died(status, crash)
    return read_answer(data, limits)


def child_message(work: Callable[[], tuple[bytes, dict]]) -> bytes:
    """What a child sends back: ``work()``'s answer, or its error with status and code."""
    try:
        body, about = work()
        return _OK + json.dumps(about).encode() + b"\n" + body
    except AllianceKGError as exc:
        return (
            _ERROR
            + json.dumps(
                {
                    "status": exc.status,
                    "code": exc.code,
                    "message": exc.message,
                    "hint": exc.hint,
                    "details": getattr(exc, "details", {}),
                }
            ).encode()
        )
    except MemoryError:
        return _ERROR + json.dumps({"status": QueryMemoryLimit.status, "code": QueryMemoryLimit.code}).encode()
    except BaseException:  # noqa: BLE001 - a generic failure for the caller; the parent logs the trace
        return (
            _ERROR
            + json.dumps(
                {
                    "status": 500,
                    "code": "internal_error",
                    "hint": None,
                    "message": "the query could not be answered",
                    "trace": traceback.format_exc(),
                }
            ).encode()
        )


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_answer(data: bytes, limits: Limits) -> tuple[bytes, dict]:
    if data.startswith(_OK):
        header, _, body = data[1:].partition(b"\n")
        return body, json.loads(header)
    if data.startswith(_ERROR):
        fields = json.loads(data[1:])
        if fields["code"] == QueryMemoryLimit.code:
            raise limits.out_of_memory()
        if fields.get("trace"):
            log.error("the %s process failed:\n%s", limits.what, fields["trace"])
        error = (error_class(fields["code"]) or ChildError)(fields["message"], hint=fields.get("hint"))
        error.status, error.code = fields["status"], fields["code"]
        error.details = fields.get("details") or {}
        raise error
    raise ChildError(f"the {limits.what} process answered nonsense", hint="this is a bug: please report it")
