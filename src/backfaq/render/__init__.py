"""Renderers: one module per output format, all drawing the data from ``views``.

``get_renderer`` imports only the module it needs, so rich is loaded only
when rich output is actually drawn.
"""

from __future__ import annotations

from typing import Any, Protocol, TextIO

FORMATS = ("rich", "plain", "json", "jsonl")


class Renderer(Protocol):
    def ask(self, data: dict[str, Any]) -> None: ...
    def entry(self, data: dict[str, Any]) -> None: ...
    def entries(self, rows: list[dict[str, str]]) -> None: ...
    def topics(self, rows: list[dict[str, Any]]) -> None: ...
    def sources(self, rows: list[dict[str, Any]]) -> None: ...
    def report(self, data: dict[str, Any]) -> None: ...
    def reports(self, rows: list[dict[str, Any]]) -> None: ...


def get_renderer(
    fmt: str, out: TextIO, *, show_explain: bool = False, quiet: bool = False,
    terminal: bool = False,
) -> Renderer:
    """The renderer for ``fmt``; plain and JSON show ``explain`` whenever the data has it.

    ``quiet`` drops the disclaimer and the decoration from text output; JSON
    always carries every field. ``terminal``: ``out`` is a buffer bound for
    the terminal (through a pager), drawn as for the terminal itself.
    """
    if fmt == "rich":
        from backfaq.render.terminal import RichRenderer

        return RichRenderer(out, show_explain=show_explain, quiet=quiet, terminal=terminal)
    if fmt == "plain":
        from backfaq.render.plain import PlainRenderer

        return PlainRenderer(out, quiet=quiet)
    from backfaq.render.machine import JsonRenderer

    return JsonRenderer(out, lines=fmt == "jsonl")
