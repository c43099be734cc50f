"""Exceptions the core raises; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class BackfaqError(Exception):
    """Base class: the message is written for a person, not a developer."""


class StoreError(BackfaqError):
    """A store could not be read or does not match the format (exit 2)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
