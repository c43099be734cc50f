"""Making user text safe to echo back on a terminal."""

from __future__ import annotations

MESSAGE_LIMIT = 1000  # characters of one message line about user input


def printable(text: str, limit: int = 200) -> str:
    """``text`` with control characters escaped and long input cut, for messages."""
    safe = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in text
    )
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def encodes_all_text(stream: object) -> bool:
    """Whether ``stream`` can take any character (UTF-8 can; ASCII or Latin-1 cannot).

    JSON written to a stream that cannot must escape non-ASCII characters
    itself: the stream's fallback would turn a curly quote into a bare '"'
    inside a JSON string.
    """
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or not encoding:
        return True
    try:
        "\u201c\U0001f600".encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


_ASCII_FALLBACKS = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...",
    "\u2013": "-", "\u2014": "-", "\u2022": "*", "\u00b7": "-", "\u00a0": " ",
}


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: typographic characters as ASCII, anything else as '?'."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(_ASCII_FALLBACKS.get(ch, "?") for ch in bad), exc.end


def make_streams_safe() -> None:
    """Let stdout and stderr print any answer, even to an ASCII-only locale."""
    import codecs
    import io
    import sys

    codecs.register_error("backfaq-fallback", _fallback)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backfaq-fallback")
