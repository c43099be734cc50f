"""What every command shares: the store, its index and warning signs, loaded
only when a command first needs them; the errors that end a command; and
the lines written to stderr.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

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
            warn(f"the query is longer than {MAX_QUERY_WORDS:,} words; only the first"
                  f" {MAX_QUERY_WORDS:,} were read")
        return compose(self.store, text, result.hits, signs, limit=limit,
                       closest=result.closest, decision=result.decision, elsewhere=elsewhere)

    def check_topic(self, topic: str | None) -> None:
        if topic is not None and self.store.topic(topic) is None:
            known = ", ".join(t.id for t in self.store.topics)
            raise click.UsageError(
                f"unknown topic '{printable(topic)}'; choose one of: {known}"
            )



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
