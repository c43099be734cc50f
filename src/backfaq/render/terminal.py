"""Rich output for people at a terminal: panels, tables, colour, highlighted matches.

This is the only module that imports rich; it costs start-up time, so the
CLI imports it only when rich output is drawn.
"""

from __future__ import annotations

import re
import shutil
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backfaq.analyzer import fold, stem
from backfaq.render.plain import describe_term

_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_STEP = re.compile(r"^\s*(?:\d+\.|[•\-*])\s+")


class RichRenderer:
    def __init__(self, out: TextIO, *, show_explain: bool = False) -> None:
        self.console = Console(file=out, highlight=False)
        if self.console.width < 1:
            # COLUMNS=0 would make rich draw nothing at all; shutil ignores it and
            # asks the terminal, falling back to 80 columns.
            self.console.width = shutil.get_terminal_size().columns
        self.show_explain = show_explain

    def ask(self, data: dict[str, Any]) -> None:
        for rank, result in enumerate(data["results"], 1):
            explain = result.get("explain", {})
            matched = {s for t in explain.get("terms", []) for s in t["stems"]}
            body: list[Any] = [answer_text(result["answer"], matched), _footer(result)]
            if self.show_explain and explain:
                body.append(_explain_text(explain))
            self.console.print(
                Panel(
                    Group(*body),
                    title=Text(f"{rank}. {result['question']}", style="bold"),
                    title_align="left",
                    subtitle=Text(f"score {result['score']:.0f}", style="dim"),
                    subtitle_align="right",
                    border_style="cyan",
                )
            )

    def entry(self, data: dict[str, Any]) -> None:
        body: list[Any] = []
        if data["also_asked"]:
            body.append(Text("Also asked: " + "; ".join(data["also_asked"]), style="dim"))
        body.append(answer_text(data["answer"], set()))
        body.append(_footer(data))
        self.console.print(
            Panel(
                Group(*body),
                title=Text(data["question"], style="bold"),
                title_align="left",
                subtitle=Text(data["id"], style="dim"),
                subtitle_align="right",
                border_style="cyan",
            )
        )

    def _table(self, columns: list[str], rows: list[list[str]]) -> None:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        for n, column in enumerate(columns):
            # The first column holds ids people copy into `show`: never break one.
            table.add_column(column, overflow="fold", no_wrap=n == 0)
        for row in rows:
            table.add_row(*row)
        self.console.print(table)

    def entries(self, rows: list[dict[str, str]]) -> None:
        self._table(
            ["ID", "Topic", "Question"], [[r["id"], r["topic"], r["question"]] for r in rows]
        )

    def topics(self, rows: list[dict[str, Any]]) -> None:
        self._table(
            ["Topic", "Entries", "Description"],
            [[f"{r['title']} ({r['id']})", str(r["entries"]), r["description"]] for r in rows],
        )

    def sources(self, rows: list[dict[str, Any]]) -> None:
        self._table(
            ["Source", "Entries", "File"],
            [[f"{r['title']} ({r['id']})", str(r["entries"]), r["file"]] for r in rows],
        )


def answer_text(answer: str, matched: set[str]) -> Text:
    """The answer with steps as list lines and matched words highlighted."""
    text = Text()
    for n, line in enumerate(answer.splitlines()):
        if n:
            text.append("\n")
        if _STEP.match(line):
            line = "  " + line.strip()
        start = len(text)
        text.append(line)
        for word in _WORD.finditer(line):
            if stem(fold(word.group())) in matched:
                text.stylize("bold yellow", start + word.start(), start + word.end())
    return text


def _footer(data: dict[str, Any]) -> Text:
    """Topic, every source and the id, below the answer."""
    lines = [f"Topic: {data['topic_title']}  ·  id: {data['id']}"]
    lines += [f"Source: {s['title']} ({s['file']})" for s in data["sources"]]
    return Text("\n" + "\n".join(lines), style="dim")


def _explain_text(explain: dict[str, Any]) -> Text:
    fields = explain["fields"]
    lines = [
        f"why: question {fields['question']:.1f} + answer {fields['answer']:.1f}"
        f" + phrase {fields['phrase']:.1f}"
    ]
    lines += [f"why: {describe_term(t)}" for t in explain["terms"]]
    return Text("\n" + "\n".join(lines), style="dim italic")
