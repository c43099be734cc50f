"""Shell completion through Click's mechanism: values come from the store.

The shell runs backfaq with _BACKFAQ_COMPLETE set on every Tab; whatever the
line holds (a half-typed path, a broken store), completing offers what it
can and never prints a traceback into the shell.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import click

from backfaq.model import Store

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_BACKFAQ_COMPLETE"


def completion_script(cli: click.Command, shell: str) -> str:
    """Click's own completion script for ``shell``, for `backfaq completion SHELL`."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:
        raise click.UsageError(f"no completion for shell '{shell}'")
    return cls(cli, {}, "backfaq", COMPLETE_VAR).source()


def _completion_store(ctx: click.Context) -> Store | None:
    """The stores named by --data earlier on the line (or BACKFAQ_DATA), as
    one, else the bundled one."""
    from backfaq.app import MORE_DATA
    from backfaq.config import config_path, read_config
    from backfaq.store import bundled_path, load_store
    from backfaq.stores import combine, part_names, store_paths

    root = ctx.find_root()
    before = [d for d in root.params.get("data") or () if d]
    after = [d for d in ctx.meta.get(MORE_DATA, ()) if d]
    # As App takes them: a --data after the command adds to those before it
    # on the line, and stands in for the environment's.
    on_the_line = root.get_parameter_source("data") is click.core.ParameterSource.COMMANDLINE
    given = (before if on_the_line else []) + after or before
    try:
        data = given or read_config(config_path()).get("data", [])
    except Exception:  # a broken config file: offer nothing
        return None
    paths = store_paths(data, bundled_path()) or [bundled_path()]
    try:
        if any(not stat.S_ISREG(os.stat(path).st_mode) for path in paths):
            return None  # a pipe or a device: a Tab must never wait on one
        stores = [load_store(path) for path in paths]
        return stores[0] if len(stores) == 1 else combine(stores,
                                                          part_names(paths, bundled_path()))
    except Exception:  # a half-typed path or a broken store: offer nothing, never a traceback
        return None


def complete_topics(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    store = _completion_store(ctx)
    return _items([(t.id, t.title) for t in store.topics] if store else [], incomplete)


def complete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    store = _completion_store(ctx)
    return _items([(e.id, e.question) for e in store.entries] if store else [], incomplete)


def _items(choices: list[tuple[str, str]], incomplete: str) -> list[Any]:
    """The choices (value, help) that start with what has been typed."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(value, help=text) for value, text in choices
            if value.startswith(incomplete)]


def complete_paths(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]
