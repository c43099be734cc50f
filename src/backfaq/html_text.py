"""The text of HTML elements as an imported answer keeps it.

Paragraphs and other blocks are separated by a blank line, a line break
starts a line, a list is one ``- item`` (or ``1. item``) line per item with
nested lists indented, a table row is its cells joined by `` | ``, and a
``pre`` keeps its lines. Inline markup adds nothing ("e<b>-</b>mail" is
"e-mail"). Lines that are a page's furniture by their words alone ("Was
this helpful?", "Back to top") are dropped. Used by ``html_pages``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bs4.element import (
    CData,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from backfaq.pages import fold_words

# Lines of a page's furniture told by their words: "Was this helpful?",
# "Back to top" (compared once case and punctuation are folded).
_FURNITURE_WORDS = re.compile(
    r"(?:was|is|did) (?:this|the) (?:\w+ )?(?:helpful|useful|answer your question)\b.*"
    r"|(?:back to|return to) (?:the )?top|yes no|print this page|share this (?:page|article)")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements that start a new block of text; everything else is inline.
BLOCKS = frozenset({
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hr",
    "html", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", *HEADINGS,
})
NOT_TEXT = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
SPACE = re.compile(r"\s+")


def is_furniture_text(text: str) -> bool:
    """Whether a line is a page's furniture by its words alone."""
    return bool(_FURNITURE_WORDS.fullmatch(fold_words(text)))


def inline(tag: Tag | NavigableString) -> str:
    """The text of ``tag`` on one line, whitespace normalised: inline markup
    adds nothing ("e<b>-</b>mail" is "e-mail"), a line break or a block a space."""
    if isinstance(tag, NavigableString):
        return SPACE.sub(" ", str(tag)).strip()
    return SPACE.sub(" ", "".join(strings(tag))).strip().removesuffix(" ¶")


def strings(tag: Tag) -> Iterator[str]:
    """The text pieces inside ``tag``, a space for each line break or block."""
    for node in tag.descendants:
        if isinstance(node, NavigableString):
            if not isinstance(node, NOT_TEXT):
                yield str(node)
        elif isinstance(node, Tag) and (node.name == "br" or node.name in BLOCKS):
            yield " "


class _Text:
    """Block text gathered from elements: paragraphs separated by a blank
    line, a list one ``- item`` line per item."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._lines: list[str] = []
        self._line: list[str] = []

    def add(self, text: str) -> None:
        self._line.append(text)

    def break_line(self) -> None:
        line = SPACE.sub(" ", "".join(self._line)).strip()
        if line and not is_furniture_text(line):
            self._lines.append(line)
        self._line = []

    def end_block(self) -> None:
        self.break_line()
        if self._lines:
            self.blocks.append("\n".join(self._lines))
        self._lines = []

    def add_block(self, text: str) -> None:
        self.end_block()
        if text:
            self.blocks.append(text)

    def text(self) -> str:
        self.end_block()
        return "\n\n".join(self.blocks)


def block_text(tag: Tag) -> str:
    """The text inside an element as an answer keeps it (see ``_Text``)."""
    out = _Text()
    for child in tag.children:
        _write(child, out)
    return out.text()


def own_text(node: Tag) -> str:
    """The text of an element, itself included (a list is a list)."""
    out = _Text()
    _write(node, out)
    return out.text()


def _write(node: Any, out: _Text) -> None:
    if isinstance(node, NOT_TEXT):
        return
    if isinstance(node, NavigableString):
        out.add(str(node))
        return
    if not isinstance(node, Tag):
        return
    if node.name == "br":
        out.break_line()
    elif node.name == "pre":  # its lines are its own
        lines = "".join(strings(node)).strip("\n").splitlines()
        out.add_block("\n".join(line.rstrip() for line in lines))
    elif node.name in ("ul", "ol"):
        out.add_block("\n".join(_list_lines(node, 0)))
    elif node.name == "table":
        rows = [" | ".join(cell for cell in map(inline, row.find_all(("td", "th"),
                                                                      recursive=False)) if cell)
                for row in node.find_all("tr")]
        out.add_block("\n".join(row for row in rows if row))
    elif node.name in BLOCKS:
        out.end_block()
        for child in node.children:
            _write(child, out)
        out.end_block()
    else:
        for child in node.children:
            _write(child, out)


def _list_lines(tag: Tag, depth: int) -> list[str]:
    """One line per item, ``- `` or ``1. `` first, nested lists indented."""
    lines: list[str] = []
    number = _start(tag)
    for item in tag.find_all("li", recursive=False):
        nested = [child for child in item.children
                  if isinstance(child, Tag) and child.name in ("ul", "ol")]
        own = _Text()
        for child in item.children:
            if child not in nested:
                _write(child, own)
        text = " ".join(own.text().split())
        marker = f"{number}." if tag.name == "ol" else "-"
        if text:
            lines.append(f"{'  ' * depth}{marker} {text}")
            number += 1
        for sub in nested:
            lines += _list_lines(sub, depth + 1)
    return lines


def _start(tag: Tag) -> int:
    try:
        return int(str(tag.get("start", "1")))
    except ValueError:
        return 1
