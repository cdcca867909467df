"""Bound values written into SPARQL text (alliance_kg.store.binding, for remote stores) mean what
Oxigraph's substitutions mean on the embedded store: for every named query and every variable it
projects, bound to a value from its own answer, the two give the same solutions."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from alliance_kg.errors import QuerySyntaxError
from alliance_kg.store.binding import bind
from alliance_kg.store.queries import QUERY_DIR, load_query

NAMES = sorted(p.stem for p in QUERY_DIR.glob("*.rq"))


def rows(kg, text, **kwargs):
    results = kg.query(text, **kwargs)
    if not isinstance(results, ox.QuerySolutions):
        return None
    names = [v.value for v in results.variables]
    return Counter(tuple((n, str(s[n])) for n in names) for s in results)


@pytest.mark.parametrize("name", NAMES)
def test_a_value_written_into_the_text_means_what_a_substitution_means(shipped, name):
    text = load_query(name)
    results = shipped.query(text)
    assert isinstance(results, ox.QuerySolutions), f"{name}: every named query is a SELECT query"
    variables = [v.value for v in results.variables]
    first = next(iter(results), None)
    checked = 0
    for variable in variables:
        value = first[variable] if first is not None else None
        if not isinstance(value, (ox.NamedNode, ox.Literal)):
            continue
        try:
            written_text = bind(text, {variable: value})
        except QuerySyntaxError:  # the query assigns it (AS): no caller binds such a variable
            continue
        substituted = rows(shipped, text, bindings={variable: value})
        written = rows(shipped, written_text)
        assert written == substituted, (name, variable, value)
        checked += 1
    assert checked or first is None or not variables, f"no variable of {name} could be bound"


def test_a_value_that_cannot_be_written_is_refused():
    with pytest.raises(QuerySyntaxError):
        bind("SELECT ?x { ?x ?p ?o }", {"x": ox.BlankNode()})
    with pytest.raises(QuerySyntaxError):
        bind("SELECT ?n { BIND(1 AS ?n) }", {"n": ox.Literal("1")})
