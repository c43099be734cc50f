"""Exceptions the core raises; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class BackfaqError(Exception):
    """Base class: the message is written for a person, not a developer."""


class FileError(BackfaqError):
    """Something wrong with one file: ``path: problem``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class StoreError(FileError):
    """A store could not be read or does not match the format (exit 2)."""


class PageError(FileError):
    """A page to import cannot be read or holds no question with an answer (exit 2)."""


class WriteError(FileError):
    """A store could not be written; the previous version is left as it was (exit 2)."""


class UnknownTopic(BackfaqError):
    """An import names a topic the store does not have (a usage error, exit 2)."""


class ConfigError(FileError):
    """The config file cannot be read or holds a setting backfaq does not know (exit 2)."""
