"""SPARQL text, read without a full parser: keywords, the prologue, the graphs a query or an
update names (``FROM``, ``FROM NAMED``, ``USING``), the endpoints it calls (``SERVICE``), and the
rewrites the protocol needs (the ``using-graph-uri`` dataset, ``LOAD SILENT``).

pyoxigraph parses and evaluates in one step, and evaluation may already call out (``SERVICE``)
or ignore a part of the dataset. So the endpoint reads these few things from the text first,
with a lexer that knows strings, IRIs, comments and variables, so that a keyword inside a
string or an IRI is never taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urljoin

import pyoxigraph as ox

from .errors import BadRequest

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



@dataclass(frozen=True)
class Token:
    kind: str  # "iri", "pname" (prefixed name), "var", "word", "open", "close"
    text: str
    start: int
    end: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` that matter here; strings, comments and language tags are dropped.

    >>> [(t.kind, t.text) for t in tokens("SELECT ?x FROM ex:g { <a> 'b' } # c")]
    [('word', 'SELECT'), ('var', '?x'), ('word', 'FROM'), ('pname', 'ex:g'), ('open', '{'), ('iri', '<a>'), ('close', '}')]
    """
    for match in _UPDATE_TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "skip":
            if value.startswith("<"):
                kind = "iri"
            elif value[0] in "?$":
                kind = "var"
            else:
                continue
        elif kind == "word" and ":" in value:
            kind = "pname"
        yield Token(kind, value, match.start(), match.end())


_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Reference:
    """A graph or an endpoint named after ``keyword`` (``FROM``, ``FROM NAMED``, ``USING``,
    ``USING NAMED``, ``SERVICE``): its IRI resolved against the prologue and the base, or the
    variable that will hold it (``iri`` is then ``None``)."""

    keyword: str
    written: str
    iri: str | None


def references(text: str, base_iri: str | None = None) -> list[Reference]:
    """The graphs ``text`` reads from (``FROM [NAMED]``, ``USING [NAMED]``) and the endpoints it
    calls (``SERVICE [SILENT]``), in order, resolved with its ``PREFIX`` and ``BASE``
    declarations and ``base_iri``.

    >>> [(r.keyword, r.iri) for r in references(
    ...     "PREFIX g: <https://example.org/g/> SELECT * FROM g:a FROM NAMED <b> { SERVICE ?s {} }",
    ...     "http://localhost/sparql")]
    [('FROM', 'https://example.org/g/a'), ('FROM NAMED', 'http://localhost/b'), ('SERVICE', None)]
    >>> [r.iri for r in references("BASE <file:///etc/> INSERT { <a> <b> <c> } USING <hostname> WHERE {}")]
    ['file:///etc/hostname']
    """
    found: list[Reference] = []
    prefixes: dict[str, str] = {}
    base = base_iri
    toks = list(tokens(text))

    def resolve(token: Token) -> str | None:
        if token.kind == "iri":
            relative = token.text[1:-1]
            return urljoin(base, relative) if base and not _ABSOLUTE.match(relative) else relative
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = prefixes.get(prefix)
            return None if namespace is None else namespace + _PN_LOCAL_ESCAPE.sub(r"\1", local)
        return None

    i = 0
    while i < len(toks):
        token, word = toks[i], toks[i].text.upper()
        following = toks[i + 1] if i + 1 < len(toks) else None
        if token.kind == "word" and word == "BASE" and following and following.kind == "iri":
            base = resolve(following)
            i += 2
            continue
        if token.kind == "word" and word == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text[:-1]] = resolve(toks[i + 2]) or ""
            i += 3
            continue
        if token.kind == "word" and word in ("FROM", "USING", "SERVICE") and following is not None:
            keyword, j = word, i + 1
            modifier = toks[j].text.upper() if toks[j].kind == "word" else ""
            if (word != "SERVICE" and modifier == "NAMED") or (word == "SERVICE" and modifier == "SILENT"):
                keyword = word if word == "SERVICE" else f"{word} NAMED"
                j += 1
            if j < len(toks) and toks[j].kind in ("iri", "pname", "var"):
                found.append(Reference(keyword, toks[j].text, resolve(toks[j])))
                i = j + 1
                continue
        i += 1
    return found


_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


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
    clause = " ".join([f"USING <{graph_name(iri, USING_GRAPH_URI).value}>" for iri in using_graphs]
                      + [f"USING NAMED <{graph_name(iri, USING_NAMED_GRAPH_URI).value}>" for iri in using_named_graphs])
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


def graph_name(iri: str, parameter: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"{parameter} is not an absolute IRI: {iri!r} ({exc})",
                         hint="give graph IRIs in full, such as https://w3id.org/alliance-kg/graph/seed") from None


