"""Who may write: bearer tokens from ``ALLIANCE_KG_WRITE_TOKEN``, ``ALLIANCE_KG_ADMIN_TOKEN``
or a token file.

Reads are public. Writes need ``Authorization: Bearer <token>``: without any token configured
they are disabled (403, with how to enable them); a missing or wrong token is 401. Tokens are
compared in constant time, each against every configured one, so the time taken does not tell
which token came close. An *admin* token (``ALLIANCE_KG_ADMIN_TOKEN``, or a token file line
``name: token admin``) may also make destructive writes (``DROP ALL``, emptying a layer graph);
any other token gets a 403 for them.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from pathlib import Path

from flask import g, request

from ..config import Config
from ..errors import ConfigurationError, Unauthorized, WritesDisabled


@dataclass(frozen=True)
class Writer:
    """The holder of a token: its name (in the change log), and whether it is an admin."""

    name: str
    admin: bool = False


def load_tokens(config: Config) -> dict[str, Writer]:
    """``{token: writer}`` from the settings: ``write_token`` (named ``token``), ``admin_token``
    (named ``admin``) and the token file.

    >>> load_tokens(Config(write_token="s3cret", admin_token="b0ss"))
    {'s3cret': Writer(name='token', admin=False), 'b0ss': Writer(name='admin', admin=True)}
    """
    tokens: dict[str, Writer] = {}
    if config.write_token:
        tokens[config.write_token] = Writer("token")
    if config.admin_token:
        tokens[config.admin_token] = Writer("admin", admin=True)
    if config.write_tokens_file is not None:
        tokens.update(read_token_file(config.write_tokens_file))
    return tokens


def read_token_file(path: Path) -> dict[str, Writer]:
    """A token file: one ``name: token`` per line, ``name: token admin`` for an admin token;
    blank lines and ``#`` comments are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the write-token file {path}: {exc.strerror or exc}") from exc
    tokens: dict[str, Writer] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        words = rest.split()
        if not sep or not name.strip() or not words or len(words) > 2 or words[1:] not in ([], ["admin"]):
            raise ConfigurationError(f"{path}, line {number}: expected 'name: token' or 'name: token admin'")
        if len(words[0]) < 16:
            raise ConfigurationError(
                f"{path}, line {number}: the token of {name.strip()!r} is shorter than 16 characters"
            )
        tokens[words[0]] = Writer(name.strip(), admin=words[1:] == ["admin"])
    return tokens


def writer_for(tokens: dict[str, Writer], authorization: str | None) -> Writer:
    """The writer whose token ``authorization`` carries.

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
    for token, writer in tokens.items():
        if hmac.compare_digest(token.encode(), given_bytes):
            found = writer
    if found is None:
        error = Unauthorized("the bearer token is not valid", hint="check the token; it is compared exactly")
        error.headers = {"WWW-Authenticate": 'Bearer realm="alliance-kg", error="invalid_token"'}
        raise error
    return found


def requires_writer(view):
    """Let the request through only with a valid write token; its holder's name goes to
    ``g.writer``, and whether it is an admin to ``g.admin``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from .context import services

        writer = writer_for(services().tokens, request.headers.get("Authorization"))
        g.writer, g.admin = writer.name, writer.admin
        return view(*args, **kwargs)

    return wrapper
