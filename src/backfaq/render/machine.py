"""JSON and JSON Lines output: the contract scripts rely on (see the README)."""

from __future__ import annotations

import json
from typing import Any, TextIO


class JsonRenderer:
    """``json`` writes one document; ``jsonl`` writes one object per line."""

    def __init__(self, out: TextIO, *, lines: bool) -> None:
        self.out = out
        self.lines = lines

    def _write(self, value: Any) -> None:
        self.out.write(json.dumps(value, ensure_ascii=False) + "\n")

    def _rows(self, rows: list[Any]) -> None:
        if self.lines:
            for row in rows:
                self._write(row)
        else:
            self.out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")

    def ask(self, data: dict[str, Any]) -> None:
        if self.lines:
            for rank, result in enumerate(data["results"], 1):
                self._write({"query": data["query"], "rank": rank, **result})
        else:
            self.out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def entry(self, data: dict[str, Any]) -> None:
        if self.lines:
            self._write(data)
        else:
            self.out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    entries = topics = sources = _rows
