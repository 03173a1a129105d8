"""Wegweiser: the multilingual guide and coordination workspace of a district integration office."""

__version__ = "0.1.0"
