"""Who may write: bearer tokens from ``ALLIANCE_KG_WRITE_TOKEN`` or a token file.

Reads are public. Writes need ``Authorization: Bearer <token>``: without any token configured
they are disabled (403, with how to enable them); a missing or wrong token is 401. Tokens are
compared in constant time, each against every configured one, so the time taken does not tell
which token came close.
"""

from __future__ import annotations

import functools
import hmac
from pathlib import Path

from flask import g, request

from ..config import Config
from ..errors import ConfigurationError, Unauthorized, WritesDisabled


def load_tokens(config: Config) -> dict[str, str]:
    """``{token: name}`` from the settings: ``write_token`` (named ``token``) and the token file.

    >>> load_tokens(Config(write_token="s3cret"))
    {'s3cret': 'token'}
    """
    tokens: dict[str, str] = {}
    if config.write_token:
        tokens[config.write_token] = "token"
    if config.write_tokens is not None:
        tokens.update(read_token_file(config.write_tokens))
    return tokens


def read_token_file(path: Path) -> dict[str, str]:
    """A token file: one ``name: token`` per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the write-token file {path}: {exc.strerror or exc}") from exc
    tokens: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, token = line.partition(":")
        if not sep or not name.strip() or not token.strip():
            raise ConfigurationError(f"{path}, line {number}: expected 'name: token'")
        if len(token.strip()) < 16:
            raise ConfigurationError(f"{path}, line {number}: the token of {name.strip()!r} is shorter than 16 characters")
        tokens[token.strip()] = name.strip()
    return tokens


def writer_name(tokens: dict[str, str], authorization: str | None) -> str:
    """The name of the writer whose token ``authorization`` carries.

    :raises WritesDisabled: no token is configured.
    :raises Unauthorized: no bearer token, or an unknown one.
    """
    if not tokens:
        raise WritesDisabled(
            "writes are disabled on this service: no write token is configured",
            hint="set ALLIANCE_KG_WRITE_TOKEN, or start the server with --write-tokens FILE (one 'name: token' per line)",
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        error = Unauthorized("this write needs a bearer token", hint="send the header 'Authorization: Bearer <token>'")
        error.headers = {"WWW-Authenticate": 'Bearer realm="alliance-kg"'}
        raise error
    found = None
    given_bytes = given.strip().encode()
    for token, name in tokens.items():
        if hmac.compare_digest(token.encode(), given_bytes):
            found = name
    if found is None:
        error = Unauthorized("the bearer token is not valid", hint="check the token; it is compared exactly")
        error.headers = {"WWW-Authenticate": 'Bearer realm="alliance-kg", error="invalid_token"'}
        raise error
    return found


def requires_writer(view):
    """Let the request through only with a valid write token; its name goes to ``g.writer``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from flask import current_app

        g.writer = writer_name(current_app.extensions["alliance_kg_tokens"], request.headers.get("Authorization"))
        return view(*args, **kwargs)

    return wrapper
