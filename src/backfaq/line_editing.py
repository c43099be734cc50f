"""Line editing at the prompt: Tab completion, and history kept across sessions
only when the person asks for it.

readline is imported only here, and only at a terminal; a Python without it
still has a working prompt, plain ``input()``. The questions people ask are
about their health: history is written only with ``interactive --history``
or the config file's ``history = true``, to ``history`` in the user state
directory (``platformdirs.user_state_dir``), readable by its owner alone, at
most ``HISTORY_LINES`` lines; a file that cannot be read or written leaves the
prompt working and says so once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

HISTORY_LINES = 1000
HISTORY_MODE = 0o600


def completions(line: str, text: str, commands: Sequence[str],
                values: Callable[[str], Sequence[str]]) -> list[str]:
    """What Tab offers for ``text``, the word being typed at the end of
    ``line``: a ``:command`` at the start of the line, else the values of the
    command typed (``values(":show")``: entry ids). Nothing for a question."""
    before = line[: len(line) - len(text)]
    if not before.strip():
        return [c + " " for c in commands if c.startswith(text)] if text.startswith(":") else []
    command = before.split()[0]
    if len(before.split()) > 1:
        return []  # one value per command
    return [v for v in values(command) if v.startswith(text)]


class LineEditor:
    """readline, set up for the prompt: a completer and, when asked, a history file."""

    def __init__(self, readline: Any, complete: Callable[[str, str], list[str]]) -> None:
        self.readline = readline
        self.history: str | None = None
        matches: list[str] = []

        def completer(text: str, state: int) -> str | None:
            nonlocal matches
            if state == 0:
                matches = complete(readline.get_line_buffer(), text)
            return matches[state] if state < len(matches) else None

        readline.set_completer(completer)
        # Ids hold '-' and ':' (notes:cactus): only a space ends a word.
        readline.set_completer_delims(" \t\n")
        if "libedit" in (readline.__doc__ or ""):  # macOS's readline
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")

    def keep_history(self, path: str) -> str | None:
        """Read the history at ``path`` and keep what is typed there; a
        warning when it cannot be read."""
        self.readline.set_history_length(HISTORY_LINES)
        try:
            self.readline.read_history_file(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            # Not kept this time: a file that could not be read is never
            # overwritten with this session's lines alone.
            return f"history not kept: cannot read {path}: {exc.strerror or exc}"
        self.history = path
        return None

    def save_history(self) -> str | None:
        """Write the history back, owner-only; a warning when it cannot be."""
        if self.history is None:
            return None
        path = self.history
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            # Created owner-only before a line is in it; an existing file is made so.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, HISTORY_MODE))
            os.chmod(path, HISTORY_MODE)
            self.readline.write_history_file(path)
        except OSError as exc:
            return f"history not kept: cannot write {path}: {exc.strerror or exc}"
        return None


def open_line_editor(complete: Callable[[str, str], list[str]]) -> LineEditor | None:
    """Line editing when this Python has readline, else None (plain input())."""
    try:
        import readline
    except ImportError:
        return None
    return LineEditor(readline, complete)


def history_path() -> str:
    """Where the prompt's history is kept when it is."""
    import platformdirs

    return os.path.join(platformdirs.user_state_dir("backfaq", appauthor=False), "history")
