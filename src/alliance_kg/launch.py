"""The ``alliance-kg`` program: the command line (:mod:`.cli`), started on transparent huge pages
where the system offers them.

The service forks a child for every client query process and every SPARQL Update
(:mod:`.store.processes`). A fork copies the page tables of the whole process: with the graph in
memory that is most of the cost of a write at scale (76 ms a fork at 1M triples, the process at
1 GB). With glibc's allocator on transparent huge pages (``GLIBC_TUNABLES=glibc.malloc.hugetlb=1``,
glibc 2.35 and later, the kernel's THP set to ``always`` or ``madvise``) the tables are 512 times
smaller: 11 ms, for the same memory (``bench/update_bench.py``, docs/performance.md).

A tunable is read when a process starts, so the program starts itself again, once, with it set,
before it imports anything else. It does not when ``GLIBC_TUNABLES`` is already set (the
operator's choice wins, ``GLIBC_TUNABLES=`` turns this off), when the kernel has THP off, or off
Linux and glibc.
"""

from __future__ import annotations

import os
import platform
import sys

_TUNABLE = "glibc.malloc.hugetlb=1"
_THP = "/sys/kernel/mm/transparent_hugepage/enabled"


def main() -> None:
    if _should_restart():
        argv = _own_argv()
        if argv:
            os.execve(sys.executable, argv, {**os.environ, "GLIBC_TUNABLES": _TUNABLE})
    from .cli import main as cli_main

    cli_main()


def _should_restart() -> bool:
    if sys.platform != "linux" or "GLIBC_TUNABLES" in os.environ:
        return False
    libc, version = platform.libc_ver()
    if libc != "glibc" or tuple(int(p) for p in version.split(".")[:2] if p.isdigit()) < (2, 35):
        return False
    try:
        with open(_THP, encoding="ascii") as f:
            return "[never]" not in f.read()
    except OSError:
        return False


def _own_argv() -> list[str]:
    """This process's command line as it was given (``python -c CODE ...`` included)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [a.decode(errors="surrogateescape") for a in f.read().split(b"\0")[:-1]]
    except OSError:
        return []
