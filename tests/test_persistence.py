"""Durability and isolation of writes, against the real server (``alliance-kg serve``) in a subprocess.

* every acknowledged write survives a restart, and a ``kill -9`` in the middle of a stream of writes;
* a first start that stops part way leaves no partly loaded graph behind;
* a reader never sees half a write;
* concurrent writers are serialised: none is lost, none is planned on a stale graph;
* a damaged journal is one line naming the file and the way out, never a traceback, and
  ``alliance-kg recover`` reports it or sets it aside (moved, never deleted).

HTTP goes through the standard library only, as any client would.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import random
import shutil
import subprocess
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliance_kg.cli import cli
from alliance_kg.config import Config
from alliance_kg.resources import shipped_root
from alliance_kg.store import open_graph
from server import COMMAND, Server, running_server

TOKEN = "persistence-test-token-0123456789"
WRITER_ENV = {"ALLIANCE_KG_WRITE_TOKEN": TOKEN}
REQUEST_TIMEOUT = 30
#: A request that never reached an answer because the server went away.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


# --- HTTP helpers ----------------------------------------------------------------------------------


def call(server: Server, method: str, path: str, body=None, *, form: dict | None = None) -> tuple[int, dict]:
    """``method path`` with the write token and a JSON (or form) body: the status and the decoded JSON answer."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def get(server: Server, path: str) -> dict:
    status, answer = call(server, "GET", path)
    assert status == 200, f"GET {path}: {status} {answer}"
    return answer


def post_company(server: Server, label: str) -> tuple[int, dict]:
    return call(server, "POST", "/api/companies", {"label": label})


def companies(server: Server) -> dict[str, str]:
    """``{label: id}`` of every company the server lists."""
    return {c["label"]: c["id"] for c in get(server, "/api/companies")["companies"]}


def changes(server: Server) -> dict[str, dict]:
    """The change log by change id."""
    return {c["id"]: c for c in get(server, "/api/changes?limit=10000")["changes"]}


def assert_conforms(server: Server) -> None:
    report = get(server, "/api/validation")
    assert report["conforms"], f"the graph does not conform: {report['results'][:3]}"


def store_server(store: Path, *args: str, **kwargs):
    """The real server on the persistent store ``store`` (``args``: more global options), with writes enabled."""
    return running_server("--store", str(store), *args, env=WRITER_ENV, **kwargs)


def run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a client thread did not finish within 60 s"


# --- 1. restart ------------------------------------------------------------------------------------


@pytest.mark.processes
def test_every_acknowledged_write_survives_a_restart(tmp_path):
    store = tmp_path / "store"
    labels = ["Persistence Motors", "Durable Cars", "Restart Automotive"]
    patch = {"valid_to": "2030-12-31", "source": {"url": "https://example.org/x"}}

    with store_server(store) as server:
        created = {}
        for label in labels:
            status, answer = post_company(server, label)
            assert status == 201, answer
            created[label] = answer
        status, patched = call(server, "PATCH", "/api/assignments/assignment-Europe", patch)
        assert status == 200 and patched["committed"], patched
        before = {"triples": get(server, "/health")["triples"], "changes": changes(server),
                  "europe": get(server, "/api/assignments/assignment-Europe")}
    assert server.process.returncode is not None

    with store_server(store) as server:
        listed = companies(server)
        for label, answer in created.items():
            assert listed.get(label) == answer["id"], f"{label} was acknowledged but is gone after the restart"
        europe = get(server, "/api/assignments/assignment-Europe")
        assert europe["valid_to"] == "2030-12-31"
        assert "https://example.org/x" in {s["document"]["url"] for s in europe["sources"]}
        assert europe == before["europe"]

        logged = changes(server)
        assert logged == before["changes"]
        expected = {answer["change"]: f"create company {label}" for label, answer in created.items()}
        expected[patched["change"]] = patched["summary"]
        assert {c: logged[c]["summary"] for c in expected if c in logged} == expected
        assert len(logged) == len(labels) + 1

        assert get(server, "/health")["triples"] == before["triples"], "the restart changed the graph"
        assert_conforms(server)


@pytest.mark.processes
def test_a_first_start_that_fails_part_way_leaves_no_partial_graph(tmp_path):
    """The shipped graph goes into a new store all or nothing: a first start that stops part way
    (here: the last file of the last layer does not parse; a crash does the same) must not leave a
    store that later starts take for loaded and never complete."""
    broken = tmp_path / "shipped"
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(shipped_root() / part, broken / part)
    last = sorted((broken / "data" / "public").glob("*.ttl"))[-1]
    last.write_text(last.read_text(encoding="utf-8") + "\nthis is not Turtle\n", encoding="utf-8")
    store = tmp_path / "store"

    with pytest.raises(RuntimeError, match="exited"):
        with store_server(store, "--data-dir", str(broken)):
            pass

    complete = len(open_graph(Config.from_env({})))
    with store_server(store) as server:
        assert get(server, "/health")["triples"] == complete, "the store kept a partly loaded shipped graph"
        assert_conforms(server)


# --- 2. kill -9 ------------------------------------------------------------------------------------


STREAM_LABEL = "Stream Company {:04d}"


class WriteStream:
    """POSTs companies one after another until told to stop or the server goes away; remembers
    what was acknowledged (201) and the label of the write in flight when it stopped."""

    def __init__(self, server: Server):
        self.server = server
        self.acknowledged: dict[str, dict] = {}  # label -> answer
        self.in_flight: str | None = None
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for i in range(1, 10_000):
            if self.stop.is_set():
                return
            label = STREAM_LABEL.format(i)
            self.in_flight = label
            try:
                status, answer = post_company(self.server, label)
            except CONNECTION_ERRORS:
                return  # killed under our feet: this write was never acknowledged
            if status != 201:
                self.failures.append(f"{label}: {status} {answer}")
                return
            self.acknowledged[label] = answer
            self.in_flight = None

    def wait_for(self, count: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert not self.failures, self.failures
            assert self.thread.is_alive(), "the write stream ended early"
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} of {count} writes acknowledged"
            time.sleep(0.005)


@pytest.mark.processes
@pytest.mark.parametrize("kill_after", [3, 12])
def test_kill_9_in_the_middle_of_a_stream_of_writes_loses_no_acknowledged_write(tmp_path, kill_after):
    store = tmp_path / "store"
    with store_server(store) as server:
        stream = WriteStream(server)
        stream.thread.start()
        stream.wait_for(kill_after)
        time.sleep(random.uniform(0, 0.15))  # land the kill anywhere in the next write
        server.process.kill()
        server.process.wait(timeout=10)
        stream.stop.set()
        stream.thread.join(timeout=REQUEST_TIMEOUT + 5)
        # running_server terminates the process again on the way out: a no-op on a reaped process
    assert not stream.thread.is_alive()
    assert not stream.failures, stream.failures
    acknowledged = dict(stream.acknowledged)
    assert len(acknowledged) >= kill_after

    with store_server(store) as server:
        streamed = {label: key for label, key in companies(server).items() if label.startswith("Stream Company")}
        for label, answer in acknowledged.items():
            assert streamed.get(label) == answer["id"], f"{label} was acknowledged but is gone after kill -9"
        # Nothing but the acknowledged writes and, perhaps, the one in flight (all or nothing of it).
        assert set(streamed) - set(acknowledged) <= {stream.in_flight}
        # Each write committed its data and its change-log entry together.
        logged = changes(server)
        assert {c["summary"] for c in logged.values()} == {f"create company {label}" for label in streamed}
        assert {answer["change"] for answer in acknowledged.values()} <= set(logged)
        assert_conforms(server)

    validated = subprocess.run([*COMMAND, "--store", str(store), "validate"], capture_output=True, text=True, timeout=60)
    assert validated.returncode == 0, validated.stdout + validated.stderr


# --- 3. isolation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Toggle:
    """A write that flips the graph between two states, and what a reader sees of them.

    ``write(server, state)`` brings the graph to ``state`` (0 or 1) in one request; ``observe``
    reads it in one request; ``states`` are the two observations. Anything else a reader sees is
    a write half applied."""

    write: Callable[[Server, int], None]
    observe: Callable[[Server], tuple]
    states: tuple[tuple, tuple]
    setup: Callable[[Server], None] = lambda server: None
    min_writes: int = 10


def observe_europe(server: Server) -> tuple:
    """Leader ids, number of assignments, and the leader and followers of each, for Europe."""
    answer = get(server, "/api/responsibility?region=Europe")
    return (tuple(sorted(leader["id"] for leader in answer["leaders"])),
            len(answer["assignments"]),
            tuple((a["leader"]["id"], tuple(sorted(f["id"] for f in a["followers"]))) for a in answer["assignments"]))


def patch_followers(server: Server, state: int) -> None:
    """State 0: followers Nissan and Mitsubishi Motors; state 1: Nissan alone. One PATCH each, which
    replaces every follower triple."""
    followers = [["Nissan", "MitsubishiMotors"], ["Nissan"]][state]
    status, answer = call(server, "PATCH", "/api/assignments/assignment-Europe", {"followers": followers})
    assert status == 200 and answer["committed"], f"PATCH followers={followers}: {status} {answer}"


def sparql_update(server: Server, update: str) -> dict:
    status, answer = call(server, "POST", "/sparql", form={"update": update})
    assert status == 200 and answer["committed"], f"{status} {answer}"
    return answer


SWAP = """PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
PREFIX akr: <https://w3id.org/alliance-kg/id/>
DELETE {{ GRAPH ?g {{ akr:assignment-Europe akg:leader akr:{old} ; akg:follower akr:{new} }} }}
INSERT {{ GRAPH ?g {{ akr:assignment-Europe akg:leader akr:{new} ; akg:follower akr:{old} }} }}
WHERE  {{ GRAPH ?g {{ akr:assignment-Europe akg:leader akr:{old} ; akg:follower akr:{new} }} }}"""


def swap_leader(server: Server, state: int) -> None:
    """State 0: Renault leads Europe, Nissan follows; state 1: the other way round. One SPARQL
    Update (two quads removed, two added) each."""
    old, new = ("Nissan", "Renault") if state == 0 else ("Renault", "Nissan")
    answer = sparql_update(server, SWAP.format(old=old, new=new))
    assert (answer["added"], answer["removed"]) == (2, 2), answer


#: Markers with no class, so that no shape constrains them; a flip moves all of them at once.
MARKERS = 2000
MARKER = "<https://example.org/marker/{}> <https://example.org/state> \"a\" ."
FLIP = """DELETE {{ GRAPH ?g {{ ?m <https://example.org/state> "{old}" }} }}
INSERT {{ GRAPH ?g {{ ?m <https://example.org/state> "{new}" }} }}
WHERE  {{ GRAPH ?g {{ ?m <https://example.org/state> "{old}" }} }}"""
COUNT_MARKERS = "SELECT ?state (COUNT(*) AS ?n) WHERE { ?m <https://example.org/state> ?state } GROUP BY ?state"


def add_markers(server: Server) -> None:
    markers = " ".join(MARKER.format(i) for i in range(MARKERS))
    sparql_update(server, f"INSERT DATA {{ GRAPH <https://w3id.org/alliance-kg/graph/public> {{ {markers} }} }}")


def flip_markers(server: Server, state: int) -> None:
    """State 0: every marker is "a"; state 1: every marker is "b". One SPARQL Update (all markers
    removed and added again) each: applying it takes long enough for a reader to land inside
    (without the write lock in ``KnowledgeGraph.commit`` readers see partial counts here)."""
    old, new = ("b", "a") if state == 0 else ("a", "b")
    answer = sparql_update(server, FLIP.format(old=old, new=new))
    assert (answer["added"], answer["removed"]) == (MARKERS, MARKERS), answer


def count_markers(server: Server) -> tuple:
    query = urllib.parse.urlencode({"query": COUNT_MARKERS})
    request = urllib.request.Request(f"{server.sparql}?{query}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return tuple(sorted((row["state"]["value"], int(row["n"]["value"])) for row in rows))


TOGGLES = {
    "json-patch-followers": Toggle(patch_followers, observe_europe, (
        (("Renault",), 1, (("Renault", ("MitsubishiMotors", "Nissan")),)),
        (("Renault",), 1, (("Renault", ("Nissan",)),)))),
    "sparql-update-swap-leader": Toggle(swap_leader, observe_europe, (
        (("Renault",), 1, (("Renault", ("MitsubishiMotors", "Nissan")),)),
        (("Nissan",), 1, (("Nissan", ("MitsubishiMotors", "Renault")),)))),
    "sparql-update-flip-markers": Toggle(flip_markers, count_markers, (
        (("a", MARKERS),), (("b", MARKERS),)), setup=add_markers, min_writes=2),
}


@pytest.mark.processes
@pytest.mark.parametrize("toggle", TOGGLES.values(), ids=TOGGLES.keys())
def test_readers_never_see_half_a_write(toggle):
    with running_server(env=WRITER_ENV) as server:
        toggle.setup(server)
        # Serially first: each write gives the state it should, so a mixed state is recognisable.
        for state in (1, 0):
            toggle.write(server, state)
            observed = toggle.observe(server)
            assert observed == toggle.states[state], f"write(state={state}) left {observed}, not {toggle.states[state]}"

        stop = threading.Event()
        seen: dict[tuple, int] = {}
        anomalies: list[tuple] = []
        errors: list[str] = []
        writes = 0

        def reader() -> None:
            try:
                while not stop.is_set():
                    observed = toggle.observe(server)
                    seen[observed] = seen.get(observed, 0) + 1
                    if observed not in toggle.states:
                        anomalies.append(observed)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(f"reader: {exc!r}")

        def writer() -> None:
            nonlocal writes
            try:
                end = time.monotonic() + 3
                while time.monotonic() < end or writes < toggle.min_writes:
                    toggle.write(server, (writes + 1) % 2)
                    writes += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(f"writer: {exc!r}")
            finally:
                stop.set()

        run_threads([writer] + [reader] * 4)
        assert not errors, errors
        assert not anomalies, f"readers saw half-applied writes: {sorted(set(anomalies))}"
        assert all(seen.get(state) for state in toggle.states), f"readers did not see both states: {seen}"
        print(f"\n{writes} writes, {sum(seen.values())} reads, {len(anomalies)} anomalies: {list(seen.values())}")


# --- 4. concurrent writers -------------------------------------------------------------------------


def race(server: Server, labels: list[str]) -> list[tuple[int, dict]]:
    """POST a company per label, all at once (one thread each, released together)."""
    barrier = threading.Barrier(len(labels))
    results: list = [None] * len(labels)

    def post(i: int) -> Callable[[], None]:
        def run() -> None:
            barrier.wait(timeout=30)
            results[i] = post_company(server, labels[i])
        return run

    run_threads([post(i) for i in range(len(labels))])
    return results


@pytest.mark.processes
def test_concurrent_writers_are_serialised_and_none_is_lost():
    labels = [f"Concurrent Company {i}" for i in range(8)]
    with running_server(env=WRITER_ENV, threads=8) as server:
        before = changes(server)
        results = race(server, labels)
        assert [status for status, _ in results] == [201] * len(labels), results
        listed = companies(server)
        assert {label: listed.get(label) for label in labels} == {label: a["id"] for label, (_, a) in zip(labels, results)}
        assert len({a["id"] for _, a in results}) == len(labels)

        new = {key: c for key, c in changes(server).items() if key not in before}
        assert set(new) == {a["change"] for _, a in results}
        assert sorted(c["summary"] for c in new.values()) == sorted(f"create company {label}" for label in labels)
        assert_conforms(server)


@pytest.mark.processes
def test_concurrent_writers_of_the_same_company_create_it_once():
    with running_server(env=WRITER_ENV, threads=8) as server:
        results = race(server, ["Contested Motors"] * 6)
        statuses = sorted(status for status, _ in results)
        assert statuses == [201] + [409] * 5, results
        listed = [c for c in get(server, "/api/companies")["companies"] if c["label"] == "Contested Motors"]
        assert len(listed) == 1
        assert [c["summary"] for c in get(server, "/api/changes")["changes"]] == ["create company Contested Motors"]
        assert_conforms(server)


# --- 5. a damaged journal --------------------------------------------------------------------------


QUAD = b'<https://example.org/a> <https://example.org/p> "x" <https://example.org/g> .\n'
ASK_QUAD = 'ASK { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> "x" } }'
#: A lone assignment breaks the assignment shapes (no scope, leader, ...).
BREAKING_QUAD = ("<https://w3id.org/alliance-kg/id/assignment-partial> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                 "<https://w3id.org/alliance-kg/ontology#LeadershipAssignment> <https://w3id.org/alliance-kg/graph/public> .\n")


def write_journal(journal: Path, *, removed: bytes | None = b"", added: bytes | None = QUAD,
                  complete: bytes | None = b"complete\n") -> None:
    """A journal as ``Journal.write`` leaves it before the crash; ``None`` leaves that file out."""
    journal.mkdir(parents=True, exist_ok=True)
    for name, data in (("removed.nq", removed), ("added.nq", added), ("complete", complete)):
        if data is not None:
            (journal / name).write_bytes(data)


def added_is_a_folder(journal: Path) -> None:
    """A complete journal whose ``added.nq`` cannot be read (a folder: tests run as root, so no chmod)."""
    write_journal(journal, added=None)
    (journal / "added.nq").mkdir()


@dataclass(frozen=True)
class Damage:
    """How to damage a journal (``make(journal)``), the file the error must name, and a word of how."""

    make: Callable[[Path], None]
    file: str
    how: str


DAMAGES = {
    "truncated-mid-line": Damage(lambda j: write_journal(j, added=QUAD + QUAD[:30]), "added.nq", "line 2"),
    "garbage-bytes": Damage(lambda j: write_journal(j, removed=b"\x00\x01\xfe garbage\n"), "removed.nq", "N-Quads"),
    "invalid-utf-8": Damage(lambda j: write_journal(j, added=QUAD.replace(b'"x"', b'"\xff\xfe"')), "added.nq", "UTF-8"),
    "removed-missing": Damage(lambda j: write_journal(j, removed=None), "removed.nq", "is missing"),
    "added-missing": Damage(lambda j: write_journal(j, added=None), "added.nq", "is missing"),
    "marker-not-complete": Damage(lambda j: write_journal(j, complete=b"compl"), "complete", "b'compl'"),
    "journal-not-a-folder": Damage(lambda j: j.write_bytes(b"complete\n"), "journal", "not a folder"),
    "added-unreadable": Damage(added_is_a_folder, "added.nq", "cannot be read"),
}


def run_cli(store: Path, *args: str) -> tuple[int, str, str]:
    """``alliance-kg --store STORE --empty ARGS`` in this process: exit code, stdout, stderr (with
    the traceback of an exception that escaped). The store's lock is free again on return."""
    result = CliRunner().invoke(cli, ["--store", str(store), "--empty", *args])
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += "".join(traceback.format_exception(result.exception))
    outcome = (result.exit_code, result.stdout, err)
    del result
    gc.collect()  # the traceback held the command's frames, and with them the open store
    return outcome


def assert_one_line_error(code: int, err: str, damage: Damage, command: str) -> None:
    """Exit 2 and one line on stderr naming the damaged file, how, and the way out; no traceback."""
    assert "Traceback" not in err, f"{command}: {err}"
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1, f"{command}: exit {code}, stderr:\n{err}"
    line = lines[0]
    assert line.startswith("alliance-kg: error: "), f"{command}: {line}"
    assert f"{os.sep}{damage.file} " in line and damage.how in line, f"{command}: {line}"
    assert "never acknowledged" in line and "recover --discard-incomplete" in line and "backup" in line, f"{command}: {line}"


def snapshot(journal: Path) -> dict[str, bytes | None]:
    """What a journal holds: each entry's bytes by name (None for a folder); a journal that is a file, itself."""
    entries = sorted(journal.iterdir()) if journal.is_dir() else [journal]
    return {entry.name: None if entry.is_dir() else entry.read_bytes() for entry in entries}


def discarded(store: Path) -> list[Path]:
    return sorted(store.glob("journal-discarded-*"))


@pytest.fixture
def store(tmp_path) -> Path:
    """A persistent store with an empty graph, closed again."""
    path = tmp_path / "store"
    code, _, err = run_cli(path, "stats")
    assert code == 0, err
    return path


def store_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command that opens the store (but serve, run apart), with arguments."""
    data = tmp_path / "new.nt"
    data.write_text('<https://example.org/b> <https://example.org/p> "y" .\n', encoding="utf-8")
    return {"validate": ["validate"], "query": ["query", "ASK {}"], "export": ["export", "--format", "nq"],
            "stats": ["stats"], "load": ["load", str(data)],
            "update": ["update", "INSERT DATA { <https://example.org/b> <https://example.org/p> 1 }"],
            "recover": ["recover"]}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_journal_is_one_line_and_exit_2_for_every_command(store, tmp_path, damage):
    journal = store / "journal"
    damage.make(journal)
    before = snapshot(journal)
    for name, args in store_commands(tmp_path).items():
        code, _, err = run_cli(store, *args)
        assert_one_line_error(code, err, damage, name)
        assert snapshot(journal) == before, f"{name} changed the damaged journal"


@pytest.mark.processes
@pytest.mark.parametrize("damage", ["truncated-mid-line", "marker-not-complete"])
def test_serve_with_a_damaged_journal_exits_2_with_one_line(store, damage):
    """The real entry point, in a process of its own: ``serve`` opens the store in ``create_app``."""
    DAMAGES[damage].make(store / "journal")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    served = subprocess.run([*COMMAND, "--store", str(store), "--empty", "serve", "--port", "0"],
                            capture_output=True, text=True, timeout=60, env=environ)
    assert_one_line_error(served.returncode, served.stderr, DAMAGES[damage], "serve")
    assert served.stdout == ""


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_recover_discard_incomplete_sets_the_journal_aside_unchanged_and_the_store_opens(store, damage):
    journal = store / "journal"
    damage.make(journal)
    before = snapshot(journal)

    code, out, err = run_cli(store, "recover", "--discard-incomplete")
    assert code == 0, out + err
    [folder] = discarded(store)
    assert snapshot(folder) == before, "the journal was not set aside byte for byte"
    assert f"journal: damaged: {journal}" in out and damage.how in out and str(folder) in out
    assert "never acknowledged" in out and "partly applied" in out and "graph conforms" in out

    code, out, err = run_cli(store, "recover")
    assert (code, out.strip()) == (0, f"journal of the store {store}: none: the store opens as it is on disk."), err
    code, out, err = run_cli(store, "stats")
    assert code == 0, err


def test_recover_discard_incomplete_exits_1_when_the_write_left_the_graph_not_conforming(store):
    """A write applied in part before the crash: the graph on disk breaks the shapes."""
    disk = ox.Store(str(store / "graph"))
    disk.extend(ox.parse(BREAKING_QUAD, format=ox.RdfFormat.N_QUADS))
    disk.flush()
    del disk  # frees the store's lock
    DAMAGES["truncated-mid-line"].make(store / "journal")
    code, out, err = run_cli(store, "recover", "--discard-incomplete")
    assert code == 1, out + err
    assert "assignment-partial" in out and "does not conform" in out and "partly applied" in out and "backup" in out
    assert len(discarded(store)) == 1


def test_recover_reports_a_complete_readable_journal_which_the_next_open_applies(store):
    write_journal(store / "journal", added=QUAD)
    before = snapshot(store / "journal")
    code, out, err = run_cli(store, "recover")
    assert code == 0, err
    assert "complete and readable (0 quads to remove, 1 to add): it is applied when the store next opens" in out
    assert snapshot(store / "journal") == before, "recover without --discard-incomplete changed the journal"

    code, out, err = run_cli(store, "query", ASK_QUAD)
    assert (code, out.strip()) == (0, "true"), err
    assert snapshot(store / "journal") == {}, "the applied journal was not cleared"


def test_recover_discard_incomplete_applies_a_complete_readable_journal(store):
    write_journal(store / "journal", added=QUAD)
    code, out, err = run_cli(store, "recover", "--discard-incomplete")
    assert code == 0, out + err
    assert "journal: complete and readable: it is applied" in out and discarded(store) == []
    code, out, err = run_cli(store, "query", ASK_QUAD)
    assert (code, out.strip()) == (0, "true"), err


def test_recover_sets_an_incomplete_journal_aside_and_the_store_opens_without_it(store):
    write_journal(store / "journal", added=QUAD[:30], complete=None)  # cut short before the marker
    before = snapshot(store / "journal")
    code, out, err = run_cli(store, "recover")
    assert code == 0 and "incomplete" in out and "dropped when the store next opens" in out, out + err

    code, out, err = run_cli(store, "recover", "--discard-incomplete")
    assert code == 0, out + err
    [folder] = discarded(store)
    assert snapshot(folder) == before and "journal: incomplete" in out
    code, out, err = run_cli(store, "query", ASK_QUAD)
    assert (code, out.strip()) == (0, "false"), err


def test_recover_needs_a_store(tmp_path):
    result = CliRunner().invoke(cli, ["recover"], env={"ALLIANCE_KG_STORE": ""})
    assert result.exit_code == 2 and result.stderr.startswith("alliance-kg: error: recover needs a store"), result.stderr
    assert "--store" in result.stderr and len(result.stderr.splitlines()) == 1
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "absent"), "recover", "--discard-incomplete"])
    assert result.exit_code == 2 and "no store at" in result.stderr, result.stderr
    assert not (tmp_path / "absent").exists()


def test_a_closed_store_on_disk_refuses_a_commit_rather_than_keep_it_in_memory_only(tmp_path):
    import pyoxigraph as ox

    from alliance_kg.config import Config
    from alliance_kg.errors import ConfigurationError
    from alliance_kg.store import Change, open_graph

    kg = open_graph(Config.from_env({}, store=tmp_path / "store", shipped=False))
    kg.close()
    quad = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"),
                   ox.NamedNode("https://example.org/g"))
    with pytest.raises(ConfigurationError, match="closed"):
        kg.commit(Change(added=frozenset([quad])))
