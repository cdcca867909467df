"""Fuzzing the SPARQL endpoint (``/sparql``) and the Graph Store Protocol (``/store``) with
Hypothesis: SPARQL fragments built from a grammar of keywords, variables, IRIs, literals, braces
and hostile strings; random ``Accept``, ``Content-Type`` (with charsets) and ``Authorization``
headers; random bodies (RDF-ish documents, forms, multipart, bytes that are not UTF-8). Every
answer must be a success or an error in the JSON envelope, never a server error (a query stopped
at its time limit, 503 ``query_timeout``, is the one 5xx allowed). Writes mostly carry the valid
token and may be accepted: the graph must still conform at the end.

A case here costs a few milliseconds (a query forks a child), so under the quick ``ci`` profile
each property runs three times the profile's examples; under ``fuzz``, the profile's.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import AUTH, TOKEN, check_answer, fuzz_app, fuzz_cases, graph_conforms  # noqa: F401 - fuzz_cases is a fixture

# One worker runs the module in order (--dist loadgroup): a test checks the graph the others fuzzed.
pytestmark = pytest.mark.xdist_group(name="fuzz_sparql")

#: The examples of each property (see the module's docstring).
EXAMPLES = settings(max_examples=3 * settings.default.max_examples) if settings.get_current_profile_name() == "ci" \
    else settings()

AKR = "https://w3id.org/alliance-kg/id/"
AKG = "https://w3id.org/alliance-kg/ontology#"

# --- SPARQL -----------------------------------------------------------------------------------------

KEYWORDS = """SELECT ASK CONSTRUCT DESCRIBE WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED * AS
    FILTER OPTIONAL UNION MINUS GRAPH SERVICE SILENT BIND VALUES UNDEF LIMIT OFFSET ORDER BY ASC DESC
    GROUP HAVING COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR EXISTS NOT IN a STR LANG
    LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL NOW UUID STRUUID CONCAT REGEX REPLACE
    SUBSTR STRLEN isIRI isLiteral COALESCE IF sameTerm TRIPLE LATERAL INSERT DELETE DATA LOAD CLEAR
    DROP CREATE ADD MOVE COPY TO INTO WITH USING DEFAULT ALL""".split()
PUNCTUATION = list("{}()[].;,*/|^!?+=<>-&") + ["&&", "||", "!=", "<=", ">=", "^^", "@en", "::"]
IRIS = [
    f"<{AKR}Renault>", f"<{AKR}assignment-Europe>", f"<{AKG}leader>", "<https://w3id.org/alliance-kg/graph/seed>",
    "<https://w3id.org/alliance-kg/graph/changes>", "<http://127.0.0.1:9/sparql>", "<file:///etc/hostname>",
    "<>", "<#frag>", "<relative>", "<http://example.org/a b>", "<urn:x:y>", "<\\u0041>",
    "akg:leader", "akr:Renault", "rdf:type", "undeclared:thing", ":", "_:b0", "[]",
]
PREFIXES = [f"PREFIX akg: <{AKG}>", f"PREFIX akr: <{AKR}>",
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>", "BASE <http://example.org/>"]
LITERALS = ['"x"', "'y'", '"""long\nstring"""', '"x"@en', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
            '"2020-05-27"^^<http://www.w3.org/2001/XMLSchema#date>', "1", "-1.5", "1e308", "true", '""', '"\\u0000"']
HOSTILE = ['x> } ; DROP ALL ; #', '"""', "'''", "\\", "\x00", "\u202e", "💥", "#", "\n", "\r\n", "\t",
           "{" * 200, "}" * 50, "(" * 100, "?" * 100, "a" * 3000, "SELECT * {" * 30, "%00", "%", "&query=",
           "ASK { ?s ?p ?o FILTER(REGEX(STR(?o), \"(a+)+$\")) }"]

variables = st.from_regex(r"[?$][A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True)
tokens = st.one_of(
    st.sampled_from(KEYWORDS), st.sampled_from(PUNCTUATION), variables, st.sampled_from(IRIS),
    st.sampled_from(LITERALS), st.sampled_from(HOSTILE), st.text(max_size=8),
)
token_soup = st.lists(tokens, max_size=40).map(" ".join)

patterns = st.lists(st.tuples(st.one_of(variables, st.sampled_from(IRIS[:5])),
                              st.one_of(variables, st.sampled_from(IRIS[2:3] + ["a", "rdf:type"])),
                              st.one_of(variables, st.sampled_from(IRIS[:2] + LITERALS))),
                    min_size=1, max_size=3).map(lambda ts: " . ".join(" ".join(t) for t in ts))


@st.composite
def near_queries(draw) -> str:
    """Queries that are valid, or nearly so: a form, a pattern, a modifier, with a token or two
    inserted or a piece cut, so the parser goes deep and the evaluator runs."""
    prefixes = " ".join(draw(st.lists(st.sampled_from(PREFIXES), max_size=3)))
    form = draw(st.sampled_from(["SELECT *", "SELECT DISTINCT ?s", "SELECT (COUNT(*) AS ?n)", "ASK",
                                 "CONSTRUCT { ?s ?p ?o }", "DESCRIBE ?s", "DESCRIBE <urn:x>", "SELECT ?s"]))
    dataset = draw(st.sampled_from(["", "FROM <https://w3id.org/alliance-kg/graph/seed>",
                                    "FROM <http://127.0.0.1:9/remote>", "FROM NAMED <file:///etc/hostname>"]))
    body = draw(patterns)
    extra = draw(st.sampled_from(["", "OPTIONAL { ?s ?p2 ?o2 }", "FILTER(?s != ?o)", "MINUS { ?s a ?t }",
                                  "SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }", "BIND(1 AS ?one)",
                                  "VALUES ?v { 1 2 }", "GRAPH ?g { ?s ?p ?o }"]))
    modifier = draw(st.sampled_from(["", "LIMIT 3", "LIMIT 0", "OFFSET 2 LIMIT 1", "ORDER BY ?s LIMIT 2",
                                     "GROUP BY ?s LIMIT 2", "LIMIT 99999999999999999999"]))
    query = f"{prefixes} {form} {dataset} WHERE {{ {body} {extra} }} {modifier}"
    if draw(st.booleans()):
        position = draw(st.integers(0, len(query)))
        query = query[:position] + draw(tokens) + query[position:]
    return query


@st.composite
def near_updates(draw) -> str:
    prefixes = " ".join(draw(st.lists(st.sampled_from(PREFIXES), max_size=2)))
    graph = draw(st.sampled_from(["<https://example.org/fuzz>", "<https://w3id.org/alliance-kg/graph/changes>",
                                  "<https://w3id.org/alliance-kg/graph/public>", "<http://127.0.0.1:9/g>"]))
    triple = draw(st.sampled_from([
        "<https://example.org/a> <https://example.org/p> \"v\"",
        f"<{AKR}NissanLivina> <{AKG}derivedFrom> <{AKR}NissanLivina>",
        f"<{AKR}Renault> <{AKG}leader> <{AKR}Nissan>",
        "_:b <https://example.org/p> _:c",
    ]))
    operation = draw(st.sampled_from([
        f"INSERT DATA {{ GRAPH {graph} {{ {triple} }} }}", f"DELETE DATA {{ GRAPH {graph} {{ {triple} }} }}",
        f"INSERT {{ GRAPH {graph} {{ ?s <https://example.org/seen> true }} }} WHERE {{ ?s a <{AKG}Company> }}",
        "DELETE WHERE { ?s <https://example.org/p> ?o }", f"CLEAR SILENT GRAPH {graph}", f"DROP SILENT GRAPH {graph}",
        f"LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH {graph}", "LOAD SILENT <file:///etc/hostname>",
        f"CREATE SILENT GRAPH {graph}", f"COPY DEFAULT TO {graph}", f"ADD {graph} TO DEFAULT",
        f"WITH {graph} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(false) }}",
    ]))
    update = f"{prefixes} {operation}"
    if draw(st.booleans()):
        update += " ; " + draw(token_soup)
    return update


sparql_text = st.one_of(token_soup, near_queries(), near_updates(), st.sampled_from(HOSTILE))

# --- headers ----------------------------------------------------------------------------------------

MEDIA_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
               "text/tab-separated-values", "application/json", "application/xml", "text/turtle",
               "application/n-triples", "application/ld+json", "application/rdf+xml", "application/trig",
               "application/n-quads", "text/plain", "text/html", "image/png", "*/*", "text/*", "application/*"]
#: Text a header may hold: what HTTP carries is bytes, read as Latin-1; no line breaks.
header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30)
CHARSETS = ["utf-8", "UTF-8", "utf8", "us-ascii", "latin-1", "iso-8859-1", "utf-16", "utf-32", "x-unknown",
            "", '"utf-8"', "utf-8;charset=latin-1"]


@st.composite
def accept_headers(draw) -> str | None:
    shape = draw(st.sampled_from(["types", "types", "types", "none", "text"]))
    if shape != "types":
        return None if shape == "none" else draw(header_text)
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        part = draw(st.sampled_from(MEDIA_TYPES))
        if draw(st.booleans()):
            part += f"; charset={draw(st.sampled_from(CHARSETS))}"
        if draw(st.booleans()):
            part += f";q={draw(st.sampled_from(['0', '0.5', '1', '1.0', '2', '-1', 'abc', '']))}"
        parts.append(part)
    return ", ".join(parts)


def content_types(*kinds: str):
    """A ``Content-Type`` of ``kinds``, mostly, with or without a charset; or none, or nonsense."""
    @st.composite
    def build(draw) -> str | None:
        shape = draw(st.sampled_from(["plain", "plain", "plain", "charset", "charset", "none", "text", "multipart"]))
        if shape == "none":
            return None
        if shape == "text":
            return draw(header_text)
        if shape == "multipart":
            return draw(st.sampled_from(["multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed"]))
        kind = draw(st.sampled_from(kinds))
        return kind if shape == "plain" else f"{kind}; charset={draw(st.sampled_from(CHARSETS))}"
    return build()


#: Mostly the valid token (so writes reach the guard), sometimes none, a wrong one, or nonsense.
authorizations = st.one_of(
    st.sampled_from([f"Bearer {TOKEN}", f"bearer  {TOKEN} ", f"BEARER {TOKEN}"]),
    st.sampled_from([f"Bearer {TOKEN}", f"bearer  {TOKEN} ", f"BEARER {TOKEN}"]),
    st.sampled_from([f"Bearer {TOKEN}", f"bearer  {TOKEN} ", f"BEARER {TOKEN}"]),
    st.sampled_from([None, "Bearer", "Bearer wrong-token-0123456789", "Basic dXNlcjpwYXNz", f"Bearer {TOKEN}\x00",
                     f"Bearer {TOKEN[:-1]}", f"Token {TOKEN}"]),
)


def encode(text: str, charset: str | None) -> bytes:
    """``text`` in ``charset`` when Python knows it (and it can hold the text), else in UTF-8."""
    try:
        return text.encode((charset or "utf-8").strip('"'))
    except (LookupError, UnicodeError):
        return text.encode("utf-8", "surrogatepass")


def charset_of(content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type:
        return content_type.split("charset=", 1)[1].split(";")[0]
    return None


def request_headers(accept, content_type, authorization) -> dict[str, str]:
    headers = {}
    for name, value in (("Accept", accept), ("Content-Type", content_type), ("Authorization", authorization)):
        if value is not None:
            headers[name] = value
    return headers


# --- requests to /sparql ----------------------------------------------------------------------------

PROTOCOL_PARAMETERS = ["query", "update", "default-graph-uri", "named-graph-uri", "using-graph-uri",
                       "using-named-graph-uri", "timeout", "dry_run", "format", "output", ""]
GRAPH_VALUES = st.one_of(st.sampled_from(["https://w3id.org/alliance-kg/graph/seed", "https://example.org/g",
                                          "http://127.0.0.1:9/g", "file:///etc/hostname", "seed", "", "<x>"]),
                         st.text(max_size=12))
TIMEOUTS = st.one_of(st.sampled_from(["0.5", "1", "0", "-1", "nan", "inf", "1e-300", "", "soon", "1" * 400]),
                     st.floats(allow_nan=True).map(str))


@st.composite
def parameters(draw, text_name: str | None) -> list[tuple[str, str]]:
    """Protocol parameters, possibly repeated, unknown or empty; ``text_name`` carries SPARQL text."""
    items = []
    if text_name:
        for _ in range(draw(st.sampled_from([1, 1, 1, 0, 2]))):
            items.append((text_name, draw(sparql_text)))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(PROTOCOL_PARAMETERS))
        value = {"timeout": TIMEOUTS, "dry_run": st.sampled_from(["true", "false", "1", "maybe"]),
                 "query": sparql_text, "update": sparql_text}.get(name, GRAPH_VALUES)
        items.append((name, draw(value)))
    return items


def url(path: str, items: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(items)}" if items else path


@pytest.fixture(scope="module")
def writable_app(config):
    return fuzz_app(config)


@pytest.fixture(scope="module")
def client(writable_app):
    return writable_app.test_client()


@EXAMPLES
@given(items=parameters("query"), accept=accept_headers(), authorization=authorizations)
def test_sparql_get_never_fails_outside_the_envelope(client, fuzz_cases, items, accept, authorization):
    fuzz_cases()
    response = client.get(url("/sparql", items), headers=request_headers(accept, None, authorization))
    check_answer(response)


@EXAMPLES
@given(text=sparql_text, kind=content_types("application/sparql-query", "application/sparql-update"),
       items=parameters(None), accept=accept_headers(), authorization=authorizations,
       garble=st.sampled_from([None, None, None, b"\xff\xfe", b"\xc3", b"\x00"]))
def test_sparql_post_of_a_body_never_fails_outside_the_envelope(client, fuzz_cases, text, kind, items, accept,
                                                                authorization, garble):
    fuzz_cases()
    body = encode(text, charset_of(kind))
    if garble:  # bytes that are not in the charset the body claims
        body = body[: len(body) // 2] + garble + body[len(body) // 2:]
    response = client.post(url("/sparql", items), data=body, headers=request_headers(accept, kind, authorization))
    check_answer(response)


@EXAMPLES
@given(items=st.one_of(parameters("query"), parameters("update")), in_url=parameters(None),
       kind=content_types("application/x-www-form-urlencoded"), accept=accept_headers(),
       authorization=authorizations)
def test_sparql_post_of_a_form_never_fails_outside_the_envelope(client, fuzz_cases, items, in_url, kind, accept,
                                                                authorization):
    fuzz_cases()
    body = encode(urlencode(items), charset_of(kind))
    response = client.post(url("/sparql", in_url), data=body, headers=request_headers(accept, kind, authorization))
    check_answer(response)


@EXAMPLES
@given(method=st.sampled_from(["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]), items=parameters("query"),
       accept=accept_headers())
def test_sparql_with_other_methods_never_fails_outside_the_envelope(client, fuzz_cases, method, items, accept):
    fuzz_cases()
    response = client.open(url("/sparql", items), method=method, headers=request_headers(accept, None, None))
    check_answer(response, method=method)


# --- requests to /store -----------------------------------------------------------------------------

RDF_TOKENS = ["@prefix ex: <https://example.org/> .", "@base <https://example.org/> .", "PREFIX ex: <https://example.org/>",
              "ex:a", "ex:b", "<https://example.org/s>", "<s>", "<>", "_:b", "[", "]", "(", ")", "a", ".", ";", ",",
              '"lit"', '"x"@en', '"1"^^ex:int', "1", "true", "{", "}", "GRAPH", "<< ex:a ex:b ex:c >>",
              f"<{AKR}Renault>", f"<{AKG}leader>", f"<{AKR}assignment-Europe>", "<file:///etc/hostname>"]
TURTLE = st.lists(st.one_of(st.sampled_from(RDF_TOKENS), st.sampled_from(HOSTILE[:12]), st.text(max_size=6)),
                  max_size=30).map(" ".join)
N_TRIPLES = st.lists(st.tuples(st.sampled_from(["<https://example.org/s>", "_:b", "<s>", "<https://example.org/ s>"]),
                               st.sampled_from(["<https://example.org/p>", f"<{AKG}derivedFrom>", "<p>"]),
                               st.sampled_from(['"o"', "<https://example.org/o>", '"x"^^<https://example.org/t>',
                                                '"\\uD800"', f"<{AKR}NissanLivina>"])),
                     max_size=4).map(lambda ts: "\n".join(" ".join(t) + " ." for t in ts))
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
              st.sampled_from(["https://example.org/a", "http://127.0.0.1:9/context.jsonld", "file:///etc/hostname",
                               "_:b", "@id", "@type", "@graph", "@context", "@value", "@list"])),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["@id", "@type", "@context", "@graph", "@value", "@language", "@list",
                                         "@reverse", "@included", "https://example.org/p", "name", "@vocab"]),
                        children, max_size=4)),
    max_leaves=12,
)
JSON_LD = st.one_of(JSON_VALUES.map(json.dumps), st.just('{"@context": "http://127.0.0.1:9/context.jsonld"}'),
                    st.just('{"@context": {"@import": "file:///etc/hostname"}}'), st.text(max_size=20))
RDF_XML = st.one_of(
    st.sampled_from([
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="s">'
        '<p xmlns="https://example.org/">o</p></rdf:Description></rdf:RDF>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/hostname">]><r>&e;</r>',
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>',
        '<?xml version="1.0" encoding="UTF-16"?><rdf:RDF/>', "<", "<rdf:RDF", "<?xml",
    ]),
    st.text(max_size=30).map(lambda t: f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{t}</rdf:RDF>'),
)
SUBJECTS = ["<https://example.org/s>", "<https://example.org/t>", "_:b", f"<{AKR}NissanLivina>", f"<{AKR}Renault>"]
PREDICATES = ["<https://example.org/p>", "<http://www.w3.org/2000/01/rdf-schema#label>", f"<{AKG}derivedFrom>",
              "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"]
OBJECTS = ['"o"', '"o"@en', "<https://example.org/o>", "_:c", f"<{AKR}NissanLivina>", f"<{AKG}Company>",
           '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', '"bad"^^<http://www.w3.org/2001/XMLSchema#date>']
VALID_TRIPLES = st.lists(st.tuples(st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES), st.sampled_from(OBJECTS)),
                         max_size=4).map(lambda ts: "\n".join(" ".join(t) + " ." for t in ts))
VALID_JSON_LD = st.lists(st.fixed_dictionaries({"@id": st.sampled_from(["https://example.org/s", "_:b", f"{AKR}Renault"]),
                                                "https://example.org/p": st.sampled_from(["o", 1, True, {"@id": "urn:x"}])}),
                         max_size=3).map(json.dumps)
#: Bodies by the media type that reads them: well-formed documents (whose triples the guard may
#: accept or reject) as often as token soup.
BODIES = {"text/turtle": st.one_of(VALID_TRIPLES, TURTLE), "application/n-triples": st.one_of(VALID_TRIPLES, N_TRIPLES),
          "text/plain": st.one_of(VALID_TRIPLES, N_TRIPLES), "application/ld+json": st.one_of(VALID_JSON_LD, JSON_LD),
          "application/rdf+xml": RDF_XML}
RDF_BODIES = st.one_of(TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
BODY_TYPES = [*BODIES, "application/trig", "application/n-quads", "application/json", "application/octet-stream",
              "text/html"]


@st.composite
def rdf_payloads(draw) -> tuple[bytes, str | None]:
    """A body and its ``Content-Type``: mostly a document of the type it claims (in that
    charset), else another type's, bytes that are not UTF-8, or a multipart body."""
    shape = draw(st.sampled_from(["typed", "typed", "typed", "typed", "mismatched", "garbled", "multipart"]))
    if shape == "multipart":
        return draw(multipart_bodies())
    kind = draw(st.sampled_from(list(BODIES)))
    body = draw(BODIES[kind]) if shape != "mismatched" else draw(RDF_BODIES)
    content_type = kind
    if shape == "mismatched":
        content_type = draw(content_types(*BODY_TYPES))
    elif draw(st.booleans()):
        content_type += f"; charset={draw(st.sampled_from(CHARSETS))}"
    payload = encode(body, charset_of(content_type))
    if shape == "garbled":
        cut = draw(st.integers(0, len(payload)))
        payload = payload[:cut] + draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\x00", b"\xed\xa0\x80"])) + payload[cut:]
    return payload, content_type


FUZZ_GRAPHS = ["https://example.org/fuzz", "https://example.org/fuzz2", "https://w3id.org/alliance-kg/graph/changes",
               "http://127.0.0.1:9/g", "urn:x", "seed", "", "https://example.org/a b"]
REAL_GRAPHS = ["https://w3id.org/alliance-kg/graph/seed", "https://w3id.org/alliance-kg/graph/regions"]


@st.composite
def store_parameters(draw, method: str) -> list[tuple[str, str]]:
    """Which graph: mostly one ``graph=``, else ``default``, neither, both, or two graphs; and
    sometimes ``dry_run``. A read may name the real graphs; a write names the fuzz graphs, the
    change log and nonsense."""
    known = FUZZ_GRAPHS + (REAL_GRAPHS if method in ("GET", "HEAD") else [])
    graph = st.one_of(st.sampled_from(known), st.sampled_from(known), st.sampled_from(known), st.text(max_size=10))
    shape = draw(st.sampled_from(["graph"] * 6 + ["default", "default", "neither", "both", "two graphs"]))
    items = {"graph": [("graph", draw(graph))], "default": [("default", draw(st.sampled_from(["", "1"])))],
             "neither": [], "both": [("graph", draw(graph)), ("default", "")],
             "two graphs": [("graph", draw(graph)), ("graph", draw(graph))]}[shape]
    if draw(st.booleans()):
        items.append(("dry_run", draw(st.sampled_from(["true", "1", "false", "0", "yes"]))))
    return items


@st.composite
def multipart_bodies(draw) -> tuple[bytes, str]:
    boundary = draw(st.sampled_from(["fuzzboundary", "b", "--", "x" * 80]))
    chunks = []
    for _ in range(draw(st.integers(0, 3))):
        disposition = draw(st.sampled_from(['form-data; name="file"; filename="g.ttl"', 'form-data; name="f"',
                                            'form-data; name=""', "form-data", 'form-data; filename="g.nt"',
                                            'form-data; name="x"; filename="g.xyz"', "attachment"]))
        part_type = draw(st.one_of(st.none(), st.sampled_from(BODY_TYPES)))
        head = f"Content-Disposition: {disposition}\r\n" + (f"Content-Type: {part_type}\r\n" if part_type else "")
        chunks.append(f"--{boundary}\r\n{head}\r\n{draw(RDF_BODIES)}\r\n")
    end = draw(st.sampled_from([f"--{boundary}--\r\n", "", f"--{boundary}"]))
    return ("".join(chunks) + end).encode("utf-8", "surrogatepass"), f"multipart/form-data; boundary={boundary}"


@EXAMPLES
@given(method=st.sampled_from(["GET", "HEAD"]), data=st.data(), accept=accept_headers())
def test_store_reads_never_fail_outside_the_envelope(client, fuzz_cases, method, data, accept):
    fuzz_cases()
    items = data.draw(store_parameters(method))
    response = client.open(url("/store", items), method=method, headers=request_headers(accept, None, None))
    check_answer(response, method=method)


@EXAMPLES
@given(method=st.sampled_from(["PUT", "POST", "DELETE"] * 3 + ["PATCH"]), data=st.data(),
       payload=rdf_payloads(), accept=accept_headers(), authorization=authorizations)
def test_store_writes_never_fail_outside_the_envelope(client, fuzz_cases, method, data, payload, accept,
                                                      authorization):
    fuzz_cases()
    items = data.draw(store_parameters(method))
    body, kind = payload
    response = client.open(url("/store", items), method=method, data=body,
                           headers=request_headers(accept, kind, authorization))
    check_answer(response, method=method)


# --- deep nesting of every kind (issue 13: one request used to kill the server) -----------------------

#: Texts that nest (or chain) ``depth`` deep, by kind: where each goes and as what.
DEEP = {
    "query braces": ("POST", "/sparql", "application/sparql-query", lambda d: "SELECT * WHERE " + "{" * d + "}" * d),
    "query parentheses": ("POST", "/sparql", "application/sparql-query",
                          lambda d: "ASK { FILTER(" + "(" * d + "1" + ")" * d + ") }"),
    "query blank nodes": ("POST", "/sparql", "application/sparql-query",
                          lambda d: "ASK { ?s ?p " + "[ <urn:p> " * d + "1" + " ]" * d + " }"),
    "query OPTIONALs": ("POST", "/sparql", "application/sparql-query",
                        lambda d: "SELECT * { " + "OPTIONAL { ?a ?b ?c " * d + "}" * d + " }"),
    "query UNION chain": ("POST", "/sparql", "application/sparql-query",
                          lambda d: "SELECT * { {} " + "UNION {} " * d + "}"),
    "query + chain": ("POST", "/sparql", "application/sparql-query", lambda d: "SELECT (1" + "+1" * d + " AS ?x) {}"),
    "query && chain": ("POST", "/sparql", "application/sparql-query",
                       lambda d: "ASK { FILTER(true" + " && true" * d + ") }"),
    "update braces": ("POST", "/sparql?dry_run=true", "application/sparql-update",
                      lambda d: "INSERT { <urn:a> <urn:b> 1 } WHERE " + "{" * d + "}" * d),
    "update UNION chain": ("POST", "/sparql?dry_run=true", "application/sparql-update",
                           lambda d: "INSERT { <urn:a> <urn:b> 1 } WHERE { {} " + "UNION {} " * d + "}"),
    "Turtle blank nodes": ("PUT", "/store?graph=https://example.org/deep&dry_run=true", "text/turtle",
                           lambda d: "<urn:a> <urn:b> " + "[ <urn:c> " * d + "1" + " ]" * d + " ."),
    "Turtle collections": ("PUT", "/store?graph=https://example.org/deep&dry_run=true", "text/turtle",
                           lambda d: "<urn:a> <urn:b> " + "( " * d + ")" * d + " ."),
    "JSON-LD objects": ("PUT", "/store?graph=https://example.org/deep&dry_run=true", "application/ld+json",
                        lambda d: '{"@id":"urn:a","urn:b":' * d + "1" + "}" * d),
    "JSON-LD arrays": ("PUT", "/store?graph=https://example.org/deep&dry_run=true", "application/ld+json",
                       lambda d: '{"@id":"urn:a","urn:b":' + "[" * d + "1" + "]" * d + "}"),
    "RDF/XML elements": ("PUT", "/store?graph=https://example.org/deep&dry_run=true", "application/rdf+xml",
                         lambda d: '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:a="urn:a#">'
                         + "<rdf:Description><a:b>" * d + "</a:b></rdf:Description>" * d + "</rdf:RDF>"),
    "JSON API arrays": ("POST", "/api/companies?dry_run=true", "application/json", lambda d: "[" * d + "]" * d),
    "JSON API objects": ("POST", "/api/companies?dry_run=true", "application/json",
                         lambda d: '{"label":' * d + '"x"' + "}" * d),
}


@pytest.mark.long
@EXAMPLES
@given(kind=st.sampled_from(sorted(DEEP)), depth=st.sampled_from([60, 300, 3_000, 6_000, 30_000]))
def test_nothing_nested_or_chained_however_deep_fails_outside_the_envelope(client, fuzz_cases, kind, depth):
    """A text 5,000 braces deep segfaulted the service; deep JSON gave a 500. Every kind of
    nesting, in every place a client may send it: an answer or an error in the envelope (a limit
    of the query process, such as its time, being the one 5xx), and the service lives on."""
    fuzz_cases()
    method, path, kind_of_body, make = DEEP[kind]
    response = client.open(path, method=method, data=make(depth).encode(),
                           headers={**AUTH, "Content-Type": kind_of_body})
    check_answer(response, method=method)
    assert client.get("/health").status_code == 200


def test_the_graph_still_conforms_after_the_fuzzing(writable_app):
    assert graph_conforms(writable_app)


def test_the_fuzz_app_accepts_a_write_with_the_fuzz_token(client):
    """The writes above reach the guard: the token they send is the app's."""
    response = client.put("/store?graph=https://example.org/fuzz-check&dry_run=true", data="<urn:a> <urn:b> <urn:c> .",
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200 and response.get_json()["accepted"] is True


@pytest.mark.parametrize("status, content_type, body", [
    (500, "application/json", b'{"error": {"status": 500, "code": "internal_error", "message": "m", "hint": null}}'),
    (400, "text/html", b"<h1>Bad Request</h1>"),
    (404, "application/json", b'{"error": {"status": 400, "code": "not_found", "message": "m", "hint": null}}'),
    (400, "application/json", b'{"error": {"status": 400, "code": "bad_request", "message": "m"}}'),
    (400, "application/json", b'{"error": {"status": 400, "code": "bad", "message": "m", "hint": null}, "x": 1}'),
])
def test_the_answer_check_refuses_a_server_error_and_errors_outside_the_envelope(status, content_type, body):
    from werkzeug.wrappers import Response

    with pytest.raises((AssertionError, KeyError)):
        check_answer(Response(body, status=status, content_type=content_type))
