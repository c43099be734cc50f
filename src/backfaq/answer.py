"""What an answer shows a person: warning first, then the answers, then the caveat.

The search ranks entries; this module decides what goes around them. When a
query names a warning sign, a notice comes first and the store's urgent-care
entries are among the results, whether or not the search ranked them. Every
renderer draws the same composition, so JSON, plain text and rich panels can
never disagree about whether someone was warned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from backfaq.model import Hit, RedFlag, Store

DISCLAIMER = (
    "General information, not medical advice. For severe, sudden or worrying pain, see a doctor."
)


class Answer(NamedTuple):
    """The composed reply to one query.

    ``hits`` are best first; when ``signs`` is not empty, urgent-care entries
    the ranking left out follow them. ``urgent`` names those entries. ``closest`` holds
    the nearest misses when there is nothing to show.
    """

    query: str
    hits: tuple[Hit, ...]
    signs: tuple[RedFlag, ...] = ()
    urgent: frozenset[str] = frozenset()
    closest: tuple[Hit, ...] = ()

    @property
    def notice(self) -> str | None:
        """The warning to show before anything else, when the query names a sign."""
        return notice_text(self.signs) if self.signs else None


def notice_text(signs: Sequence[RedFlag]) -> str:
    names = "; ".join(s.sign for s in signs)
    label = "Warning signs" if len(signs) > 1 else "Warning sign"
    return (
        f"{label}: {names}. With upper back pain this can be serious: see a doctor"
        " today, and call emergency services if it is severe or came on suddenly."
    )


def compose(
    store: Store,
    query: str,
    ranked: Sequence[Hit],
    signs: Sequence[RedFlag],
    *,
    limit: int,
    closest: Sequence[Hit] = (),
) -> Answer:
    """The reply to ``query`` from the search's ``ranked`` hits (best first, all of
    them, so an urgent entry keeps its score) and the warning signs it names.

    The best ``limit`` answers are shown in their order; when a sign is
    named, urgent-care entries outside them follow, keeping their score (0
    when the search did not rank them). The notice already leads, so the
    safety answer needs no false rank: it never pushes the best answer down
    or out.
    """
    top = tuple(ranked[:limit])
    if not signs:
        return Answer(query, top, closest=tuple(closest))
    by_id = {h.entry.id: h for h in ranked}
    urgent = store.urgent_entries
    ids = frozenset(e.id for e in urgent)
    shown = {h.entry.id for h in top}
    hits = top + tuple(
        by_id.get(e.id) or Hit(e, 0.0, _warning_explanation()) for e in urgent if e.id not in shown
    )
    return Answer(query, hits, tuple(signs), ids, () if hits else tuple(closest))


def _warning_explanation() -> dict[str, Any]:
    """Why an urgent-care entry the search did not rank is shown, in the shape
    of every other explanation (``ask --explain``)."""
    return {
        "coverage": 0.0,
        "fields": {"question": 0.0, "answer": 0.0, "phrase": 0.0},
        "terms": [],
        "reason": "shown because the query names a warning sign",
    }
