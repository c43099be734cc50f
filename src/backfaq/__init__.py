"""backfaq: answers questions about upper back pain from a curated FAQ."""

__version__ = "0.1.0"
