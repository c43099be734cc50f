"""The command line: parse, call the core, render, translate errors to exit codes.

Exit codes: 0 answered, 1 no answer or not found, 2 usage or data error,
130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from backfaq import __version__, views
from backfaq.errors import StoreError
from backfaq.model import Store
from backfaq.render import FORMATS, get_renderer
from backfaq.text import encodes_all_text, make_streams_safe, printable

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"]}
MESSAGE_LIMIT = 1000  # characters of one error line


class DataError(click.ClickException):
    """A store that cannot be used: exit 2, like a usage error."""

    exit_code = 2


class NotFound(click.ClickException):
    """Nothing to show: exit 1."""

    exit_code = 1


class App:
    """What a command needs, loaded only when it first asks for it."""

    def __init__(self, data: str | None) -> None:
        self.data = data
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from backfaq.store import load_store

            try:
                self._store = load_store(self.data)
            except StoreError as exc:
                # A file name or a store's own keys may hold newlines or escapes.
                raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
        return self._store

    def check_topic(self, topic: str | None) -> None:
        if topic is not None and self.store.topic(topic) is None:
            known = ", ".join(t.id for t in self.store.topics)
            raise click.UsageError(
                f"unknown topic '{printable(topic)}'; choose one of: {known}"
            )


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format. Default: rich on a terminal, plain when piped.",
    )(func)


def resolve_format(fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "rich" if sys.stdout.isatty() else "plain"


@click.group("backfaq", context_settings=CONTEXT, invoke_without_command=True)
@click.option(
    "--data",
    metavar="PATH",
    envvar="BACKFAQ_DATA",
    help="Serve another store file (default: the bundled FAQ). Env: BACKFAQ_DATA.",
)
@click.version_option(__version__, "--version", prog_name="backfaq")
@click.pass_context
def cli(ctx: click.Context, data: str | None) -> None:
    """Answers about upper back pain from a curated FAQ.

    \b
    Examples:
      backfaq ask "pain between shoulder blades"
      backfaq topics
      backfaq ask chin tucks --format json | jq -r '.results[0].answer'

    General information, not medical advice.
    """
    ctx.obj = App(data or None)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=3, show_default=True,
              help="Show at most this many answers.")
@click.option("--topic", metavar="TOPIC", help="Search only this topic (see `backfaq topics`).")
@click.option("--explain", is_flag=True, help="Show why each answer matched.")
@format_option
@click.pass_obj
def ask(app: App, query: tuple[str, ...], limit: int, topic: str | None, explain: bool,
        fmt: str | None) -> None:
    """Answer QUERY with the closest FAQ entries, best first.

    \b
    Examples:
      backfaq ask "pain between shoulder blades"
      backfaq ask sholder blade sqeeze -n 1
      backfaq ask "is walking good" --topic exercises --format json
    """
    text = " ".join(query)
    if not text.strip():
        raise click.UsageError("the query is empty; say what you want to know")
    fmt = resolve_format(fmt)
    from backfaq.cache import open_index

    # A large store's index comes from the user cache, with the store itself.
    index = open_index(app.data, lambda: app.store)
    app._store = store = index.store
    app.check_topic(topic)
    result = index.search(text, limit=limit, topic=topic)
    data = {
        "query": text,
        "results": [
            views.hit_dict(store, h, explain=explain or fmt == "rich") for h in result.hits
        ],
    }
    if result.hits or fmt in ("json", "jsonl"):
        get_renderer(fmt, sys.stdout, show_explain=explain).ask(data)
    if not result.hits:
        click.echo(no_answer_message(store, text, [h.entry.question for h in result.closest]),
                   err=True)
        raise SystemExit(1)


def no_answer_message(store: Store, query: str, closest: list[str]) -> str:
    lines = [f"No good answer for '{printable(query)}'."]
    if closest:
        lines.append("Closest questions: " + " | ".join(closest))
    topics = ", ".join(t.id for t in store.topics)
    lines.append(f"Browse a topic with `backfaq list --topic TOPIC` (topics: {topics}).")
    return "\n".join(lines)


@cli.command()
@format_option
@click.pass_obj
def topics(app: App, fmt: str | None) -> None:
    """List the topics with their descriptions and entry counts.

    \b
    Example:
      backfaq topics --format plain | cut -f1
    """
    get_renderer(resolve_format(fmt), sys.stdout).topics(views.topic_rows(app.store))


@cli.command("list")
@click.option("--topic", metavar="TOPIC", help="Only entries of this topic.")
@format_option
@click.pass_obj
def list_(app: App, topic: str | None, fmt: str | None) -> None:
    """List every entry: id, topic and question.

    \b
    Example:
      backfaq list --topic relief
    """
    app.check_topic(topic)
    get_renderer(resolve_format(fmt), sys.stdout).entries(views.list_rows(app.store, topic))


@cli.command()
@click.argument("entry_id", metavar="ID")
@format_option
@click.pass_obj
def show(app: App, entry_id: str, fmt: str | None) -> None:
    """Show one entry in full, with its other phrasings and sources.

    \b
    Example:
      backfaq show scapulothoracic-bursitis
    """
    entry = app.store.entry(entry_id)
    if entry is None:
        from rapidfuzz import fuzz, process, utils

        ids = [e.id for e in app.store.entries]
        close = [
            m[0]
            for m in process.extract(
                entry_id, ids, scorer=fuzz.WRatio, processor=utils.default_process,
                limit=3, score_cutoff=70,
            )
        ]
        hint = f"; closest ids: {', '.join(close)}" if close else "; see `backfaq list`"
        raise NotFound(f"no entry with id '{printable(entry_id)}'{hint}")
    get_renderer(resolve_format(fmt), sys.stdout).entry(views.entry_dict(app.store, entry))


@cli.command()
@format_option
@click.pass_obj
def sources(app: App, fmt: str | None) -> None:
    """List the source documents with their entry counts.

    \b
    Example:
      backfaq sources --format json | jq -r '.[].title'
    """
    get_renderer(resolve_format(fmt), sys.stdout).sources(views.source_rows(app.store))


@cli.command()
@click.argument("path", required=False, metavar="[PATH]")
@format_option
@click.pass_obj
def validate(app: App, path: str | None, fmt: str | None) -> None:
    """Check a store file and list every problem with its location.

    Checks PATH, else the store given by --data or BACKFAQ_DATA, else the
    bundled store. Exits 0 when the store is clean and 1 when it is not.

    \b
    Example:
      backfaq validate my-faq.json
    """
    from pathlib import Path

    from backfaq.store import Problem, bundled_path, check_document, read_document

    target = Path(path or app.data or bundled_path())
    try:
        problems = check_document(read_document(target))
    except StoreError as exc:
        problems = [Problem("", exc.problem)]
    report = {
        "path": str(target),
        "valid": not problems,
        "problems": [{"location": p.location, "message": p.message} for p in problems],
    }
    fmt = resolve_format(fmt)
    if fmt in ("json", "jsonl"):
        from backfaq.render.machine import dumps

        indent = None if fmt == "jsonl" else 2
        click.echo(dumps(report, ascii_only=not encodes_all_text(sys.stdout), indent=indent))
    elif problems:
        for problem in problems:
            click.echo(printable(f"{target}: {problem}", limit=MESSAGE_LIMIT))
    else:
        click.echo(printable(f"{target}: ok", limit=MESSAGE_LIMIT))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        click.echo(printable(f"{target}: {count}", limit=MESSAGE_LIMIT), err=True)
        raise SystemExit(1)


def main() -> None:
    """Console entry point: whatever happens, at most one line on stderr and an exit code.

    Ctrl-C exits 130 quietly; a reader that closes the pipe early ends the
    program quietly (exit 1); output that cannot be written is one error line
    (exit 2).
    """
    make_streams_safe()
    if sys.stdout is None:  # started with standard output closed
        _fail("cannot write output: standard output is closed")
    try:
        code = _run()
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(1)
    except OSError as exc:
        _discard_stdout()
        _fail(f"cannot write output: {exc.strerror or exc}")
    sys.exit(code)


def _run() -> int:
    """Run the command and flush its output; the exit code it asks for."""
    # Click's standalone mode would turn Ctrl-C into "Aborted!" and exit 1 and
    # let write errors escape as tracebacks, so main() handles them itself.
    try:
        code = cli.main(prog_name="backfaq", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        click.echo("Error: aborted", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    sys.stdout.flush()
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _discard_stdout() -> None:
    """Python's documented recipe: send what is left to /dev/null, so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _fail(message: str) -> NoReturn:
    """Write one error line, if stderr can take it, and exit 2."""
    try:
        click.echo(f"Error: {printable(message, limit=MESSAGE_LIMIT)}", err=True)
    except OSError:
        pass
    sys.exit(2)
