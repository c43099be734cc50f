"""The command line: parse, call the core, render, translate errors to exit codes.

Exit codes: 0 answered, 1 no answer or not found, 2 usage or data error,
130 interrupted.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO, TypeVar, cast

import click

from backfaq import __version__, views
from backfaq.app import (
    DATA_HELP,
    DEFAULT_LIMIT,
    App,
    DataError,
    NotFound,
    discard,
    discard_stdout,
    fail,
    more_data,
    readable_stdin,
    refuse_empty_data,
    say,
    warn,
)
from backfaq.completion import (
    COMPLETE_VAR,
    SHELLS,
    complete_ids,
    complete_paths,
    complete_topics,
    completion_script,
)
from backfaq.render import FORMATS, get_renderer
from backfaq.text import MESSAGE_LIMIT, InPieces, is_blank, make_streams_safe, printable

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"]}
PROMPT_FORMATS = ("rich", "plain")  # what the interactive prompt draws


def formats_option(choices: tuple[str, ...]) -> Callable[[F], F]:
    """``--format``, offering ``choices`` (the prompt draws only rich and plain)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=None,
        help="Output format. Default: the config file's format, else rich on a terminal, "
             "plain when piped.",
    )


format_option = formats_option(FORMATS)


def resolve_format(fmt: str | None, *, choices: tuple[str, ...] = FORMATS) -> str:
    """The format asked for, else the config file's (among ``choices``), else
    rich on a terminal and plain when piped."""
    if fmt is not None:
        return fmt
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    configured = app.settings.get("format") if app is not None else None
    if configured in choices:
        return str(configured)
    return "rich" if sys.stdout.isatty() else "plain"


pager_option = click.option(
    "--no-pager", "no_pager", is_flag=True,
    help="Never page: write rich output straight to the terminal, however tall.")


@contextlib.contextmanager
def shown(fmt: str, no_pager: bool, app: App) -> Iterator[tuple[TextIO, bool]]:
    """Where a command draws: standard output, or, for rich output to a
    terminal, a buffer shown through the pager when it is taller than the
    screen (see ``pager``). Yields the stream and whether it is a buffer."""
    command = None
    if (fmt == "rich" and not no_pager and app.settings.get("pager", True)
            and _is_terminal(sys.stdout)):
        from backfaq.pager import pager_command

        command = pager_command()
    if command is None:
        yield cast(TextIO, InPieces(sys.stdout)), False
        return
    from backfaq.pager import page, screen_rows

    buffer = io.StringIO()
    yield buffer, True
    text = buffer.getvalue()
    if text.count("\n") < screen_rows() or not page(text, command):
        sys.stdout.write(text)


def default_limit(limit: int | None, app: App) -> int:
    """How many answers: ``-n``, else the config file's ``limit``, else 3."""
    return limit if limit is not None else int(app.settings.get("limit", DEFAULT_LIMIT))


class _Commands(click.Group):
    """The commands, ``import`` loaded only when it is run or listed: its
    module and options cost every other command's start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "import"})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "import" and name not in self.commands:
            from backfaq.import_command import import_

            self.add_command(import_)
        return super().get_command(ctx, name)


@click.group("backfaq", cls=_Commands, context_settings=CONTEXT, invoke_without_command=True)
@click.option(
    "--data",
    metavar="PATH",
    multiple=True,
    type=click.Path(),  # BACKFAQ_DATA splits at os.pathsep, as PATH does
    envvar="BACKFAQ_DATA",
    shell_complete=complete_paths,
    help=DATA_HELP,
)
@click.version_option(__version__, "-V", "--version", prog_name="backfaq")
@click.pass_context
def cli(ctx: click.Context, data: tuple[str, ...]) -> None:
    """Answers from an FAQ: the bundled one on upper back pain, or your own.

    \b
    Examples:
      backfaq ask "pain between shoulder blades"
      backfaq topics
      backfaq ask "chin tucks" --format json | jq -r '.results[0].answer'

    With no command at a terminal, opens the interactive prompt.

    The bundled FAQ is general information, not medical advice.
    """
    from backfaq.config import config_path, read_config
    from backfaq.errors import ConfigError

    try:
        settings = read_config(config_path())
    except ConfigError as exc:
        raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
    source = ctx.get_parameter_source("data")
    if source is click.core.ParameterSource.COMMANDLINE:
        refuse_empty_data(data, ctx)
    given = tuple(d for d in data if d)
    if given:
        origin = "BACKFAQ_DATA" if source is click.core.ParameterSource.ENVIRONMENT else "--data"
        ctx.obj = App(given, settings=settings, data_origin=origin)
    else:
        ctx.obj = App(settings.get("data", ()), settings=settings, data_origin="config file")
    if ctx.invoked_subcommand is None:
        if _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
            fmt = resolve_format(None, choices=PROMPT_FORMATS)
            raise SystemExit(_interact(ctx.obj, fmt=fmt, quiet=False))
        click.echo(ctx.get_help())


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def _interact(app: App, *, fmt: str, quiet: bool, history: bool | None = None) -> int:
    """The prompt; ``history``: keep it across sessions (else the config's say)."""
    from backfaq.interactive import Session

    # A store that cannot be used is reported before the prompt opens, and the
    # index comes with it: the file read once, however it is edited later.
    _ = app.index
    stdin = readable_stdin()
    if isinstance(stdin, io.TextIOWrapper):
        # A byte that is not text in the input's encoding (a pipe of another
        # encoding, "é" typed under an ASCII locale) reads as U+FFFD, at a
        # terminal too: input() decodes what readline gives it the same way.
        stdin.reconfigure(errors="replace")
    at_terminal = _is_terminal(stdin)
    session = Session(app, fmt=fmt, quiet=quiet, prompting=at_terminal)
    if not at_terminal:
        return session.run()
    from backfaq.line_editing import history_path, open_line_editor

    editor = open_line_editor(session.complete)
    keep = app.settings.get("history", False) if history is None else history
    if editor is not None and keep:
        if problem := editor.keep_history(history_path()):
            warn(problem)
    try:
        return session.run()
    finally:
        if editor is not None and (problem := editor.save_history()):
            warn(problem)


@cli.command()
@more_data
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many answers. Default: the config file's limit, else 3.")
@click.option("--topic", metavar="TOPIC", shell_complete=complete_topics,
              help="Search only this topic (see `backfaq topics`).")
@click.option("--explain", is_flag=True, help="Show why each answer matched.")
@click.option("-q", "--quiet", is_flag=True,
              help="Answers only: no disclaimer, no boxes or footers (warnings still show).")
@pager_option
@format_option
@click.pass_obj
def ask(app: App, query: tuple[str, ...], limit: int | None, topic: str | None, explain: bool,
        no_pager: bool, quiet: bool, fmt: str | None) -> None:
    """Answer QUERY with the closest FAQ entries, best first.

    A query that names a warning sign (chest pain, trouble breathing, numb
    arms, a fall...) gets a notice first and the advice on when to see a
    doctor.

    With QUERY "-", answer each line of standard input in turn and write one
    JSON line per query, flushed at once, so a program can talk to backfaq
    through a pipe.

    \b
    Examples:
      backfaq ask "pain between shoulder blades"
      backfaq ask sholder blade sqeeze          # words may be given unquoted
      backfaq ask "is walking good" --topic exercises -n 1
      printf 'chin tucks\\nrhomboids\\n' | backfaq ask - -n 1 | jq -r '.results[0].id'
    """
    limit = default_limit(limit, app)
    if query == ("-",):
        from backfaq.batch import ask_each_line

        ask_each_line(app, limit=limit, topic=topic, explain=explain, fmt=fmt)
        return
    text = " ".join(query)
    if is_blank(text):  # zero-width spaces alone too: the search reads no word
        raise click.UsageError("the query is empty; say what you want to know")
    fmt = resolve_format(fmt)
    app.index  # first: a large store comes from the cache, with its index
    topic = app.resolve_topic(topic)
    answer = app.answer(text, limit=limit, topic=topic, explain=explain or fmt == "rich")
    data = views.ask_dict(app.store, answer, explain=explain or fmt == "rich")
    # A warning sign is shown even when nothing answers: never lost with the answer.
    if answer.answered or answer.signs or fmt in ("json", "jsonl"):
        with shown(fmt, no_pager, app) as (out, terminal):
            get_renderer(fmt, out, show_explain=explain, quiet=quiet,
                         terminal=terminal).ask(data)
    if not answer.answered:
        say(views.no_answer_message(app.store, answer, topic=topic, explain=explain,
                                    command=app.command))
        raise SystemExit(1)


@cli.command()
@more_data
@pager_option
@format_option
@click.pass_obj
def topics(app: App, no_pager: bool, fmt: str | None) -> None:
    """List the topics with their descriptions and entry counts.

    \b
    Example:
      backfaq topics | awk -F'\\t' '{print $1, $2}'
    """
    fmt = resolve_format(fmt)
    with shown(fmt, no_pager, app) as (out, terminal):
        get_renderer(fmt, out, terminal=terminal).topics(views.topic_rows(app.store))


@cli.command("list")
@more_data
@click.option("--topic", metavar="TOPIC", shell_complete=complete_topics,
              help="Only entries of this topic.")
@pager_option
@format_option
@click.pass_obj
def list_(app: App, topic: str | None, no_pager: bool, fmt: str | None) -> None:
    """List every entry: id, topic and question.

    \b
    Example:
      backfaq list --topic relief
    """
    topic = app.resolve_topic(topic)
    fmt = resolve_format(fmt)
    with shown(fmt, no_pager, app) as (out, terminal):
        get_renderer(fmt, out, terminal=terminal).entries(views.list_rows(app.store, topic))


@cli.command()
@more_data
@click.argument("entry_id", metavar="ID", shell_complete=complete_ids)
@pager_option
@format_option
@click.pass_obj
def show(app: App, entry_id: str, no_pager: bool, fmt: str | None) -> None:
    """Show one entry in full, with its other phrasings and sources.

    \b
    Example:
      backfaq show scapulothoracic-bursitis
    """
    entry = app.store.entry(entry_id)
    if entry is None:
        shared = views.clashing_ids(app.store, entry_id)
        if shared:
            raise click.UsageError(f"several stores have an entry '{printable(entry_id)}'; "
                                   f"choose one of: {', '.join(shared)}")
        raise NotFound(views.unknown_id_message(app.store, entry_id, app.command))
    fmt = resolve_format(fmt)
    with shown(fmt, no_pager, app) as (out, terminal):
        get_renderer(fmt, out, terminal=terminal).entry(views.entry_dict(app.store, entry))


@cli.command()
@more_data
@pager_option
@format_option
@click.pass_obj
def sources(app: App, no_pager: bool, fmt: str | None) -> None:
    """List the source documents with their entry counts.

    \b
    Example:
      backfaq sources --format json | jq -r '.[].title'
    """
    fmt = resolve_format(fmt)
    with shown(fmt, no_pager, app) as (out, terminal):
        get_renderer(fmt, out, terminal=terminal).sources(views.source_rows(app.store))


@cli.command()
@more_data
@click.argument("path", required=False, metavar="[PATH]")
@format_option
@click.pass_obj
def validate(app: App, path: str | None, fmt: str | None) -> None:
    """Check a store file and list every problem with its location.

    Checks PATH, else each store given by --data or BACKFAQ_DATA, else the
    bundled store. Exits 0 when every store is clean and 1 when one is not.

    \b
    Example:
      backfaq validate my-faq.json
    """
    from backfaq.store import check_file

    reports = []
    for target in [path] if path else app.paths():
        reports.append(views.report_dict(target, check_file(target)))
    renderer = get_renderer(resolve_format(fmt), cast(TextIO, InPieces(sys.stdout)))
    if len(reports) == 1:
        renderer.report(reports[0])
    else:
        renderer.reports(reports)
    for report in reports:
        if report["problems"]:
            count = len(report["problems"])
            say(printable(f"{report['path']}: {count} problem{'s' if count != 1 else ''}",
                          limit=MESSAGE_LIMIT))
    if any(report["problems"] for report in reports):
        raise SystemExit(1)


@cli.command()
@more_data
@click.option("-q", "--quiet", is_flag=True,
              help="Answers only: no disclaimer, no boxes or footers (warnings still show).")
@click.option("--history/--no-history", default=None,
              help="Keep what you type for the next session (owner-only file in the user "
                   "state directory). Default: the config file's history, else off.")
@formats_option(PROMPT_FORMATS)
@click.pass_obj
def interactive(app: App, quiet: bool, history: bool | None, fmt: str | None) -> None:
    """Ask one question after another at a prompt.

    Type a question and press Enter; :topics, :show ID, :help and :quit (or
    Ctrl-D) do the rest. `backfaq` with no command does the same at a terminal.

    \b
    Example:
      backfaq interactive
    """
    fmt = resolve_format(fmt, choices=PROMPT_FORMATS)
    raise SystemExit(_interact(app, fmt=fmt, quiet=quiet, history=history))


@cli.command("config")
@more_data
@format_option
@click.pass_obj
def config_(app: App, fmt: str | None) -> None:
    """Show the config file's path and the settings in effect, with where each
    comes from (an option, an environment variable, the file, the default).

    The file is TOML: data (a list of stores), format, limit, history, pager.
    For example:

    \b
      data = ["bundled", "~/notes/my-faq.json"]
      format = "plain"
      limit = 5

    \b
    Examples:
      backfaq config
      backfaq config --format json
    """
    from backfaq.config import CONFIG_VARIABLE, config_path

    path = config_path()
    from backfaq.store import BUNDLED

    data = [d if d == BUNDLED else os.path.abspath(d) for d in app.data] or [BUNDLED]
    rows = {
        "data": (data, app.data_origin),
        "format": _setting(app, "format", "rich on a terminal, plain when piped"),
        "limit": _setting(app, "limit", DEFAULT_LIMIT),
        "history": _setting(app, "history", False),
        "pager": _setting(app, "pager", True),
    }
    info = {
        "path": path,
        "exists": os.path.isfile(path),
        "named_by": CONFIG_VARIABLE if os.environ.get(CONFIG_VARIABLE) else None,
        "settings": {key: {"value": value, "from": origin}
                     for key, (value, origin) in rows.items()},
    }
    fmt = resolve_format(fmt)
    if fmt in ("json", "jsonl"):
        from backfaq.render.machine import dumps

        click.echo(dumps(info, ascii_only=False, indent=None if fmt == "jsonl" else 2))
        return
    state = "" if info["exists"] else " (no such file)"
    lines = [f"config file: {path}{state}"]
    for key, (value, origin) in rows.items():
        text = ", ".join(value) if isinstance(value, list) else value
        if isinstance(value, bool):
            text = "on" if value else "off"
        lines.append(f"{key}: {text} ({origin})")
    for line in lines:
        click.echo(printable(line, limit=MESSAGE_LIMIT))


def _setting(app: App, key: str, default: Any) -> tuple[Any, str]:
    """A setting's value and where it comes from: the config file, else the default."""
    if key in app.settings:
        return app.settings[key], "config file"
    return default, "default"


@cli.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    It completes commands, options, topic names and entry ids.

    \b
    Examples:
      eval "$(backfaq completion bash)"        # in ~/.bashrc
      eval "$(backfaq completion zsh)"         # in ~/.zshrc
      backfaq completion fish > ~/.config/fish/completions/backfaq.fish
    """
    click.echo(completion_script(cli, shell))


def main() -> None:
    """Console entry point: whatever happens, at most one line on stderr and an exit code.

    Ctrl-C exits 130 quietly; a reader that closes the pipe early ends the
    program quietly (exit 1); output that cannot be written is one error line
    (exit 2).
    """
    # The modules loaded so far live as long as the process: frozen, they are
    # never walked again by the cycle collector, which otherwise spends about a
    # millisecond of a query's time going over them.
    gc.freeze()
    make_streams_safe()
    if sys.stdout is None:  # started with standard output closed
        fail("cannot write output: standard output is closed")
    if sys.stderr is None:  # started with stderr closed: messages go nowhere,
        sys.stderr = open(os.devnull, "w")  # and input() still has a stderr

    App.whole_process = True
    try:
        code = _run()
    except KeyboardInterrupt:
        sys.exit(130)
    except MemoryError:
        # Unwound, the half-built store is freed: there is memory for one line.
        discard_stdout()
        fail("out of memory: the store (or the query) is too large for the memory"
              " this process may use")
    except BrokenPipeError:
        discard_stdout()
        sys.exit(1)
    except OSError as exc:
        discard_stdout()
        fail(f"cannot write output: {exc.strerror or exc}")
    finally:
        App.whole_process = False  # for a caller that runs main() in its own process
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
        say("Error: aborted")
        code = 1
    except click.ClickException as exc:
        try:
            exc.show()
        except OSError:  # the exit code says it all the same
            discard(sys.stderr)
        code = exc.exit_code
    except Exception:
        if os.environ.get(COMPLETE_VAR):
            # Click's completion read a shell line it cannot make sense of
            # (COMP_WORDS missing, COMP_CWORD not a number): offer nothing,
            # and write nothing into the shell.
            return 1
        raise
    sys.stdout.flush()
    if code is None:
        return 0
    return code if isinstance(code, int) else 1
