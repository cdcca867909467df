"""A pool of query processes: children forked at one state of the graph that answer one query
after another over a pipe (about 0.2 ms more than running the query in the service), confined
and killed past their time limit as :mod:`.processes` says.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from .confine import socket_filter
from .processes import (
    LIVE,
    ChildError,
    Limits,
    child_message,
    read_answer,
    start_child,
    stderr_file,
    stderr_tail,
    write_all,
)


class _Gone(Exception):
    """The worker had ended before it was given the request (it was stopped, or killed)."""


class _Worker:
    """One query process, forked at one state of the graph, that answers requests one at a time."""

    def __init__(self, handler: Callable[[dict], tuple[bytes, dict]], version: int, limits: Limits):
        self.version = version
        self.last_used = time.monotonic()
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        self.stderr = stderr_file()
        pid = os.fork()
        if pid == 0:  # the child: it keeps only its own two ends (and its standard error), so it
            # sees the end of its requests as soon as the parent closes them (or dies)
            try:
                start_child(limits, self.stderr, (to_child, from_child))
                _serve(handler, to_child, from_child)
            finally:
                os._exit(0)
        os.close(to_child)
        os.close(from_child)
        self.pid, self.requests, self.answers = pid, from_parent, to_parent
        self.status: int | None = None
        self.stopped = False
        LIVE.add(pid)

    def ask(self, request: dict, limits: Limits) -> tuple[bytes, dict]:
        try:
            _write_frame(self.requests, json.dumps(request).encode())
        except OSError:
            raise _Gone() from None
        data = _read_frame(self.answers, time.monotonic() + limits.timeout)
        if data is None:  # it died on this request
            self.stop()
            raise limits.died(self.status or 0, stderr_tail(self.stderr))
        if data is _LATE:
            self.stop()
            raise limits.timed_out()
        self.last_used = time.monotonic()
        return read_answer(data, limits)

    def stop(self) -> None:
        """Kill the process (if it still runs) and reap it; once (a descriptor closed twice
        could be another thread's by then)."""
        if self.stopped:
            return
        self.stopped = True
        for fd in (self.requests, self.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            _, self.status = os.waitpid(self.pid, 0)
        LIVE.discard(self.pid)

    def close_stderr(self) -> None:
        if self.stderr >= 0:
            with contextlib.suppress(OSError):
                os.close(self.stderr)
            self.stderr = -1


_LATE = object()


def _write_frame(fd: int, payload: bytes) -> None:
    write_all(fd, len(payload).to_bytes(8, "big") + payload)


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
    while True:
        data = _read_frame(requests, None)
        if data is None:
            break
        request = json.loads(data)
        _write_frame(answers, child_message(lambda: handler(request)))  # noqa: B023 - called at once


class WorkerPool:
    """Query processes that each answer many queries, so a query does not pay for a fork.

    A worker is forked while ``snapshot()`` is held (the graph's read lock, which yields the
    graph's version), so it holds a consistent copy of the graph at that state; it only ever
    answers queries asked at that same state. The lock is held only while a worker is taken or
    forked, never while it answers: the worker reads its own copy. A write makes every worker of
    the old state stale: idle ones are stopped when next seen, busy ones when they finish. A
    worker past the time limit is killed, as in :func:`run_isolated`. Workers idle for
    ``idle_seconds`` are stopped, so an idle service keeps no process. At most ``max_idle`` wait
    for work; more run when more queries come at once (the service bounds how many:
    :mod:`alliance_kg.store.admission`). ``network`` and ``memory_bytes`` confine every worker.
    """

    def __init__(
        self,
        handler: Callable[[dict], tuple[bytes, dict]],
        *,
        snapshot: Callable[[], AbstractContextManager[int]] | None = None,
        network: bool = False,
        memory_bytes: int | None = None,
        idle_seconds: float = 5.0,
        max_idle: int = 4,
    ):
        self._handler = handler
        self._snapshot = snapshot
        self.network, self.memory_bytes = network, memory_bytes
        socket_filter()  # built here, once, rather than in every child
        self._idle_seconds = idle_seconds
        self._max_idle = max_idle
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True, name="alliance-kg-worker-sweeper")
        self._sweeper.start()

    def run(
        self, request: dict, *, timeout: float, setting: str = "query_timeout", version: int | None = None
    ) -> tuple[bytes, dict]:
        """The answer of a worker to ``request`` within ``timeout`` seconds, at the graph's state
        now (from ``snapshot``) or at ``version``.

        :raises QueryTimeout: the query did not finish in time; its worker is gone.
        :raises QueryMemoryLimit, QueryTooComplex: the worker died of the query (see :class:`Limits`).
        :raises AllianceKGError: the error the handler raised, with its status and code.
        """
        limits = Limits(timeout, setting, network=self.network, memory_bytes=self.memory_bytes)
        for attempt in (1, 2):
            worker, at = self._checkout(version)
            try:
                answer = worker.ask(request, limits)
            except _Gone:
                self._retire(worker)
                if attempt == 2:
                    raise ChildError(
                        "the query process ended without an answer", hint="it may have run out of memory"
                    ) from None
                continue
            except BaseException:
                if worker.stopped:
                    self._retire(worker)
                else:
                    self._give_back(worker, at)
                raise
            self._give_back(worker, at)
            return answer
        raise AssertionError("unreachable")

    def _checkout(self, version: int | None) -> tuple[_Worker, int]:
        """A worker at ``version``, or at the graph's state now, taken or forked under ``snapshot()``."""
        stale: list[_Worker] = []
        with self._snapshot() if version is None and self._snapshot else contextlib.nullcontext(version or 0) as at:
            with self._lock:
                stale = [w for w in self._idle if w.version != at]
                self._idle = [w for w in self._idle if w.version == at]
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                limits = Limits(0, network=self.network, memory_bytes=self.memory_bytes)
                worker = _Worker(self._handler, at, limits)
        for old in stale:
            self._retire(old)
        return worker, at

    def _give_back(self, worker: _Worker, version: int) -> None:
        with self._lock:
            if worker.version == version and len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        self._retire(worker)

    @staticmethod
    def _retire(worker: _Worker) -> None:
        worker.stop()
        worker.close_stderr()

    def _sweep(self) -> None:
        while True:
            time.sleep(max(self._idle_seconds / 2, 0.05))
            now = time.monotonic()
            with self._lock:
                old = [w for w in self._idle if now - w.last_used > self._idle_seconds]
                self._idle = [w for w in self._idle if w not in old]
            for worker in old:
                self._retire(worker)

    def close(self) -> None:
        """Stop every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            self._retire(worker)
