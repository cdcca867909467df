"""The W3C SPARQL 1.1 test suites, run against the real service over HTTP (``make conformance``).

See :mod:`conformance.runner` and docs/conformance.md.
"""
