"""A bounded, thread-safe cache of answers for one version of the graph, least recently used out
first, sized in bytes (``cachetools.LRUCache``)."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from cachetools import LRUCache


class AnswerCache:
    """Answers (``bytes`` with a small JSON-able ``about``) by key, at most ``max_bytes`` of
    bodies, for the latest version of the graph it was given: an answer put for a newer version
    empties it, one for an older version is not kept, so an answer never outlives the state of
    the graph it was computed from.

    >>> cache = AnswerCache(max_bytes=10)
    >>> cache.put(1, "a", b"12345", {}); cache.put(1, "b", b"12345", {}); cache.get(1, "a")
    (b'12345', {})
    >>> cache.put(1, "c", b"123", {}); cache.get(1, "b") is None, cache.get(1, "a") is not None
    (True, True)
    >>> cache.put(1, "huge", b"x" * 11, {}); cache.get(1, "huge") is None
    True
    >>> cache.put(2, "d", b"1", {}); cache.get(1, "a") is None, cache.get(2, "a") is None, len(cache)
    (True, True, 1)
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._version: int | None = None
        self._entries: LRUCache = LRUCache(maxsize=max(max_bytes, 1), getsizeof=lambda entry: len(entry[0]) or 1)
        self._lock = threading.Lock()

    def get(self, version: int, key: Hashable) -> tuple[bytes, dict] | None:
        """The answer kept for ``key`` at ``version``, or None."""
        with self._lock:
            if version != self._version:
                return None
            return self._entries.get(key)

    def put(self, version: int, key: Hashable, body: bytes, about: dict) -> None:
        """Keep ``body`` for ``key`` at ``version``, unless it alone is larger than the cache, or
        ``version`` is older than the cache's."""
        if not self.max_bytes or len(body) > self.max_bytes:
            return
        with self._lock:
            if self._version is None or version > self._version:
                self._entries.clear()
                self._version = version
            elif version < self._version:
                return
            self._entries[key] = (body, about)

    def __len__(self) -> int:
        return len(self._entries)
