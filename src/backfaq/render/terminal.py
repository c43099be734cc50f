"""Rich output for people at a terminal: panels, tables, colour, highlighted matches.

This is the only module that imports rich; it costs start-up time, so the
CLI imports it only when rich output is drawn. Answers wrap to the terminal's
width, their steps are drawn as lists with hanging indents, and a warning
notice is a red panel above everything else.
"""

from __future__ import annotations

import os
import re
from typing import Any, TextIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.panel import Panel
from rich.text import Text

from backfaq.analyzer import fold, stem
from backfaq.render.plain import explain_lines, report_lines, source_line

# Alternations rather than character classes: a class holding a character past
# U+00FF takes the regex compiler three times as long (about 0.3 ms each).
_WORD = re.compile(r"\w+(?:(?:'|\u2019)\w+)*")
_STEP = re.compile(r"^\s*(\d+\.|•|[\-*])\s+")
# Some answers run their steps together, each ending in an ellipsis
# ("Warm Up Everything… Pull Ups Are Better…"): more than three pieces make
# a list, the first piece (the answer's heading) staying a paragraph.
_RUN_ON = re.compile(r"(?<=\u2026)\s*")  # after each ellipsis, which stays
_RUN_ON_STEPS = 3


class RichRenderer:
    def __init__(
        self,
        out: TextIO,
        *,
        show_explain: bool = False,
        quiet: bool = False,
        console: Console | None = None,
        terminal: bool = False,
    ) -> None:
        # Tests pass a recording console of a fixed width. A buffer bound for
        # a pager is drawn as for the terminal: its width, its colours.
        self.console = console or Console(
            file=out, highlight=False, force_terminal=terminal or None,
            width=_terminal_columns() if terminal else None,
        )
        if self.console.width < 1 or (console is None and os.environ.get("TERM") == "dumb"):
            # COLUMNS=0 would make rich draw nothing at all, and rich takes a
            # dumb terminal to be 80 wide: ask the terminal itself.
            self.console.width = _terminal_columns()
        # A panel narrower than this holds no text at all: drawn wider, the
        # terminal wraps it, but every word is there.
        self.console.width = max(self.console.width, MIN_WIDTH)
        self.show_explain = show_explain
        self.quiet = quiet

    def ask(self, data: dict[str, Any]) -> None:
        if data.get("notice"):
            notice = Text(data["notice"], style="bold red")
            if self.quiet:
                self.console.print(notice)
            else:
                self.console.print(
                    Panel(notice, title=Text("Warning", style="bold red"), title_align="left",
                          border_style="red")
                )
        for entry in data.get("urgent", ()):
            # The urgent-care advice is part of the warning: under it, unranked.
            advice: list[Any] = [answer_body(entry["answer"], set())]
            if self.quiet:
                self.console.print(Text(entry["question"], style="bold"), *advice)
                continue
            advice.append(self._footer(entry))
            title, head = self._title(entry["question"])
            self.console.print(
                Panel(Group(*head, *advice), title=title,
                      title_align="left", border_style="red",
                      # Not a ranked answer: it is here because of the sign.
                      subtitle=self._border_label("shown for the warning sign",
                                                  "warning sign", style="red"),
                      subtitle_align="right")
            )
            self._long_id(entry["id"])
        shown = {entry["id"] for entry in data.get("urgent", ())}
        for rank, result in enumerate(data["results"], 1):
            if result["id"] in shown:
                continue  # already under the notice; the ranks stay those of JSON
            explain = result.get("explain", {})
            matched = {s for t in explain.get("terms", []) for s in t["stems"]}
            body: list[Any] = [answer_body(result["answer"], matched)]
            if not self.quiet:
                body.append(self._footer(result))
            if self.show_explain and explain:
                body.append(_explain_text(explain))
            if self.quiet:
                if rank > 1:
                    self.console.print()
                self.console.print(Text(result["question"], style="bold"), *body)
                continue
            title, head = self._title(result["question"], f"{rank}. ")
            self.console.print(
                Panel(
                    Group(*head, *body),
                    title=title,
                    title_align="left",
                    subtitle=Text(f"score {result['score']:.0f}", style="dim"),
                    subtitle_align="right",
                    border_style="cyan",
                )
            )
            self._long_id(result["id"])
        if self.show_explain and "decision" in data:
            reasons = "\n".join(f"decision: {r}" for r in data["decision"]["reasons"])
            self.console.print(Text(reasons, style="dim italic"))
        if not self.quiet and data.get("disclaimer"):
            self.console.print(Text(data["disclaimer"], style="dim italic"))

    def reports(self, rows: list[dict[str, Any]]) -> None:
        """``validate`` of several stores: each one's report in turn."""
        for data in rows:
            self.report(data)

    def report(self, data: dict[str, Any]) -> None:
        style = "green" if data["valid"] else "red"
        for line in report_lines(data):
            self.console.print(Text(line, style=style))

    def entry(self, data: dict[str, Any]) -> None:
        body: list[Any] = []
        if data["also_asked"]:
            body.append(Text("Also asked: " + "; ".join(data["also_asked"]), style="dim"))
        body.append(answer_body(data["answer"], set()))
        body.append(self._footer(data))
        title, head = self._title(data["question"])
        self.console.print(
            Panel(
                Group(*head, *body),
                title=title,
                title_align="left",
                border_style="cyan",
            )
        )
        self._long_id(data["id"])

    def _footer(self, data: dict[str, Any]) -> Text:
        """Topic, the id (on a line of its own, whole: an id that does not
        fit inside the panel is given under it, see ``_long_id``), every source."""
        store = f"  ·  store: {data['store']}" if data.get("store") else ""
        lines = [f"Topic: {data['topic_title']}{store}"]
        if self._id_fits(data["id"]):
            lines.append(f"id: {data['id']}")
        lines += [f"Source: {source_line(s)}" for s in data["sources"]]
        return Text("\n" + "\n".join(lines), style="dim")

    def _id_fits(self, entry_id: str) -> bool:
        return cell_len(f"id: {entry_id}") <= self.console.width - _PANEL_EDGES

    def _long_id(self, entry_id: str) -> None:
        """An id too long for its panel, under it, whole (soft-wrapped: a copy
        of it pastes whole into `show`)."""
        if not self.quiet and not self._id_fits(entry_id):
            self.console.print(Text(f"id: {entry_id}", style="dim"), soft_wrap=True)

    def _border_label(self, label: str, short: str, *, style: str) -> Text:
        """``label`` for a panel's border, else ``short`` when it does not fit
        (a narrow terminal), cut with an ellipsis when neither does: rich
        would cut it mid-word without one."""
        room = max(self.console.width - 6, 1)  # the corners, and a space either side
        text = Text(label if cell_len(label) <= room else short, style=style)
        text.truncate(room, overflow="ellipsis")
        return text

    def _title(self, question: str, prefix: str = "") -> tuple[Text, list[Text]]:
        """A panel's title, and what goes first inside it: the question is the
        title when it fits on the border, else it is cut there with an
        ellipsis and given whole as the panel's first line."""
        room = self.console.width - 6  # the corners, and a space either side
        title = Text(prefix + question, style="bold")
        if cell_len(title.plain) <= room:
            return title, []
        title.truncate(max(room, 1), overflow="ellipsis")
        return title, [Text(question, style="bold")]

    def _table(self, columns: list[str], rows: list[list[str]],
               whole: frozenset[int] = frozenset({0})) -> None:
        """A table when every column fits, else a block per row (as gh and
        kubectl do in a narrow terminal). The columns in ``whole`` (ids, file
        names, addresses: what people copy) are never broken, in either layout."""
        from rich import box
        from rich.table import Table

        least = [_least_width(column, [row[n] for row in rows], whole=n in whole)
                 for n, column in enumerate(columns)]
        # Two cells of padding a column, and box.SIMPLE_HEAD's blank edges.
        if sum(least) + 3 * len(columns) + 1 > self.console.width:
            self._blocks(columns, rows)
            return
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        for n, column in enumerate(columns):
            if least[n] > TEXT_MIN or n in whole:  # kept whole, on one line
                table.add_column(column, min_width=least[n], no_wrap=True)
            else:  # running text: rich wraps it into what is left
                table.add_column(column, overflow="fold", ratio=1)
        for row in rows:
            # Text, not markup: a store's "[x]" is shown, never read as a style.
            table.add_row(*(Text(cell) for cell in row))
        self.console.print(table)

    def _blocks(self, columns: list[str], rows: list[list[str]]) -> None:
        """Each row as a short block: its first field whole on a line of its
        own, the others labelled, their lines hanging under their text."""
        from rich.padding import Padding
        from rich.table import Table

        for number, row in enumerate(rows):
            if number:
                self.console.print()
            # Soft-wrapped: a terminal narrower than an id folds it for the
            # eye, and a copy of it is still whole.
            self.console.print(Text(row[0], style="bold"), soft_wrap=True)
            label = max(cell_len(c) for c in columns[1:]) + 1
            fields = Table.grid(padding=(0, 1))
            fields.add_column(style="dim", no_wrap=True)
            fields.add_column(overflow="fold")
            for column, cell in zip(columns[1:], row[1:]):
                words = cell.split()
                if len(words) == 1 and cell_len(cell) > self.console.width - label - 3:
                    # A file name too long for the line: on a line of its own,
                    # whole, rather than broken inside the field.
                    self.console.print(Padding(fields, (0, 0, 0, 2)))
                    self.console.print(Text(f"  {column}:", style="dim"))
                    self.console.print(Text(f"    {cell}"), soft_wrap=True)
                    fields = Table.grid(padding=(0, 1))
                    fields.add_column(style="dim", no_wrap=True, min_width=label)
                    fields.add_column(overflow="fold")
                    continue
                fields.add_row(f"{column}:", Text(cell))
            self.console.print(Padding(fields, (0, 0, 0, 2)))

    def entries(self, rows: list[dict[str, str]]) -> None:
        self._table(
            ["ID", "Topic", "Question"], [[r["id"], r["topic"], r["question"]] for r in rows],
            whole=frozenset({0, 1}),
        )

    def topics(self, rows: list[dict[str, Any]]) -> None:
        self._table(
            ["Topic", "Title", "Entries", "Description"],
            [[r["id"], r["title"], str(r["entries"]), r["description"]] for r in rows],
            whole=frozenset({0, 2}),
        )

    def sources(self, rows: list[dict[str, Any]]) -> None:
        columns = ["Source", "Entries", "File", "Title"]
        cells = [[r["id"], str(r["entries"]), r["file"], r["title"]] for r in rows]
        if any(r.get("url") for r in rows):  # an address: a field of its own, kept whole
            columns.append("URL")
            for row, r in zip(cells, rows):
                row.append(r.get("url") or "")
        self._table(columns, cells, whole=frozenset({0, 1, 2, 4}))


def _least_width(column: str, cells: list[str], *, whole: bool = False) -> int:
    """The narrowest a column may be drawn: its header, and its longest
    value whole when ``whole`` (ids) or short (a count, a file name of up to
    ``WHOLE`` cells); longer text ``TEXT_MIN`` cells, wrapped."""
    longest = max((cell_len(line) for cell in cells for line in cell.split("\n")), default=0)
    return max(cell_len(column), longest if whole or longest <= WHOLE else TEXT_MIN)


WHOLE = 40  # a value up to this long is never wrapped inside a table
TEXT_MIN = 20  # the narrowest a column of running text is wrapped to


def answer_body(answer: str, matched: set[str]) -> Group:
    """The answer as paragraphs and lists, wrapped, with matched words highlighted.

    Numbered and bulleted lines become list items whose wrapped lines hang
    under their text; an answer that runs three or more steps together with
    ellipses is drawn as a list of them.
    """
    parts: list[Any] = []
    items: list[tuple[str, str]] = []
    for line in _lines(answer):
        step = _STEP.match(line)
        if step:
            marker = step.group(1)
            items.append(("•" if marker in "-*•" else marker, line[step.end():]))
            continue
        if items:
            parts.append(_list(items, matched))
            items = []
        parts.append(highlighted(line, matched))
    if items:
        parts.append(_list(items, matched))
    return Group(*parts)


def _lines(answer: str) -> list[str]:
    """The answer's lines, with run-on ellipsis steps split into bullet lines."""
    lines: list[str] = []
    for line in answer.splitlines():
        pieces = [p for p in _RUN_ON.split(line) if p.strip()]
        if len(pieces) > _RUN_ON_STEPS:
            lines.append(pieces[0])
            lines += [f"• {p}" for p in pieces[1:]]
        else:
            lines.append(line)
    return lines


def _list(items: list[tuple[str, str]], matched: set[str]) -> _Steps:
    return _Steps([(marker, highlighted(text, matched)) for marker, text in items])


class _Steps:
    """A list with hanging indents: the markers right-aligned in a column of
    their own, the wrapped lines of each item aligned under its text.

    A grid table draws the same, but rich.table brings fractions and decimal
    with it, a few milliseconds of start-up for every answer with steps.
    """

    # A text column this wide hangs its lines even if a word (a web address)
    # is too long for it; a narrower one only if every word fits, else the
    # items are drawn as wrapped paragraphs: a broken word is worse than a
    # lost indent.
    ROOMY = 10

    def __init__(self, items: list[tuple[str, Text]]) -> None:
        self.items = items

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Widths in cells, not characters: a marker may be wide ("１２.").
        indent = max(cell_len(marker) for marker, _ in self.items) + 2
        width = options.max_width - indent
        words = [word for _, text in self.items for word in text.plain.split()]
        longest = max(map(cell_len, words), default=1)
        for marker, text in self.items:
            if width < min(longest, self.ROOMY):
                yield Text(marker + " ") + text
                continue
            first = " " * (indent - 1 - cell_len(marker)) + marker + " "
            for n, line in enumerate(text.wrap(console, width, overflow="fold")):
                yield Text(first if n == 0 else " " * indent) + line


def highlighted(line: str, matched: set[str]) -> Text:
    """``line`` with the words whose stems the query matched in bold yellow."""
    text = Text(line)
    for word in _WORD.finditer(line):
        if stem(fold(word.group())) in matched:
            text.stylize("bold yellow", word.start(), word.end())
    return text


_PANEL_EDGES = 4  # a panel's borders and their padding, in cells
MIN_WIDTH = 20  # the narrowest backfaq draws at


def _explain_text(explain: dict[str, Any]) -> Text:
    return Text("\n" + "\n".join(explain_lines(explain)), style="dim italic")


def _terminal_columns() -> int:
    """The width to draw at: ``COLUMNS`` when set, as rich reads it, else the
    terminal's, else 80."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns or 80
