"""Running backfaq as a real process, the way a shell or a script does.

Shared by the robustness tests (test_bad_input, test_bad_stores, test_terminal).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# ``python -m backfaq`` works wherever the package is importable; the console
# script is tested too when it is installed next to the interpreter.
MODULE = [sys.executable, "-m", "backfaq"]

# Settings a developer's shell may carry that change what backfaq prints; every
# test starts without them and sets the ones it is about.
_INHERITED_SETTINGS = (
    "BACKFAQ_DATA",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "TERM",
    "COLUMNS",
    "LINES",
    "PYTHONIOENCODING",
    "PYTHONUNBUFFERED",
)

# What must never reach a user, whatever they type.
CRASH_MARKERS = (b"Traceback", b"Exception ignored", b"UnicodeEncodeError", b"Aborted!")

Arg = str | bytes


def console_script() -> list[str] | None:
    """The installed ``backfaq`` script beside the running interpreter, if any."""
    name = "backfaq.exe" if os.name == "nt" else "backfaq"
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.is_file() else None


def environment(**settings: str) -> dict[str, str]:
    """The current environment without terminal and store settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_SETTINGS}
    env.update(settings)
    return env


def run(
    *args: Arg,
    program: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """Run backfaq with ``args`` (bytes reach argv unchanged), capturing bytes.

    The timeout only stops a hung process from stalling the suite.
    """
    return subprocess.run(
        [*(program or MODULE), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=environment() if env is None else env,
        timeout=timeout,
    )


def assert_no_crash(stderr: bytes | str) -> None:
    """No traceback, no shutdown noise, no encoding failure, no Click 'Aborted!'."""
    raw = stderr.encode("utf-8", "surrogateescape") if isinstance(stderr, str) else stderr
    for marker in CRASH_MARKERS:
        assert marker not in raw, raw.decode("utf-8", "replace")


def one_error_line(stderr: bytes | str) -> str:
    """The single ``Error: ...`` line that makes up all of stderr."""
    text = stderr.decode("utf-8") if isinstance(stderr, bytes) else stderr
    assert_no_crash(text)
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("Error: "), text
    assert text.endswith("\n")
    return lines[0]


def final_error_line(stderr: bytes | str) -> str:
    """A Click usage error: a usage hint, then exactly one ``Error: ...`` line, last."""
    text = stderr.decode("utf-8") if isinstance(stderr, bytes) else stderr
    assert_no_crash(text)
    errors = [line for line in text.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, text
    assert text.splitlines()[-1] == errors[0], text
    return errors[0]
