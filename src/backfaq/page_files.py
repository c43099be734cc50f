"""Reading FAQ pages from disk: bytes to text, file names checked, each page
parsed (``pages``) and tidied for the store's fields before it is judged.

What a page holds is ``pages``' business; what becomes of it in a store is
``importer``'s. Here is only what stands between a file and a ``Page``: its
encoding (UTF-8, UTF-16 with a byte-order mark, an HTML page's declared
charset, or one named), binary and empty files, names a store cannot hold.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path

from backfaq.errors import PageError
from backfaq.limits import read_bounded
from backfaq.pages import Page, Pair, is_question, parse_page
from backfaq.store import CONTROL, tidy_answer, tidy_line


def read_page(path: Path, *, encoding: str | None = None) -> str:
    """A page's text, or PageError naming why it cannot be imported.

    UTF-8 with or without a byte-order mark, UTF-16 with one, an HTML page in
    the charset its ``<meta>`` declares, or ``encoding`` when given.
    """
    name = str(path)
    raw = read_bounded(path, noun="a page", error=PageError)
    chosen = encoding or _marked_encoding(raw)
    if chosen and not is_text_encoding(chosen):
        raise PageError(name, f"'{chosen}' is not a text encoding")
    if chosen is None and b"\x00" in raw:  # only UTF-16 and its kin hold zero bytes
        raise PageError(name, "binary file, not a text page")
    try:
        text = raw.decode(chosen) if chosen else _utf8_or_declared(raw)
    except UnicodeError as exc:  # a codec may raise its parent (punycode does)
        label = chosen or "UTF-8"
        where = f" (bad byte at offset {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
        raise PageError(name, f"not {label} text{where}; "
                              "name its encoding with --encoding") from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise PageError(name, "binary file, not a text page")
    if not text.strip():
        raise PageError(name, "empty page")
    return text


def is_text_encoding(name: str) -> bool:
    """Whether ``name`` is a codec that turns bytes into text (``rot13`` and
    ``base64`` are codecs too, but not of text)."""
    try:
        b"\x00\x00".decode(name)  # empty bytes would skip the codec altogether
    except UnicodeDecodeError:
        return True  # a text codec that cannot read these two bytes
    except (UnicodeError, LookupError, TypeError):
        return False  # ("undefined" is a codec that refuses everything)
    return True


def _marked_encoding(raw: bytes) -> str | None:
    """UTF-16 when the bytes start with its byte-order mark (a spreadsheet's
    "Unicode text" export); else None."""
    return "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else None


_META_CHARSET = rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})"""


def _utf8_or_declared(raw: bytes) -> str:
    """UTF-8 text, or a page in the charset its ``<meta>`` declares."""
    import codecs

    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
        declared = re.search(_META_CHARSET, raw[:4096], re.IGNORECASE)
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")) if declared else None
        except LookupError:
            codec = None
        if codec is None or codec.name == "utf-8" or not is_text_encoding(codec.name):
            raise  # the UTF-8 error, with its offset
        try:
            return raw.decode(codec.name)
        except UnicodeError:
            raise utf8_error from None  # the page is no text of its charset either


def load_pages(
    paths: list[Path], *, fmt: str | None, encoding: str | None = None,
    question_column: str | None = None, answer_column: str | None = None,
) -> list[tuple[str, Page]]:
    """Read and parse every page; any page without an answered question is an error."""
    pages: list[tuple[str, Page]] = []
    for path in paths:
        if not _is_text(path.name):
            # Its name would be the source's "file": a store holds only text.
            raise PageError(str(path), "the file name is not UTF-8 text; rename the page")
        if CONTROL.search(path.name):
            raise PageError(str(path), "the file name holds control characters; rename the page")
        text = read_page(path, encoding=encoding)
        parsed = parse_page(text, name=str(path), fmt=fmt, question_column=question_column,
                            answer_column=answer_column)
        # Tidied before it is judged: an answer of bidi controls alone is none.
        page = tidy_page(parsed, path.name)
        if not _names_a_page(path):
            page = dataclasses.replace(page, unnamed=True)
        if not any(pair.answer and is_question(pair.question) for pair in page.pairs):
            found = "no question with an answer" if page.pairs else "no questions"
            raise PageError(str(path), f"{found} found (as {page.format})")
        pages.append((str(path), page))
    return pages


# A path that names an open descriptor: /dev/stdin, /dev/fd/3, /proc/self/fd/3.
_DESCRIPTOR = re.compile(r"/dev/std(?:in|out|err)|/dev/fd/\d+|/proc/(?:self|\d+)/fd/\d+")


def _names_a_page(path: Path) -> bool:
    """Whether ``path`` is a page's own name: a regular file, not a pipe or
    a device, nor a descriptor (``/dev/stdin < faq.md`` is a regular file
    under a name every such page shares)."""
    if _DESCRIPTOR.fullmatch(os.path.abspath(path)):
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _is_text(name: str) -> bool:
    """Whether ``name`` is Unicode text (undecodable bytes arrive as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def tidy_page(page: Page, file: str) -> Page:
    """The page with every text made fit for its field (see ``store.tidy_line``),
    counting the texts that changed, its file name (the source's ``file``) among them."""
    title = tidy_line(page.title).strip() if page.title is not None else None
    pairs = tuple(Pair(tidy_line(p.question).strip(), tidy_answer(p.answer).strip(),
                       tidy_line(p.topic).strip() or None if p.topic is not None else None)
                  for p in page.pairs)
    changed = (title != page.title) + (tidy_line(file) != file) + sum(
        (new.question != old.question) + (new.answer != old.answer)
        + (new.topic != old.topic)
        for new, old in zip(pairs, page.pairs)
    )
    # A question of bidi controls alone is no question.
    kept = tuple(pair for pair in pairs if pair.question)
    return Page(title or None, page.format, kept, page.tidied + changed, page.url)
