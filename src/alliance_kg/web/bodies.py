"""Request bodies are checked against the OpenAPI description (``openapi.json``) before anything
else is done with them: the description is the contract, and a body it refuses is a 400 at once,
without waiting behind the writes ahead of it for the graph.

The errors of the JSON Schema check are said the way the rest of the API says them: the field
is named by its path in the body (``body.source.quote``, ``body.alt_labels[1]``), an unknown
field with the known one it most looks like. The write's domain (:mod:`alliance_kg.rules.writes`)
then reads the body, knowing its shape is right; what the description cannot say (control
characters, an IRI's syntax, whether a named thing exists) it checks itself.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ..errors import BadRequest
from ..rules.payload import check_characters
from .openapi import raw_description

#: The URI the description is registered under, for ``$ref`` to its schemas.
_DOCUMENT = "urn:alliance-kg:openapi"


@functools.cache
def _validator(schema: str) -> Draft202012Validator:
    document = raw_description()
    if schema not in document["components"]["schemas"]:
        raise KeyError(f"openapi.json describes no schema {schema!r}")
    registry = Registry().with_resource(_DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012))
    return Draft202012Validator(
        {"$ref": f"{_DOCUMENT}#/components/schemas/{schema}"}, registry=registry, format_checker=FormatChecker(["date"])
    )


def check_body(body: Any, schema: str) -> None:
    """Check ``body`` against the schema named ``schema`` of the description.

    >>> check_body({"label": "Dacia"}, "CompanyInput")
    >>> check_body({"labl": "Dacia"}, "CompanyInput")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: body.label is required, and body has the unknown field 'labl': did you mean 'label'?

    :raises BadRequest: the body does not fit, naming the first field that does not.
    """
    errors = list(_validator(schema).iter_errors(body))
    if errors:
        raise _said(min(errors, key=_order), errors)


def _order(error: ValidationError) -> tuple:
    """Outer problems first (the object itself, then its fields), unknown fields before the rest."""
    return len(error.absolute_path), error.validator != "additionalProperties", list(map(str, error.absolute_path))


def _where(path) -> str:
    """``body.source.quote``, ``body.alt_labels[1]``."""
    where = "body"
    for step in path:
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
    return where


def _said(error: ValidationError, errors: list[ValidationError]) -> BadRequest:
    where, value, schema = _where(error.absolute_path), error.instance, error.schema
    kind = error.validator
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(value) - set(known))
        missing = [
            name
            for e in errors
            if e.validator == "required" and e.absolute_path == error.absolute_path
            for name in e.validator_value
            if name not in value
        ]
        for name in missing:
            typo = difflib.get_close_matches(name, unknown, n=1, cutoff=0.6)
            if typo:
                return BadRequest(
                    f"{where}.{name} is required, and {where} has the unknown field {typo[0]!r}: did you mean {name!r}?"
                )
        named = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            named.append(f"{name} (did you mean {close[0]}?)" if close else name)
        return BadRequest(f"{where} has unknown field(s): {', '.join(named)}", hint=f"known fields: {', '.join(known)}")
    if kind == "required":
        name = next(n for n in error.validator_value if n not in value)
        return BadRequest(f"{where}.{name} is required")
    if kind == "minProperties":
        return BadRequest(f"{where} changes nothing", hint=f"give {_or(sorted(schema.get('properties', {})))}")
    if kind == "oneOf":
        return BadRequest(f"{where} needs exactly one of {_or([next(iter(o['required'])) for o in schema['oneOf']])}")
    if isinstance(value, str) and kind in ("enum", "format", "pattern"):
        check_characters(value, where)  # a control character is the thing to say, not a wrong value
    if kind == "enum":
        noun = str(error.absolute_path[-1]).replace("_", " ") if error.absolute_path else "value"
        return BadRequest(
            f"{where}={value!r} is not a {noun}", hint=f"use one of {', '.join(map(str, schema['enum']))}"
        )
    if kind == "format":
        return BadRequest(f"{where}={value!r} is not a date", hint="write it as YYYY-MM-DD")
    if kind == "pattern" and error.validator_value.startswith("^https?://"):
        return BadRequest(f"{where}: {value!r} is not an http(s) URL")
    if kind == "maxLength":
        return BadRequest(f"{where} is longer than {schema['maxLength']} characters")
    parent = error.parent
    if error.absolute_path and isinstance(error.absolute_path[-1], int):  # an item of a list of texts
        return BadRequest(f"{_where(list(error.absolute_path)[:-1])} must be a list of non-empty strings")
    expected = schema.get("type")
    if expected == "object":
        return BadRequest(f"{where} must be a JSON object", hint='e.g. {"label": "…"}')
    if expected == "array":
        return BadRequest(f"{where} must be a list of non-empty strings")
    if expected == "boolean":
        return BadRequest(f"{where} must be true or false")
    if expected == ["string", "null"]:
        return BadRequest(f"{where} must be a date or null", hint="write it as YYYY-MM-DD")
    if expected == "string":
        return BadRequest(f"{where} must be a non-empty string")
    return BadRequest(f"{where}: {(parent or error).message}")


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
