"""``python -m conformance.shacl``: see :mod:`conformance.shacl.runner`.

The process first denies itself network sockets, with the seccomp filter that confines the
service's query processes (:func:`alliance_kg.store.confine.socket_filter`): a shape of the
suite (``sparql/pre-binding/unsupported-sparql-003``) sends a query to a remote endpoint
(``SERVICE``), which Oxigraph would follow. Blocked, no request leaves this machine and every run
gives the same outcome. Where the platform has no seccomp, the runner says so and runs anyway.
"""

import sys

from alliance_kg.store.confine import socket_filter

from .runner import main

rules = socket_filter()
try:
    if rules is None:
        raise OSError("no seccomp on this platform")
    rules.load()
except Exception as exc:  # noqa: BLE001 - not blocked: said, and the suite still runs
    print(f"conformance.shacl: network NOT blocked ({exc}): a SERVICE query of the suite may reach out")

sys.exit(main())
