"""An update of ``INSERT DATA`` and ``DELETE DATA`` alone is worked out from the quads it names,
not on a copy of the graph (issue 16: a write costs what its change costs). Its change must be
the one the copy gives, operation after operation, whatever the text."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_kg.errors import Forbidden
from alliance_kg.store import updates
from alliance_kg.store.names import CHANGES_GRAPH
from alliance_kg.store.updates import change_in_process

E = "https://example.org/"
G = ox.NamedNode(E + "g")
INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    a, p, q = (ox.NamedNode(E + x) for x in ("a", "p", "q"))
    s.extend([
        ox.Quad(a, p, ox.Literal("01", datatype=INT), G),  # a lexical form rdflib would normalise
        ox.Quad(a, p, ox.Literal("one", language="en"), G),
        ox.Quad(a, q, ox.NamedNode(E + "b"), G),
        ox.Quad(a, q, ox.NamedNode(E + "b")),  # the same triple in the default graph
        ox.Quad(a, p, ox.Literal("logged"), ox.NamedNode(CHANGES_GRAPH)),
    ])
    return s


def both(store: ox.Store, update: str, monkeypatch, **kwargs):
    """The change by the data path, and by the copy (the data path turned off)."""
    fast = change_in_process(store, update, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(updates, "data_update_deletes", lambda text, base: None)
        slow = change_in_process(store, update, **kwargs)
    return fast, slow


CASES = {
    "insert new": f"INSERT DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}p> 2 }} }}",
    "insert present": f"INSERT DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}q> <{E}b> }} }}",
    "delete present, lexical form kept": f'DELETE DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}p> "01"^^<{INT.value}> }} }}',
    "delete the canonical form of it: nothing": f"DELETE DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}p> 1 }} }}",
    "delete absent": f"DELETE DATA {{ <{E}x> <{E}p> 3 }}",
    "delete from the default graph only": f"DELETE DATA {{ <{E}a> <{E}q> <{E}b> }}",
    "insert then delete": f"INSERT DATA {{ <{E}c> <{E}p> 4 }} ; DELETE DATA {{ <{E}c> <{E}p> 4 }}",
    "delete then insert back": f'DELETE DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}p> "one"@en }} }} ; '
                               f'INSERT DATA {{ GRAPH <{G.value}> {{ <{E}a> <{E}p> "one"@en }} }}',
    "blank nodes and a base": f"BASE <{E}> INSERT DATA {{ <d> <p> _:x . _:x <q> [ <p> 5 ] }}",
    "the change log is not data": f'DELETE DATA {{ GRAPH <{CHANGES_GRAPH}> {{ <{E}a> <{E}p> "logged" }} }}',
}


@pytest.mark.parametrize("update", CASES.values(), ids=CASES.keys())
def test_the_data_path_gives_the_change_the_copy_gives(store, update, monkeypatch):
    fast, slow = both(store, update, monkeypatch)
    if any(isinstance(q.subject, ox.BlankNode) for q in fast.added):  # fresh blank nodes: compare shapes
        assert len(fast.added) == len(slow.added) and not fast.removed and not slow.removed
    else:
        assert (fast.removed, fast.added) == (slow.removed, slow.added)


def test_writing_the_change_log_is_refused_on_the_data_path(store):
    with pytest.raises(Forbidden):
        change_in_process(store, f"INSERT DATA {{ GRAPH <{CHANGES_GRAPH}> {{ <{E}a> <{E}p> 1 }} }}")


def test_other_updates_are_not_read_as_data(store):
    from alliance_kg.store.sparqlparse import data_update_deletes

    assert data_update_deletes(f"DELETE WHERE {{ <{E}a> ?p ?o }}") is None
    assert data_update_deletes(f"INSERT DATA {{ <{E}a> <{E}p> 1 }} ; CLEAR ALL") is None
    assert data_update_deletes(f"INSERT DATA {{ <{E}a> <{E}p> 1 }}") == ()


TERMS = st.sampled_from([f"<{E}a>", f"<{E}c>", "1", '"01"^^<http://www.w3.org/2001/XMLSchema#integer>',
                         '"one"@en', '"x"', f"<{E}b>"])
PREDICATES = st.sampled_from([f"<{E}p>", f"<{E}q>"])
TRIPLE = st.tuples(st.sampled_from([f"<{E}a>", f"<{E}c>"]), PREDICATES, TERMS).map(" ".join)
OPERATION = st.tuples(st.sampled_from(["INSERT DATA", "DELETE DATA"]), st.booleans(),
                      st.lists(TRIPLE, min_size=1, max_size=3)).map(
    lambda t: f"{t[0]} {{ " + (f"GRAPH <{G.value}> {{ {' . '.join(t[2])} }}" if t[1] else " . ".join(t[2])) + " }")


@settings(max_examples=40)
@given(operations=st.lists(OPERATION, min_size=1, max_size=4))
def test_any_sequence_of_data_operations_gives_the_change_the_copy_gives(store, operations, monkeypatch):
    fast, slow = both(store, " ;\n".join(operations), monkeypatch)
    assert (fast.removed, fast.added) == (slow.removed, slow.added)
