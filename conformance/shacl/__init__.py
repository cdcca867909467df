"""The W3C SHACL test suite (``core`` and ``sparql``), run against three engines: plain pySHACL,
pyshacl-turbo, and alliance-kg's own validation (``make conformance``, after the SPARQL suites).

:mod:`.manifest` reads the tests, :mod:`.compare` reads and compares reports as the suite says,
:mod:`.engines` runs the engines, :mod:`.runner` runs everything. See docs/conformance.md.
"""
