"""Fair sharing of the query processes: how many SPARQL queries run at once, overall and per
client, and how many may wait.

Each query that runs in a query process holds one of the web server's request threads while it
waits for its answer. Without a bound, a handful of slow queries (from one client, say) would
hold every thread, and ``/health`` and the JSON API would wait behind them. So:

* at most ``slots`` queries run at once, and one client address holds at most ``per_client`` of
  them, so one client can never take every slot;
* a query that finds no slot it may use waits, first come first served, at most ``wait_seconds``;
  at most ``queue`` queries wait at once, at most half of them from one client;
* past these, the answer is a quick 503 with ``Retry-After``, and nothing runs.

The threads left over (the server has more than ``slots + queue``) keep ``/health``, the JSON
API and the pages answering. Answers from the cache take no slot.

>>> slots = QuerySlots(slots=2, per_client=1, queue=2, wait_seconds=0.01)
>>> with slots.admit("a"):
...     with slots.admit("b"):
...         slots.admit("a").__enter__()
Traceback (most recent call last):
...
alliance_kg.errors.TooBusy: 1 query of this client already runs and it may run 1 at once; its next waited 0.01 s ...
"""

from __future__ import annotations

import json
import math
import mmap
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import TooBusy


class QuerySlots:
    """Admission of queries to the query processes (see the module's documentation), for the
    threads of one process; :class:`SharedQuerySlots` for several processes at once."""

    def __init__(self, *, slots: int, per_client: int, queue: int, wait_seconds: float, retry_after: float = 1.0):
        self.slots, self.per_client, self.queue, self.wait_seconds = (
            slots,
            max(1, min(per_client, slots)),
            queue,
            wait_seconds,
        )
        self.retry_after = max(1, math.ceil(retry_after))
        self._cond: Any = threading.Condition()
        self._running: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._turns: list[tuple[int, str]] = []  # (ticket, client) of the waiting queries, oldest first
        self._ticket = 0

    def running(self) -> int:
        return sum(self._running.values())

    @contextmanager
    def _held(self) -> Iterator[None]:
        """Hold the state while the block runs (the condition's lock)."""
        with self._cond:
            yield

    def _wait_for(self, seconds: float) -> None:
        """Let go of the state for at most ``seconds``, or until another query is done."""
        self._cond.wait(seconds)

    def _notify(self) -> None:
        """Wake the queries that wait: a slot or a turn may be theirs."""
        self._cond.notify_all()

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a slot for one query of ``client`` while the block runs.

        :raises TooBusy: no slot within ``wait_seconds``, or too many waiting already.
        """
        with self._held():
            if self._turns or not self._free_for(client):
                self._wait(client)
            self._running[client] += 1
        try:
            yield
        finally:
            with self._held():
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
                self._notify()

    def _free_for(self, client: str) -> bool:
        return sum(self._running.values()) < self.slots and self._running[client] < self.per_client

    def _my_turn(self, ticket: int) -> bool:
        """Whether the waiting query ``ticket`` may run now: a slot is free, and it is the oldest
        waiting query whose client is under its cap (one at its cap steps aside for the others)."""
        if sum(self._running.values()) >= self.slots:
            return False
        for waiting, client in self._turns:
            if self._running[client] < self.per_client:
                return waiting == ticket
        return False

    def _wait(self, client: str) -> None:
        """Wait for a turn (the state held), or refuse at once if the queue is full."""
        if sum(self._waiting.values()) >= self.queue or self._waiting[client] >= max(1, self.queue // 2):
            raise self._busy(client, waited=False)
        self._ticket += 1
        ticket = self._ticket
        self._turns.append((ticket, client))
        self._waiting[client] += 1
        deadline = time.monotonic() + self.wait_seconds
        try:
            while not self._my_turn(ticket):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._busy(client, waited=True)
                self._wait_for(left)
        finally:
            self._turns.remove((ticket, client))
            self._waiting[client] -= 1
            if not self._waiting[client]:
                del self._waiting[client]
            self._notify()

    def _busy(self, client: str, *, waited: bool) -> TooBusy:
        mine = self._running[client]
        if mine >= self.per_client:
            message = (
                f"{mine} quer{'y' if mine == 1 else 'ies'} of this client already run"
                f"{'s' if mine == 1 else ''} and it may run {self.per_client} at once"
            )
        else:
            message = f"all {self.slots} query slots are taken"
        message += (
            f"; its next waited {self.wait_seconds:g} s"
            if waited
            else f"; {sum(self._waiting.values())} queries wait already"
        )
        error = TooBusy(
            message,
            hint="try again later; the limits are the settings query_slots, "
            "query_slots_per_client, query_queue and query_queue_seconds",
        )
        error.headers = {"Retry-After": str(self.retry_after)}
        return error


class SharedQuerySlots(QuerySlots):
    """The same admission for the worker processes of one server (``serve --workers``): built
    before they are forked, it keeps its state (who runs, who waits, in which order) in memory
    they all map, under a lock of theirs (``multiprocessing``'s, which a fork shares), so the
    limits hold for the server as a whole. A query that waits polls every few milliseconds
    (a notification does not cross processes). Slots held by a process that is gone (killed) are
    given back: each entry carries its process's id.

    >>> shared = SharedQuerySlots(slots=2, per_client=1, queue=2, wait_seconds=0.01)
    >>> with shared.admit("a"):
    ...     shared.running()
    1
    >>> shared.running()
    0
    """

    _SIZE = 1 << 20  # the state as JSON: room for thousands of waiting queries

    def __init__(self, **limits):
        super().__init__(**limits)
        import multiprocessing

        self._cond = multiprocessing.get_context("fork").RLock()
        self._map = mmap.mmap(-1, self._SIZE)  # anonymous and shared: the workers are forked after
        self._save()

    def running(self) -> int:
        with self._held():
            return sum(self._running.values())

    @contextmanager
    def _held(self) -> Iterator[None]:
        with self._cond:
            self._load()
            try:
                yield
            finally:
                self._save()

    def _wait_for(self, seconds: float) -> None:
        self._save()
        self._cond.release()
        try:
            time.sleep(min(seconds, 0.005))
        finally:
            self._cond.acquire()
            self._load()

    # the state, in the mapped memory; as threads hold it, it is theirs: (client, pid) entries
    def _load(self) -> None:
        size = int.from_bytes(self._map[:4], "little")
        state: dict[str, Any] = (
            json.loads(self._map[4 : 4 + size]) if size else {"running": [], "turns": [], "ticket": 0}
        )
        alive = {pid for _, pid in state["running"]} | {pid for _, _, pid in state["turns"]}
        alive = {pid for pid in alive if _alive(pid)}
        self._entries = [(c, pid) for c, pid in state["running"] if pid in alive]
        self._queued = [(t, c, pid) for t, c, pid in state["turns"] if pid in alive]
        self._running = Counter(c for c, _ in self._entries)
        self._waiting = Counter(c for _, c, _ in self._queued)
        self._turns = [(t, c) for t, c, _ in self._queued]
        self._ticket = state["ticket"]
        self._before = (Counter(self._running), list(self._turns))

    def _save(self) -> None:
        if not hasattr(self, "_entries"):
            self._entries, self._queued, self._before = [], [], (Counter(), [])
        pid = os.getpid()
        ran, queued = self._before
        # what this process's threads changed, applied to the entries as loaded
        entries = list(self._entries)
        for client, n in (self._running - ran).items():
            entries += [(client, pid)] * n
        for client, n in (ran - self._running).items():
            for _ in range(n):
                entries.remove(next(e for e in entries if e[0] == client and e[1] == pid))
        turns = [t for t in self._queued if (t[0], t[1]) in self._turns]
        known = {(t, c) for t, c, _ in turns}
        turns += [(t, c, pid) for t, c in self._turns if (t, c) not in known]
        state = json.dumps({"running": entries, "turns": sorted(turns), "ticket": self._ticket}).encode()
        if len(state) + 4 > self._SIZE:
            raise RuntimeError("the shared state of the query slots is full")
        self._map[: 4 + len(state)] = len(state).to_bytes(4, "little") + state
        self._entries, self._queued, self._before = entries, turns, (Counter(self._running), list(self._turns))

    def _notify(self) -> None:
        pass  # the waiters poll: a notification does not cross processes


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
