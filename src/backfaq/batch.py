"""Batch mode, `ask -`: one query per input line, one JSON line out per query.

Part of the command line: a program keeps backfaq open as a co-process and
pairs its questions with the answers, so every input line, however odd,
gets exactly one output line, flushed at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import click

from backfaq import views

if TYPE_CHECKING:
    from backfaq.app import App


def ask_each_line(app: App, *, limit: int, topic: str | None, explain: bool,
                  fmt: str | None) -> None:
    """Batch mode: one query per input line, one JSON line out per query.

    Every input line gets exactly one output line (an empty ``results`` when
    nothing fits, or the line is blank), so a caller can pair them up. Each
    line is the object ``ask --format json`` writes, warning notice included.
    """
    if fmt not in (None, "json", "jsonl"):
        raise click.UsageError("`ask -` writes one JSON object per line; use json or jsonl")
    app.index  # first: a large store comes from the cache, with its index
    topic = app.resolve_topic(topic)
    from backfaq.render.machine import JsonRenderer

    store = app.store
    out = JsonRenderer(sys.stdout, lines=True)
    try:
        for line in _input_lines():
            if isinstance(line, _TooLong):
                out.answer({"query": line.start, "error": line.message, "results": []})
            else:
                answer = app.answer(line, limit=limit, topic=topic, explain=explain)
                out.answer(views.ask_dict(store, answer, explain=explain))
            sys.stdout.flush()
    except KeyboardInterrupt:
        # Stop here, before Click writes its newline to stderr: a program
        # reading backfaq's streams sees nothing but the answers.
        raise SystemExit(130) from None


MAX_LINE_BYTES = 64 * 1024  # a line of `ask -` longer than this is refused, not read


class _TooLong(NamedTuple):
    """An input line over MAX_LINE_BYTES: its start, and why it is not answered."""

    start: str
    message: str


def _input_lines() -> Iterator[str | _TooLong]:
    """Standard input's lines, without their line ends, each read up to
    MAX_LINE_BYTES: a longer one (``/dev/zero`` is one endless line) is given
    as a _TooLong, then skipped to its end a piece at a time, never held
    whole. Bytes that are not text in the input's encoding are replaced, so
    one bad byte does not end the stream."""
    from backfaq.app import InputError, readable_stdin

    stdin = readable_stdin()
    encoding = getattr(stdin, "encoding", None) or "utf-8"
    raw = getattr(stdin, "buffer", None)
    while True:
        try:
            # A text stream only (an embedding program's) has no buffer.
            line: bytes | str = (stdin if raw is None else raw).readline(MAX_LINE_BYTES + 1)
        except OSError as exc:  # not an output problem: say which stream failed
            raise InputError(f"cannot read input: {exc.strerror or exc}") from None
        if not line:
            return
        text = line if isinstance(line, str) else _decoded(line, encoding)
        if len(line) > MAX_LINE_BYTES and not text.endswith("\n"):
            # Answered at once (a line from /dev/zero never ends), then
            # skipped to its end.
            yield _TooLong(text[:200], f"the line is longer than {MAX_LINE_BYTES:,} bytes;"
                                       " ask a shorter question")
            while (rest := (raw or stdin).readline(MAX_LINE_BYTES)) and rest[-1:] not in (
                b"\n", "\n"
            ):
                pass
            continue
        yield text.rstrip("\r\n")


def _decoded(line: bytes, encoding: str) -> str:
    """``line`` as text in the input's encoding, bad bytes replaced; in UTF-8
    when that codec refuses to replace (punycode and other exotic ones raise)."""
    try:
        return line.decode(encoding, "replace")
    except (UnicodeError, LookupError):
        return line.decode("utf-8", "replace")
