"""What every command shares: the store, its index and warning signs, loaded
only when a command first needs them; the errors that end a command; and
the lines written to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from backfaq.completion import complete_paths
from backfaq.errors import StoreError
from backfaq.model import Store
from backfaq.text import MESSAGE_LIMIT, printable

if TYPE_CHECKING:
    from backfaq.answer import Answer
    from backfaq.red_flags import RedFlags
    from backfaq.search import Index


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


DEFAULT_LIMIT = 3  # answers shown, unless -n, :limit or the config file say otherwise
MORE_DATA = "backfaq.more_data"  # ctx.meta: the --data given after the command


def _more_data(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    """``--data`` after the command: adds to the stores named before it (an
    option, like one before the command, stands in for the config file's)."""
    refuse_empty_data(value, ctx, param)
    app = ctx.find_object(App)
    # Completion parses without an App: it reads them here (``completion``).
    ctx.meta.setdefault(MORE_DATA, []).extend(value)
    if app is not None and value:
        if app.data_origin != "--data":  # the environment's or the file's
            app.data, app.data_origin = (), "--data"
        app.data += value


def refuse_empty_data(value: tuple[str, ...], ctx: click.Context,
                      param: click.Parameter | None = None) -> None:
    """An empty ``--data`` on the command line is a usage error: it is what
    ``--data "$STORE"`` gives with the variable unset, and serving the
    bundled FAQ instead would answer a script from the wrong store. (An
    empty part of BACKFAQ_DATA is skipped, as one of PATH is.)"""
    if "" in value and not ctx.resilient_parsing:
        raise click.BadParameter("an empty path (is a variable unset?)", ctx=ctx,
                                 param=param, param_hint=None if param else "'--data'")


DATA_HELP = ("A store file to serve instead of the bundled FAQ; give it more than once to "
             "serve several together ('bundled' names the bundled FAQ). "
             "Env: BACKFAQ_DATA (paths separated by ':').")
more_data = click.option("--data", metavar="PATH", multiple=True, type=click.Path(),
                         callback=_more_data, expose_value=False, is_eager=True,
                         shell_complete=complete_paths, help=DATA_HELP)


class App:
    """What a command needs, loaded only when it first asks for it."""

    # True while a command is the whole process (main() sets it): what the App
    # loads then lives until exit, so it is frozen out of the cycle collector's
    # sight once made, which spares a pass over all of it (about 50 ms at
    # 100,000 entries). Run in a longer-lived process (a test), it stays
    # collectable: frozen objects are never freed from cycles.
    whole_process = False

    def __init__(
        self, data: str | Sequence[str] | None, *, settings: dict[str, Any] | None = None,
        data_origin: str = "--data",
    ) -> None:
        # The stores to serve, as given (``bundled`` names the bundled FAQ);
        # none given: the bundled FAQ. ``data_origin`` says where they were
        # named (``backfaq config`` shows it).
        self.data: tuple[str, ...] = (data,) if isinstance(data, str) else tuple(data or ())
        self.data_origin = data_origin if self.data else "default"
        # The config file's settings (``config.read_config``).
        self.settings: dict[str, Any] = settings or {}
        self._store: Store | None = None
        self._index: Index | None = None
        self._red_flags: RedFlags | None = None

    @property
    def command(self) -> str:
        """How to run backfaq on these stores again, for the hints a message
        gives: ``backfaq``, with the ``--data`` options given (the environment
        and the config file still hold theirs)."""
        if self.data_origin != "--data":
            return "backfaq"
        import shlex

        # A path's control characters escaped, as in every message: a hint is
        # printed, and an escape sequence in a file name must not reach the
        # terminal (such a path is no longer one to paste, but it is safe).
        return " ".join(["backfaq", *(f"--data {printable(shlex.quote(d), limit=4096)}"
                                      for d in self.data)])

    def paths(self) -> list[str]:
        """The store files served, each once."""
        from backfaq.store import BUNDLED, bundled_path

        if len(self.data) == 1 and self.data[0] != BUNDLED:
            return list(self.data)  # one store: nothing to resolve
        from backfaq.stores import store_paths

        return store_paths(self.data, bundled_path()) or [bundled_path()]

    def named_store(self) -> str | None:
        """The one store file --data or BACKFAQ_DATA names (for ``import``),
        None when they name none; several are a usage error."""
        from backfaq.store import BUNDLED

        if self.data_origin in ("config file", "default"):
            return None  # the config file's stores are for reading, not writing
        if len(self.data) > 1 and len(self.paths()) > 1:
            raise click.UsageError("several stores are given (--data, BACKFAQ_DATA); "
                                   "name the one to write with --into STORE")
        if self.data and self.data[0] == BUNDLED:
            raise click.UsageError("import never writes the bundled FAQ; "
                                   "name the store to write with --into STORE")
        return self.paths()[0] if self.data else None

    @property
    def store(self) -> Store:
        if self._store is None:
            if len(self.paths()) > 1:
                return self.index.store
            from backfaq.store import collector_paused

            with collector_paused(freeze=self.whole_process):
                self._store = self._load_store(None)
        return self._store

    def _load_store(self, raw: bytes | None, path: str | None = None) -> Store:
        """The store at ``path`` (the one served), parsed from ``raw`` when
        its file's bytes are read already."""
        from backfaq.store import load_store

        try:
            return load_store(path or self.paths()[0], raw)
        except StoreError as exc:
            # A file name or a store's own keys may hold newlines or escapes.
            raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None

    @property
    def index(self) -> Index:
        """The search index: of one store, from the user cache (store and
        all) when it has it; of several, built over all of them as one."""
        if self._index is None:
            from backfaq.cache import open_index
            from backfaq.store import collector_paused

            paths = self.paths()
            with collector_paused(freeze=self.whole_process):
                if len(paths) == 1:
                    # Built from the bytes the cache hashed, never from a
                    # store loaded earlier: the file may have changed since.
                    self._index = open_index(paths[0], self._load_store)
                else:
                    self._index = self._combined(paths)
            self._store = self._index.store
        return self._index

    def _combined(self, paths: list[str]) -> Index:
        """The index of several stores as one, from the user cache when it has
        it, else built from the bytes the cache hashed."""
        from backfaq.cache import open_several
        from backfaq.store import bundled_path
        from backfaq.stores import combine, part_names

        names = part_names(paths, bundled_path())

        def build(raws: list[bytes | None]) -> Store:
            return combine([self._load_store(raw, path) for path, raw in zip(paths, raws)],
                           names)

        return open_several(paths, names, build)

    @property
    def red_flags(self) -> RedFlags:
        if self._red_flags is None:
            from backfaq.red_flags import RedFlags

            self._red_flags = RedFlags(self.store, self.index.vocabulary)
        return self._red_flags

    def answer(self, text: str, *, limit: int, topic: str | None, explain: bool = True) -> Answer:
        """Analyse the query once, look for warning signs, search it (without
        a sign it denies), compose."""
        from backfaq.analyzer import MAX_QUERY_WORDS, analyse, stem
        from backfaq.answer import compose

        query = analyse(text)
        signs = self.red_flags.find(query)
        # A sign the query denies ("no chest pain, just a sore back") is not
        # what it asks: the search reads the query without it.
        denied = self.red_flags.denied_stems(query, signs)
        asked = query.without(p for p in query.denied_positions()
                              if stem(query.asked[p]) in denied) if denied else query
        result = self.index.search(asked, limit=limit, topic=topic, explain=explain)
        # With a topic that holds no answer, the person is told where one is.
        elsewhere = None
        if topic and not result.hits and result.decision and result.decision.answer:
            elsewhere = result.best
        if query.truncated:
            warn(f"the query is longer than {MAX_QUERY_WORDS:,} words; only the first"
                  f" {MAX_QUERY_WORDS:,} were read")
        return compose(self.store, text, result.hits, signs, limit=limit,
                       closest=result.closest, decision=result.decision, elsewhere=elsewhere)

    def find_topic(self, named: str) -> str | None:
        """The id of the topic ``named`` by its id or title, whatever the case
        ("Relief", "relief and self-care"); None when there is none."""
        if self.store.topic(named) is not None:
            return named
        wanted = named.casefold().strip()
        for known in self.store.topics:
            if wanted in (known.id.casefold(), known.title.casefold()):
                return known.id
        return None

    def resolve_topic(self, topic: str | None) -> str | None:
        """``--topic``'s id (see ``find_topic``), or a usage error naming the topics."""
        if topic is None:
            return None
        found = self.find_topic(topic)
        if found is None:
            raise click.UsageError(self.unknown_topic(topic))
        return found

    def unknown_topic(self, topic: str) -> str:
        """Why ``topic`` names none, with the topics there are: the ones of
        that id in several stores (each qualified with its store's name),
        when it is one, else all."""
        several = [t.id for t in self.store.topics if t.id.rpartition(":")[2] == topic]
        if len(several) > 1:
            return (f"topic '{printable(topic)}' is in several stores; choose one of: "
                    f"{', '.join(several)}")
        ids = ", ".join(t.id for t in self.store.topics)
        return f"unknown topic '{printable(topic)}'; choose one of: {ids}"



def discard_stdout() -> None:
    discard(sys.stdout)


def discard(stream: Any) -> None:
    """Python's documented recipe: send what is left to /dev/null, so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def say(message: str) -> None:
    """``message`` on stderr, if stderr can take it. When it cannot (a full
    disk), the rest goes nowhere, so neither this write nor Python's last
    flush turns the command's own exit status into another."""
    try:
        click.echo(message, err=True)
    except OSError:
        discard(sys.stderr)


def warn(message: str) -> None:
    """One warning line on stderr, if stderr can take it."""
    say(f"Warning: {printable(message, limit=MESSAGE_LIMIT)}")


def fail(message: str) -> NoReturn:
    """Write one error line, if stderr can take it, and exit 2."""
    say(f"Error: {printable(message, limit=MESSAGE_LIMIT)}")
    sys.exit(2)
