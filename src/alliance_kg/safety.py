"""Safe parsing of documents from outside: RDF/XML with a DOCTYPE is refused before any parser sees it.

pyoxigraph's RDF/XML parser expands internal entities: a few hundred bytes of nested entities
("billion laughs") become gigabytes. RDF needs no DTD, so a document that declares one is refused
outright, quickly and with bounded memory, and its content is never echoed in the error.
"""

from __future__ import annotations

import re

from .errors import RDFSyntaxError

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_rdf_xml(data: bytes, *, source: str = "the document") -> None:
    """Refuse RDF/XML that is not UTF-8 or that declares a DOCTYPE or entities.

    >>> check_rdf_xml(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    >>> check_rdf_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    Traceback (most recent call last):
    ...
    alliance_kg.errors.RDFSyntaxError: the document declares a DOCTYPE or entities, which RDF/XML here may not ...

    :raises RDFSyntaxError: a DOCTYPE or an entity declaration, or a body that is not UTF-8.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RDFSyntaxError(f"{source} is not valid UTF-8 (byte {exc.start})",
                             hint="RDF/XML is read as UTF-8") from None
    if _DECLARATION.search(data):
        raise RDFSyntaxError(
            f"{source} declares a DOCTYPE or entities, which RDF/XML here may not",
            hint="remove the DOCTYPE: RDF needs none, and entities could expand without bound or read files",
        )
