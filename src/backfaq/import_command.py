"""``backfaq import``: pages into a store, written safely, one import at a time.

The command only parses its options and reports; reading pages is
``page_files.load_pages``, merging ``importer.plan_import``, writing ``writer``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from backfaq import views
from backfaq.app import App, DataError, discard_stdout, more_data, warn
from backfaq.errors import StoreError
from backfaq.text import MESSAGE_LIMIT, printable

if TYPE_CHECKING:
    from pathlib import Path


@click.command("import")
@more_data
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
@click.option("--title", metavar="TEXT",
              help="What the store is about, in a few words; the prompt greets with it.")
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
            answer_column: str | None, title: str | None, disclaimer: str | None, sync: bool,
            dry_run: bool, force: bool) -> None:
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
      backfaq import desk.md --into my-faq.json --dry-run
      backfaq import plants.html --into plants.json --disclaimer "Ask Bloom about your own plant."
      backfaq import plants.csv --into plants.json --source-title "Bloom help desk"
    """
    from pathlib import Path

    from backfaq.errors import PageError, UnknownTopic, WriteError
    from backfaq.importer import empty_document, load_target, plan_import
    from backfaq.lock import TIMEOUT_VARIABLE, lock_timeout, store_lock
    from backfaq.page_files import load_pages
    from backfaq.writer import (
        BESIDE,
        backup_path,
        name_limit_passed,
        not_a_store_file,
        store_file,
        write_store,
    )

    target = into or app.named_store()
    if not target:
        raise click.UsageError("name the store to write with --into STORE")
    from backfaq.store import BUNDLED, bundled_path

    # "bundled" is the bundled FAQ's name everywhere else: a file of that
    # name, written here, could never be served by --data bundled.
    if target == BUNDLED or (os.path.exists(target)
                             and os.path.samefile(target, bundled_path())):
        raise click.UsageError("import never writes the bundled FAQ; "
                               "name another store with --into STORE")
    for name, value in (("--source-title", source_title), ("--topic", topic),
                        ("--topic-title", topic_title), ("--disclaimer", disclaimer),
                        ("--title", title),
                        ("--source-url", source_url), ("--question-column", question_column),
                        ("--answer-column", answer_column)):
        if value is not None and (not value.strip() or not value.isprintable()):
            raise click.UsageError(f"{name} must be printable text, not '{printable(value)}'")
    import re

    from backfaq.store import WEB_ADDRESS

    if source_url is not None and not re.fullmatch(WEB_ADDRESS, source_url):
        raise click.UsageError(f"--source-url must be an http:// or https:// address, "
                               f"not '{printable(source_url)}'")
    from backfaq.page_files import is_text_encoding

    if encoding is not None and not is_text_encoding(encoding):
        raise click.UsageError(f"unknown text encoding '{printable(encoding)}'")
    try:
        timeout = lock_timeout(os.environ.get(TIMEOUT_VARIABLE))
    except ValueError as exc:
        raise click.UsageError(printable(str(exc))) from None
    store_path = Path(target)
    kind = not_a_store_file(store_path)
    if kind is not None:  # refused before a lock file is made beside it
        raise DataError(printable(f"{store_path}: {kind}, not a store file",
                                  limit=MESSAGE_LIMIT))
    limit = None if dry_run else name_limit_passed(store_file(store_path))
    if limit is not None:
        raise DataError(printable(
            f"{store_path}: the name is too long to write: the files written beside the "
            f"store add {BESIDE} characters to it, and a file name here has at most "
            f"{limit}; use a shorter name", limit=MESSAGE_LIMIT))
    written = interrupted = False
    try:
        parsed = load_pages([Path(p) for p in pages],
                            fmt=None if page_format == "auto" else page_format,
                            encoding=encoding, question_column=question_column,
                            answer_column=answer_column)
        # A dry run takes no lock: it writes nothing, and the store it reads
        # is a whole one, old or new, whenever it reads it.
        turn: contextlib.AbstractContextManager[Callable[[], None] | None] = (
            contextlib.nullcontext() if dry_run
            else store_lock(store_path, store_file(store_path), timeout=timeout)
        )
        with turn as still_held:
            # Read under the lock: what another import wrote meanwhile is kept.
            document = load_target(store_path)
            plan = plan_import(document or empty_document(), parsed, topic=topic,
                               topic_title=topic_title, source_title=source_title,
                               source_url=source_url, disclaimer=disclaimer, title=title,
                               sync=sync)
            if dry_run:
                outcome = "dry run, nothing written"
            elif not plan.changed:
                outcome = "nothing to change"
            else:
                try:
                    write_store(store_path, plan.document, force=force,
                                before_replace=still_held)
                except KeyboardInterrupt:
                    # Ctrl-C just after the new file took the old one's place.
                    if not _holds(store_path, plan.document):
                        raise
                    interrupted = True
                written = True
                outcome = (f"written, previous version in {backup_path(store_file(store_path))}"
                           if document is not None else "created")
    except UnknownTopic as exc:
        raise click.UsageError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
    except (StoreError, PageError, WriteError) as exc:
        raise DataError(printable(str(exc), limit=MESSAGE_LIMIT)) from None
    if interrupted:
        _interrupted_after_writing(store_path, outcome)
        return
    try:
        for line in views.import_summary(plan, store=str(store_path), outcome=outcome):
            click.echo(printable(line, limit=MESSAGE_LIMIT))
        if written:
            sys.stdout.flush()
    except OSError as exc:
        if not written:
            raise  # main() reports it: exit 2, and the store is unchanged
        # The exit status says what happened to the store: it was written.
        discard_stdout()
        if not isinstance(exc, BrokenPipeError):
            warn(f"{store_path}: {outcome}; the summary could not be printed: "
                  f"{exc.strerror or exc}")
    except KeyboardInterrupt:
        if not written:
            raise  # exit 130: nothing was written
        _interrupted_after_writing(store_path, outcome)


def _interrupted_after_writing(store_path: Path, outcome: str) -> None:
    """Ctrl-C once the store is written stops the summary, not the import:
    exit 0 and one warning, for a script reading 130 would take the store
    for unchanged."""
    discard_stdout()
    warn(f"{store_path}: {outcome}; interrupted before the summary was printed")


def _holds(path: Path, document: dict[str, Any]) -> bool:
    """Whether the store at ``path`` is ``document`` as it is written."""
    from backfaq.writer import serialize, store_file

    try:
        return store_file(path).read_bytes() == serialize(document)
    except OSError:
        return False
