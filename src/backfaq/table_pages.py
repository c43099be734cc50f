"""Parse a help-desk export, CSV/TSV or JSON, into question/answer pairs.

A CSV export is read as RFC 4180 (quoted fields, doubled quotes, line
breaks inside fields), its delimiter found among ``,`` ``;`` and tab in the
header row, as spreadsheets in many locales write ``;``. The header names
the columns: the usual names are recognised (``COLUMN_NAMES``), and
``--question-column``/``--answer-column`` name others. A category column
becomes each entry's topic. A JSON export is a list of
``{"question", "answer"[, "category"]}`` objects.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from backfaq.errors import PageError
from backfaq.pages import Page, Pair, answer_text, fold_words
from backfaq.store import DuplicateKey, unique_keys

# What a header cell is called, once case and punctuation are folded.
COLUMN_NAMES = {
    "question": ("question", "questions", "q", "title", "faq question", "query", "subject"),
    "answer": ("answer", "answers", "a", "body", "content", "response", "reply", "faq answer"),
    "topic": ("category", "topic", "section", "group", "categories"),
}
DELIMITERS = (",", ";", "\t")


def parse_csv(
    text: str, *, name: str, question_column: str | None = None,
    answer_column: str | None = None,
) -> Page:
    """The pairs of a CSV or TSV export with a header row (a ``.tsv`` file's
    delimiter is a tab). Raises PageError."""
    delimiter = "\t" if name.lower().endswith((".tsv", ".tab")) else _delimiter(text)
    # A field may be as long as a page may be: the csv module's own limit
    # (128 KiB) would refuse a long answer as an error.
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = [row for row in reader]
    except csv.Error as exc:
        raise PageError(name, f"line {reader.line_num}: not valid CSV: {exc}") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return Page(None, "csv", ())
    header = rows[0]
    question = _column(header, "question", question_column, name, "--question-column")
    answer = _column(header, "answer", answer_column, name, "--answer-column")
    if question == answer:
        raise PageError(name, f"the question and the answer would be one column "
                              f"({header[question]!r}); name them with --question-column "
                              "and --answer-column")
    topic = _column(header, "topic", None, name, None)
    if topic in (question, answer):
        topic = None
    pairs = []
    broken = 0  # one-line fields that held tabs or line breaks (Page.tidied)
    for row in rows[1:]:
        cells = row + [""] * (len(header) - len(row))
        asked = _one_line(cells[question])
        if asked:
            category = _one_line(cells[topic]) if topic is not None else ""
            broken += _held_breaks(cells[question]) + (topic is not None
                                                       and _held_breaks(cells[topic]))
            pairs.append(Pair(asked, answer_text(cells[answer]), category or None))
    return Page(None, "csv", tuple(pairs), broken)


def _one_line(text: str) -> str:
    """A one-line field's text: its words, one space between each."""
    return " ".join(text.split())


def _held_breaks(text: str) -> bool:
    """Whether a one-line field's text held a tab or a line break, which
    ``_one_line`` turns into a space: counted, as ``tidy_page`` counts its own."""
    return any(mark in text for mark in "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most columns."""
    lines = text.lstrip("\ufeff").splitlines()  # \n, \r\n or an old Mac's \r
    first = lines[0] if lines else ""
    counts = {d: _columns(first, d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def _columns(line: str, delimiter: str) -> int:
    """How many columns ``delimiter`` splits a header line into (a quoted
    field's delimiters are its own)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return line.count(delimiter) + 1


def _column(
    header: list[str], role: str, chosen: str | None, name: str, option: str | None
) -> Any:
    """The index of the column playing ``role``; None for a missing topic
    column. A column named with ``option`` matches by name or 1-based number."""
    folded = [fold_words(cell) for cell in header]
    if chosen is not None:
        if chosen.isascii() and chosen.isdigit() and 1 <= int(chosen) <= len(header):
            return int(chosen) - 1
        found = [i for i, cell in enumerate(folded) if cell == fold_words(chosen)]
        if len(found) == 1:
            return found[0]
        if found:
            raise PageError(name, f"{len(found)} columns are called {chosen!r}; "
                                  f"name the one for {option} by its number "
                                  f"({', '.join(str(i + 1) for i in found)})")
        raise PageError(name, f"no column {chosen!r} for {option}; the header has: "
                              f"{_listing(header)}")
    for exact in (True, False):  # "Answer", else "Answer (short, plain)"
        for known in COLUMN_NAMES[role]:
            found = [i for i, cell in enumerate(folded)
                     if (cell == known if exact else cell.startswith(known + " "))]
            if len(found) > 1:
                # Reading one would drop the other's text unseen.
                fix = f"name the one to use with {option}" if option else "remove one"
                raise PageError(name, f"{len(found)} columns could be the {role}: "
                                      f"{_listing([header[i] for i in found])}; {fix}")
            if found:
                return found[0]
    if option is None:
        return None
    raise PageError(name, f"no {role} column in the header ({_listing(header)}); "
                          f"name it with {option}")


def _listing(header: list[str]) -> str:
    return ", ".join(repr(cell) for cell in header[:12]) or "nothing"


def parse_json(text: str, *, name: str) -> Page:
    """The pairs of a JSON list of ``{question, answer[, category]}`` objects."""
    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except DuplicateKey as exc:
        raise PageError(name, f"key {exc.args[0]!r} appears twice in one object") from None
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise PageError(name, f"not valid JSON{where}") from None
    if isinstance(data, dict) and "entries" in data and "version" in data:
        raise PageError(name, "this is a backfaq store, not a page to import; "
                              "serve it with --data")
    if not isinstance(data, list):
        raise PageError(name, "expected a JSON list of {question, answer} objects")
    pairs = []
    broken = 0
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise PageError(name, f"item {i}: expected an object with question and answer")
        fields = {fold_words(str(k)): v for k, v in item.items()}
        if len(fields) < len(item):  # "Question" and "question": one would be lost
            raise PageError(name, f"item {i}: two keys name the same field")
        asked = _field(fields, "question", i, name)
        if asked:
            topic = _field(fields, "topic", i, name)
            broken += (_held_breaks(_field(fields, "question", i, name, keep=True))
                       + _held_breaks(_field(fields, "topic", i, name, keep=True)))
            pairs.append(Pair(asked, answer_text(_field(fields, "answer", i, name, keep=True)),
                              topic or None))
    return Page(None, "json", tuple(pairs), broken)


def _field(fields: dict[str, Any], role: str, i: int, name: str, *, keep: bool = False) -> str:
    for known in COLUMN_NAMES[role]:
        value = fields.get(known)
        if value is None:
            continue
        if not isinstance(value, str):
            raise PageError(name, f"item {i}: {known} is not a string")
        return value if keep else _one_line(value)
    return ""
