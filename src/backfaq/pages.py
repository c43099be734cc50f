"""Parse an FAQ page into its title and question/answer pairs: plain text and
Markdown here, HTML in ``html_pages`` and CSV or JSON exports in ``table_pages``.

Pure functions over a string: reading the file is the importer's job, so every
layout rule here can be tested on a few lines of text. Answers keep the page's
words and line breaks; only line endings, indentation, trailing spaces and runs
of blank lines are normalised, as in the curated store.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from backfaq.errors import PageError
from backfaq.store import CONTROL

PAGE_FORMATS = ("text", "markdown", "html", "csv", "json")
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html", ".csv": "csv",
                  ".tsv": "csv", ".tab": "csv", ".json": "json",
                  **{suffix: "markdown" for suffix in MARKDOWN_SUFFIXES}}
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)

# Lines that belong to the page around the FAQ, never to an answer (compared
# once case and punctuation are folded).
FURNITURE = frozenset(
    {
        "table of contents", "contents", "in this article", "on this page",
        "share this article", "share this page", "share this post", "share",
        "print", "print this page", "back to top", "advertisement", "skip to content",
    }
)
STATEMENT_WORDS = 4  # words a heading needs to be a question said as a statement
TITLE_MAX = 120  # a longer line before the first question is an introduction
BULLET = re.compile(r"^\s*(?:[-*+\u2022\u2023\u25e6\u2043\u2219\u00b7]\s|\d{1,3}[.)]\s)")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Markdown's inline markup, which a reader of the page never sees: an answer
# keeps the words a browser shows, as one imported from HTML does. In order:
# images (their text), links (their text), code spans, strong and plain
# emphasis (not inside a word, as CommonMark has it, so "snake_case" and
# "2 * 3" stay), autolinks, then backslash escapes.
_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^()\s]*(?:\s+\"[^\"]*\")?\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^()\s]*(?:\s+\"[^\"]*\")?\)"), r"\1"),
    (re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)"), lambda m: m.group(2).strip()),
    (re.compile(r"(?<![\w*\\])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])__(?=\S)(.+?)(?<=\S)__(?!\w)"), r"\1"),
    (re.compile(r"(?<![\w*\\])\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=[^\s_\\])_(?!\w)"), r"\1"),
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),
    (re.compile(r"\\([!-/:-@\[-`{-~])"), r"\1"),
)


@dataclass(frozen=True, slots=True)
class Pair:
    """A question and its answer; ``answer`` is empty when the page gives none.
    ``topic`` is the page's own heading or category for it, when it has one."""

    question: str
    answer: str
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    title: str | None
    format: str
    pairs: tuple[Pair, ...]
    tidied: int = 0  # texts whose tabs, line breaks or bidi controls were removed
    url: str | None = None  # the page's own address (an HTML page's canonical link)
    # Read from a pipe or a device (``<(curl ...)``, /dev/stdin): its name is
    # a descriptor's ("63"), the same for every such page, so it names no page.
    unnamed: bool = False


def detect_format(name: str, text: str) -> str:
    """From the file name's suffix, else the content: an HTML document, a
    JSON list, a page with a '#' heading (Markdown); text otherwise."""
    by_suffix = SUFFIX_FORMATS.get(PurePath(name).suffix.lower())
    if by_suffix:
        return by_suffix
    if _HTML_START.match(text.removeprefix("\ufeff")):
        return "html"
    if text.lstrip("\ufeff \t\r\n").startswith("[") and _is_json_list(text):
        return "json"
    if any(_heading(line) for line in _lines(text)):
        return "markdown"
    return "text"


def _is_json_list(text: str) -> bool:
    """Whether ``text`` is a JSON list (a text page may start with "[Draft]")."""
    import json

    try:
        return isinstance(json.loads(text), list)
    except (ValueError, RecursionError):
        return False


def parse_page(
    text: str, *, name: str, fmt: str | None = None,
    question_column: str | None = None, answer_column: str | None = None,
) -> Page:
    """The title and pairs of a page; ``fmt`` None means detect it. Raises PageError.
    The columns name a CSV export's question and answer columns."""
    fmt = fmt or detect_format(name, text)
    if fmt == "html":
        from backfaq.html_pages import parse_html

        try:
            return _checked(parse_html(text), name)
        except RecursionError:
            raise PageError(name, "its elements are nested too deeply to read") from None
    if fmt == "csv":
        from backfaq.table_pages import parse_csv

        return _checked(parse_csv(text, name=name, question_column=question_column,
                                  answer_column=answer_column), name)
    if fmt == "json":
        from backfaq.table_pages import parse_json

        return _checked(parse_json(text, name=name), name)
    lines = _lines(text)
    for number, line in enumerate(lines, start=1):
        if CONTROL.search(line):
            raise PageError(name, f"line {number}: contains control characters")
    if fmt == "markdown":
        return _parse_markdown(lines)
    if fmt == "text":
        return _parse_text(lines)
    raise PageError(name, f"unknown page format {fmt!r} (expected one of: "
                          f"{', '.join(PAGE_FORMATS)})")


def _checked(page: Page, name: str) -> Page:
    """``page`` when none of its texts holds a control character or a lone
    surrogate (a JSON ``"\\ud800"``, which no store file can hold)."""
    for pair in page.pairs:
        for text in (pair.question, pair.answer, pair.topic or ""):
            if CONTROL.search(text):
                raise PageError(name, f"the question {pair.question[:60]!r} "
                                      "holds control characters")
            if _SURROGATE.search(text):
                raise PageError(name, f"the question {pair.question[:60]!r} "
                                      "holds a lone surrogate, not Unicode text")
    return page


def answer_text(text: str) -> str:
    """A multi-line answer as the curated store keeps one: line endings
    normalised, each line trimmed, at most one blank line between paragraphs."""
    return _answer([line.strip() for line in _lines(text)])


def _lines(text: str) -> list[str]:
    """Lines without their endings (\\n, \\r\\n, \\r, form feeds) or trailing spaces."""
    return [line.rstrip() for line in text.removeprefix("\ufeff").splitlines()]


def is_question(text: str) -> bool:
    """Whether a page's question says anything: "## ?" is punctuation alone."""
    return bool(fold_words(text))


def fold_words(text: str) -> str:
    """Case, whitespace and punctuation folded, in any script: only the words
    remain (how furniture lines are recognised, and answers compared)."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def _is_furniture(line: str) -> bool:
    return fold_words(line) in FURNITURE


def _title_line(line: str) -> bool:
    """A short line that does not end a sentence: a heading, not an introduction."""
    return len(line) <= TITLE_MAX and not line.endswith((".", "!", ":", ";", ","))


# --- plain text ------------------------------------------------------------------------


def _is_question(line: str) -> bool:
    """An unindented line ending in '?' that is not a list item."""
    return line.endswith("?") and not line[:1].isspace() and not BULLET.match(line)


def _parse_text(lines: list[str]) -> Page:
    title: str | None = None
    preamble = True
    pairs: list[tuple[str, list[str]]] = []
    for line in lines:
        if _is_furniture(line):
            continue
        if _is_question(line):
            pairs.append((line.strip(), []))
        elif pairs:
            pairs[-1][1].append(line.strip())
        elif line.strip() and preamble:
            # Only the first line before the first question can be the title.
            preamble = False
            title = line.strip() if _title_line(line.strip()) else None
    return Page(title, "text", tuple(Pair(q, _answer(a)) for q, a in pairs))


def _answer(lines: list[str]) -> str:
    """Lines joined with newlines: no blank lines around, at most one between paragraphs."""
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


# --- Markdown --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    text: str
    line: str


def _heading(line: str) -> _Heading | None:
    match = ATX.match(line)
    if match and match.group(2) and match.group(2).strip():
        return _Heading(len(match.group(1)), match.group(2).strip(), line)
    return None


def plain_inline(text: str) -> str:
    """``text`` without its Markdown inline markup (``_INLINE``)."""
    if not any(c in text for c in "*_`[<\\"):
        return text
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _blocks(lines: list[str]) -> list[_Heading | str]:
    """Headings (ATX and setext) and the other lines, front matter, breaks and fences handled."""
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
        lines = lines[end + 1 :]
    blocks: list[_Heading | str] = []
    fence: str | None = None
    for line in lines:
        opening = FENCE.match(line)
        if fence is not None:
            blocks.append(line)
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            blocks.append(line)
            continue
        if not (THEMATIC_BREAK.match(line) or SETEXT.match(line)):
            line = plain_inline(line)
        heading = _heading(line)
        previous = blocks[-1] if blocks else None
        underline = SETEXT.match(line)
        if heading is not None:
            blocks.append(heading)
        elif (
            underline
            and isinstance(previous, str)
            and previous.strip()
            and not BULLET.match(previous)
            and (len(blocks) < 2 or blocks[-2] == "" or isinstance(blocks[-2], _Heading))
        ):
            level = 1 if underline.group(1)[0] == "=" else 2
            blocks[-1] = _Heading(level, previous.strip(), previous)
        elif THEMATIC_BREAK.match(line):
            blocks.append("")
        else:
            blocks.append(line)
    return blocks


def _parse_markdown(lines: list[str]) -> Page:
    blocks = _blocks(lines)
    # In a page whose questions end in '?', other headings are section labels
    # (they end the answer above them) or, deeper than the question, part of it;
    # but a heading of a few words at the questions' own level is a question
    # said as a statement ("The red light is blinking"), as support pages
    # write them; section labels are shorter ("Extra reading", "Returns").
    levels = Counter(b.level for b in blocks if isinstance(b, _Heading) and b.text.endswith("?"))
    marked = bool(levels)
    question_level = levels.most_common(1)[0][0] if levels else 0
    title: str | None = None
    pairs: list[tuple[str, list[str], str | None]] = []
    answer: list[str] | None = None  # where the lines go; None drops them
    level = 0
    section: _Heading | None = None  # the label the questions below it are under
    # Two top-level labels are two sections of the page, the first no title.
    tops = [b for b in blocks if isinstance(b, _Heading) and b.level == 1
            and not b.text.endswith("?") and not _is_furniture(b.text)]
    for block in blocks:
        if isinstance(block, str):
            if answer is not None and not _is_furniture(block):
                answer.append(block)
            continue
        if _is_furniture(block.text):
            continue
        if section is not None and block.level <= section.level:
            section = None  # a heading at the section's level or above ends it
        if (title is None and not pairs and block.level == 1 and not block.text.endswith("?")
                and len(tops) < 2):
            title, answer = block.text, None
        elif block.text.endswith("?") or not marked or _statement(block, question_level):
            # A section label names the topic of the questions under it, as
            # an HTML page's section heading does ("## Repairs").
            topic = section.text if section is not None and marked else None
            pairs.append((block.text, [], topic))
            answer, level = pairs[-1][1], block.level
        elif answer is not None and block.level > level:
            answer.append(block.line)
        else:
            answer = None
            # Only a label above the questions' level holds them ("## Repairs"
            # over "### How long...?"); one at their level ends an answer.
            if block.level < question_level:
                section = block
    return Page(title, "markdown",
                tuple(Pair(q, _answer(_dedent(a)), topic) for q, a, topic in pairs))


def _statement(heading: _Heading, question_level: int) -> bool:
    """A heading at the questions' level long enough to be a problem said plainly."""
    return heading.level == question_level and len(heading.text.split()) >= STATEMENT_WORDS


def _dedent(lines: list[str]) -> list[str]:
    """Remove the indentation every non-blank line shares; keep nested lists nested."""
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]
