"""JSON and JSON Lines output: the contract scripts rely on (see the README)."""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from backfaq.text import encodes_all_text

# Characters json.dumps leaves raw that a terminal may act on, that split lines
# or that reorder what is displayed: DEL and the C1 controls (U+009B starts an
# escape sequence), the line and paragraph separators and the bidirectional
# controls. They only ever occur inside strings, so escaping them is safe.
_CONTROLS = re.compile("[\x7f-\x9f]")
# Found with str.replace rather than in the pattern above: a character class
# reaching past U+00FF takes longer to compile (about 0.4 ms) than an answer
# takes to render.
_FORMATTING = (
    "\u2028\u2029\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


def dumps(value: Any, *, ascii_only: bool = False, indent: int | None = None) -> str:
    """JSON text that is safe to print: every control character escaped."""
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    text = _CONTROLS.sub(lambda m: _escape(m.group()), text)
    if not text.isascii():
        for char in _FORMATTING:
            if char in text:
                text = text.replace(char, _escape(char))
    return text


class JsonRenderer:
    """``json`` writes one document; ``jsonl`` writes one object per line."""

    def __init__(self, out: TextIO, *, lines: bool) -> None:
        self.out = out
        self.lines = lines
        # Escape non-ASCII characters when the stream cannot take them (an
        # ASCII-only locale), so that the output stays valid JSON.
        self.ascii = not encodes_all_text(out)

    def _dumps(self, value: Any, indent: int | None = None) -> str:
        return dumps(value, ascii_only=self.ascii, indent=indent)

    def _write(self, value: Any) -> None:
        self.out.write(self._dumps(value) + "\n")

    def _rows(self, rows: list[Any]) -> None:
        if self.lines:
            for row in rows:
                self._write(row)
        else:
            self.out.write(self._dumps(rows, indent=2) + "\n")

    def ask(self, data: dict[str, Any]) -> None:
        if self.lines:
            # Each line stands alone, so each carries the warning and the caveat.
            around = {k: data[k] for k in ("notice", "disclaimer") if k in data}
            # The urgent-care advice comes first, unranked, as in every format.
            for entry in data.get("urgent", ()):
                self._write({"query": data["query"], "rank": None, **around, **entry})
            for rank, result in enumerate(data["results"], 1):
                self._write({"query": data["query"], "rank": rank, **around, **result})
        else:
            self.out.write(self._dumps(data, indent=2) + "\n")

    def answer(self, data: dict[str, Any]) -> None:
        """One query and all its results as a single line (batch mode)."""
        self._write(data)

    def entry(self, data: dict[str, Any]) -> None:
        if self.lines:
            self._write(data)
        else:
            self.out.write(self._dumps(data, indent=2) + "\n")

    entries = topics = sources = reports = _rows
    report = entry
