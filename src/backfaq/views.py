"""What each command shows, as plain data: the one shape every renderer draws.

Keeping this apart from the renderers means the JSON contract, the plain text
and the rich panels can never disagree about what an answer contains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backfaq.answer import Answer
from backfaq.model import Entry, Hit, Source, Store, Topic
from backfaq.text import printable

if TYPE_CHECKING:
    from backfaq.decision import Decision
    from backfaq.importer import Action, ImportPlan  # loaded only by `import`
    from backfaq.store import Problem


def source_dict(source: Source) -> dict[str, str | None]:
    return {"id": source.id, "title": source.title, "file": source.file, "url": source.url}


def entry_dict(store: Store, entry: Entry) -> dict[str, Any]:
    """An entry with its topic and sources resolved; ``source`` is the first source."""
    sources = [source_dict(s) for s in map(store.source, entry.sources) if s is not None]
    topic = store.topic(entry.topic)
    part = store.part_of(entry.id)
    return {
        "id": entry.id,
        "question": entry.question,
        "also_asked": list(entry.also_asked),
        "answer": entry.answer,
        "topic": entry.topic,
        "topic_title": topic.title if topic else entry.topic,
        "source": sources[0],
        "sources": sources,
        "urgent": entry.urgent,
        # Which store it comes from, when several are served together.
        "store": part.name if part else None,
    }


def hit_dict(store: Store, hit: Hit, *, explain: bool) -> dict[str, Any]:
    data = entry_dict(store, hit.entry)
    data["score"] = hit.score
    if explain:
        data["explain"] = dict(hit.explain)
    return data


def ask_dict(store: Store, answer: Answer, *, explain: bool) -> dict[str, Any]:
    """What ``ask`` shows: the notice (or None) and the urgent-care advice under
    it, the ranked results, the disclaimer; with ``explain``, the decision."""
    data: dict[str, Any] = {
        "query": answer.query,
        "notice": answer.notice,
        # Not ranked: shown because the query names a warning sign.
        "urgent": [{**entry_dict(store, e), "reason": "warning sign"} for e in answer.urgent],
        "results": [hit_dict(store, h, explain=explain) for h in answer.hits],
        "disclaimer": store.disclaimer_for((*answer.urgent, *(h.entry for h in answer.hits))),
    }
    if explain and answer.decision is not None:
        data["decision"] = decision_dict(answer.decision)
    return data


def decision_dict(decision: Decision) -> dict[str, Any]:
    """The answer / no-answer decision with its evidence and reasons in words."""
    evidence = decision.evidence._asdict()
    evidence["unknown_words"] = list(evidence["unknown_words"])
    return {"answer": decision.answer, "confidence": decision.confidence,
            "evidence": evidence, "reasons": decision.reasons()}


def no_answer_message(
    store: Store, answer: Answer, *, topic: str | None = None, explain: bool = False,
    command: str = "backfaq", prompt: bool = False,
) -> str:
    """What to try next when nothing answers: the nearest questions and the topics.

    With a topic whose entries do not answer, the best answer outside it (when
    the search found one) is named instead; with ``explain``, why the query
    was rejected comes first. The hints are commands to run (``command``), or
    with ``prompt`` the prompt's own (``:show ID``).
    """
    show = ":show" if prompt else f"{command} show"
    browse = ("Or browse with :topics and :list TOPIC" if prompt else
              f"Or browse with `{command} topics` and `{command} list --topic TOPIC`")
    where = f" in topic '{printable(topic)}'" if topic else ""
    lines = [f"No good answer for '{printable(answer.query)}'{where}."]
    if explain and answer.decision is not None and not answer.decision.answer:
        lines += [f"why: {reason}" for reason in answer.decision.reasons()]
    if answer.elsewhere is not None:
        entry = answer.elsewhere.entry
        lines.append(f"Topic '{entry.topic}' has one: {entry.question} ({show} {entry.id})")
    elif answer.closest:
        lines.append("Closest questions:")
        lines += [f"  {h.entry.question} ({show} {h.entry.id})" for h in answer.closest]
    topics = ", ".join(t.id for t in store.topics)
    lines.append(f"{browse} ({topics}).")
    return "\n".join(lines)


def clashing_ids(store: Store, entry_id: str) -> list[str]:
    """The qualified ids (``notes:cactus``) of ``entry_id`` in each of several
    stores that share it (see ``stores.combine``)."""
    if not store.parts:
        return []
    from backfaq.stores import qualified_id

    ids = [qualified_id(part.name, entry_id) for part in store.parts]
    return [ident for ident in ids if store.entry(ident) is not None]


def unknown_id_message(store: Store, entry_id: str, command: str = "backfaq",
                       prompt: bool = False) -> str:
    """Why ``show`` found nothing, with the ids the person may have meant."""
    from rapidfuzz import fuzz, process, utils

    ids = [e.id for e in store.entries]
    close = [
        m[0]
        for m in process.extract(
            entry_id, ids, scorer=fuzz.WRatio, processor=utils.default_process,
            limit=3, score_cutoff=70,
        )
    ]
    listing = ":list" if prompt else f"`{command} list`"
    hint = f"; closest ids: {', '.join(close)}" if close else f"; see {listing}"
    return f"no entry with id '{printable(entry_id)}'{hint}"


def topic_rows(store: Store) -> list[dict[str, Any]]:
    counts = _count(e.topic for e in store.entries)
    return [_topic_dict(t, counts.get(t.id, 0)) for t in store.topics]


def _topic_dict(topic: Topic, count: int) -> dict[str, Any]:
    return {
        "id": topic.id,
        "title": topic.title,
        "description": topic.description,
        "entries": count,
    }


def source_rows(store: Store) -> list[dict[str, Any]]:
    counts = _count(s for e in store.entries for s in e.sources)
    return [{**source_dict(s), "entries": counts.get(s.id, 0)} for s in store.sources]


def list_rows(store: Store, topic: str | None) -> list[dict[str, str]]:
    return [
        {"id": e.id, "topic": e.topic, "question": e.question} for e in store.entries_in(topic)
    ]


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


IMPORT_ACTIONS = ("added", "merged", "unchanged", "skipped")
# Counted in the totals only when they happened (a re-import of an edited page).
IMPORT_CHANGES = ("updated", "removed", "unsourced")


def import_summary(plan: ImportPlan, *, store: str, outcome: str) -> list[str]:
    """One line per page and per question, then the totals and what became of the store."""
    lines: list[str] = []
    for page in plan.pages:
        new = " (new)" if page.new_source else ""
        lines.append(f'{page.name} ({page.format}): source {page.source_id} '
                     f'"{page.source_title}"{new}')
        for action in page.actions:
            lines.append("  " + _action_line(action))
        if page.gone:
            entries = "entry" if page.gone == 1 else "entries"
            lines.append(f"  {page.gone} {entries} of source {page.source_id} no longer on "
                         "the page (--sync removes them)")
        if page.tidied:
            texts = "text" if page.tidied == 1 else "texts"
            lines.append(f"  {page.tidied} {texts} held tabs, line breaks or bidirectional"
                         " controls: tabs and breaks became spaces, controls were dropped")
    lines += [f"new topic: {topic}" for topic in plan.new_topics]
    lines += [f"{name} set: {plan.document[name]}" for name in plan.texts_set]
    counts = ", ".join([f"{plan.count(kind)} {kind}" for kind in IMPORT_ACTIONS]
                       + [f"{plan.count(kind)} {kind}" for kind in IMPORT_CHANGES
                          if plan.count(kind)])
    lines.append(f"{store}: {counts}; {outcome}")
    return lines


def _action_line(action: Action) -> str:
    if action.kind == "added":
        return f"added {action.entry_id} [{action.topic}]: {action.question}"
    if action.kind == "merged":
        return f"merged into {action.entry_id}: {action.question}"
    if action.kind == "unchanged":
        return f"unchanged, already in {action.entry_id}: {action.question}"
    if action.kind == "updated":
        return f"updated {action.entry_id}, a new answer: {action.question}"
    if action.kind == "removed":
        return f"removed {action.entry_id}, no longer on the page: {action.question}"
    if action.kind == "unsourced":
        return (f"kept {action.entry_id} for its other sources, no longer on the page: "
                f"{action.question}")
    return f"skipped: {action.why}: {action.question}"


def report_dict(path: str, problems: list[Problem]) -> dict[str, Any]:
    """What ``validate`` found in the store at ``path``."""
    return {
        "path": path,
        "valid": not problems,
        "problems": [{"location": p.location, "message": p.message} for p in problems],
    }
