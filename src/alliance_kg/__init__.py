"""alliance-kg: a knowledge graph of the Renault-Nissan-Mitsubishi leader-follower model."""

__version__ = "0.1.0"
