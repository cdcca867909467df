"""Run work that may never end in a child process that can be killed: the query time limit.

pyoxigraph has no per-query timeout, and a query keeps running after its HTTP request is gone.
So a user's SPARQL query runs in a child forked for it. The child inherits the in-memory store
as it is at the fork, which is a consistent snapshot, copied on write. The parent waits for the
answer up to the time limit. Past it, the parent kills the child with SIGKILL, so the work really
stops, and answers 503. The parent's thread waits in ``select``, holding no GIL, so other
requests go on meanwhile. A fork costs about 3 ms per query on the shipped graph
(``bench/timeout_bench.py``).

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


def _child(work: Callable[[], tuple[bytes, dict]], out: int) -> None:
    try:
        try:
            body, about = work()
            message = _OK + json.dumps(about).encode() + b"\n" + body
        except AllianceKGError as exc:
            message = _ERROR + json.dumps({"status": exc.status, "code": exc.code, "message": exc.message,
                                           "hint": exc.hint, "details": getattr(exc, "details", {})}).encode()
        except BaseException:  # noqa: BLE001 - a generic failure for the caller; the parent logs the trace
            message = _ERROR + json.dumps({"status": 500, "code": "internal_error", "hint": None,
                                           "message": "the query could not be answered",
                                           "trace": traceback.format_exc()}).encode()
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
