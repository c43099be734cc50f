"""The config file: a person's standing choices, in TOML.

``$XDG_CONFIG_HOME/backfaq/config.toml`` on Linux (``~/.config/...`` by
default), the user config directory elsewhere, as ``platformdirs`` names it;
``BACKFAQ_CONFIG`` names another file. Settings (``KEYS``): ``data``, the
stores to serve; ``format``; ``limit``; ``history``, whether the prompt keeps
what is typed across sessions; ``pager``, whether tall rich output is
paged. An option on the command line wins, then an environment variable,
then the file, then the default.

Every command reads it, so reading costs start-up time: when there is no file
nothing is imported (the path is worked out here by hand, the way
platformdirs does; the tests hold the two to agreement), and ``tomllib`` is
imported only to read a file that exists.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Any

from backfaq.errors import ConfigError

CONFIG_VARIABLE = "BACKFAQ_CONFIG"
FILE_NAME = "config.toml"
MAX_BYTES = 2**20  # a config file is a few lines; a bound for /dev/zero
FORMATS = ("rich", "plain", "json", "jsonl")  # render.FORMATS, without importing it
KEYS = {
    "data": "a list of store files ('bundled' for the bundled FAQ)",
    "format": f"one of {', '.join(FORMATS)}",
    "limit": "a whole number of answers, at least 1",
    "history": "true or false (keep the prompt's history across sessions)",
    "pager": "true or false (page rich output taller than the terminal)",
}


def config_dir() -> str:
    """The user config directory: ``platformdirs.user_config_dir("backfaq",
    appauthor=False)``, without importing it (it costs every start 20 ms)."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        base = local if os.path.isabs(local) else os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "backfaq")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Application Support/backfaq")
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.config")
    return os.path.join(base, "backfaq")


def config_path() -> str:
    """The config file read: ``BACKFAQ_CONFIG``, else the user config directory's."""
    return os.environ.get(CONFIG_VARIABLE) or os.path.join(config_dir(), FILE_NAME)


def read_config(path: str) -> dict[str, Any]:
    """The settings in the file at ``path``; empty when there is no file (and
    ``BACKFAQ_CONFIG`` does not name it). Raises ConfigError naming the file,
    line and key of what is wrong."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(path, "is a directory, not a config file")
        if not stat.S_ISREG(mode):  # a pipe or a device would be waited on
            raise ConfigError(path, "not a regular file")
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):  # no such file (or home is a file)
        if os.environ.get(CONFIG_VARIABLE):
            raise ConfigError(path, f"no such file (named by {CONFIG_VARIABLE})") from None
        return {}
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(path, f"too large for a config file (over {MAX_BYTES // 1024} KiB)")
    try:
        text = raw.decode("utf-8-sig")  # Notepad's byte-order mark is not TOML
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the backport, the same parser
        import tomli as tomllib

    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    for key, value in settings.items():
        where = _line_of(text, key)
        if key not in KEYS:
            raise ConfigError(path, f"{where}unknown key '{key}' (known: {', '.join(KEYS)})")
        problem = _check(key, value)
        if problem:
            raise ConfigError(path, f"{where}'{key}' must be {KEYS[key]}, not {problem}")
    return _resolved(settings, path)


def _check(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``key``, as words; None when it is right."""
    if key == "data":
        if not isinstance(value, list) or not value:
            return _kind(value) if not isinstance(value, list) else "an empty list"
        bad = [item for item in value if not isinstance(item, str) or not item.strip()]
        return f"a list holding {_kind(bad[0])}" if bad else None
    if key == "format":
        return None if value in FORMATS else _kind(value)
    if key == "limit":
        ok = type(value) is int and value >= 1
        return None if ok else _kind(value)
    if key in ("history", "pager"):
        return None if isinstance(value, bool) else _kind(value)
    return None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if value.strip() else "an empty string"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "a list"
    return "a table" if isinstance(value, dict) else "a date or time"


def _line_of(text: str, key: str) -> str:
    """``line N: `` for the line that sets ``key`` (``key =``, or a table
    header ``[key]``), or ''."""
    name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\")"
    found = re.search(rf"^[ \t]*(?:{name}[ \t]*=|\[\[?[ \t]*{name}[ \t]*\])", text,
                      re.MULTILINE)
    return f"line {text.count(chr(10), 0, found.start()) + 1}: " if found else ""


def _resolved(settings: dict[str, Any], path: str) -> dict[str, Any]:
    """Store paths made absolute: ``~`` is the home directory, a relative
    path is relative to the config file."""
    if "data" in settings:
        from backfaq.store import BUNDLED

        here = os.path.dirname(os.path.abspath(path))
        settings["data"] = [
            item if item == BUNDLED else os.path.join(here, os.path.expanduser(item))
            for item in settings["data"]
        ]
    return settings
