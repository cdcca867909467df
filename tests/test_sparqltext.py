"""The one thing left to the lexer of ``sparqltext`` is writing the protocol's ``using-graph-uri``
dataset into an update's text. Checked here against rdflib's parse, on generated and hostile
updates (codepoint escapes, strings holding quotes, braces and ``#``, keywords glued to
punctuation): each ``DELETE``/``INSERT`` operation gets exactly the given ``USING`` graphs,
nothing else changes; and the reading of queries (``sparqlparse``) finds every ``SERVICE``
however it is written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.plugins.sparql import parser

from alliance_kg.store.sparqlparse import NOTHING, read_query, read_update
from alliance_kg.store.sparqltext import keywords, update_with_dataset
from fuzzing import fuzz_cases  # noqa: F401 - a fixture

EXAMPLES = settings(max_examples=10 * settings.default.max_examples) if settings.get_current_profile_name() == "ci" \
    else settings()
GRAPH = "https://example.org/g1"
NAMED = "https://example.org/g2"

strings = st.sampled_from(['"}"', "'{'", '"#"', "'\\''", '"\\""', '"""a\n}"""', "'''{'''", '"WHERE"', "'USING <x:y>'",
                          '"a\\u0022b"', '"{ WHERE }"'])
iris = st.sampled_from(["<urn:a>", "<urn:a\\u0041'>", "<urn:b\\u0022>", "<http://x/#y>", "<urn:{}>".replace("{}", ""),
                        "<urn:where>", "<x:WHERE>"])
terms = st.one_of(iris, strings, st.sampled_from(["?s", "?o", "?where", "1", "true"]))
triples = st.tuples(st.sampled_from(["?s", "<urn:s>"]), st.sampled_from(["?p", "<urn:p>"]), terms).map(
    lambda t: " ".join(t))
comments = st.sampled_from(["", " # a } comment { WHERE\n", "#\n"])
glue = st.sampled_from([" ", "\n", "\t", ""])


@st.composite
def modify(draw) -> str:
    template = " . ".join(draw(st.lists(triples, min_size=1, max_size=3)))
    pattern = " . ".join(draw(st.lists(triples, min_size=1, max_size=3)))
    form = draw(st.sampled_from(["DELETE {{{t}}} WHERE {{{p}}}", "INSERT {{{t}}} WHERE {{{p}}}",
                                 "DELETE {{{t}}} INSERT {{{t}}} WHERE {{{p}}}", "DELETE WHERE {{{p}}}"]))
    text = form.format(t=template, p=pattern)
    return text.replace(" WHERE", draw(comments) + draw(glue) + "WHERE")


@st.composite
def updates(draw) -> str:
    operations = draw(st.lists(st.one_of(modify(), triples.map(lambda t: f"INSERT DATA {{ {t.replace('?', '_:')} }}"),
                                         st.just("CLEAR SILENT GRAPH <urn:g>")), min_size=1, max_size=3))
    return (";" + draw(glue)).join(operations)


def shape(text: str) -> list[tuple[str, list]]:
    """Each operation of ``text`` parsed: its kind, and its USING clauses."""
    found = []
    for operation in parser.parseUpdate(text).request:
        using = [(("default", str(c["default"])) if "default" in c else ("named", str(c["named"])))
                 for c in (operation["using"] if "using" in operation else [])]
        found.append((operation.name, using))
    return found


@EXAMPLES
@given(text=updates())
def test_the_dataset_is_written_into_every_operation_as_the_parse_reads_it(fuzz_cases, text):
    fuzz_cases()
    try:
        before = shape(text)
    except Exception:  # noqa: BLE001 - a generated text rdflib does not read: nothing to compare
        return
    rewritten = update_with_dataset(text, [GRAPH], [NAMED])
    after = shape(rewritten)
    assert len(after) == len(before), rewritten
    for (kind, _), (new_kind, using) in zip(before, after):
        if kind in ("Modify", "DeleteWhere"):
            assert new_kind == "Modify" and using == [("default", GRAPH), ("named", NAMED)], rewritten
        else:
            assert (new_kind, using) == (kind, []), rewritten


@EXAMPLES
@given(text=updates())
def test_without_a_dataset_the_update_is_left_as_it_is(fuzz_cases, text):
    fuzz_cases()
    assert update_with_dataset(text) == text


SERVICE_QUERIES = [
    "SELECT ?a { BIND(1 AS ?x) .SERVICE <http://h/> { ?a ?b ?c } }",
    "SELECT ?a { <urn:a\\u0041'> ?p ?o . SERVICE <http://h/> { ?a ?b ?c } }",
    "SELECT ?a { ?s ?p \"\"\"'\"\"\" .service <http://h/> { ?a ?b ?c } }",
    "PREFIX h: <http://h/> SELECT ?a { { SERVICE SILENT h: { ?a ?b ?c } } UNION { ?a ?b ?c } }",
    "BASE <http://h/> SELECT ?a { OPTIONAL { SERVICE <> { ?a ?b ?c } } }",
    "SELECT ?a { FILTER EXISTS { SERVICE <http://h/> { ?a ?b ?c } } }",
    "SELECT ?a { { SELECT ?a { SERVICE <http://h/> { ?a ?b ?c } } } }",
]


SERVICE_QUERIES_GLUED = [  # a keyword glued to a prefixed name, as Oxigraph reads them
    "PREFIX : <http://h/> SELECT ?a { SERVICE:{ ?a ?b ?c } }",
    "PREFIX ex: <urn:x> PREFIX : <http://h/> SELECT ?a { ?s ?p ex:.SERVICE : { ?a ?b ?c } }",
]


@pytest.mark.parametrize("confined", [False, True])
@pytest.mark.parametrize("query", SERVICE_QUERIES + SERVICE_QUERIES_GLUED)
def test_the_reading_finds_every_service(query, confined):
    reading = read_query(query, confined=confined)
    assert reading is not None and [s.iri for s in reading.services] == ["http://h/"]


def test_a_confined_reading_skips_the_parse_when_the_letters_are_only_in_names():
    """Vocabulary such as akg:validFrom and variables such as ?from hold the letters of FROM: in a
    process kept from the network that is no reason to parse the text (30 ms with rdflib)."""
    query = "SELECT ?from { ?from akg:derivedFrom <urn:service> . FILTER(?from != 'FROM') } # service"
    assert read_query(query, confined=True) is NOTHING
    assert read_query(query.replace("?from akg", "?x akg") + " LIMIT 1") is not NOTHING  # letters: parsed
    assert read_query("SELECT * FROM <urn:g> { ?s ?p ?o }", confined=True).reads_from


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a\\u0041'> <urn:p> 1 } ; LOAD <http://h/x>",
    "INSERT DATA { <urn:a> <urn:p> '}' } ;LOAD SILENT <http://h/x> INTO GRAPH <urn:g>",
    "PREFIX h: <http://h/> load h:x",
])
def test_the_reading_finds_every_load(update):
    reading = read_update(update)
    assert reading is not None and [load.iri for load in reading.loads] == ["http://h/x"]


def test_a_text_rdflib_misreads_is_read_as_unknown_not_as_harmless():
    """rdflib takes a '#' in a short string for a comment: it cannot read such a query, and says
    so (None) rather than reading it without its SERVICE."""
    assert read_query("SELECT ?a { ?s ?p '#' . SERVICE <http://h/> { ?a ?b ?c } }") is None


def test_keywords_are_not_fooled_by_escapes_and_glued_dots():
    assert "SERVICE" in keywords("SELECT ?a { BIND(1 AS ?x) .SERVICE <h:x> {} }")
    assert "SERVICE" in keywords("SELECT * { <urn:a\\u0041'> ?p ?o . SERVICE <h:x> {} }")
