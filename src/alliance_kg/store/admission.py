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

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import TooBusy


class QuerySlots:
    """Admission of queries to the query processes (see the module's documentation)."""

    def __init__(self, *, slots: int, per_client: int, queue: int, wait_seconds: float, retry_after: float = 1.0):
        self.slots, self.per_client, self.queue, self.wait_seconds = (
            slots,
            max(1, min(per_client, slots)),
            queue,
            wait_seconds,
        )
        self.retry_after = max(1, math.ceil(retry_after))
        self._cond = threading.Condition()
        self._running: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._turns: list[tuple[int, str]] = []  # (ticket, client) of the waiting queries, oldest first
        self._ticket = 0

    def running(self) -> int:
        return sum(self._running.values())

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a slot for one query of ``client`` while the block runs.

        :raises TooBusy: no slot within ``wait_seconds``, or too many waiting already.
        """
        with self._cond:
            if self._turns or not self._free_for(client):
                self._wait(client)
            self._running[client] += 1
        try:
            yield
        finally:
            with self._cond:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
                self._cond.notify_all()

    def _free_for(self, client: str) -> bool:
        return self.running() < self.slots and self._running[client] < self.per_client

    def _my_turn(self, ticket: int) -> bool:
        """Whether the waiting query ``ticket`` may run now: a slot is free, and it is the oldest
        waiting query whose client is under its cap (one at its cap steps aside for the others)."""
        if self.running() >= self.slots:
            return False
        for waiting, client in self._turns:
            if self._running[client] < self.per_client:
                return waiting == ticket
        return False

    def _wait(self, client: str) -> None:
        """Wait for a turn (under the condition's lock), or refuse at once if the queue is full."""
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
                self._cond.wait(left)
        finally:
            self._turns.remove((ticket, client))
            self._waiting[client] -= 1
            if not self._waiting[client]:
                del self._waiting[client]
            self._cond.notify_all()

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
