"""A pager for rich output taller than the terminal, as git, man and tealdeer do.

The pager is ``$BACKFAQ_PAGER``, else ``$PAGER``, else ``less -FRX`` when it
is installed (``-F``: leave at once when the text fits, ``-R``: keep the
colours, ``-X``: leave the text on the screen); an empty variable means no
pager. Only rich output to a terminal is paged, and only when it is taller
than the screen: never piped output, never the prompt, never on a dumb
terminal, never with ``--no-pager`` or the config file's ``pager = false``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Mapping


def pager_command(env: Mapping[str, str] = os.environ) -> list[str] | None:
    """The pager to run, or None for none (on a dumb terminal, which cannot
    draw a pager's screen: Emacs's shell, a serial line)."""
    if env.get("TERM") == "dumb":
        return None
    for variable in ("BACKFAQ_PAGER", "PAGER"):
        if variable in env:
            try:
                return shlex.split(env[variable]) or None
            except ValueError:  # unbalanced quotes: no pager rather than a wrong one
                return None
    less = shutil.which("less")
    return [less, "-FRX"] if less else None


def screen_rows() -> int:
    """The terminal's height (``LINES`` first), 24 when it cannot be told."""
    return shutil.get_terminal_size((80, 24)).lines


def page(text: str, command: list[str]) -> bool:
    """Show ``text`` through the pager; False when the pager cannot be
    started or fails (``PAGER=false``): the caller writes the text itself."""
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does, for a $PAGER of plain "less"
    # Ctrl-C belongs to the pager while it runs (less uses it to stop a
    # search): backfaq ignores it until the pager is done, as git does.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env,
                                     encoding="utf-8", errors="replace",
                                     preexec_fn=_default_interrupt)
        except OSError:
            return False
        assert pager.stdin is not None
        try:
            pager.stdin.write(text)
            pager.stdin.close()
        except BrokenPipeError:  # the reader quit the pager early: fine
            pass
        return pager.wait() == 0
    finally:
        signal.signal(signal.SIGINT, previous)


def _default_interrupt() -> None:
    """In the pager's process: Ctrl-C as the pager itself wants it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
