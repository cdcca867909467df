"""A store on disk: RocksDB, held by one process at a time, and the write-ahead journal that
finishes a write a crash cut short."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..errors import ConfigurationError, JournalDamaged, StoreInUse
from .change import Change

#: What the marker ``complete`` of a journal written in full holds.
COMPLETE_MARKER = b"complete\n"


class Journal:
    """A write-ahead journal for a store on disk, so that a write interrupted by a crash is
    finished on the next start, never left half applied.

    A change is written (removed and added quads as N-Quads, then a ``complete`` marker),
    applied, then cleared, and only then acknowledged. On opening, a complete journal is applied
    again (removing and adding are idempotent); an incomplete one was never applied and is
    dropped. A journal that cannot be read back is :class:`JournalDamaged`: the store does not
    open until it is set aside (:meth:`set_aside`, ``alliance-kg recover``).
    """

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / name

    def write(self, change: Change) -> None:
        """Write ``change`` to the journal, synced, the marker ``complete`` last."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, quads in (("removed.nq", change.removed), ("added.nq", change.added)):
            _write_synced(self._path(name), ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        _write_synced(self._path("complete.tmp"), COMPLETE_MARKER)
        os.replace(self._path("complete.tmp"), self._path("complete"))

    def pending(self) -> Change | None:
        """The change a crash interrupted (a complete journal), or None (no journal, or an incomplete one).

        :raises JournalDamaged: the journal is not a folder, or is complete but cannot be read back.
        """
        self._check_directory()
        marker = self._read("complete", missing_ok=True)
        if marker is None:
            return None
        if marker != COMPLETE_MARKER:
            shown = repr(marker[:32]) + ("…" if len(marker) > 32 else "")
            raise self._damaged(self._path("complete"), f"holds {shown}, not {COMPLETE_MARKER!r}")
        return Change(removed=self._quads("removed.nq"), added=self._quads("added.nq"))

    def files(self) -> list[Path]:
        """The files in the journal now, sorted; none if there is no journal."""
        self._check_directory()
        try:
            return sorted(self.directory.iterdir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._damaged(self.directory, f"cannot be read ({exc.strerror or exc})") from exc

    def clear(self) -> None:
        """Remove the journal's files (the write is on disk, or was never applied)."""
        for name in ("complete", "complete.tmp", "removed.nq", "added.nq"):
            try:
                self._path(name).unlink(missing_ok=True)
            except OSError as exc:
                raise self._damaged(self._path(name), f"cannot be removed ({exc.strerror or exc})") from exc

    def set_aside(self) -> Path | None:
        """Move the journal's files, unchanged, into a new folder ``journal-discarded-<UTC time>``
        beside it, and return that folder; None if there was nothing to move. Nothing is deleted."""
        if self.directory.is_dir():
            entries = sorted(self.directory.iterdir())
            if not entries:
                return None
            folder = self._new_discard_folder()
            for entry in entries:
                shutil.move(entry, folder / entry.name)
            return folder
        if not (self.directory.exists() or self.directory.is_symlink()):
            return None
        folder = self._new_discard_folder()  # a file (or a broken link) where the folder should be
        shutil.move(self.directory, folder / self.directory.name)
        return folder

    def _new_discard_folder(self) -> Path:
        """A new, empty ``journal-discarded-<UTC time>`` folder beside the journal (``-1``, ``-2``… if taken)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        n = 0
        while True:
            folder = self.directory.parent / f"{self.directory.name}-discarded-{stamp}{f'-{n}' if n else ''}"
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                n += 1

    def _check_directory(self) -> None:
        """Raise :class:`JournalDamaged` if the journal's path exists but is not a folder."""
        if (self.directory.exists() or self.directory.is_symlink()) and not self.directory.is_dir():
            raise self._damaged(self.directory, "is not a folder")

    def _read(self, name: str, *, missing_ok: bool = False) -> bytes | None:
        """The bytes of the journal's file ``name`` (None if it is missing and ``missing_ok``)."""
        path = self._path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return None
            raise self._damaged(
                path, "is missing, though the marker 'complete' says the journal was written in full"
            ) from None
        except OSError as exc:
            raise self._damaged(path, f"cannot be read ({exc.strerror or exc})") from exc

    def _quads(self, name: str) -> frozenset[ox.Quad]:
        """The quads of the journal's N-Quads file ``name``."""
        data = self._read(name)
        try:
            return frozenset(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, ValueError) as exc:
            raise self._damaged(self._path(name), f"does not parse as N-Quads: {_one_line(str(exc))}") from exc

    def _damaged(self, path: Path, problem: str) -> JournalDamaged:
        """The error for ``path`` (in this journal) damaged as ``problem`` says."""
        return JournalDamaged.of(path, problem, store=self.directory.parent)


def _one_line(text: str) -> str:
    r"""``text`` on one line of printable characters.

    >>> _one_line("'\x00' is not allowed\n at 1:1")
    "'\\x00' is not allowed at 1:1"
    """
    shown = "".join(c if c.isprintable() or c in " \t\n" else repr(c)[1:-1] for c in text)
    return " ".join(shown.split())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


#: The file in a store's directory that names the process holding it open.
PID_FILE = "alliance-kg.pid"


def open_disk(store: Path) -> ox.Store:
    """The RocksDB store in ``store/graph``, created if need be; it holds the store's lock while it
    lives, and ``store/alliance-kg.pid`` says which process holds it.

    :raises StoreInUse: another process holds the store open (RocksDB's lock).
    :raises ConfigurationError: the store cannot be opened for another reason.
    """
    try:
        store.mkdir(parents=True, exist_ok=True)
        disk = ox.Store(str(store / "graph"))
    except OSError as exc:
        if "lock" in str(exc).lower():
            try:
                pid = (store / PID_FILE).read_text(encoding="utf-8").strip() or "unknown"
            except OSError:
                pid = "unknown"
            raise StoreInUse(
                f"the store at {store} is in use by another alliance-kg process (pid {pid}); "
                "stop it or use the HTTP API"
            ) from None
        raise ConfigurationError(f"cannot open the store at {store}: {exc}") from exc
    try:
        (store / PID_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
    except OSError:
        pass  # the pid only makes the message of another process better
    return disk


@contextmanager
def holding_store(store: Path) -> Iterator[None]:
    """Hold the lock of the store at ``store`` for the block (its RocksDB store open, created if
    need be), so that nothing else opens it meanwhile; it fails while a service has it open."""
    disk = open_disk(store)
    try:
        yield
    finally:
        del disk
