"""The W3C SPARQL 1.1 test manifests (``manifest.ttl`` per folder), read with rdflib.

Every test becomes one :class:`Test`: its IRI, name, kind (query evaluation, update evaluation,
positive or negative syntax, result format, protocol, graph store, service description), the
files it names and, for HTTP tests, the manifest graph itself (their requests are read from it).

Files are named by IRI under :data:`BASE` (the tests' canonical location, as the manifests'
prefixes give it); :func:`local_path` maps such an IRI to the file in the suite folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

#: The tests' canonical location: ``<BASE><folder>/<file>``.
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Kinds of test, by manifest type.
KINDS = {
    MF.QueryEvaluationTest: "query-evaluation",
    MF.CSVResultFormatTest: "query-evaluation",
    MF.UpdateEvaluationTest: "update-evaluation",
    UT.UpdateEvaluationTest: "update-evaluation",
    MF.PositiveSyntaxTest11: "syntax-positive-query",
    MF.NegativeSyntaxTest11: "syntax-negative-query",
    MF.PositiveSyntaxTest: "syntax-positive-query",
    MF.NegativeSyntaxTest: "syntax-negative-query",
    MF.PositiveUpdateSyntaxTest11: "syntax-positive-update",
    MF.NegativeUpdateSyntaxTest11: "syntax-negative-update",
    MF.ProtocolTest: "protocol",
    MF.GraphStoreProtocolTest: "graph-store",
    MF.ServiceDescriptionTest: "service-description",
}
#: Folders whose tests are counted as result-format tests, whatever their type.
RESULT_FORMAT_FOLDERS = ("json-res", "csv-tsv-res")
#: Folders that need something an HTTP endpoint without entailment or federation cannot offer.
SKIPPED_FOLDERS = {
    "entailment": "needs an entailment regime (RDF, RDFS, D, OWL, RIF); the service evaluates simple entailment only",
    "service": "needs remote SPARQL endpoints (qt:serviceData); the service refuses SERVICE by design",
    "syntax-fed": "SPARQL 1.1 Federated Query: the service refuses SERVICE (400 federation_disabled) before parsing, by design",
}
#: Approval states whose tests are not run (rdf-tests conventions).
NOT_RUN = {DAWGT.Withdrawn: "withdrawn by the working group", DAWGT.Rejected: "rejected by the working group"}
#: Features (``mf:requires``) the service offers; a test requiring anything else is skipped.
OFFERED_FEATURES = {MF.IndirectGraphIdentification, MF.POSTGraphCreation}


@dataclass
class DataFile:
    """A data file loaded into a graph: ``name`` None for the default graph."""

    file: str
    name: str | None = None


@dataclass
class Test:
    iri: str
    name: str
    folder: str
    kind: str
    category: str
    query: str | None = None  # the .rq / .ru file, or the file of a syntax test
    data: list[DataFile] = field(default_factory=list)
    result: str | None = None  # expected results file (query tests)
    result_data: list[DataFile] | None = None  # expected dataset (update tests)
    skip: str | None = None
    manifest: Graph | None = field(default=None, repr=False)
    node: Node | None = field(default=None, repr=False)


CATEGORIES = {
    "query-evaluation": "query evaluation",
    "update-evaluation": "update evaluation",
    "syntax-positive-query": "syntax: positive query",
    "syntax-negative-query": "syntax: negative query",
    "syntax-positive-update": "syntax: positive update",
    "syntax-negative-update": "syntax: negative update",
    "result-format": "result formats",
    "protocol": "protocol",
    "graph-store": "graph store",
    "service-description": "service description",
}


def local_path(iri: str, root: Path) -> Path:
    """The file of the suite in ``root`` that ``iri`` names.

    >>> local_path(BASE + "aggregates/agg01.rq", Path("/w3c/sparql11")).as_posix()
    '/w3c/sparql11/aggregates/agg01.rq'
    """
    if not iri.startswith(BASE):
        raise ValueError(f"not a file of the suite: {iri}")
    return root / iri[len(BASE):]


def load_manifest(root: Path, relative: str) -> tuple[Graph, URIRef]:
    """The manifest ``root/relative`` parsed with its canonical IRI as base."""
    graph = Graph()
    iri = BASE + relative
    graph.parse(root / relative, format="turtle", publicID=iri)
    return graph, URIRef(iri)


def folders(root: Path) -> list[str]:
    """The folders ``manifest-all.ttl`` includes, in its order."""
    graph, iri = load_manifest(root, "manifest-all.ttl")
    included = graph.value(iri, MF.include)
    return [str(item)[len(BASE):].rsplit("/", 1)[0] for item in Collection(graph, included)]


def load_tests(root: Path, only: set[str] | None = None) -> list[Test]:
    """Every test of every folder of ``manifest-all.ttl`` plus ``http-rdf-update`` (the older
    Graph Store Protocol tests, which ``manifest-all.ttl`` no longer includes)."""
    names = folders(root)
    if "http-rdf-update" not in names:
        names.append("http-rdf-update")
    tests: list[Test] = []
    for folder in names:
        if only and folder not in only:
            continue
        tests.extend(folder_tests(root, folder))
    return tests


def folder_tests(root: Path, folder: str, manifest: str = "manifest.ttl") -> list[Test]:
    graph, iri = load_manifest(root, f"{folder}/{manifest}")
    tests: list[Test] = []
    for included in _list(graph, graph.value(iri, MF.include)):
        tests.extend(folder_tests(root, folder, str(included)[len(BASE + folder) + 1:]))
    for node in _list(graph, graph.value(iri, MF.entries)):
        tests.append(_test(graph, node, folder))
    return tests


def _list(graph: Graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def _test(graph: Graph, node, folder: str) -> Test:
    types = set(graph.objects(node, RDF.type))
    kind = next((KINDS[t] for t in types if t in KINDS), "unknown")
    category = "result-format" if folder in RESULT_FORMAT_FOLDERS else kind
    name = str(graph.value(node, MF.name) or node)
    test = Test(str(node), name, folder, kind, category, manifest=graph, node=node)
    action = graph.value(node, MF.action)
    if kind in ("query-evaluation", "update-evaluation"):
        test.query = str(graph.value(action, QT.query) or graph.value(action, UT.request))
        test.data = _graphs(graph, action)
        result = graph.value(node, MF.result)
        if kind == "query-evaluation":
            test.result = str(result) if result is not None else None
        else:
            test.result_data = _graphs(graph, result) if result is not None else []
    elif kind.startswith("syntax"):
        test.query = str(action)
    elif kind == "protocol":
        test.data = _graphs(graph, node)  # protocol tests put ut:graphData on the test itself
    test.skip = _skip(graph, node, action, folder, kind)
    return test


def _graphs(graph: Graph, node) -> list[DataFile]:
    """The data of an action (``qt:data``/``qt:graphData``) or of an update's action or result
    (``ut:data``, ``ut:graphData [ ut:graph <file> ; rdfs:label "name" ]``)."""
    if node is None:
        return []
    found = [DataFile(str(f)) for p in (QT.data, UT.data) for f in sorted(graph.objects(node, p))]
    for f in sorted(graph.objects(node, QT.graphData)):
        found.append(DataFile(str(f), str(f)))
    for g in graph.objects(node, UT.graphData):
        file = graph.value(g, UT.graph)
        label = graph.value(g, RDFS.label)
        found.append(DataFile(str(file), str(label) if isinstance(label, Literal) else str(file)))
    return found


def _skip(graph: Graph, node, action, folder: str, kind: str) -> str | None:
    if kind == "unknown":
        return None  # counted as a failure: the runner does not know this kind of test
    approval = graph.value(node, DAWGT.approval)
    if approval in NOT_RUN:
        return NOT_RUN[approval]
    if folder in SKIPPED_FOLDERS:
        return SKIPPED_FOLDERS[folder]
    if action is not None and not isinstance(action, Literal):
        if graph.value(action, SD.entailmentRegime) is not None:
            return SKIPPED_FOLDERS["entailment"]
        if graph.value(action, QT.serviceData) is not None:
            return SKIPPED_FOLDERS["service"]
    missing = [str(r).rsplit("#", 1)[-1] for r in graph.objects(node, MF.requires) if r not in OFFERED_FEATURES]
    if missing:
        return f"requires {', '.join(missing)} (mf:requires): the service identifies graphs indirectly (/store?graph=<IRI>) only"
    return None
