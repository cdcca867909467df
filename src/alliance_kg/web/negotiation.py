"""Content negotiation: media type tables and the choice among them.

A table is an ordered tuple of :class:`Representation` (media type -> Oxigraph format). Order
breaks ties: with no ``Accept`` header, or ``*/*``, the first entry wins, so each table starts
with its default and lists the aliases (``application/json``, ``text/plain``...) after the
canonical types. The chosen media type is the one sent back as ``Content-Type``.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTIONS_FORMATS, what="x").media_type
'application/sparql-results+xml'
>>> negotiate(None, GRAPH_FORMATS, what="x").media_type
'text/turtle'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import NotAcceptable


@dataclass(frozen=True)
class Representation:
    """One way to answer: the media type sent as ``Content-Type`` and the Oxigraph format."""

    media_type: str
    format: ox.QueryResultsFormat | ox.RdfFormat | None  # None: JSON of the API

    @classmethod
    def rdf(cls, *formats: ox.RdfFormat) -> tuple[Representation, ...]:
        """Each of ``formats`` under its own media type (Oxigraph's ``RdfFormat.media_type``).

        >>> [r.media_type for r in Representation.rdf(ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD)]
        ['text/turtle', 'application/ld+json']
        """
        return tuple(cls(f.media_type, f) for f in formats)

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """The RDF format of this representation (of a table of RDF graphs).

        :raises TypeError: it is not an RDF format (a results format, or the API's JSON).
        """
        if not isinstance(self.format, ox.RdfFormat):
            raise TypeError(f"{self.media_type} is not an RDF format")
        return self.format

    @property
    def content_type(self) -> str:
        return content_type(self.media_type)

    @property
    def format_iri(self) -> str:
        """The W3C format IRI (https://www.w3.org/ns/formats/), for service descriptions.

        >>> Representation("application/ld+json", ox.RdfFormat.JSON_LD).format_iri
        'http://www.w3.org/ns/formats/JSON-LD'
        """
        # Oxigraph 0.5 names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD, which is not in the registry.
        if self.format == ox.RdfFormat.JSON_LD:
            return "http://www.w3.org/ns/formats/JSON-LD"
        if self.format is None:
            raise TypeError(f"{self.media_type} has no W3C format IRI")
        return self.format.iri


R = ox.QueryResultsFormat
F = ox.RdfFormat

#: SELECT and ASK results (SPARQL 1.1 Query Results JSON, XML, CSV and TSV).
SOLUTIONS_FORMATS: tuple[Representation, ...] = (
    Representation("application/sparql-results+json", R.JSON),
    Representation("application/sparql-results+xml", R.XML),
    Representation("text/csv", R.CSV),
    Representation("text/tab-separated-values", R.TSV),
    Representation("application/json", R.JSON),
    Representation("application/xml", R.XML),
    Representation("text/xml", R.XML),
)

#: CONSTRUCT and DESCRIBE results, and the service description (RDF graphs).
GRAPH_FORMATS: tuple[Representation, ...] = (
    *Representation.rdf(F.TURTLE, F.N_TRIPLES, F.JSON_LD, F.RDF_XML, F.TRIG, F.N_QUADS),
    Representation("text/plain", F.N_TRIPLES),
    Representation("application/json", F.JSON_LD),
    Representation("application/xml", F.RDF_XML),
)


def content_type(media_type: str) -> str:
    """``media_type`` as a ``Content-Type`` value: text and XML types say they are UTF-8.

    >>> content_type("text/csv")
    'text/csv; charset=utf-8'
    >>> content_type("application/sparql-results+xml")
    'application/sparql-results+xml; charset=utf-8'
    >>> content_type("application/sparql-results+json")
    'application/sparql-results+json'
    """
    if media_type.startswith("text/") or media_type.endswith(("+xml", "/xml")):
        return f"{media_type}; charset=utf-8"
    return media_type


def negotiate(accept: MIMEAccept | str | None, table: tuple[Representation, ...], *, what: str) -> Representation:
    """The entry of ``table`` the ``Accept`` header prefers (q-values respected, ties to the
    earlier entry); the first entry when there is no ``Accept`` header.

    ``what`` names the answer (``"a SELECT query"``) in the error.

    >>> negotiate("application/*", GRAPH_FORMATS, what="x").media_type
    'application/n-triples'
    >>> negotiate("text/*", SOLUTIONS_FORMATS, what="x").media_type
    'text/csv'
    >>> negotiate("image/png", GRAPH_FORMATS, what="a CONSTRUCT query")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.NotAcceptable: no media type in the Accept header is available for a CONSTRUCT query; available: text/turtle, application/n-triples, ...

    :raises NotAcceptable: the header accepts none of the table's media types.
    """
    if isinstance(accept, str) or accept is None:
        accept = parse_accept_header(accept, MIMEAccept)
    if not accept:  # no header, or an empty one: the default
        return table[0]
    chosen = accept.best_match([r.media_type for r in table])
    if chosen is None:
        raise NotAcceptable(
            f"no media type in the Accept header is available for {what}; available: {', '.join(available(table))}",
            hint=f"accept one of these, or send no Accept header for {table[0].media_type}",
        )
    return next(r for r in table if r.media_type == chosen)


def available(table: tuple[Representation, ...]) -> list[str]:
    """The media types of ``table``, in order.

    >>> available(SOLUTIONS_FORMATS)[:2]
    ['application/sparql-results+json', 'application/sparql-results+xml']
    """
    return [r.media_type for r in table]


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
