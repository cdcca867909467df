"""Ten violations put into a generated graph past the guard are found by a full validation, exactly
those ten, in every report format (issue 16; bench/injected.py runs it at any size, 1M included)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from injected import check  # noqa: E402

pytestmark = pytest.mark.xdist_group("generate")


@pytest.mark.parametrize("engine", [None, "sparql"], ids=["default", "in-the-store"])
@pytest.mark.parametrize("triples, seed", [(10_000, 1), (12_000, 7)])
def test_ten_injected_violations_give_exactly_ten_results_in_every_format(tmp_path, triples, seed, engine):
    result = check(triples, seed, workdir=tmp_path, engine=engine)
    assert sum(result["expected"].values()) == 10
    assert result["found"] == result["expected"]
    assert result["formats"] == {"json": 10, "turtle": 10, "json-ld": 10, "text": 10}
    assert result["conforms"] is False
