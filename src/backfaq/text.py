"""Making user text safe to echo back on a terminal."""

from __future__ import annotations

from typing import Any

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


class InPieces:
    """A text stream that passes each write on in pieces of at most PIECE
    characters. A pipe whose reader quits takes part of one large write,
    and Python's buffered writer reports that part as written, without an
    error, so a cut-off ``list --format json`` would exit 0; a piece after
    it fails, and the command exits 1. Everything else is the stream's."""

    PIECE = 1 << 16

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        for start in range(0, len(text), self.PIECE):
            self._stream.write(text[start : start + self.PIECE])
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing a reader can see: spaces, line breaks,
    format characters (zero-width spaces, bidirectional marks), controls,
    and combining marks with no letter to sit on: the search reads no word."""
    import unicodedata

    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me")
               for ch in text)
