"""SPARQL text, read without a full parser, for the one rewrite the protocol needs: an update's
dataset from ``using-graph-uri`` / ``using-named-graph-uri``, written into its text (Oxigraph
takes no dataset for an update); and the keywords of a text that rdflib cannot read.

Nothing here decides what a client may do: that is read from a real parse
(:mod:`alliance_kg.store.sparqlparse`), and the processes that run queries cannot reach the network
anyway (:mod:`alliance_kg.store.confine`). A mistake of this lexer can only make a rewritten update
mean something else, which ``tests/test_sparqltext.py`` checks against the parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from ..errors import BadRequest

#: The protocol parameters that give an update its dataset.
USING_GRAPH_URI, USING_NAMED_GRAPH_URI = "using-graph-uri", "using-named-graph-uri"

_TOKEN = re.compile(
    r"""
      (?P<skip>
          \#[^\n\r]*                                        # comment
        | \"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"      # long strings
        | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
        | "(?:[^"\\\n\r]|\\.)*"                             # strings
        | '(?:[^'\\\n\r]|\\.)*'
        | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>  # IRIs, with codepoint escapes
        | [?$]\w+                                           # variables
        | @[A-Za-z]+(?:-[A-Za-z0-9]+)*                      # language tags
      )
    | (?P<word>(?:[\w\-:%]|\\.)(?:[\w\-.:%]|\\.)*)          # keywords, prefixed names, numbers (not after a dot)
    """,
    re.VERBOSE | re.DOTALL,
)


def keyword_count(query: str, keyword: str) -> int:
    """How many times ``keyword`` is a bare word of ``query`` (case-insensitive).

    >>> keyword_count("SELECT * { SERVICE <a> {} . ?s <p:service> 'SERVICE' .service <b> {} }", "SERVICE")
    2
    """
    keyword = keyword.upper()
    return sum(1 for match in _TOKEN.finditer(query) if (match.group("word") or "").upper() == keyword)


def query_form(query: str) -> str:
    """The form of ``query`` (``select``, ``ask``, ``construct``, ``describe``) from its first
    keyword outside strings, IRIs and comments; ``select`` if none is found.

    >>> query_form("PREFIX ex: <http://e/select> CONSTRUCT { ?s ?p 'ask' } WHERE { ?s ?p ?o }")
    'construct'
    """
    for match in _TOKEN.finditer(query):
        word = (match.group("word") or "").upper()
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word.lower()
    return "select"


def keywords(query: str) -> set[str]:
    """The bare words of ``query``, upper-cased: its keywords, outside strings, IRIs and comments.

    >>> sorted(keywords('SELECT * from <g> { ?s ex:from "FROM" } # from'))
    ['FROM', 'SELECT']
    >>> "SERVICE" in keywords("ASK { ?service <p:service> 'service'@en }")
    False
    """
    return {word.upper() for word in words(query) if ":" not in word}


def words(query: str) -> list[str]:
    """The words of ``query`` outside strings, IRIs, variables and comments: keywords, prefixed
    names and numbers.

    >>> words("ASK { ?from ex:.service 'from' } # from")
    ['ASK', 'ex:.service']
    """
    return [match.group("word") for match in _TOKEN.finditer(query) if match.group("word")]


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
    clause = " ".join(
        [f"USING <{graph_name(iri, USING_GRAPH_URI).value}>" for iri in using_graphs]
        + [f"USING NAMED <{graph_name(iri, USING_NAMED_GRAPH_URI).value}>" for iri in using_named_graphs]
    )
    own = {"USING", "WITH"} & keywords(update)
    if own:
        raise BadRequest(
            f"the update has its own {' and '.join(sorted(own))} and the request has "
            f"{USING_GRAPH_URI} or {USING_NAMED_GRAPH_URI}: give the dataset one way only",
            hint="drop the parameters, or USING / WITH from the update",
        )
    tokens = [
        (m.lastgroup, m.start(), m.end(), m.group()) for m in _UPDATE_TOKEN.finditer(update) if m.lastgroup != "skip"
    ]
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
                    group = update[tokens[i + 1][1] : tokens[close][2]]
                    edits.append((start, tokens[close][2], f"{group} {clause} WHERE {group}"))
    for start, end, text in reversed(edits):
        update = update[:start] + text + update[end:]
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


def graph_name(iri: str, parameter: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(
            f"{parameter} is not an absolute IRI: {iri!r} ({exc})",
            hint="give graph IRIs in full, such as https://w3id.org/alliance-kg/graph/seed",
        ) from None
