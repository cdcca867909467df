"""Reading a JSON request body field by field, with errors that name the field by its path
(``body.source.quote``), and the checks every stored text gets: no control character, an IRI that
is one, an http(s) URL.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Any, Literal, overload
from urllib.parse import urlsplit

import pyoxigraph as ox

from ..errors import BadRequest

#: The control characters (Unicode category Cc) no stored text may hold; a text that may span
#: lines (a quote) may hold tab, LF and CR, a one-line text (a label, an id, a URL) none of them.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Payload:
    """A JSON object from a request, read field by field with errors that name the field."""

    def __init__(self, data: Any, where: str = "body"):
        if not isinstance(data, dict):
            raise BadRequest(f"{where} must be a JSON object", hint='e.g. {"label": "…"}')
        self.data = data
        self.where = where
        self._read: set[str] = set()

    def _get(self, name: str, required: bool):
        self._read.add(name)
        value = self.data.get(name)
        if value is None and required:
            typo = difflib.get_close_matches(name, [k for k in self.data if k not in self._read], n=1, cutoff=0.6)
            if typo:
                raise BadRequest(
                    f"{self.where}.{name} is required, and {self.where} has the unknown field {typo[0]!r}: "
                    f"did you mean {name!r}?"
                )
            raise BadRequest(f"{self.where}.{name} is required")
        return value

    @overload
    def text(self, name: str, *, required: Literal[True], limit: int = ..., lines: bool = ...) -> str: ...
    @overload
    def text(self, name: str, *, required: bool = ..., limit: int = ..., lines: bool = ...) -> str | None: ...
    def text(self, name: str, *, required: bool = False, limit: int = 2000, lines: bool = False) -> str | None:
        """A non-empty string field, stripped; one line unless ``lines`` (see :func:`check_characters`)."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{self.where}.{name} must be a non-empty string")
        check_characters(value, f"{self.where}.{name}", lines=lines)
        if len(value) > limit:
            raise BadRequest(f"{self.where}.{name} is longer than {limit} characters")
        return value.strip()

    def texts(self, name: str) -> list[str]:
        """A list of non-empty one-line strings, each stripped."""
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise BadRequest(f"{self.where}.{name} must be a list of non-empty strings")
        for i, item in enumerate(value):
            check_characters(item, f"{self.where}.{name}[{i}]")
        return [v.strip() for v in value]

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise BadRequest(f"{self.where}.{name} must be true or false")
        return value

    @overload
    def day(self, name: str, *, required: Literal[True]) -> str: ...
    @overload
    def day(self, name: str, *, required: bool = ...) -> str | None: ...
    def day(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError("not YYYY-MM-DD")
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise BadRequest(
                f"{self.where}.{name}={value!r} is not a date: {exc}", hint="write it as YYYY-MM-DD"
            ) from None

    def iris(self, name: str) -> list[str]:
        out = []
        for value in self.texts(name):
            out.append(absolute_iri(value, f"{self.where}.{name}"))
        return out

    @overload
    def obj(self, name: str, *, required: Literal[True]) -> Payload: ...
    @overload
    def obj(self, name: str, *, required: bool = ...) -> Payload | None: ...
    def obj(self, name: str, *, required: bool = False) -> Payload | None:
        value = self._get(name, required)
        return None if value is None else Payload(value, f"{self.where}.{name}")

    def has(self, name: str) -> bool:
        """Whether the body gives ``name`` (a field the endpoint knows, so it is named in hints)."""
        self._read.add(name)
        return name in self.data

    def done(self) -> None:
        """Refuse fields this endpoint does not know: a typo must not be ignored."""
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            named = []
            for field in unknown:
                close = difflib.get_close_matches(field, self._read, n=1, cutoff=0.6)
                named.append(f"{field} (did you mean {close[0]}?)" if close else field)
            raise BadRequest(
                f"{self.where} has unknown field(s): {', '.join(named)}",
                hint=f"known fields: {', '.join(sorted(self._read))}",
            )


def check_characters(value: str, where: str, *, lines: bool = False) -> None:
    """Refuse a control character in ``value``, naming ``where`` and the character: a text that
    may span ``lines`` may hold tab, LF and CR, a one-line text none.

    >>> check_characters("Quoted\\nacross lines", "body.source.quote", lines=True)
    >>> check_characters("Nissan\\x00Motor", "body.label")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: body.label holds the control character U+0000 at character 6 ...
    """
    found = (CONTROLS_BUT_LINES if lines else CONTROLS).search(value)
    if found is None:
        return
    hint = (
        "a quote may span lines (tab, LF, CR) but holds no other control character"
        if lines
        else "a label, id, name or URL is one line of text: no line break, tab or other control character"
    )
    raise BadRequest(
        f"{where} holds the control character U+{ord(found[0]):04X} at character {found.start()}", hint=hint
    )


def absolute_iri(value: str, where: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise BadRequest(f"{where}: {value!r} is not an IRI ({exc})") from None
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        raise BadRequest(f"{where}: {value!r} is not an absolute IRI")
    return value


def http_url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"{where}: {value!r} is not an http(s) URL")
    return absolute_iri(value, where)
