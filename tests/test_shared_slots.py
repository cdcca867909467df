"""The query limits kept for several worker processes at once (``SharedQuerySlots``, issue 18):
slots taken in other processes count, a query waits for one given back in another process, and a
process that dies gives its slots back."""

from __future__ import annotations

import os
import signal
import time

import pytest

from alliance_kg.errors import TooBusy
from alliance_kg.store.admission import SharedQuerySlots


def hold_in_child(slots: SharedQuerySlots, client: str) -> tuple[int, int]:
    """Fork a process that takes a slot for ``client`` and holds it until it is sent a byte."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its copies of the other ends closed, or the pipes never end
        os.close(ready_r)
        os.close(go_w)
        try:
            with slots.admit(client):
                os.write(ready_w, b"1")
                os.read(go_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)
    os.read(ready_r, 1)
    os.close(ready_r)
    return pid, go_w


def release(pid: int, go_w: int) -> None:
    os.write(go_w, b"1")  # a byte, not the end of the pipe: a later fork holds a copy of its end
    os.close(go_w)
    os.waitpid(pid, 0)


def test_slots_taken_in_other_processes_count_and_come_back():
    slots = SharedQuerySlots(slots=2, per_client=2, queue=0, wait_seconds=0.05)
    children = [hold_in_child(slots, f"client-{n}") for n in range(2)]
    with pytest.raises(TooBusy, match="all 2 query slots are taken"):
        with slots.admit("client-x"):
            pass
    release(*children[0])
    with slots.admit("client-x"):
        assert slots.running() == 2
    release(*children[1])
    assert slots.running() == 0


def test_a_query_waits_for_a_slot_another_process_gives_back():
    slots = SharedQuerySlots(slots=1, per_client=1, queue=2, wait_seconds=5)
    pid, go = hold_in_child(slots, "a")
    began = time.monotonic()
    if os.fork() == 0:  # a third process gives the slot back after 0.2 s
        time.sleep(0.2)
        os.write(go, b"1")
        os._exit(0)
    os.close(go)
    with slots.admit("b"):
        waited = time.monotonic() - began
    os.waitpid(pid, 0)
    assert 0.1 < waited < 2


def test_the_per_client_cap_holds_across_processes():
    slots = SharedQuerySlots(slots=4, per_client=1, queue=0, wait_seconds=0.05)
    child = hold_in_child(slots, "same-client")
    with pytest.raises(TooBusy, match="1 query of this client already runs"):
        with slots.admit("same-client"):
            pass
    with slots.admit("other-client"):
        pass
    release(*child)


def test_a_process_killed_holding_a_slot_gives_it_back():
    slots = SharedQuerySlots(slots=1, per_client=1, queue=0, wait_seconds=0.05)
    pid, go = hold_in_child(slots, "a")
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(go)
    with slots.admit("b"):
        assert slots.running() == 1
