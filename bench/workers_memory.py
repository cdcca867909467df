"""The memory of ``serve --workers N`` once warmed up (issue 18): starts the server on a data
directory, sends a few requests so that every worker has answered, waits until its CPU settles,
and prints the time to the first ``/health`` answer and the PSS of the server and all its
processes (pages the forked workers share counted once, as ``bench/servers.py`` sums them).

    .venv/bin/python bench/workers_memory.py --data-dir build/bench/data-1M --workers 2 --writes
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from server import free_port  # noqa: E402  (tests/server.py)
from servers import serving_memory_mb, wait_idle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="a data directory (default: the shipped graph)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writes", action="store_true", help="enable writes (a write token): the guard's graph is built")
    args = parser.parse_args()
    port = free_port()
    env = dict(os.environ)
    if args.writes:
        env["ALLIANCE_KG_WRITE_TOKEN"] = "bench-write-token-0123456789"
    command = [str(ROOT / ".venv" / "bin" / "alliance-kg")]
    command += ["--data-dir", str(args.data_dir)] if args.data_dir else []
    command += ["serve", "--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(port)]
    began = time.monotonic()
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the server ended before it answered") from None
                time.sleep(0.1)
        first = time.monotonic() - began
        for _ in range(20 * args.workers):  # every worker answers (and warms up)
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=Renualt", timeout=120).read()
        wait_idle(server.pid, cap=600, interval=2.0, max_cpu=0.05)
        memory = serving_memory_mb(server.pid)
        print(f"{args.workers} worker(s), writes {'on' if args.writes else 'off'}: first /health after {first:.1f} s; "
              f"PSS once warm {memory:,.0f} MB")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
