"""Making user text safe to echo back on a terminal."""

from __future__ import annotations


def printable(text: str, limit: int = 200) -> str:
    """``text`` with control characters escaped and long input cut, for messages."""
    safe = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in text
    )
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"
