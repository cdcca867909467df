"""The README documents every command, exit code and setting, and the commands CI runs."""

from __future__ import annotations

from pathlib import Path

from alliance_kg.cli import cli
from alliance_kg.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_command():
    for name in cli.commands:
        assert f"alliance-kg {name}" in README, name


def test_readme_documents_every_setting():
    for setting in SETTINGS:
        assert f"ALLIANCE_KG_{setting.name.upper()}" in README, setting.name


def test_readme_documents_the_exit_codes():
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in README


def test_ci_runs_the_readme_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "make test" in ci
    assert "make test" in README and "make run" in README


def test_readme_documents_every_endpoint_and_method_with_a_curl_example(app):
    import re

    readme = README.replace("\\|", "|")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert re.search(rf"`(?:[A-Z]+\|)*{method}(?:\|[A-Z]+)* {re.escape(path)}", readme), f"{method} {path}"
        example = path.split("{")[0].rstrip("/")
        assert re.search(rf"curl [^\n]*'http://127\.0\.0\.1:8000{re.escape(example)}", readme), path
