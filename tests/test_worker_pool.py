"""The pool of query processes: a worker answers many queries of one graph state, never one of
another; it is killed past the time limit and stopped when idle."""

from __future__ import annotations

import os
import time

import pytest

from alliance_kg.errors import BadRequest, QueryTimeout
from alliance_kg.store import processes
from alliance_kg.store.pool import WorkerPool


def handler(request: dict) -> tuple[bytes, dict]:
    if request.get("sleep"):
        time.sleep(request["sleep"])
    if request.get("fail"):
        raise BadRequest("no such thing", hint="ask again")
    return str(os.getpid()).encode(), {"version": request.get("version")}


@pytest.fixture
def pool():
    made = WorkerPool(handler, idle_seconds=0.5)
    yield made
    made.close()


def ask(pool, version=1, timeout=5.0, **request):
    body, about = pool.run(request, version=version, timeout=timeout, setting="query_timeout")
    return int(body)


def test_a_worker_answers_many_queries_of_one_graph_state(pool):
    first = ask(pool)
    assert ask(pool) == first and first != os.getpid() and first in processes.LIVE


def test_a_write_retires_the_workers_of_the_old_state(pool):
    old = ask(pool, version=1)
    new = ask(pool, version=2)
    assert new != old and old not in processes.LIVE


def test_a_query_past_the_limit_kills_its_worker_and_the_next_one_runs(pool):
    first = ask(pool)
    with pytest.raises(QueryTimeout):
        ask(pool, timeout=0.2, sleep=5)
    assert first not in processes.LIVE
    assert ask(pool) != first


def test_errors_keep_their_status_and_the_worker_stays(pool):
    first = ask(pool)
    with pytest.raises(Exception) as caught:
        ask(pool, fail=True)
    assert (caught.value.status, caught.value.code, caught.value.hint) == (400, "bad_request", "ask again")
    assert ask(pool) == first


def test_idle_workers_are_stopped(pool):
    pid = ask(pool)
    deadline = time.monotonic() + 5
    while pid in processes.LIVE and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid not in processes.LIVE
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left


def test_a_worker_that_died_is_replaced(pool):
    pid = ask(pool)
    os.kill(pid, 9)
    time.sleep(0.1)
    assert ask(pool) != pid
