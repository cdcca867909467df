"""Fixtures: config -> kg (the shipped graph) -> app -> client / runner."""

from __future__ import annotations

import gc
import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from alliance_kg.config import Config
from alliance_kg.store import KnowledgeGraph, open_graph
from alliance_kg.web import create_app


def pytest_collection_finish(session):
    """Once the tests are collected, what is alive (modules, test items, strategies) stays alive:
    move it out of the garbage collector's sight. A full collection then looks at what the tests
    made only; a test that collects to free a store (tests/test_persistence.py) takes milliseconds,
    not a tenth of a second."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.from_env({})


@pytest.fixture(scope="session")
def shipped(config) -> KnowledgeGraph:
    """The shipped graph, loaded once. Read-only: tests that write use ``kg``."""
    return open_graph(config)


@pytest.fixture
def kg(shipped) -> KnowledgeGraph:
    """A fresh in-memory copy of the shipped graph that a test may change (copied, not loaded
    again: a third of the time)."""
    return shipped.copy()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def app(config, shipped):
    """The web app over the shipped graph. Read-only, like ``shipped``."""
    return create_app(config, kg=shipped)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests of a module (tests/chromium.py)."""
    from chromium import launched

    with launched() as chromium:
        yield chromium


# --- fuzzing (tests/test_fuzz_*.py) -----------------------------------------------------------------
# Two Hypothesis profiles: "ci", the default, keeps the fuzz tests to a few seconds of `make test`
# (and is derandomized, so a run is repeatable); "fuzz" runs many more, random, examples
# (`make fuzz`, `--hypothesis-profile=fuzz` or HYPOTHESIS_PROFILE=fuzz), FUZZ_EXAMPLES per test.
# No deadline: no test here is timed.

_FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=8, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=_FUZZ_HEALTH)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "500")), deadline=None,
                          database=None, print_blob=True, suppress_health_check=_FUZZ_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    """Say how many cases the fuzz tests ran (each records ``fuzz_cases``; see tests/fuzzing.py)."""
    counts: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "fuzz_cases":
                    counts[report.nodeid] = value
    if counts:
        files: dict[str, list[int]] = {}
        for nodeid, count in counts.items():
            files.setdefault(nodeid.split("::")[0], []).append(count)
        terminalreporter.section("fuzzing")
        for path, numbers in sorted(files.items()):
            terminalreporter.write_line(f"{sum(numbers):>9,} cases in {len(numbers)} tests of {path}")
        terminalreporter.write_line(f"{sum(counts.values()):>9,} fuzz cases run "
                                    f"(Hypothesis profile {settings.get_current_profile_name()!r})")
