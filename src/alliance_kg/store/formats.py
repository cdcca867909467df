"""The RDF formats the service reads and writes, by the names the CLI takes and by file extension,
and the writing of a graph with the prefixes it uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import UnsupportedFormat
from .names import PREFIXES

_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


@dataclass(frozen=True)
class RdfFormatInfo:
    """An RDF format by the name the CLI takes; its media type and extension are Oxigraph's."""

    name: str
    format: ox.RdfFormat

    @property
    def media_type(self) -> str:
        return self.format.media_type

    @property
    def extension(self) -> str:
        return self.format.file_extension


#: Serialisation formats by the names the CLI accepts.
FORMATS = {
    name: RdfFormatInfo(name, format)
    for name, format in (
        ("turtle", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("nq", ox.RdfFormat.N_QUADS),
        ("trig", ox.RdfFormat.TRIG),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("xml", ox.RdfFormat.RDF_XML),
    )
}
_BY_FORMAT = {info.format: info for info in FORMATS.values()}
#: Extensions Oxigraph does not know, or reads as a format this service does not (N3).
_EXTENSIONS = {"owl": ox.RdfFormat.RDF_XML, "n3": ox.RdfFormat.TURTLE}


def format_for(
    name: str | None = None, *, path: str | Path | None = None, media_type: str | None = None
) -> RdfFormatInfo:
    """The format called ``name``, or of the media type ``media_type``, or guessed from the
    extension of ``path``.

    >>> format_for("trig").media_type, format_for(path="x/y.nt").name, format_for(media_type="application/xml").name
    ('application/trig', 'nt', 'xml')

    :raises UnsupportedFormat: none of them names a format this service reads.
    """
    if name:
        try:
            return FORMATS[name]
        except KeyError:
            raise UnsupportedFormat(f"unknown RDF format {name!r}", hint=f"use one of {', '.join(FORMATS)}") from None
    if media_type is not None:
        found = _BY_FORMAT.get(ox.RdfFormat.from_media_type(media_type))  # type: ignore[arg-type]
        if found is None:
            raise UnsupportedFormat(
                f"{media_type or '(none)'} is not an RDF format read here",
                hint=f"use one of {', '.join(i.media_type for i in FORMATS.values())}",
            )
        return found
    suffix = Path(path or "").suffix.lstrip(".").lower()
    found = _BY_FORMAT.get(_EXTENSIONS.get(suffix) or ox.RdfFormat.from_extension(suffix))  # type: ignore[arg-type]
    if found is None:
        raise UnsupportedFormat(
            f"cannot tell the RDF format of {path}",
            hint="name it with a known extension (.ttl, .nt, .nq, .trig, .jsonld, .rdf)",
        )
    return found


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
    return ox.serialize(triples, format=format, prefixes=used) or b""  # bytes: no output file is given


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
