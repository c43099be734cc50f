"""Shared fixtures: a CLI runner, the bundled store, and a clean user environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from backfaq.model import Store
from backfaq.store import load_store


@pytest.fixture(autouse=True)
def isolated_user_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's store, cache, home directory or terminal settings."""
    monkeypatch.delenv("BACKFAQ_DATA", raising=False)
    # Nor their config file, nor the prompt's history (both under HOME below).
    for name in ("BACKFAQ_CONFIG", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / "xdg-cache"
    home = tmp_path / "home"
    cache.mkdir()
    home.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("HOME", str(home))
    # Deterministic terminal output: no forced colour, a fixed width.
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")


@pytest.fixture
def runner() -> CliRunner:
    """A runner that keeps stdout and stderr apart."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    except TypeError:
        return CliRunner()  # Click >= 8.2 always keeps them apart


@pytest.fixture(scope="session")
def store() -> Store:
    """The bundled FAQ store."""
    return load_store()
