"""One truth across the processes that serve one graph (``alliance-kg serve --workers N``).

Each worker process holds its own copy of the graph (forked from the process that loaded it). What
they share is a small directory, made by ``serve`` before the workers start:

* ``version``: the number of writes accepted so far and the time of the last one, in 16 bytes
  that every process maps (``mmap``, shared across ``fork``): reading it costs a few
  microseconds, so every request reads it.
* ``journal``: every accepted write, appended as a record (its number, then the quads it removed
  and added, as N-Quads; blank nodes keep their labels).
* ``writer.lock``: one writer at a time across the processes (``flock``).

A write takes the lock, first applies the records it has not seen (so it is validated against the
latest state), validates and commits, appends its record and moves ``version`` on, then lets go.
Before each request a process compares ``version`` with what it has applied and applies the
records it lacks first. So an answer never reflects a state older than the last write acknowledged
to any client when the request came in (the stated bound is 0), and a writer reads its own write.
Over a remote store the store holds the writes already; a record then only tells the other
processes to drop what they cached.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from .change import Change

_HEADER = struct.Struct("<Qd")  # the number of writes, the time of the last one (seconds since the epoch)


class Peers:
    """The shared state of the worker processes of one ``serve`` (see the module).

    >>> a = Peers.create(); b = Peers(a.directory)   # a second process opens the same directory
    >>> q = ox.Quad(ox.NamedNode("https://e/s"), ox.NamedNode("https://e/p"), ox.Literal("o"))
    >>> with a.writing():
    ...     a.publish(Change(added=frozenset([q])))
    1
    >>> b.version, [(n, c.added == frozenset([q])) for n, c in b.pending()]
    (1, [(1, True)])
    >>> b.pending()   # read once
    []
    >>> a.remove()
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        version = self.directory / "version"
        if not version.exists():
            version.write_bytes(_HEADER.pack(0, time.time()))
        (self.directory / "journal").touch()
        with version.open("r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), _HEADER.size)
        #: The last record this process applied, and where the next one starts in the journal.
        self.applied, self._offset = self.version, (self.directory / "journal").stat().st_size
        self._lock_fd: int | None = None
        self._lock_pid = -1
        self._reading = threading.Lock()

    @classmethod
    def create(cls) -> Peers:
        """A new shared directory (in the temporary directory; :meth:`remove` deletes it)."""
        return cls(Path(tempfile.mkdtemp(prefix="alliance-kg-workers-")))

    def remove(self) -> None:
        self._map.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def version(self) -> int:
        """The number of writes accepted by any process so far."""
        return _HEADER.unpack_from(self._map, 0)[0]

    @property
    def modified(self) -> float:
        """When the last write was accepted (seconds since the epoch; the start, before any)."""
        return _HEADER.unpack_from(self._map, 0)[1]

    def behind(self) -> bool:
        """Whether another process accepted a write this one has not applied yet."""
        return self.version != self.applied

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock of every process while the block runs."""
        if self._lock_pid != os.getpid():  # a lock file of its own: a forked copy shares the parent's
            self._lock_fd = os.open(self.directory / "writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        assert self._lock_fd is not None
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def pending(self) -> list[tuple[int, Change]]:
        """The writes of other processes this one has not applied, in order (each given once)."""
        with self._reading:
            target = self.version
            out: list[tuple[int, Change]] = []
            if target == self.applied:
                return out
            fd = os.open(self.directory / "journal", os.O_RDONLY)
            try:
                while self.applied < target:
                    head = _read_line(fd, self._offset)
                    number, removed, added = (int(x) for x in head.split())
                    start = self._offset + len(head) + 1
                    body = os.pread(fd, removed + added, start)
                    change = Change(removed=_quads(body[:removed]), added=_quads(body[removed:]))
                    self._offset, self.applied = start + removed + added, number
                    out.append((number, change))
            finally:
                os.close(fd)
            return out

    def publish(self, change: Change) -> int:
        """Append ``change`` (a write this process committed, holding :meth:`writing`, after
        applying :meth:`pending`) and move the version on; its number."""
        number = self.version + 1
        removed = ox.serialize(sorted(change.removed, key=str), format=ox.RdfFormat.N_QUADS) or b""
        added = ox.serialize(sorted(change.added, key=str), format=ox.RdfFormat.N_QUADS) or b""
        record = f"{number} {len(removed)} {len(added)}\n".encode() + removed + added
        fd = os.open(self.directory / "journal", os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, record)
        finally:
            os.close(fd)
        with self._reading:
            self._offset += len(record)
            self.applied = number
        _HEADER.pack_into(self._map, 0, number, time.time())
        return number


def _read_line(fd: int, offset: int) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.pread(fd, 64, offset + len(line))
        if not chunk:
            raise RuntimeError("the workers' journal ends inside a record")
        line += chunk[: chunk.find(b"\n") + 1] if b"\n" in chunk else chunk
    return line[:-1]


def _quads(data: bytes) -> frozenset[ox.Quad]:
    return frozenset(ox.parse(data, ox.RdfFormat.N_QUADS)) if data else frozenset()
