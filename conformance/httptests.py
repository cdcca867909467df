"""The HTTP tests: the SPARQL Protocol (``protocol/``), the Graph Store Protocol
(``graph-store-protocol/`` in ``ht:`` form, ``http-rdf-update/`` in prose) and the Service
Description (``service-description/``).

``protocol/`` and ``graph-store-protocol/`` encode each request (``ht:Request``: method, path,
headers, body) and the expected response (``mf:expectedStatus``, ``mf:expectedBoolean``,
``mf:expectedFormat``, ``ht:headers``, ``ht:body``, ``mf:expectedLocation``); they are sent as
written, with these changes:

* the path prefixes ``/sparql/`` and ``/gsp`` become the service's ``/sparql`` and ``/store``;
* every request carries the write token (``Authorization: Bearer ...``): writes need it, and a
  read ignores it.

``http-rdf-update/`` describes its requests in Markdown prose (``#### Request`` / ``####
Response``); they run in manifest order on one store, as the tests build on each other. The
service names graphs indirectly only, so a request for ``$GRAPHSTORE$/person/1.ttl`` (direct
identification) is sent as ``/store?graph=http://$HOST$/store/person/1.ttl``: the graph whose IRI
is the URL the test names. ``$NEWPATH$`` is the ``Location`` of the graph created by POST, sent
likewise as ``?graph=``. A write the test expects to answer ``200 OK`` or ``204 No Content``
may answer either: the protocol allows both.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDFS, Graph, Namespace
from rdflib.collection import Collection

from .client import Response
from .manifest import MF, Test
from .results import compare_graphs, parse_json, parse_xml

HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
SD = "http://www.w3.org/ns/sparql-service-description#"

STATUS_NAMES = {
    "OK": 200, "Created": 201, "Accepted": 202, "NoContent": 204, "MovedPermanently": 301, "Found": 302,
    "SeeOther": 303, "NotModified": 304, "BadRequest": 400, "Unauthorized": 401, "Forbidden": 403,
    "NotFound": 404, "MethodNotAllowed": 405, "NotAcceptable": 406, "Conflict": 409,
    "UnsupportedMediaType": 415, "InternalServerError": 500, "NotImplemented": 501,
}
RESULT_TYPES = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/html", "application/xhtml+xml"},
}
RDF_PARSERS = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class Failed(Exception):
    """A test's expectation that the service did not meet."""


def status_matches(status: int, expected: set[str]) -> bool:
    """Whether ``status`` is one of the ``hts:`` codes or classes (``StatusCode2xx``) expected.

    >>> status_matches(204, {HTS + "StatusCode2xx"}), status_matches(404, {HTS + "OK", HTS + "NotFound"})
    (True, True)
    >>> status_matches(200, {HTS + "Created"})
    False
    """
    for iri in expected:
        name = iri.removeprefix(HTS)
        found = re.fullmatch(r"StatusCode(\d)xx", name)
        if found and status // 100 == int(found[1]):
            return True
        if STATUS_NAMES.get(name) == status:
            return True
    return False


def same_content_type(expected: str, actual: str) -> bool:
    """Media types equal, parameters equal (names and charset values case-insensitive).

    >>> same_content_type("text/turtle; charset=utf-8", "text/turtle;charset=UTF-8")
    True
    >>> same_content_type("text/turtle; charset=utf-8", "text/turtle")
    False
    """
    def parts(value: str):
        items = [p.strip() for p in value.split(";") if p.strip()]
        params = {}
        for p in items[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip().strip('"').lower()
        return items[0].lower() if items else "", params

    return parts(expected) == parts(actual)


def parse_rdf(body: bytes, media_type: str, base_iri: str | None = None) -> list[ox.Triple]:
    try:
        format = RDF_PARSERS[media_type]
    except KeyError:
        raise Failed(f"cannot read a graph of type {media_type or '(none)'}") from None
    try:
        return [q.triple for q in ox.parse(body, format=format, base_iri=base_iri, rename_blank_nodes=True)]
    except (SyntaxError, ValueError) as exc:
        raise Failed(f"the {media_type} answer does not parse: {exc}") from None


def parse_boolean(response: Response) -> bool | None:
    if response.media_type in ("application/sparql-results+json", "application/json"):
        return parse_json(response.body).boolean
    if response.media_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
        return parse_xml(response.body).boolean
    raise Failed(f"a boolean answer of type {response.media_type}")


def describe(response: Response) -> str:
    """The status and, for an error, its message (short)."""
    text = f"HTTP {response.status}"
    if response.status >= 400:
        import json

        try:
            text += ": " + json.loads(response.body)["error"]["message"][:200]
        except (ValueError, KeyError, TypeError):
            text += ": " + response.body[:200].decode(errors="replace")
    return text


# --- protocol/ and graph-store-protocol/: requests in ht: form -----------------------------------


@dataclass
class HtRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expect: object  # the ht:Response node


def ht_requests(test: Test) -> list[HtRequest]:
    graph = test.manifest
    action = graph.value(test.node, MF.action)
    out = []
    for node in Collection(graph, graph.value(action, HT.requests)):
        headers = {}
        listed = graph.value(node, HT.headers)
        for header in (Collection(graph, listed) if listed is not None else []):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
        body = None
        content = graph.value(node, HT.body)
        if content is not None:
            encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(graph.value(content, CNT.chars)).encode(encoding)
        out.append(HtRequest(str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)),
                             headers, body, graph.value(node, HT.resp)))
    return out


def service_path(path: str) -> str:
    """A test's path on this service.

    >>> service_path("/sparql/?query=ASK%20%7B%7D"), service_path("/gsp?default"), service_path("/gsp")
    ('/sparql?query=ASK%20%7B%7D', '/store?default', '/store')
    """
    for prefix, ours in (("/sparql/", "/sparql"), ("/gsp", "/store")):
        if path.startswith(prefix):
            return ours + path[len(prefix):]
    return path


def run_ht_test(service, test: Test) -> None:
    """Send each request of ``test`` in order and check each response; raise :class:`Failed`."""
    graph = test.manifest
    variables: dict[str, str] = {}
    for number, req in enumerate(ht_requests(test), 1):
        path, body = service_path(req.path), req.body
        for name, value in variables.items():
            path = path.replace(name, value)
            body = body.replace(name.encode(), value.encode()) if body is not None else None
        response = service.client.request(req.method, path, body, {**req.headers, **service.auth})
        try:
            check_ht_response(graph, req.expect, response, variables)
        except Failed as exc:
            raise Failed(f"request {number} ({req.method} {path[:80]}): {exc}") from None


def check_ht_response(graph: Graph, expect, response: Response, variables: dict[str, str]) -> None:
    statuses = {str(s) for s in graph.objects(expect, MF.expectedStatus)}
    if statuses and not status_matches(response.status, statuses):
        wanted = ", ".join(sorted(s.removeprefix(HTS) for s in statuses))
        raise Failed(f"expected {wanted}, got {describe(response)}")
    format = graph.value(expect, MF.expectedFormat)
    if format is not None and response.media_type not in RESULT_TYPES[str(format)]:
        raise Failed(f"expected a {format} result format, got {response.media_type or '(no content type)'}")
    boolean = graph.value(expect, MF.expectedBoolean)
    if boolean is not None:
        answer = parse_boolean(response)
        if answer != boolean.toPython():
            raise Failed(f"expected the boolean {boolean.toPython()}, got {answer}")
    headers = graph.value(expect, HT.headers)
    expected_type = None
    for header in (Collection(graph, headers) if headers is not None else []):
        name, value = str(graph.value(header, HT.fieldName)).lower(), str(graph.value(header, HT.fieldValue))
        if name == "content-type":
            expected_type = value
            if not same_content_type(value, response.content_type):
                raise Failed(f"expected Content-Type {value}, got {response.content_type or '(none)'}")
        elif response.headers.get(name) != value:
            raise Failed(f"expected {name}: {value}, got {response.headers.get(name)}")
    body = graph.value(expect, HT.body)
    if body is not None:
        media = (expected_type or "text/turtle").split(";")[0].strip().lower()
        expected = parse_rdf(str(graph.value(body, CNT.chars)).encode(), media)
        actual = parse_rdf(response.body, response.media_type)
        difference = compare_graphs(expected, actual)
        if difference:
            raise Failed(difference)
    location = graph.value(expect, MF.expectedLocation)
    if location is not None:
        value = response.headers.get("location")
        if not value:
            raise Failed("expected a Location header")
        variables[str(location)] = value


# --- http-rdf-update/: requests in prose ---------------------------------------------------------


@dataclass
class ProseExchange:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: str


def prose_exchange(test: Test, host: str, store: str = "store") -> ProseExchange:
    """The request and the expected response a ``http-rdf-update`` test describes, with
    ``$HOST$`` and ``$GRAPHSTORE$`` replaced."""
    graph = test.manifest
    text = next(str(c) for c in graph.objects(test.node, RDFS.comment) if "#### Request" in str(c))
    text = text.replace("$HOST$", host).replace("$GRAPHSTORE$", store)
    request, _, response = text.partition("#### Response")
    request = request.split("#### Request", 1)[1]
    req_line, req_headers, req_body = _message(request)
    method, target, _ = req_line.split(" ", 2)
    status_line, resp_headers, resp_body = _message(response)
    body = req_body.encode()
    if req_headers.get("Content-Type", "").startswith("multipart/"):
        body = req_body.replace("\n", "\r\n").encode()  # multipart lines end with CRLF
    return ProseExchange(method, target, req_headers, body, int(status_line.split()[0]), resp_headers, resp_body)


def _message(text: str) -> tuple[str, dict[str, str], str]:
    """First line, headers and body of one indented HTTP message of the prose."""
    lines = textwrap.dedent(text.strip("\n")).strip("\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    first = lines.pop(0).strip()
    headers: dict[str, str] = {}
    while lines and lines[0].strip():
        name, _, value = lines.pop(0).partition(":")
        headers[name.strip()] = value.strip()
    return first, headers, "\n".join(lines).strip("\n") + ("\n" if lines else "")


def direct_to_indirect(target: str, host: str, store: str = "store") -> str:
    """The service's URL for a request target of the prose tests.

    >>> direct_to_indirect("store/person/1.ttl", "h:1")
    '/store?graph=http%3A%2F%2Fh%3A1%2Fstore%2Fperson%2F1.ttl'
    >>> direct_to_indirect("store?default", "h:1"), direct_to_indirect("store", "h:1")
    ('/store?default', '/store')
    >>> direct_to_indirect("https://w3id.org/alliance-kg/graph/x", "h:1")
    '/store?graph=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fgraph%2Fx'
    """
    if "://" in target.split("?")[0]:  # an absolute URL: a graph named by the URL
        return "/store?graph=" + quote(target, safe="")
    target = "/" + target.lstrip("/")
    if target == f"/{store}" or target.startswith(f"/{store}?"):
        return target
    return "/store?graph=" + quote(f"http://{host}{target}", safe="")


def run_prose_test(service, test: Test, state: dict) -> None:
    """Run one ``http-rdf-update`` test; ``state`` carries ``$NEWPATH$`` between tests."""
    host = service.host
    exchange = prose_exchange(test, host)
    target = exchange.target
    if "$NEWPATH$" in target:
        if "newpath" not in state:
            raise Failed("no $NEWPATH$: the graph-creating POST gave no Location")
        target = target.replace("$NEWPATH$", state["newpath"])
    path = direct_to_indirect(target, host)
    headers = {k: v for k, v in exchange.headers.items() if k.lower() != "host"}
    body = exchange.body if exchange.method in ("PUT", "POST") else None
    response = service.client.request(exchange.method, path, body, {**headers, **service.auth})
    allowed = {exchange.status}
    if exchange.method in ("PUT", "POST", "DELETE") and exchange.status in (200, 204):
        allowed = {200, 204}
    if response.status not in allowed:
        raise Failed(f"expected {exchange.status}, got {describe(response)}")
    if exchange.status == 201 and "Location" in exchange.response_headers:
        location = response.headers.get("location")
        if not location:
            raise Failed("expected a Location header")
        state["newpath"] = location
    expected_type = exchange.response_headers.get("Content-Type")
    if expected_type and not same_content_type(expected_type, response.content_type):
        raise Failed(f"expected Content-Type {expected_type}, got {response.content_type or '(none)'}")
    if exchange.response_body.strip() and exchange.method == "GET":
        media = (expected_type or "text/turtle").split(";")[0].strip().lower()
        expected = parse_rdf(exchange.response_body.encode(), media)
        difference = compare_graphs(expected, parse_rdf(response.body, response.media_type))
        if difference:
            raise Failed(difference)


# --- service-description/ -------------------------------------------------------------------------

#: The SPARQL 1.1 Service Description vocabulary: each property with its domain and the kind
#: of its values (a class of the vocabulary, "iri", "literal" or "any").
SD_PROPERTIES = {
    "endpoint": ("Service", "iri"),
    "feature": ("Service", "Feature"),
    "defaultEntailmentRegime": ("Service", "EntailmentRegime"),
    "defaultSupportedEntailmentProfile": ("Service", "EntailmentProfile"),
    "supportedEntailmentProfile": ("Service", "EntailmentProfile"),
    "extensionFunction": ("Service", "Function"),
    "extensionAggregate": ("Service", "Aggregate"),
    "languageExtension": ("Service", "LanguageExtension"),
    "supportedLanguage": ("Service", "Language"),
    "propertyFeature": ("Service", "any"),
    "defaultDataset": ("Service", "Dataset"),
    "availableGraphs": ("Service", "GraphCollection"),
    "resultFormat": ("Service", "iri"),
    "inputFormat": ("Service", "iri"),
    "defaultGraph": ("Dataset", "Graph"),
    "namedGraph": ("GraphCollection", "NamedGraph"),
    "name": ("NamedGraph", "iri"),
    "graph": ("NamedGraph", "Graph"),
    "entailmentRegime": ("any", "EntailmentRegime"),
}
SD_LANGUAGES = {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}
SD_FEATURES = {SD + f for f in ("DereferencesURIs", "UnionDefaultGraph", "RequiresDataset", "EmptyGraphs",
                                 "BasicFederatedQuery")}
#: Classes and the classes they are subclasses of (rdfs:subClassOf in the vocabulary).
SD_SUPER = {"Dataset": {"GraphCollection"}, "Language": {"Feature"}, "Function": {"Feature"},
            "Aggregate": {"Feature"}, "LanguageExtension": {"Feature"}}
#: Instances the vocabulary defines, with their class.
SD_INSTANCES = {**{iri: "Language" for iri in SD_LANGUAGES}, **{iri: "Feature" for iri in SD_FEATURES}}


def service_description(service) -> tuple[Response, list[ox.Triple]]:
    response = service.client.request("GET", "/sparql", None, {"Accept": "text/turtle"})
    if response.status != 200:
        raise Failed(f"GET /sparql: {describe(response)}")
    return response, parse_rdf(response.body, response.media_type, base_iri=service.client.base_url + "/sparql")


def sd_returns_rdf(service) -> None:
    response = service.client.request("GET", "/sparql")
    if response.status != 200:
        raise Failed(describe(response))
    if response.media_type not in RDF_PARSERS:
        raise Failed(f"the service description is {response.media_type or 'untyped'}, not RDF")
    if not parse_rdf(response.body, response.media_type):
        raise Failed("the service description is empty")


def sd_has_endpoint_triple(service) -> None:
    endpoint = service.client.base_url + "/sparql"
    _, triples = service_description(service)
    services = {t.subject for t in triples if t.predicate.value == SD + "endpoint" and t.object == ox.NamedNode(endpoint)}
    if not services:
        raise Failed(f"no sd:endpoint <{endpoint}>")
    typed = {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object == ox.NamedNode(SD + "Service")}
    if not services & typed:
        raise Failed(f"the node with sd:endpoint <{endpoint}> is not an sd:Service")


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def sd_conforms(triples: list[ox.Triple]) -> list[str]:
    """What in a service description breaks the vocabulary's domains, ranges and cardinalities.

    >>> s = ox.BlankNode()
    >>> sd_conforms([ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(SD + "Service")),
    ...              ox.Triple(s, ox.NamedNode(SD + "endpoint"), ox.NamedNode("http://h/sparql")),
    ...              ox.Triple(s, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query"))])
    []
    >>> sd_conforms([ox.Triple(s, ox.NamedNode(SD + "endpoint"), ox.Literal("x"))])
    ['no sd:Service', 'sd:endpoint has a value that is not an IRI: "x"', 'sd:endpoint used on a node that is not a sd:Service']
    """
    types: dict = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode) and t.object.value.startswith(SD):
            types.setdefault(t.subject, set()).add(t.object.value[len(SD):])
    for iri, cls in SD_INSTANCES.items():
        types.setdefault(ox.NamedNode(iri), set()).add(cls)

    def is_a(node, cls: str) -> bool:
        mine = set(types.get(node, set()))
        for c in list(mine):
            mine |= SD_SUPER.get(c, set())
        return cls in mine

    problems = []
    services = [n for n, c in types.items() if "Service" in c]
    if not services:
        problems.append("no sd:Service")
    for t in triples:
        if not t.predicate.value.startswith(SD):
            continue
        local = t.predicate.value[len(SD):]
        if local not in SD_PROPERTIES:
            problems.append(f"sd:{local} is not a property of the vocabulary")
            continue
        domain, kind = SD_PROPERTIES[local]
        if kind == "iri" and not isinstance(t.object, ox.NamedNode):
            problems.append(f"sd:{local} has a value that is not an IRI: {t.object}")
        elif kind not in ("iri", "any", "literal") and not is_a(t.object, kind) and isinstance(t.object, ox.BlankNode):
            problems.append(f"sd:{local} has a value that is not a sd:{kind}")
        if local == "supportedLanguage" and t.object.value not in SD_LANGUAGES:
            problems.append(f"sd:supportedLanguage {t.object} is none of the vocabulary's languages")
        if domain != "any" and not is_a(t.subject, domain):
            problems.append(f"sd:{local} used on a node that is not a sd:{domain}")
    for service in services:
        if not any(t.subject == service and t.predicate.value == SD + "endpoint" for t in triples):
            problems.append("an sd:Service without sd:endpoint")
    for node, classes in types.items():
        if "NamedGraph" in classes:
            names = [t for t in triples if t.subject == node and t.predicate.value == SD + "name"]
            if len(names) != 1:
                problems.append(f"a sd:NamedGraph with {len(names)} sd:name")
    return sorted(set(problems), key=problems.index)


def sd_conforms_to_schema(service) -> None:
    _, triples = service_description(service)
    problems = sd_conforms(triples)
    if problems:
        raise Failed("; ".join(problems[:3]))


SD_TESTS = {"has-endpoint-triple": sd_has_endpoint_triple, "returns-rdf": sd_returns_rdf,
            "conforms-to-schema": sd_conforms_to_schema}
