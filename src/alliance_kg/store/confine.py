"""Confinement of the processes that parse and run what clients send: no network, bounded memory.

A SPARQL query may name endpoints to call (``SERVICE``) and an update documents to fetch
(``LOAD``), and pyoxigraph 0.5 follows them with no option to refuse. Reading the text first is
not enough: any reader that disagrees with the engine's parser (a keyword glued to a dot, an
escaped quote in an IRI) lets a call through. So the process that parses and evaluates a
client's text is made unable to open a connection at all, whatever the text says:

* a **seccomp filter** (the `seccompy` library): ``socket()``, ``socketpair()``, ``connect()``
  and ``io_uring_setup()`` fail with ``EACCES``; no privilege needed, Linux on x86-64 or aarch64;
* a **network namespace** of its own (``unshare(CLONE_NEWNET)``, where the kernel lets this
  user create one): its only interface is a loopback that is down, so even a socket that got
  through could reach nothing, not even this machine's loopback;
* every inherited file descriptor but the process's own pipes is pointed at ``/dev/null``, so
  the listening socket and the clients' connections of the service are out of reach;
* an **address-space limit** (``RLIMIT_AS``): the process may grow by ``memory_bytes`` past its
  size at the fork, after which an allocation fails (a Python ``MemoryError``, or a Rust
  allocation failure that aborts the process with a message on its standard error).
* a **lower CPU priority** (``nice`` +5): however many queries run, the service itself (its
  HTTP handling, ``/health``, the JSON API) is scheduled first.

:func:`probe` tells once, at start-up, which of these the platform gives (the service prints
it); where neither seccomp nor a network namespace is available the service still refuses
``SERVICE`` and ``LOAD`` by the parse of the text, and says that this is its only defence.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import resource
import socket
from dataclasses import asdict, dataclass

#: System calls a confined process may not make: each fails with EACCES.
DENIED_SYSCALLS = ("socket", "socketpair", "connect", "io_uring_setup")
_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
#: How much lower a confined process is scheduled than the service.
NICENESS = 5


@dataclass(frozen=True)
class Confinement:
    """What confines a process: which network barriers hold, and its memory limit in bytes
    above its size at the fork (``None``: none)."""

    seccomp: bool = False
    network_namespace: bool = False
    memory_limit: int | None = None

    @property
    def no_network(self) -> bool:
        """Whether the process cannot open a network connection.

        >>> Confinement(seccomp=True).no_network, Confinement().no_network
        (True, False)
        """
        return self.seccomp or self.network_namespace

    def describe(self) -> str:
        """One line for the start-up message.

        >>> Confinement(seccomp=True, network_namespace=True, memory_limit=2**30).describe()
        'no network (seccomp filter, network namespace); memory limit 1,024 MB'
        >>> Confinement().describe()
        'NETWORK NOT BLOCKED on this platform (no seccomp, no network namespace): SERVICE and LOAD are refused by the parse of the text only; no memory limit'
        """
        barriers = [
            name
            for name, held in (("seccomp filter", self.seccomp), ("network namespace", self.network_namespace))
            if held
        ]
        network = (
            f"no network ({', '.join(barriers)})"
            if barriers
            else "NETWORK NOT BLOCKED on this platform (no seccomp, no network namespace): "
            "SERVICE and LOAD are refused by the parse of the text only"
        )
        memory = f"memory limit {self.memory_limit // 2**20:,} MB" if self.memory_limit else "no memory limit"
        return f"{network}; {memory}"


def confine(
    *, network: bool = False, memory_bytes: int | None = None, keep_fds: tuple[int, ...] = (0, 1, 2)
) -> Confinement:
    """Confine the calling process, which must be a freshly forked child with one thread; what
    took effect is returned. ``network``: whether it may still reach the network (an operator's
    ``SERVICE`` allow-list); ``memory_bytes``: how much it may grow (``None``: no limit);
    ``keep_fds``: the descriptors it keeps, the others are pointed at ``/dev/null``.

    Irreversible: call it in a child only.
    """
    _detach_inherited(keep_fds)
    namespace = seccomp = False
    if not network:
        namespace = _own_network_namespace()
        seccomp = _deny_sockets()
    limit = _limit_memory(memory_bytes) if memory_bytes else None
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    return Confinement(seccomp=seccomp, network_namespace=namespace, memory_limit=limit)


def _detach_inherited(keep: tuple[int, ...]) -> None:
    """Point every open descriptor not in ``keep`` at ``/dev/null`` (rather than closing it: an
    object of the parent's that still holds the number may close it later, and must not close
    a descriptor the child opened since)."""
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in open_fds:
        if fd not in keep and fd != null:
            try:
                os.dup2(null, fd, inheritable=False)
            except OSError:
                pass
    os.close(null)


def _own_network_namespace() -> bool:
    """Move the process into a new network namespace (as root, or in a user namespace of its own
    where unprivileged ones are allowed); whether that worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0


@functools.cache
def socket_filter():
    """The seccomp filter of :data:`DENIED_SYSCALLS`, built once (importing seccompy and asking
    the kernel take about 90 ms, which a child forked for each query must not pay), or None
    where the platform has no seccomp. Call it in the service before forking."""
    try:
        import seccompy

        if not seccompy.supported():
            return None
        rules = seccompy.Filter(default=seccompy.Action.ALLOW)
        for name in DENIED_SYSCALLS:
            rules.errno(name, errno.EACCES)
        rules.program  # compiled now, in the parent  # noqa: B018
        return rules
    except Exception:  # noqa: BLE001 - an unsupported platform or architecture: not confined, and said so
        return None


def _deny_sockets() -> bool:
    """Install :func:`socket_filter` in this process; whether that worked."""
    rules = socket_filter()
    if rules is None:
        return False
    try:
        rules.load()
        return True
    except Exception:  # noqa: BLE001 - refused by the kernel: not confined, and said so
        return False


def _limit_memory(memory_bytes: int) -> int | None:
    """Let the address space grow by ``memory_bytes`` from its size now; the limit set, or None."""
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = size + memory_bytes
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        return memory_bytes
    except (OSError, ValueError):
        return None


@functools.cache
def probe(*, network: bool = False, memory_bytes: int | None = None) -> Confinement:
    """What :func:`confine` gives on this platform, found by confining a short-lived child and
    checking that it can no longer open a socket (once per process and arguments)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: confine, try, report, leave
        try:
            found = confine(network=network, memory_bytes=memory_bytes, keep_fds=(write_end,))
            try:
                socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
                blocked = False
            except OSError:
                blocked = True
            if found.seccomp and not blocked:  # a filter that does not hold is no filter
                found = Confinement(False, found.network_namespace, found.memory_limit)
            os.write(write_end, json.dumps(asdict(found)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    return Confinement(**json.loads(data)) if data else Confinement()
