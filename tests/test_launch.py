"""The program starts itself again, once, on transparent huge pages where the system offers them
(alliance_kg.launch), keeping its command line, and never when the operator set GLIBC_TUNABLES."""

from __future__ import annotations

import os
import subprocess
import sys

from alliance_kg import launch

CODE = "import os; print('tunables:', os.environ.get('GLIBC_TUNABLES')); from alliance_kg.launch import main; main()"


def run(env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CODE, "--version"], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.splitlines()


def test_it_restarts_once_with_the_tunable_and_its_command_line():
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    lines = run(env)
    if launch._should_restart():
        assert lines[:2] == ["tunables: None", "tunables: glibc.malloc.hugetlb=1"]
    else:
        assert lines[0] == "tunables: None" and not any(line.startswith("tunables:") for line in lines[1:])
    assert lines[-1].startswith("alliance-kg, version")  # the command ran, with its arguments


def test_the_operators_tunables_win():
    lines = run({**os.environ, "GLIBC_TUNABLES": ""})
    assert [line for line in lines if line.startswith("tunables:")] == ["tunables: "]
