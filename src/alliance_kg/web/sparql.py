"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

* Queries by ``GET /sparql?query=...``, by ``POST`` of a form (``query=...``) or by ``POST`` of an
  ``application/sparql-query`` body. ``default-graph-uri`` / ``named-graph-uri`` set the dataset.
* Without them, the default graph is the union of all graphs, unless the query has its own
  ``FROM`` / ``FROM NAMED``, which then define the dataset as the SPARQL spec says. With the
  setting ``union_default_graph`` false, the default graph is the store's own default graph and
  the named graphs are the data graphs: the change log is left out (name it with ``FROM NAMED``
  or ``named-graph-uri`` to query it).
* No implicit prefixes: queries declare every prefix they use, as on any SPARQL endpoint.
  Relative IRIs resolve against the endpoint's URL (the service-defined base IRI).
* Results by content negotiation (:mod:`.negotiation`): SPARQL JSON, XML, CSV, TSV for
  SELECT/ASK; Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads for CONSTRUCT/DESCRIBE.
* ``GET /sparql`` without a query answers the SPARQL 1.1 Service Description.
* SPARQL Update by ``POST`` (form ``update=`` or an ``application/sparql-update`` body), with a
  write token, through the guard: validated before it is committed (422 and no change if not).
  ``using-graph-uri`` / ``using-named-graph-uri`` set the dataset of the update's ``WHERE``
  clauses (400 with an update that has its own ``USING`` or ``WITH``). Updates work on the
  data graphs: the change log is outside their dataset, so ``DROP ALL`` or ``CLEAR NAMED``
  leave it, and an update that writes it explicitly is refused (403).
* Federated queries (``SERVICE``) and ``LOAD`` are refused (400), so the endpoint never makes
  requests of its own; ``LOAD SILENT`` changes nothing (its failure is silent).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, g, jsonify, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import MethodNotAllowed

from ..errors import BadRequest, FederationDisabled, QueryEvaluationError, query_syntax_error
from ..store import CHANGES_GRAPH, PREFIXES
from ..sandbox import run_isolated
from ..updates import change_for_update
from .auth import requires_writer
from .context import graph, settings
from .writes import dry_run_flag, guard, rejected
from ..errors import UnsupportedMediaType
from .negotiation import GRAPH_FORMATS, SOLUTIONS_FORMATS, Representation, negotiate

blueprint = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEFAULT_GRAPH_URI, NAMED_GRAPH_URI = "default-graph-uri", "named-graph-uri"
USING_GRAPH_URI, USING_NAMED_GRAPH_URI = "using-graph-uri", "using-named-graph-uri"
FORM, QUERY_BODY, UPDATE_BODY = (
    "application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"
)


@dataclass(frozen=True)
class ProtocolRequest:
    """A query operation as the protocol defines it: the query and the protocol dataset."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateRequest:
    """An update operation (SPARQL 1.1 Update), sent with POST, and its protocol dataset."""

    update: str
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()


# --- reading the request --------------------------------------------------------------------


def read_request(req: Request) -> ProtocolRequest | UpdateRequest | None:
    """The operation ``req`` carries, or ``None`` for a plain ``GET`` (service description).

    :raises BadRequest: no query, an empty one, or more than one.
    :raises UnsupportedMediaType: a ``POST`` body that is neither a form nor a query.
    :raises MethodNotAllowed: an update sent with ``GET``.
    """
    if req.method in ("GET", "HEAD"):
        params = req.args
        if "update" in params:
            raise MethodNotAllowed(valid_methods=["POST"], description="SPARQL Update needs POST, never GET")
        if "query" not in params:
            if DEFAULT_GRAPH_URI in params or NAMED_GRAPH_URI in params:
                raise BadRequest("a dataset was given but no query", hint="add a query parameter")
            return None
        return _operation(params.getlist("query"), params)
    mimetype = req.mimetype
    if mimetype == FORM:
        params = req.form
        if "update" in params:
            if "query" in params:
                raise BadRequest("give either a query or an update, not both")
            return _update(params.getlist("update"), params)
        if "query" not in params:
            raise BadRequest("the form has no query parameter",
                             hint="send query=... in the form body (URL parameters are not read for a form POST)")
        return _operation(params.getlist("query"), params)
    if mimetype == QUERY_BODY:
        if "query" in req.args:
            raise BadRequest("a query in both the body and the URL", hint="send it in the body only")
        return _operation([_decode(req.get_data(), req.mimetype_params.get("charset"))], req.args)
    if mimetype == UPDATE_BODY:
        if "update" in req.args:
            raise BadRequest("an update in both the body and the URL", hint="send it in the body only")
        return _update([_decode(req.get_data(), req.mimetype_params.get("charset"))], req.args)
    raise UnsupportedMediaType(
        f"cannot read a POST body of type {mimetype or '(none)'}: "
        f"send a query as {QUERY_BODY} or as a form ({FORM})",
        hint="or use GET /sparql?query=...",
    )


def _operation(queries: list[str], params: MultiDict) -> ProtocolRequest:
    if len(queries) != 1:
        raise BadRequest(f"{len(queries)} query parameters in one request", hint="send exactly one query")
    if not queries[0].strip():
        raise BadRequest("the query is empty", hint="send a SPARQL query such as ASK { ?s ?p ?o }")
    return ProtocolRequest(
        queries[0], tuple(params.getlist(DEFAULT_GRAPH_URI)), tuple(params.getlist(NAMED_GRAPH_URI))
    )


def _decode(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8")
    except LookupError:
        raise UnsupportedMediaType(f"unknown charset {charset!r}", hint="send the query in UTF-8") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the query is not valid {charset or 'UTF-8'}: {exc.reason}",
                         hint="send the query in UTF-8") from None


def _update(updates: list[str], params: MultiDict) -> UpdateRequest:
    if len(updates) != 1:
        raise BadRequest(f"{len(updates)} update parameters in one request", hint="send exactly one update")
    if not updates[0].strip():
        raise BadRequest("the update is empty", hint="send a SPARQL update such as INSERT DATA { … }")
    return UpdateRequest(updates[0], tuple(params.getlist(USING_GRAPH_URI)), tuple(params.getlist(USING_NAMED_GRAPH_URI)))


# --- the dataset -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<skip>
          \#[^\n\r]*                                        # comment
        | \"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"      # long strings
        | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
        | "(?:[^"\\\n\r]|\\.)*"                             # strings
        | '(?:[^'\\\n\r]|\\.)*'
        | <[^<>"{}|^`\\\x00-\x20]*>                         # IRIs
        | [?$]\w+                                           # variables
        | @[A-Za-z]+(?:-[A-Za-z0-9]+)*                      # language tags
      )
    | (?P<word>(?:[\w\-.:%]|\\.)+)                          # keywords, prefixed names, numbers
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(query: str) -> set[str]:
    """The bare words of ``query``, upper-cased: its keywords, outside strings, IRIs and comments.

    >>> sorted(keywords('SELECT * from <g> { ?s ex:from "FROM" } # from'))
    ['FROM', 'SELECT']
    >>> "SERVICE" in keywords("ASK { ?service <p:service> 'service'@en }")
    False
    """
    return {
        match.group("word").upper()
        for match in _TOKEN.finditer(query)
        if match.group("word") and ":" not in match.group("word")
    }


def dataset_options(query: str, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = (), *,
                    union: bool = True, data_graphs: Iterable[ox.NamedNode] | None = None) -> dict:
    """Keyword arguments of :meth:`pyoxigraph.Store.query` for the dataset of one request.

    Protocol parameters, when given, are the whole dataset (they override the query's own
    ``FROM``/``FROM NAMED``). Otherwise a query with ``FROM`` keeps its dataset, and any other
    query sees the union of all graphs as its default graph; or, without ``union``, the store's
    default graph, with the named graphs ``data_graphs`` (all of them when ``None``).

    >>> dataset_options("ASK {}")
    {'use_default_graph_as_union': True}
    >>> dataset_options("ASK {}", union=False)
    {}
    >>> dataset_options("ASK {}", union=False, data_graphs=[ox.NamedNode("https://example.org/g")])
    {'default_graph': <DefaultGraph>, 'named_graphs': [<NamedNode value=https://example.org/g>]}
    >>> dataset_options("ASK FROM <https://example.org/g> {}")
    {}
    >>> dataset_options("ASK {}", ["https://example.org/g"])
    {'default_graph': [<NamedNode value=https://example.org/g>], 'named_graphs': []}

    :raises BadRequest: a graph that is not an absolute IRI.
    """
    default_graphs, named_graphs = list(default_graphs), list(named_graphs)
    if default_graphs or named_graphs:
        return {
            "default_graph": [_graph_name(iri, DEFAULT_GRAPH_URI) for iri in default_graphs],
            "named_graphs": [_graph_name(iri, NAMED_GRAPH_URI) for iri in named_graphs],
        }
    # Oxigraph ignores FROM / FROM NAMED when use_default_graph_as_union is set.
    if "FROM" in keywords(query):
        return {}
    if not union:
        if data_graphs is None:
            return {}
        return {"default_graph": ox.DefaultGraph(), "named_graphs": list(data_graphs)}
    return {"use_default_graph_as_union": True}


def data_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs of ``store`` that hold data: all but the change log.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("https://example.org/a"), RDF_TYPE, ox.NamedNode("https://example.org/T"), ox.NamedNode(CHANGES_GRAPH)))
    >>> data_graphs(store)
    []
    """
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != CHANGES_GRAPH]


#: The tokens of :data:`_TOKEN`, and braces: enough to find an update's top-level ``WHERE``.
_UPDATE_TOKEN = re.compile(
    _TOKEN.pattern.replace("| (?P<word>", r"| (?P<open>\{) | (?P<close>\}) | (?P<word>", 1),
    re.VERBOSE | re.DOTALL,
)


def update_with_dataset(update: str, using_graphs: Iterable[str] = (), using_named_graphs: Iterable[str] = ()) -> str:
    """``update`` with the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` written
    into it: ``USING <g>`` / ``USING NAMED <g>`` before the ``WHERE`` of every ``DELETE``/``INSERT``
    operation (a ``DELETE WHERE { P }`` is written ``DELETE { P } USING ... WHERE { P }``, which
    it means). Oxigraph takes no dataset for an update, so the dataset goes into the text.

    >>> update_with_dataset("INSERT { ?s a <x:T> } WHERE { ?s ?p ?o }", ["https://example.org/g"])
    'INSERT { ?s a <x:T> } USING <https://example.org/g> WHERE { ?s ?p ?o }'
    >>> update_with_dataset("CLEAR ALL ; DELETE WHERE { ?s <x:p> '}' }", [], ["https://example.org/g"])
    "CLEAR ALL ; DELETE { ?s <x:p> '}' } USING NAMED <https://example.org/g> WHERE { ?s <x:p> '}' }"
    >>> update_with_dataset("INSERT DATA { <x:a> <x:b> <x:c> }", ["https://example.org/g"])
    'INSERT DATA { <x:a> <x:b> <x:c> }'

    :raises BadRequest: a graph that is not an absolute IRI, or an update with its own ``USING``
        or ``WITH`` (the protocol gives no way to combine the two datasets).
    """
    using_graphs, using_named_graphs = list(using_graphs), list(using_named_graphs)
    if not (using_graphs or using_named_graphs):
        return update
    clause = " ".join([f"USING <{_graph_name(iri, USING_GRAPH_URI).value}>" for iri in using_graphs]
                      + [f"USING NAMED <{_graph_name(iri, USING_NAMED_GRAPH_URI).value}>" for iri in using_named_graphs])
    own = {"USING", "WITH"} & keywords(update)
    if own:
        raise BadRequest(f"the update has its own {' and '.join(sorted(own))} and the request has "
                         f"{USING_GRAPH_URI} or {USING_NAMED_GRAPH_URI}: give the dataset one way only",
                         hint="drop the parameters, or USING / WITH from the update")
    tokens = [(m.lastgroup, m.start(), m.end(), m.group()) for m in _UPDATE_TOKEN.finditer(update)
              if m.lastgroup != "skip"]
    edits: list[tuple[int, int, str]] = []
    depth = 0
    for i, (kind, start, _, text) in enumerate(tokens):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and text.upper() == "WHERE" and i > 0:
            before = tokens[i - 1]
            if before[0] == "close":  # DELETE { ... } INSERT { ... } WHERE
                edits.append((start, start, clause + " "))
            elif before[0] == "word" and before[3].upper() == "DELETE" and i + 1 < len(tokens):
                close = _matching_close(tokens, i + 1)
                if close is not None:
                    group = update[tokens[i + 1][1]:tokens[close][2]]
                    edits.append((start, tokens[close][2], f"{group} {clause} WHERE {group}"))
    for start, end, text in reversed(edits):
        update = update[:start] + text + update[end:]
    return update


def without_silent_loads(update: str) -> str:
    """``update`` without its ``LOAD SILENT`` operations: this service never fetches a document,
    so every ``LOAD`` fails, and ``SILENT`` turns that failure into "nothing changed" (SPARQL
    1.1 Update, 3.1.4). The ``;`` after each is removed too.

    >>> without_silent_loads("LOAD SILENT <http://example.org/a> INTO GRAPH <g> ; INSERT DATA { <a> <b> <c> }")
    ' INSERT DATA { <a> <b> <c> }'
    >>> without_silent_loads("INSERT DATA { <a> <b> 'LOAD SILENT <x>' } ; load silent ex:doc")
    "INSERT DATA { <a> <b> 'LOAD SILENT <x>' } ; "
    >>> without_silent_loads("LOAD <http://example.org/a>")
    'LOAD <http://example.org/a>'
    """
    tokens = []
    for m in _UPDATE_TOKEN.finditer(update):
        kind, text = m.lastgroup, m.group()
        if kind == "skip":
            if not text.startswith("<"):
                continue
            kind = "iri"
        elif kind == "word" and ":" in text:
            kind = "iri"
        tokens.append((kind, m.start(), m.end(), text.upper()))
    cuts = []
    depth = 0
    for i, (kind, start, _, text) in enumerate(tokens):
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth or kind != "word" or text != "LOAD" or i + 2 >= len(tokens):
            continue
        if tokens[i + 1][3] != "SILENT" or tokens[i + 2][0] != "iri":
            continue
        last = i + 2
        if (last + 3 < len(tokens) and tokens[last + 1][3] == "INTO" and tokens[last + 2][3] == "GRAPH"
                and tokens[last + 3][0] == "iri"):
            last += 3
        end = tokens[last][2]
        semicolon = re.match(r"\s*;", update[end:])
        cuts.append((start, end + (semicolon.end() if semicolon else 0)))
    for start, end in reversed(cuts):
        update = update[:start] + update[end:]
    return update


def _matching_close(tokens: list, index: int) -> int | None:
    """The index of the brace closing the one opened at ``tokens[index]``."""
    if tokens[index][0] != "open":
        return None
    depth = 0
    for j in range(index, len(tokens)):
        if tokens[j][0] == "open":
            depth += 1
        elif tokens[j][0] == "close":
            depth -= 1
            if depth == 0:
                return j
    return None


def _graph_name(iri: str, parameter: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"{parameter} is not an absolute IRI: {iri!r} ({exc})",
                         hint="give graph IRIs in full, such as https://w3id.org/alliance-kg/graph/seed") from None


# --- evaluating ------------------------------------------------------------------------------


def evaluate(store: ox.Store, operation: ProtocolRequest, *, union: bool = True, base_iri: str | None = None):
    """Parse ``operation.query`` and start evaluating it on ``store`` (results are lazy).

    ``base_iri`` resolves the query's relative IRIs (the endpoint's URL, for the protocol).
    Without ``union``, the change log is not among the named graphs (unless the query or the
    protocol names it).

    :raises QuerySyntaxError: the query does not parse; ``details`` has its line and column.
    :raises FederationDisabled: the query calls another endpoint with ``SERVICE``.
    """
    words = keywords(operation.query)
    # Checked before Oxigraph sees the query: it evaluates ASK at once, SERVICE calls included.
    if "SERVICE" in words:
        raise FederationDisabled("federated queries (SERVICE) are not enabled on this service",
                                 hint="query the other endpoint directly")
    options = dataset_options(operation.query, operation.default_graphs, operation.named_graphs, union=union,
                              data_graphs=None if union else data_graphs(store))
    try:
        return store.query(operation.query, base_iri=base_iri, **options)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryEvaluationError(f"cannot run the query: {exc}") from exc


def answer_formats(results) -> tuple[tuple[Representation, ...], str]:
    """The negotiation table for ``results`` and a name for them in errors."""
    if isinstance(results, ox.QueryTriples):
        return GRAPH_FORMATS, "a CONSTRUCT or DESCRIBE query"
    if isinstance(results, ox.QueryBoolean):
        return SOLUTIONS_FORMATS, "an ASK query"
    return SOLUTIONS_FORMATS, "a SELECT query"


def serialize(results, representation: Representation) -> bytes:
    """``results`` written in ``representation``'s format (this runs the query to its end).

    :raises QueryEvaluationError: evaluation failed part way.
    """
    try:
        if isinstance(results, ox.QueryTriples):
            return serialize_graph(list(results), representation.format)
        return results.serialize(format=representation.format)
    except (RuntimeError, ValueError) as exc:
        raise QueryEvaluationError(f"cannot evaluate the query: {exc}") from exc


def serialize_graph(triples: list[ox.Triple], format: ox.RdfFormat, prefixes: dict[str, str] = PREFIXES) -> bytes:
    """``triples`` in ``format``; Turtle and TriG declare the ``prefixes`` they use.

    >>> t = ox.Triple(ox.NamedNode(PREFIXES["akr"] + "Renault"), RDF_TYPE, ox.NamedNode(PREFIXES["akg"] + "Company"))
    >>> print(serialize_graph([t], ox.RdfFormat.TURTLE).decode().strip())
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
    @prefix akr: <https://w3id.org/alliance-kg/id/> .
    akr:Renault a akg:Company .
    """
    used = used_prefixes(triples, prefixes) if format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return ox.serialize(triples, format=format, prefixes=used)


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The entries of ``prefixes`` whose namespace starts an IRI of ``triples`` (datatypes included).

    >>> t = ox.Triple(ox.NamedNode("https://schema.org/x"), RDF_TYPE, ox.Literal("1", datatype=ox.NamedNode(PREFIXES["xsd"] + "int")))
    >>> sorted(used_prefixes([t], PREFIXES))
    ['rdf', 'schema', 'xsd']
    """
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def accepted(accept: MIMEAccept) -> MIMEAccept:
    """The ``Accept`` header without its ``charset=utf-8`` parameters: every answer here is UTF-8,
    so ``text/turtle; charset=utf-8`` accepts ``text/turtle`` (Werkzeug matches a media type
    with parameters only to the same parameters). Other parameters are kept.

    >>> accepted(MIMEAccept([("text/turtle; charset=UTF-8", 1)])).best_match(["text/turtle"])
    'text/turtle'
    >>> accepted(MIMEAccept([("text/turtle; charset=latin-1", 1)])).best_match(["text/turtle"]) is None
    True
    """
    values = []
    for value, quality in accept:
        media_type, *params = [p.strip() for p in value.split(";")]
        params = [p for p in params if p.replace(" ", "").replace('"', "").lower() != "charset=utf-8"]
        values.append(("; ".join([media_type, *params]), quality))
    return MIMEAccept(values)


# --- the service description -----------------------------------------------------------------


def service_description(endpoint: str, named_graphs: Iterable[ox.NamedNode | ox.BlankNode], *,
                        union: bool = True, update: bool = False) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)
    of this endpoint at ``endpoint``, with one ``sd:namedGraph`` per graph of ``named_graphs``;
    ``sd:UnionDefaultGraph`` when the default graph is the union of all graphs; SPARQL 1.1
    Update among the languages when ``update`` (writes are enabled).

    >>> sd = service_description("http://localhost/sparql", [ox.NamedNode("https://example.org/g")])
    >>> sorted(t.object.value for t in sd if t.predicate.value.endswith(("#endpoint", "#name")))
    ['http://localhost/sparql', 'https://example.org/g']
    >>> [t.object.value[len(SD):] for t in service_description("http://h/sparql", [], union=False, update=True)
    ...  if t.predicate.value.endswith(("#feature", "#supportedLanguage"))]
    ['SPARQL11Query', 'SPARQL11Update']
    """

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
    ]
    if update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if union:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    formats = dict.fromkeys(r.format_iri for r in SOLUTIONS_FORMATS + GRAPH_FORMATS)
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)) for iri in formats]
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    for name in sorted((g for g in named_graphs if isinstance(g, ox.NamedNode)), key=lambda g: g.value):
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), name),
        ]
    return triples


# --- the view --------------------------------------------------------------------------------


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    operation = read_request(request)
    if isinstance(operation, UpdateRequest):
        return guarded_update(operation)
    union = settings().union_default_graph
    if operation is None:
        representation = negotiate(accepted(request.accept_mimetypes), GRAPH_FORMATS, what="the service description")
        store = graph().store
        triples = service_description(request.base_url, store.named_graphs() if union else data_graphs(store),
                                      union=union, update=bool(current_app.extensions["alliance_kg_tokens"]))
        body, content_type = serialize_graph(triples, representation.format, {"sd": SD}), representation.content_type
    else:
        body, content_type = answer_query(operation, union=union)
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return response


def answer_query(operation: ProtocolRequest, *, union: bool) -> tuple[bytes, str]:
    """Evaluate a user's query in a killable child process, within the time limit
    (:func:`alliance_kg.sandbox.run_isolated`): the answer's body and content type."""
    config = settings()
    limit = request_timeout(request.values.get("timeout"), config.query_timeout)
    accept, base_iri, kg = accepted(request.accept_mimetypes), request.base_url, graph()

    def work() -> tuple[bytes, str]:
        # A store on disk is opened afresh in the child; an in-memory one is the fork's snapshot.
        store = kg.store if config.store is None else ox.Store.read_only(str(config.store / "graph"))
        results = evaluate(store, operation, union=union, base_iri=base_iri)
        table, what = answer_formats(results)
        representation = negotiate(accept, table, what=what)
        return serialize(results, representation), representation.content_type

    with contextlib.ExitStack() as stack:
        if not g.get("reading"):  # a query sent with POST: hold the graph as a GET does
            stack.enter_context(kg.lock.reading())
        return run_isolated(work, timeout=limit, setting="query_timeout")


def request_timeout(value: str | None, limit: float) -> float:
    """The time limit of one query: the setting, or the lower ``timeout=`` a request asks for.

    >>> request_timeout(None, 10), request_timeout("2.5", 10)
    (10, 2.5)
    """
    if value is None or value == "":
        return limit
    try:
        asked = float(value)
    except ValueError:
        raise BadRequest(f"timeout={value!r} is not a number of seconds") from None
    if not 0 < asked <= limit:
        raise BadRequest(f"timeout={value!r} must be more than 0 and at most {limit:g} seconds",
                         hint="the upper bound is the setting query_timeout (ALLIANCE_KG_QUERY_TIMEOUT)")
    return asked


@requires_writer
def guarded_update(operation: UpdateRequest):
    """Run a SPARQL Update through the guard: validated before it is committed, or rejected.

    ``LOAD SILENT`` is a no-op (the service fetches nothing, and SILENT makes that failure no
    error); any other ``LOAD``, and ``SERVICE``, are refused before the update is run.
    """
    text = without_silent_loads(operation.update)
    words = keywords(text)
    for word, why in (("LOAD", "LOAD would fetch a document from the network"),
                      ("SERVICE", "SERVICE would call another endpoint")):
        if word in words:
            raise FederationDisabled(f"{word} is not allowed in updates here: {why}",
                                     hint="send the data itself (INSERT DATA, or PUT/POST to /store)")
    update = update_with_dataset(text, operation.using_graphs, operation.using_named_graphs)
    dry_run = dry_run_flag()
    base_iri = request.base_url
    result = guard().write(lambda kg: change_for_update(kg, update, base_iri=base_iri), agent=g.writer,
                           endpoint="POST /sparql", summary="SPARQL Update", dry_run=dry_run)
    if not result.accepted and not dry_run:
        return rejected(result)
    return jsonify({"summary": "SPARQL Update", "dry_run": dry_run, **result.to_dict()})
