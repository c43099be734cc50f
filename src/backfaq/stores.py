"""Several stores served as one: the bundled FAQ beside a team's own, or a
person's notes beside both.

``--data`` may be given more than once and ``BACKFAQ_DATA`` may hold several
paths (separated by ``os.pathsep``); the word ``bundled`` names the bundled
FAQ. Their entries are ranked together, as one store holding them all would
rank them: ``combine`` makes that store, so term statistics and the
answer/no-answer decision are shared rather than per-store scores merged.
An id two stores share is qualified with its store's name (``notes:cactus``)
in both (a topic id too, when its title differs); every store's warning
signs apply; each entry keeps the store it came from (``Store.part_of``),
whose disclaimer and warning advice go with it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable

from backfaq.model import Entry, Part, RedFlag, Source, Store, Topic
from backfaq.store import BUNDLED


def store_paths(specs: Iterable[str], bundled: str) -> list[str]:
    """The store files ``specs`` name, ``bundled`` for the word, each once."""
    paths: list[str] = []
    seen: set[str] = set()
    for spec in specs:
        path = bundled if spec == BUNDLED else spec
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            paths.append(path)
    return paths


def part_names(paths: list[str], bundled: str) -> list[str]:
    """A short name for each store: ``bundled``, else its file's stem,
    made unique with ``-2``, ``-3``."""
    names: list[str] = []
    for path in paths:
        same = os.path.exists(path) and os.path.exists(bundled) and os.path.samefile(
            path, bundled)
        base = BUNDLED if same else _safe(os.path.splitext(os.path.basename(path))[0]) or "store"
        name, n = base, 1
        # "bundled" is the bundled FAQ's alone: a bundled.json of one's own is bundled-2.
        while name in names or (name == BUNDLED and not same):
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def _safe(stem: str) -> str:
    """A file's stem fit to name a store in ids and lines of output: a file
    name may hold escape sequences, line breaks and bidirectional controls
    (``evil\x1b]0;...``), which would reach the terminal or split a row;
    each is a hyphen here (the file is still read by its real name)."""
    return "".join(ch if ch.isprintable() else "-" for ch in stem).strip("-")


def combine(stores: list[Store], names: list[str]) -> Store:
    """One store holding every entry of ``stores`` (named ``names``)."""
    clashing = _clashes(e.id for s in stores for e in s.entries)
    source_clashes = _clashes(src.id for s in stores for src in s.sources)
    flag_clashes = _clashes(f.id for s in stores for f in s.red_flags)
    # A topic two stores share is one topic; the same id meaning two topics
    # (another title) is qualified, as an entry id is.
    topic_titles: dict[str, set[str]] = {}
    for store in stores:
        for t in store.topics:
            topic_titles.setdefault(t.id, set()).add(t.title)
    topic_clashes = {ident for ident, seen in topic_titles.items() if len(seen) > 1}
    topics: dict[str, Topic] = {}
    sources: list[Source] = []
    entries: list[Entry] = []
    flags: list[RedFlag] = []
    synonyms: dict[tuple[str, ...], None] = {}
    origins: dict[str, int] = {}
    sign_origins: dict[str, int] = {}
    for number, (store, name) in enumerate(zip(stores, names)):
        def qualified(ident: str, clashes: set[str], name: str = name) -> str:
            return qualified_id(name, ident) if ident in clashes else ident

        for topic in store.topics:
            ident = qualified(topic.id, topic_clashes)
            topics.setdefault(ident, topic._replace(id=ident))
        sources += [s._replace(id=qualified(s.id, source_clashes)) for s in store.sources]
        for entry in store.entries:
            ident = qualified(entry.id, clashing)
            entries.append(entry._replace(
                id=ident, topic=qualified(entry.topic, topic_clashes),
                sources=tuple(qualified(s, source_clashes) for s in entry.sources)))
            origins[ident] = number
        for flag in store.red_flags:
            ident = qualified(flag.id, flag_clashes)
            flags.append(flag._replace(id=ident))
            sign_origins[ident] = number
        synonyms.update(dict.fromkeys(store.synonyms))
    parts = tuple(Part(name, s.path, s.disclaimer, s.notice) for s, name in zip(stores, names))
    titles = [s.title for s in stores if s.title]
    return Store(
        " + ".join(s.path for s in stores), stores[0].version, tuple(topics.values()),
        tuple(sources), tuple(entries), tuple(synonyms), tuple(flags),
        title=" and ".join(dict.fromkeys(titles)) or None, parts=parts, origins=origins,
        sign_origins=sign_origins,
    )


def qualified_id(store_name: str, ident: str) -> str:
    """An id as it stands when two stores share it: ``notes:cactus``."""
    return f"{store_name}:{ident}"


def _clashes(ids: Iterable[str]) -> set[str]:
    return {ident for ident, count in Counter(ids).items() if count > 1}
