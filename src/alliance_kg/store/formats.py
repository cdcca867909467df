"""The RDF formats the service reads and writes, by the names the CLI takes and by file extension,
and the writing of a graph with the prefixes it uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from ..errors import UnsupportedFormat
from .names import PREFIXES

_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str
    format: ox.RdfFormat
    media_type: str
    extension: str


#: Serialisation formats by the names the CLI accepts.
FORMATS = {
    info.name: info
    for info in (
        RdfFormatInfo("turtle", ox.RdfFormat.TURTLE, "text/turtle", "ttl"),
        RdfFormatInfo("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt"),
        RdfFormatInfo("nq", ox.RdfFormat.N_QUADS, "application/n-quads", "nq"),
        RdfFormatInfo("trig", ox.RdfFormat.TRIG, "application/trig", "trig"),
        RdfFormatInfo("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
        RdfFormatInfo("xml", ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf"),
    )
}
_BY_EXTENSION = {info.extension: info for info in FORMATS.values()} | {
    "json": FORMATS["jsonld"], "owl": FORMATS["xml"], "n3": FORMATS["turtle"]
}


def format_for(name: str | None = None, *, path: str | Path | None = None) -> RdfFormatInfo:
    """The format called ``name``, or guessed from the extension of ``path``.

    >>> format_for("trig").media_type
    'application/trig'
    >>> format_for(path="x/y.nt").name
    'nt'
    """
    if name:
        try:
            return FORMATS[name]
        except KeyError:
            raise UnsupportedFormat(
                f"unknown RDF format {name!r}", hint=f"use one of {', '.join(FORMATS)}"
            ) from None
    suffix = Path(path or "").suffix.lstrip(".").lower()
    try:
        return _BY_EXTENSION[suffix]
    except KeyError:
        raise UnsupportedFormat(
            f"cannot tell the RDF format of {path}", hint="name it with a known extension (.ttl, .nt, .nq, .trig, .jsonld, .rdf)"
        ) from None


def serialize_graph(triples: list[ox.Triple], format: ox.RdfFormat, prefixes: dict[str, str] = PREFIXES) -> bytes:
    """``triples`` in ``format``; Turtle and TriG declare the ``prefixes`` they use.

    >>> t = ox.Triple(ox.NamedNode(PREFIXES["akr"] + "Renault"), _RDF_TYPE, ox.NamedNode(PREFIXES["akg"] + "Company"))
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

    >>> t = ox.Triple(ox.NamedNode("https://schema.org/x"), _RDF_TYPE, ox.Literal("1", datatype=ox.NamedNode(PREFIXES["xsd"] + "int")))
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
