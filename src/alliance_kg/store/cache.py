"""A bounded, thread-safe cache of answers, least recently used out first, sized in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable


class AnswerCache:
    """Answers (``bytes`` with a small JSON-able ``about``) by key, at most ``max_bytes`` of bodies.

    >>> cache = AnswerCache(max_bytes=10)
    >>> cache.put("a", b"12345", {}); cache.put("b", b"12345", {}); cache.get("a")
    (b'12345', {})
    >>> cache.put("c", b"123", {}); cache.get("b") is None, cache.get("a") is not None
    (True, True)
    >>> cache.put("huge", b"x" * 11, {}); cache.get("huge") is None
    True
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[bytes, dict]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, dict] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, body: bytes, about: dict) -> None:
        """Keep ``body``, unless it alone is larger than the cache (then it is not kept)."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, about)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)
