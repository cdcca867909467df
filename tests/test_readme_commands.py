"""The README is true to the CLI: every ``alliance-kg …`` command line in its ``sh`` blocks runs
as written and succeeds (with ``--help`` after ``serve``, which would not return).

``DIR`` stands for a store directory (a new one), and the commands run one after the other in
one scratch folder, so a file one writes (``export -o seed.nt``) is there for the next."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from alliance_kg.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
PROGRAM = ("alliance-kg", ".venv/bin/alliance-kg")
#: Commands that would not return (a server), or need what a test does not have: run with --help.
WITH_HELP = {"serve", "init"}


def command_lines(markdown: str) -> list[str]:
    """Every command line of the ``sh`` blocks that runs the CLI; a line that opens a quote
    continues until it closes.

    >>> command_lines("```sh\\nalliance-kg query '\\nASK {}'\\ncurl x\\n```\\n```\\nalliance-kg 0.1.0: output\\n```")
    ["alliance-kg query '\\nASK {}'"]
    """
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M):
        pending = ""
        for line in block.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            try:
                shlex.split(pending)
            except ValueError:  # an open quote: the command goes on
                continue
            if pending.split(maxsplit=1)[0] in PROGRAM:
                found.append(pending)
            pending = ""
    return found


COMMANDS = command_lines(README)


def test_the_readme_has_command_lines_for_every_command():
    used = {word for line in COMMANDS for word in shlex.split(line) if word in cli.commands}
    assert used == set(cli.commands), set(cli.commands) - used


def test_both_places_of_the_global_options_are_shown():
    assert any(shlex.split(line)[1] == "--store" for line in COMMANDS)
    assert any("--store" in shlex.split(line)[2:] for line in COMMANDS)


def test_every_readme_command_line_runs(tmp_path, monkeypatch):
    """One test, not one per line: the lines run in the README's order in one folder, whichever
    worker runs them; every line that fails is named."""
    monkeypatch.chdir(tmp_path)
    failures = []
    for line in COMMANDS:
        args = [str(tmp_path / "store") if word == "DIR" else word for word in shlex.split(line)[1:]]
        if WITH_HELP & set(args):
            args.append("--help")
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        if result.exit_code != 0 or ("--help" not in args and "error" in result.output.lower()):
            failures.append(f"{line}\n(exit {result.exit_code})\n{result.output}")
    assert len(COMMANDS) > 10, "the README's command lines were not found"
    assert not failures, "\n\n".join(failures)
