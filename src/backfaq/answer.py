"""What an answer shows a person: warning first, then the answers, then the caveat.

The search ranks entries; this module decides what goes around them. When a
query names a warning sign, a notice comes first and the store's urgent-care
advice stands right under it, as part of the warning rather than as a ranked
answer; the ranked answers follow, ranked as they would be without it. Every
renderer draws the same composition, so JSON, plain text and rich panels can
never disagree about whether someone was warned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from backfaq.decision import Decision
from backfaq.model import Entry, Hit, RedFlag, Store


class Answer(NamedTuple):
    """The composed reply to one query.

    ``hits`` are the ranked answers, best first, as the search ranked them.
    When ``signs`` is not empty, ``urgent`` holds the store's urgent-care
    entries, shown under the notice (a renderer for people does not show one
    again among the ranked answers; JSON keeps both lists whole). ``closest`` holds
    the nearest misses when there is nothing to show; ``decision`` says why
    the query was answered or not (``ask --explain``).
    """

    query: str
    hits: tuple[Hit, ...]
    signs: tuple[RedFlag, ...] = ()
    urgent: tuple[Entry, ...] = ()
    closest: tuple[Hit, ...] = ()
    decision: Decision | None = None
    elsewhere: Hit | None = None  # with a topic that has no answer: the best outside it
    # The warning to show before anything else, when the query names a sign.
    notice: str | None = None

    @property
    def answered(self) -> bool:
        """Whether there is anything to show: a ranked answer or urgent advice."""
        return bool(self.hits or self.urgent)


def notice_text(signs: Sequence[RedFlag], advice: str | None) -> str:
    """The warning for ``signs``: their names, then the store's own ``advice``
    (its ``notice``: what to do, in the words of the people who wrote it)."""
    # Each sign once: two stores served together may both name it.
    named = list(dict.fromkeys(s.sign for s in signs))
    names = "; ".join(named)
    label = "Warning signs" if len(named) > 1 else "Warning sign"
    return f"{label}: {names}." + (f" {advice}" if advice else "")


def compose(
    store: Store,
    query: str,
    ranked: Sequence[Hit],
    signs: Sequence[RedFlag],
    *,
    limit: int,
    closest: Sequence[Hit] = (),
    decision: Decision | None = None,
    elsewhere: Hit | None = None,
) -> Answer:
    """The reply to ``query`` from the search's ``ranked`` hits (best first) and
    the warning signs it names.

    Without a sign, the best ``limit`` hits. With one, the store's urgent-care
    entries go under the notice and the ranked hits follow, unchanged: the
    safety advice needs no false rank, and never pushes the best answer down
    or out.
    """
    urgent = store.urgent_entries if signs else ()
    hits = tuple(ranked[:limit])
    notice = notice_text(signs, store.advice_for(tuple(signs))) if signs else None
    return Answer(query, hits, tuple(signs), urgent, () if hits or urgent else tuple(closest),
                  decision, elsewhere, notice)
