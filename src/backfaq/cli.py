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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from backfaq import __version__, views
from backfaq.completion import (
    COMPLETE_VAR,
    SHELLS,
    complete_ids,
    complete_paths,
    complete_topics,
    completion_script,
)
from backfaq.errors import StoreError
from backfaq.model import Store
from backfaq.render import FORMATS, get_renderer
from backfaq.text import MESSAGE_LIMIT, make_streams_safe, printable

if TYPE_CHECKING:
    from backfaq.answer import Answer
    from backfaq.red_flags import RedFlags
    from backfaq.search import Index

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"]}


class DataError(click.ClickException):
    """A store that cannot be used: exit 2, like a usage error."""

    exit_code = 2


class InputError(click.ClickException):
    """Standard input that cannot be read: exit 2."""

    exit_code = 2


def readable_stdin() -> Any:
    """Standard input, or an InputError when it is closed (started with ``<&-``)."""
    if sys.stdin is None:
        raise InputError("cannot read input: standard input is closed")
    return sys.stdin


class NotFound(click.ClickException):
    """Nothing to show: exit 1."""

    exit_code = 1


class App:
    """What a command needs, loaded only when it first asks for it."""

    # True while a command is the whole process (main() sets it): what the App
    # loads then lives until exit, so it is frozen out of the cycle collector's
    # sight once made, which spares a pass over all of it (about 50 ms at
    # 100,000 entries). Run in a longer-lived process (a test), it stays
    # collectable: frozen objects are never freed from cycles.
    whole_process = False

    def __init__(self, data: str | None) -> None:
        self.data = data
        self._store: Store | None = None
        self._index: Index | None = None
        self._red_flags: RedFlags | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from backfaq.store import collector_paused

            with collector_paused(freeze=self.whole_process):
                self._store = self._load_store(None)
        return self._store

    def _load_store(self, raw: bytes | None) -> Store:
        """The store, parsed from ``raw`` when its file's bytes are read already."""
        from backfaq.store import load_store

        try:
            return load_store(self.data, raw)
        except StoreError as exc:
            # A file name or a store's own keys may hold newlines or escapes.
            raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None

    @property
    def index(self) -> Index:
        """The search index, from the user cache (store and all) when it has it."""
        if self._index is None:
            from backfaq.cache import open_index
            from backfaq.store import bundled_path, collector_paused

            path = bundled_path() if self.data is None else self.data
            # Built from the bytes the cache hashed, never from a store loaded
            # earlier: the file may have changed since.
            with collector_paused(freeze=self.whole_process):
                self._index = open_index(path, self._load_store)
            self._store = self._index.store
        return self._index

    @property
    def red_flags(self) -> RedFlags:
        if self._red_flags is None:
            from backfaq.red_flags import RedFlags

            self._red_flags = RedFlags(self.store, self.index.vocabulary)
        return self._red_flags

    def answer(self, text: str, *, limit: int, topic: str | None, explain: bool = True) -> Answer:
        """Analyse the query once, search, look for warning signs, compose."""
        from backfaq.analyzer import MAX_QUERY_WORDS, analyse
        from backfaq.answer import compose

        query = analyse(text)
        result = self.index.search(query, limit=limit, topic=topic, explain=explain)
        signs = self.red_flags.find(query)
        # With a topic that holds no answer, the person is told where one is.
        elsewhere = None
        if topic and not result.hits and result.decision and result.decision.answer:
            elsewhere = result.best
        if query.truncated:
            _warn(f"the query is longer than {MAX_QUERY_WORDS:,} words; only the first"
                  f" {MAX_QUERY_WORDS:,} were read")
        return compose(self.store, text, result.hits, signs, limit=limit,
                       closest=result.closest, decision=result.decision, elsewhere=elsewhere)

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
    shell_complete=complete_paths,
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

    With no command at a terminal, opens the interactive prompt.

    General information, not medical advice.
    """
    ctx.obj = App(data or None)
    if ctx.invoked_subcommand is None:
        if _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
            raise SystemExit(_interact(ctx.obj, fmt="rich", quiet=False))
        click.echo(ctx.get_help())


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def _interact(app: App, *, fmt: str, quiet: bool) -> int:
    from backfaq.interactive import Session, enable_line_editing

    # A store that cannot be used is reported before the prompt opens, and the
    # index comes with it: the file read once, however it is edited later.
    _ = app.index
    stdin = readable_stdin()
    if isinstance(stdin, io.TextIOWrapper):
        # A byte that is not text in the input's encoding (a pipe of another
        # encoding, "é" typed under an ASCII locale) reads as U+FFFD, at a
        # terminal too: input() decodes what readline gives it the same way.
        stdin.reconfigure(errors="replace")
    if _is_terminal(stdin):
        enable_line_editing()
    return Session(app, fmt=fmt, quiet=quiet).run()


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=3, show_default=True,
              help="Show at most this many answers.")
@click.option("--topic", metavar="TOPIC", shell_complete=complete_topics,
              help="Search only this topic (see `backfaq topics`).")
@click.option("--explain", is_flag=True, help="Show why each answer matched.")
@click.option("-q", "--quiet", is_flag=True,
              help="Answers only: no disclaimer, no boxes or footers (warnings still show).")
@format_option
@click.pass_obj
def ask(app: App, query: tuple[str, ...], limit: int, topic: str | None, explain: bool,
        quiet: bool, fmt: str | None) -> None:
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
      backfaq ask sholder blade sqeeze -n 1
      backfaq ask "is walking good" --topic exercises --format json
      printf 'chin tucks\\nrhomboids\\n' | backfaq ask -
    """
    if query == ("-",):
        from backfaq.batch import ask_each_line

        ask_each_line(app, limit=limit, topic=topic, explain=explain, fmt=fmt)
        return
    text = " ".join(query)
    if not text.strip():
        raise click.UsageError("the query is empty; say what you want to know")
    fmt = resolve_format(fmt)
    app.index  # first: a large store comes from the cache, with its index
    app.check_topic(topic)
    answer = app.answer(text, limit=limit, topic=topic, explain=explain or fmt == "rich")
    data = views.ask_dict(app.store, answer, explain=explain or fmt == "rich")
    # A warning sign is shown even when nothing answers: never lost with the answer.
    if answer.answered or answer.signs or fmt in ("json", "jsonl"):
        get_renderer(fmt, sys.stdout, show_explain=explain, quiet=quiet).ask(data)
    if not answer.answered:
        _say(views.no_answer_message(app.store, answer, topic=topic, explain=explain))
        raise SystemExit(1)


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
@click.option("--topic", metavar="TOPIC", shell_complete=complete_topics,
              help="Only entries of this topic.")
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
@click.argument("entry_id", metavar="ID", shell_complete=complete_ids)
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
        raise NotFound(views.unknown_id_message(app.store, entry_id))
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
    from backfaq.store import Problem, bundled_path, check_document, read_document

    target = path or app.data or bundled_path()
    try:
        problems = check_document(read_document(target))
    except StoreError as exc:
        problems = [Problem("", exc.problem)]
    get_renderer(resolve_format(fmt), sys.stdout).report(views.report_dict(target, problems))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        _say(printable(f"{target}: {count}", limit=MESSAGE_LIMIT))
        raise SystemExit(1)


@cli.command("import")
@click.argument("pages", nargs=-1, required=True, metavar="PAGE...")
@click.option("--into", metavar="STORE",
              help="The store file to add to; created when it does not exist. "
                   "Default: the store given by --data or BACKFAQ_DATA.")
@click.option("--source-title", metavar="TITLE",
              help="Title of a new source. Default: the page's title, else its file name.")
@click.option("--source-url", metavar="URL",
              help="The page's address, shown with its answers. Default: an HTML page's "
                   "canonical link.")
@click.option("--topic", metavar="TOPIC",
              help="Topic of the new entries, created when new. Default: the page's own "
                   "heading or category, else the best-matching topic, else 'general'.")
@click.option("--topic-title", metavar="TITLE", help="Title of the topic --topic creates.")
# pages.PAGE_FORMATS, written out: importing pages.py would slow every start.
@click.option("--format", "page_format",
              type=click.Choice(("auto", "text", "markdown", "html", "csv", "json")),
              default="auto", show_default=True,
              help="How to read the pages (auto: from the file name and content).")
@click.option("--encoding", metavar="CODEC",
              help="The pages' encoding. Default: UTF-8, or UTF-16 with a byte-order mark, "
                   "or an HTML page's declared charset.")
@click.option("--question-column", metavar="NAME",
              help="CSV: the column holding the questions (a header name or a number).")
@click.option("--answer-column", metavar="NAME",
              help="CSV: the column holding the answers (a header name or a number).")
@click.option("--disclaimer", metavar="TEXT",
              help="The store's disclaimer, printed under every answer (a store has none "
                   "unless given one).")
@click.option("--sync", is_flag=True,
              help="Remove the entries of each page's source that the page no longer has.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--force", is_flag=True,
              help="Replace the store even when it is read-only (its mode is kept).")
@click.pass_obj
def import_(app: App, pages: tuple[str, ...], into: str | None, source_title: str | None,
            source_url: str | None, topic: str | None, topic_title: str | None,
            page_format: str, encoding: str | None, question_column: str | None,
            answer_column: str | None, disclaimer: str | None, sync: bool, dry_run: bool,
            force: bool) -> None:
    """Add the questions and answers of FAQ pages to a store: text, Markdown,
    HTML (schema.org FAQPage data, <details>, question headings), CSV/TSV
    exports with a header row, or a JSON list of {question, answer} objects.

    An answer the store already has becomes another phrasing and source of its
    entry; a question without an answer is skipped; a question of the same
    source answered differently now is updated. A page's section headings and
    a CSV category column become topics. The store is written
    atomically, one import at a time (others wait for STORE.lock up to
    BACKFAQ_LOCK_TIMEOUT seconds, default 10), and its previous version kept
    as STORE.bak. A read-only store is refused unless --force is given.

    \b
    Examples:
      backfaq import faq.md --into my-faq.json --dry-run
      backfaq import support.html --into my-faq.json --disclaimer "Not legal advice."
      backfaq import export.csv --into my-faq.json --question-column Title
      backfaq import page1.txt page2.md --into my-faq.json --topic general
    """
    from pathlib import Path

    from backfaq.errors import PageError, UnknownTopic, WriteError
    from backfaq.importer import empty_document, load_pages, load_target, plan_import
    from backfaq.lock import TIMEOUT_VARIABLE, lock_timeout, store_lock
    from backfaq.writer import backup_path, store_file, write_store

    target = into or app.data
    if not target:
        raise click.UsageError("name the store to write with --into STORE")
    for name, value in (("--source-title", source_title), ("--topic", topic),
                        ("--topic-title", topic_title), ("--disclaimer", disclaimer),
                        ("--source-url", source_url), ("--question-column", question_column),
                        ("--answer-column", answer_column)):
        if value is not None and (not value.strip() or not value.isprintable()):
            raise click.UsageError(f"{name} must be printable text, not '{printable(value)}'")
    import re

    if source_url is not None and not re.fullmatch(r"(?i)https?://[^\s/?#]+\S*", source_url):
        raise click.UsageError(f"--source-url must be an http:// or https:// address, "
                               f"not '{printable(source_url)}'")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise click.UsageError(f"unknown encoding '{printable(encoding)}'") from None
    try:
        timeout = lock_timeout(os.environ.get(TIMEOUT_VARIABLE))
    except ValueError as exc:
        raise click.UsageError(printable(str(exc))) from None
    store_path = Path(target)
    written = False
    try:
        parsed = load_pages([Path(p) for p in pages],
                            fmt=None if page_format == "auto" else page_format,
                            encoding=encoding, question_column=question_column,
                            answer_column=answer_column)
        # A dry run takes no lock: it writes nothing, and the store it reads
        # is a whole one, old or new, whenever it reads it.
        turn: contextlib.AbstractContextManager[None] = (
            contextlib.nullcontext() if dry_run
            else store_lock(store_path, store_file(store_path), timeout=timeout)
        )
        with turn:
            # Read under the lock: what another import wrote meanwhile is kept.
            document = load_target(store_path)
            plan = plan_import(document or empty_document(), parsed, topic=topic,
                               topic_title=topic_title, source_title=source_title,
                               source_url=source_url, disclaimer=disclaimer, sync=sync)
            if dry_run:
                outcome = "dry run, nothing written"
            elif not plan.changed:
                outcome = "nothing to change"
            else:
                write_store(store_path, plan.document, force=force)
                written = True
                outcome = (f"written, previous version in {backup_path(store_path)}"
                           if document is not None else "created")
    except UnknownTopic as exc:
        raise click.UsageError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
    except (StoreError, PageError, WriteError) as exc:
        raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
    try:
        for line in views.import_summary(plan, store=str(store_path), outcome=outcome):
            click.echo(printable(line, limit=MESSAGE_LIMIT))
        if written:
            sys.stdout.flush()
    except OSError as exc:
        if not written:
            raise  # main() reports it: exit 2, and the store is unchanged
        # The exit status says what happened to the store: it was written.
        _discard_stdout()
        if not isinstance(exc, BrokenPipeError):
            _warn(f"{store_path}: {outcome}; the summary could not be printed: "
                  f"{exc.strerror or exc}")


@cli.command()
@click.option("-q", "--quiet", is_flag=True,
              help="Answers only: no disclaimer, no boxes or footers (warnings still show).")
@format_option
@click.pass_obj
def interactive(app: App, quiet: bool, fmt: str | None) -> None:
    """Ask one question after another at a prompt.

    Type a question and press Enter; :topics, :show ID, :help and :quit (or
    Ctrl-D) do the rest. `backfaq` with no command does the same at a terminal.

    \b
    Example:
      backfaq interactive
    """
    fmt = resolve_format(fmt)
    if fmt in ("json", "jsonl"):
        raise click.UsageError("the interactive prompt draws rich or plain text, not JSON")
    raise SystemExit(_interact(app, fmt=fmt, quiet=quiet))


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
        _fail("cannot write output: standard output is closed")
    if sys.stderr is None:  # started with stderr closed: messages go nowhere,
        sys.stderr = open(os.devnull, "w")  # and input() still has a stderr

    App.whole_process = True
    try:
        code = _run()
    except KeyboardInterrupt:
        sys.exit(130)
    except MemoryError:
        # Unwound, the half-built store is freed: there is memory for one line.
        _discard_stdout()
        _fail("out of memory: the store (or the query) is too large for the memory"
              " this process may use")
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(1)
    except OSError as exc:
        _discard_stdout()
        _fail(f"cannot write output: {exc.strerror or exc}")
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
        _say("Error: aborted")
        code = 1
    except click.ClickException as exc:
        try:
            exc.show()
        except OSError:  # the exit code says it all the same
            _discard(sys.stderr)
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


def _discard_stdout() -> None:
    _discard(sys.stdout)


def _discard(stream: Any) -> None:
    """Python's documented recipe: send what is left to /dev/null, so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _say(message: str) -> None:
    """``message`` on stderr, if stderr can take it. When it cannot (a full
    disk), the rest goes nowhere, so neither this write nor Python's last
    flush turns the command's own exit status into another."""
    try:
        click.echo(message, err=True)
    except OSError:
        _discard(sys.stderr)


def _warn(message: str) -> None:
    """One warning line on stderr, if stderr can take it."""
    _say(f"Warning: {printable(message, limit=MESSAGE_LIMIT)}")


def _fail(message: str) -> NoReturn:
    """Write one error line, if stderr can take it, and exit 2."""
    _say(f"Error: {printable(message, limit=MESSAGE_LIMIT)}")
    sys.exit(2)
