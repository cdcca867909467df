"""The W3C SHACL test suite's manifests, read with rdflib.

The suite (w3c/data-shapes, ``data-shapes-test-suite/tests``) has a ``manifest.ttl`` at its root
that includes one per folder (``core/manifest.ttl``, ``sparql/manifest.ttl``), which include one
per sub-folder (``core/node/manifest.ttl``...), which include the test files. Each test file is a
manifest too: its ``mf:entries`` list its ``sht:Validate`` tests, each with an ``mf:action``
naming the data graph and the shapes graph (``sht:dataGraph``, ``sht:shapesGraph``; ``<>`` is the
test file itself, which then holds the data, the shapes and the expected report together) and an
``mf:result``: the expected ``sh:ValidationReport``, or ``sht:Failure`` when the engine must
refuse to validate (an unsupported SPARQL query, say).

Every file is parsed once, with its ``file:`` URI as base (relative IRIs resolve as in the
suite) and its literals as written (:class:`Files`), and a test whose data or shapes graph is its own file gets that very graph: blank nodes
the expected report shares with the data (a blank focus node) keep their identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import rdflib
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
#: The folders of the suite that are run: SHACL Core and SHACL-SPARQL.
FOLDERS = ("core", "sparql")


@dataclass
class ShaclTest:
    """One ``sht:Validate`` test, its graphs parsed.

    ``expected`` is the graph holding the expected report ``report``; both are None when the test
    expects a failure (``mf:result sht:Failure``).
    """

    name: str  # the test's IRI relative to the suite, e.g. "core/node/class-001"
    label: str
    status: str  # "approved" or "proposed" (mf:status)
    data: Graph
    shapes: Graph
    expected: Graph | None
    report: Node | None

    @property
    def folder(self) -> str:
        """``core`` or ``sparql``: the first segment of the name."""
        return self.name.split("/", 1)[0]

    @property
    def group(self) -> str:
        """The sub-folder, e.g. ``core/node``.

        >>> ShaclTest("core/node/class-001", "", "approved", Graph(), Graph(), None, None).group
        'core/node'
        """
        return "/".join(self.name.split("/")[:2])

    @property
    def expects_failure(self) -> bool:
        return self.report is None


def local_path(iri: str) -> Path:
    """The file a ``file:`` IRI names.

    >>> local_path("file:///w3c/shacl/core/node/class-001.ttl").as_posix()
    '/w3c/shacl/core/node/class-001.ttl'
    """
    parsed = urlparse(iri)
    if parsed.scheme != "file":
        raise ValueError(f"not a file of the suite: {iri}")
    return Path(unquote(parsed.path))


class Files:
    """The suite's files, each parsed once (Turtle, its ``file:`` URI as base), literals as
    written: rdflib would otherwise rewrite them in canonical form as it reads them, and turn an
    ill-formed literal the suite holds on purpose into a well-formed one (``"none"^^xsd:boolean``
    into ``"false"``)."""

    def __init__(self) -> None:
        self.graphs: dict[str, Graph] = {}

    def __call__(self, iri: str) -> Graph:
        if iri not in self.graphs:
            graph = Graph()
            normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
            try:
                graph.parse(local_path(iri), format="turtle", publicID=iri)
            finally:
                rdflib.NORMALIZE_LITERALS = normalize
            self.graphs[iri] = graph
        return self.graphs[iri]


def load_tests(suite: Path, folders: Iterable[str] = FOLDERS) -> list[ShaclTest]:
    """Every ``sht:Validate`` test the root manifest of ``suite`` reaches in ``folders``, in
    the order of their names."""
    root = Path(suite).resolve().as_uri() + "/"
    wanted = tuple(f"{root}{f}/" for f in folders)
    files = Files()
    tests: list[ShaclTest] = []
    seen: set[str] = set()
    todo = [root + "manifest.ttl"]
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        graph = files(iri)
        todo.extend(i for i in included(graph) if i.startswith(wanted))
        if iri.startswith(wanted):
            tests.extend(tests_in(graph, root, files))
    return sorted(tests, key=lambda t: t.name)


def included(graph: Graph) -> list[str]:
    """The manifests a manifest includes (``mf:include``), sorted."""
    return sorted(str(i) for i in graph.objects(None, MF.include) if isinstance(i, URIRef))


def tests_in(graph: Graph, root: str, load: Callable[[str], Graph]) -> list[ShaclTest]:
    """The ``sht:Validate`` entries (``mf:entries``) of one parsed test file. ``root``: the suite's
    IRI, which test names are relative to; ``load``: parses another file of the suite by IRI (a
    data or shapes graph of its own); a graph naming the file being read is ``graph`` itself."""
    tests = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        head = graph.value(manifest, MF.entries)
        for entry in Collection(graph, head) if head is not None else []:
            if (entry, RDF.type, SHT.Validate) in graph:
                tests.append(_test(graph, manifest, entry, root, load))
    return tests


def _test(graph: Graph, manifest: Node, entry: Node, root: str, load: Callable[[str], Graph]) -> ShaclTest:
    action = graph.value(entry, MF.action)
    name = str(entry)[len(root) :] if str(entry).startswith(root) else str(entry)
    label = graph.value(entry, RDFS.label) or graph.value(entry, MF.name) or name
    status = graph.value(entry, MF.status)

    def named(predicate) -> Graph:
        iri = graph.value(action, predicate) if action is not None else None
        if iri is None:
            raise ValueError(f"{name}: the action names no {predicate.split('#')[-1]}")
        return graph if iri == manifest else load(str(iri))

    result = graph.value(entry, MF.result)
    failure = result is None or result == SHT.Failure
    return ShaclTest(
        name=name,
        label=str(label),
        status=str(status).rsplit("#", 1)[-1] if status is not None else "",
        data=named(SHT.dataGraph),
        shapes=named(SHT.shapesGraph),
        expected=None if failure else graph,
        report=None if failure else result,
    )
