"""Run work that may never end in a child process that can be killed: the query time limit.

pyoxigraph has no per-query timeout, and a query keeps running after its HTTP request is gone.
So a user's SPARQL query runs in a child process. The child inherits the in-memory store as it
is at the fork, a consistent snapshot, copied on write. The parent waits for the answer up to
the time limit. Past it, the parent kills the child with SIGKILL, so the work really stops, and
answers 503. The parent's thread waits in ``select``, holding no GIL, so other requests go on.

:func:`run_isolated` forks a child for one piece of work (about 5 ms). :class:`WorkerPool` keeps
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
import threading
import time
import traceback
from typing import Callable

from .errors import AllianceKGError, QueryTimeout

_OK, _ERROR = b"O", b"E"
log = logging.getLogger(__name__)
#: Children alive now (their pids), for tests and for the shutdown of the service.
LIVE: set[int] = set()


class ChildError(AllianceKGError):
    """An error the child reported, rebuilt in the parent with the child's status and code."""


def run_isolated(work: Callable[[], tuple[bytes, dict]], *, timeout: float, setting: str) -> tuple[bytes, dict]:
    """``work()`` in a forked child, its ``(body, about)`` answer returned (``about``: anything
    JSON can carry, such as the content type); killed after ``timeout`` seconds (``setting``
    names the limit in the error).

    >>> run_isolated(lambda: (b"42", {"content_type": "text/plain"}), timeout=5, setting="query_timeout")
    (b'42', {'content_type': 'text/plain'})

    :raises QueryTimeout: the work did not finish in time; the child is gone.
    :raises AllianceKGError: the error the work raised, with its status and code.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        _child(work, write_end)
    os.close(write_end)
    LIVE.add(pid)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(
                    f"the query ran longer than the limit of {timeout:g} s and was stopped",
                    hint=f"the limit is the setting {setting} (ALLIANCE_KG_{setting.upper()}); "
                         "narrow the query, add a LIMIT, or ask for less time with timeout=",
                )
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
        LIVE.discard(pid)
    return _answer(b"".join(chunks))


def _message(work: Callable[[], tuple[bytes, dict]]) -> bytes:
    """What a child sends back: ``work()``'s answer, or its error with status and code."""
    try:
        body, about = work()
        return _OK + json.dumps(about).encode() + b"\n" + body
    except AllianceKGError as exc:
        return _ERROR + json.dumps({"status": exc.status, "code": exc.code, "message": exc.message,
                                    "hint": exc.hint, "details": getattr(exc, "details", {})}).encode()
    except BaseException:  # noqa: BLE001 - a generic failure for the caller; the parent logs the trace
        return _ERROR + json.dumps({"status": 500, "code": "internal_error", "hint": None,
                                    "message": "the query could not be answered",
                                    "trace": traceback.format_exc()}).encode()


def _child(work: Callable[[], tuple[bytes, dict]], out: int) -> None:
    try:
        message = _message(work)
        view = memoryview(message)
        while view:
            written = os.write(out, view)
            view = view[written:]
    finally:
        os._exit(0)


def _answer(data: bytes) -> tuple[bytes, dict]:
    if data.startswith(_OK):
        header, _, body = data[1:].partition(b"\n")
        return body, json.loads(header)
    if data.startswith(_ERROR):
        fields = json.loads(data[1:])
        if fields.get("trace"):
            log.error("the query process failed:\n%s", fields["trace"])
        error = ChildError(fields["message"], hint=fields.get("hint"))
        error.status, error.code = fields["status"], fields["code"]
        error.details = fields.get("details") or {}
        raise error
    raise ChildError("the query process ended without an answer", hint="it may have run out of memory")


# --- a pool of query processes ------------------------------------------------------------------


class _Gone(Exception):
    """The worker ended before it answered (it was idle too long, or it crashed)."""


class _Worker:
    """One query process, forked at one state of the graph, that answers requests one at a time."""

    def __init__(self, handler: Callable[[dict], tuple[bytes, dict]], generation: int):
        self.generation = generation
        self.last_used = time.monotonic()
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: it keeps only its own two ends, so it sees the end of its
            # requests as soon as the parent closes them (or dies), whatever other workers hold
            for fd in (*_PIPES, from_parent, to_parent):
                try:
                    os.close(fd)
                except OSError:
                    pass
            _serve(handler, to_child, from_child)
        os.close(to_child)
        os.close(from_child)
        self.pid, self.requests, self.answers = pid, from_parent, to_parent
        _PIPES.update((from_parent, to_parent))
        LIVE.add(pid)

    def ask(self, request: dict, *, timeout: float, setting: str) -> tuple[bytes, dict]:
        try:
            _write_frame(self.requests, json.dumps(request).encode())
        except OSError:
            raise _Gone() from None
        data = _read_frame(self.answers, time.monotonic() + timeout)
        if data is None:
            raise _Gone()
        if data is _LATE:
            self.stop()
            raise QueryTimeout(
                f"the query ran longer than the limit of {timeout:g} s and was stopped",
                hint=f"the limit is the setting {setting} (ALLIANCE_KG_{setting.upper()}); "
                     "narrow the query, add a LIMIT, or ask for less time with timeout=",
            )
        self.last_used = time.monotonic()
        return _answer(data)

    def stop(self) -> None:
        """Kill the process (if it still runs) and reap it."""
        for fd in (self.requests, self.answers):
            _PIPES.discard(fd)
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        LIVE.discard(self.pid)


_LATE = object()
#: The parent's ends of every worker's pipes (a new worker closes its copies).
_PIPES: set[int] = set()


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(len(payload).to_bytes(8, "big") + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_frame(fd: int, deadline: float | None):
    """One frame from ``fd``: its payload, ``None`` at the end of the stream, or ``_LATE`` past
    ``deadline``."""
    buffer = bytearray()
    wanted = 8
    length = None
    while len(buffer) < wanted:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return _LATE
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
        chunk = os.read(fd, min(1 << 16, wanted - len(buffer)))
        if not chunk:
            return None
        buffer += chunk
        if length is None and len(buffer) >= 8:
            length = int.from_bytes(buffer[:8], "big")
            del buffer[:8]
            wanted = length
    return bytes(buffer)


def _serve(handler: Callable[[dict], tuple[bytes, dict]], requests: int, answers: int) -> None:
    """The loop of a worker: answer each request, until the parent closes the pipe (or dies)."""
    try:
        while True:
            data = _read_frame(requests, None)
            if data is None:
                break
            _write_frame(answers, _message(lambda: handler(json.loads(data))))
    finally:
        os._exit(0)


class WorkerPool:
    """Query processes that each answer many queries, so a query does not pay for a fork.

    A worker is forked while the caller holds the graph's read lock, so it holds a consistent
    snapshot of the graph at that state (``generation``); it only ever answers queries asked at
    that same state. A write makes every worker of the old state stale: idle ones are stopped at
    once, busy ones when they finish. A worker past the time limit is killed, as in
    :func:`run_isolated`. Workers idle for ``idle_seconds`` are stopped, so an idle service
    keeps no process. At most ``max_idle`` wait for work; more run when more queries come at once.
    """

    def __init__(self, handler: Callable[[dict], tuple[bytes, dict]], *, idle_seconds: float = 5.0, max_idle: int = 4):
        self._handler = handler
        self._idle_seconds = idle_seconds
        self._max_idle = max_idle
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True, name="alliance-kg-worker-sweeper")
        self._sweeper.start()

    def run(self, request: dict, *, generation: int, timeout: float, setting: str) -> tuple[bytes, dict]:
        """The answer of a worker at ``generation`` to ``request``, within ``timeout`` seconds.

        :raises QueryTimeout: the query did not finish in time; its worker is gone.
        :raises AllianceKGError: the error the handler raised, with its status and code.
        """
        for attempt in (1, 2):
            worker = self._take(generation)
            try:
                answer = worker.ask(request, timeout=timeout, setting=setting)
            except _Gone:
                worker.stop()
                if attempt == 2:
                    raise ChildError("the query process ended without an answer",
                                     hint="it may have run out of memory") from None
                continue
            except QueryTimeout:
                raise
            except BaseException:
                self._give_back(worker, generation)
                raise
            self._give_back(worker, generation)
            return answer
        raise AssertionError("unreachable")

    def _take(self, generation: int) -> _Worker:
        with self._lock:
            stale = [w for w in self._idle if w.generation != generation]
            self._idle = [w for w in self._idle if w.generation == generation]
            worker = self._idle.pop() if self._idle else None
        for old in stale:
            old.stop()
        return worker if worker is not None else _Worker(self._handler, generation)

    def _give_back(self, worker: _Worker, generation: int) -> None:
        with self._lock:
            if worker.generation == generation and len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        worker.stop()

    def _sweep(self) -> None:
        while True:
            time.sleep(max(self._idle_seconds / 2, 0.05))
            now = time.monotonic()
            with self._lock:
                old = [w for w in self._idle if now - w.last_used > self._idle_seconds]
                self._idle = [w for w in self._idle if w not in old]
            for worker in old:
                worker.stop()

    def close(self) -> None:
        """Stop every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
