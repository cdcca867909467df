"""Reading RDF documents: one reader, with the same rules for every document from outside,
whether it comes in a request (the Graph Store Protocol), from ``alliance-kg load`` or is loaded
into a store.

The rules (:func:`check_document`): a text format is UTF-8 (the error names the first bad byte);
RDF/XML declares no DOCTYPE or entities and JSON-LD nests at most
:data:`~.safety.MAX_JSON_DEPTH` deep (:mod:`.safety`); blank nodes are renamed apart from those
already stored; a syntax error names the line and column. A request's document is parsed in a
confined child within its limits (:func:`read_rdf` with ``limits``): one that would overflow a
parser's stack or take too long ends that child, not the service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from ..errors import RDFSyntaxError
from .processes import Limits, run_isolated
from .safety import check_json_nesting, check_rdf_xml

DEFAULT_GRAPH = ox.DefaultGraph()
_POSITION = re.compile(r"line (\d+) (?:column|between columns) (\d+)")


def check_document(data: bytes, format: ox.RdfFormat, *, source: str = "the document") -> None:
    """Refuse ``data`` if it breaks a rule of the module (before any parser sees it).

    >>> check_document(b"<a> <b> <c> .", ox.RdfFormat.N_TRIPLES)
    >>> check_document(b"<a> <b> '\\xe9' .", ox.RdfFormat.TURTLE)
    Traceback (most recent call last):
    ...
    alliance_kg.errors.RDFSyntaxError: the document is not valid UTF-8: invalid continuation byte at byte 9 ...

    :raises RDFSyntaxError: it is not UTF-8, or declares a DOCTYPE, or nests too deep.
    """
    if format == ox.RdfFormat.RDF_XML:
        check_rdf_xml(data, source=source)
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = RDFSyntaxError(
            f"{source} is not valid UTF-8: {exc.reason} at byte {exc.start}", hint=f"{format.name} is read as UTF-8"
        )
        error.details = {"byte": exc.start}
        raise error from None
    if format == ox.RdfFormat.JSON_LD:
        check_json_nesting(data, source=source)


def syntax_error(exc: Exception, format: ox.RdfFormat, source: str) -> RDFSyntaxError:
    """The error for a document Oxigraph could not parse, with the line and column in ``details``."""
    error = RDFSyntaxError(
        f"{source} is not valid {format.name}: {exc}", hint="nothing was changed; fix the document and send it again"
    )
    position = _POSITION.search(str(exc))
    error.details = {"line": int(position[1]), "column": int(position[2])} if position else {}
    return error


def read_rdf(
    data: bytes,
    format: ox.RdfFormat,
    *,
    base_iri: str | None = None,
    source: str = "the document",
    into: ox.NamedNode | ox.DefaultGraph = DEFAULT_GRAPH,
    named_graphs: bool = True,
    limits: Limits | None = None,
) -> frozenset[ox.Quad]:
    """The quads of ``data``: triples in the graph ``into``, a dataset's named graphs kept (or,
    without ``named_graphs``, refused as a syntax error); blank nodes renamed apart. With
    ``limits``, parsed in a confined child.

    >>> g = ox.NamedNode("https://example.org/g")
    >>> [str(q) for q in read_rdf(b'<a> <p> "1" .', ox.RdfFormat.TURTLE, into=g, base_iri=g.value)]
    ['<https://example.org/a> <https://example.org/p> "1" <https://example.org/g>']
    >>> read_rdf(b'<a> <p> .', ox.RdfFormat.TURTLE, base_iri=g.value, source="the body")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.RDFSyntaxError: the body is not valid Turtle: Parser error at line 1 column 9: ...

    :raises RDFSyntaxError: see :func:`check_document`; or it does not parse.
    :raises QueryTooComplex, QueryTimeout, QueryMemoryLimit: past the ``limits`` of its process.
    """
    check_document(data, format, source=source)
    if limits is None:
        quads = _parse(data, format, base_iri, source, named_graphs)
    else:
        body, _ = run_isolated(
            lambda: (
                ox.serialize(_parse(data, format, base_iri, source, named_graphs), format=ox.RdfFormat.N_QUADS) or b"",
                {},
            ),
            limits,
        )
        quads = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    return frozenset(_into(quads, into))


def _parse(data: bytes, format: ox.RdfFormat, base_iri: str | None, source: str, named_graphs: bool) -> list[ox.Quad]:
    try:
        return list(
            ox.parse(
                data, format=format, base_iri=base_iri, rename_blank_nodes=True, without_named_graphs=not named_graphs
            )
        )
    except (SyntaxError, ValueError) as exc:
        raise syntax_error(exc, format, source) from None


def _into(quads: Iterable[ox.Quad], graph: ox.NamedNode | ox.DefaultGraph) -> Iterable[ox.Quad]:
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph) and not isinstance(graph, ox.DefaultGraph):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)
        else:
            yield quad
