"""The rules and the writes they guard: the SHACL shapes, full and focused validation, the quote
fingerprints, the messages of a report, the guard that validates every write before it is
committed, the planning of the JSON API's writes, and the change log.
"""
