"""What the service answers: names (the catalog), responsibility, lineage, figures, provenance,
descriptions of resources, and the VoID description of the dataset.

Plain Python over :class:`alliance_kg.store.KnowledgeGraph`, returning dataclasses: nothing here
knows of HTTP, and nothing here writes.
"""
