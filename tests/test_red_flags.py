"""Warning signs: a query that names one is warned first, in every format; an
ordinary question is not. Each table row is one reading a person might type.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from backfaq.answer import compose, notice_text
from backfaq.cli import cli
from backfaq.model import Hit, Store
from backfaq.red_flags import RedFlags
from backfaq.search import Index
from backfaq.store import load_store

FORMATS = ("rich", "plain", "json", "jsonl")
URGENT = "when-to-worry-about-shoulder-blade-pain"
DISCLAIMER = load_store().disclaimer

# query -> the sign ids it must raise
ALARMING = {
    "not sure if this is chest pain or upper back pain": {"chest-pain"},
    "not able to breathe properly and upper back pain": {"breathing"},
    "upper back pain when breathing deeply": {"breathing"},
    "crushing pain between shoulder blades spreading to my jaw": {"chest-pain"},
    "sharp chest pain and pain between my shoulder blades": {"chest-pain"},
    "chset pian between my shoulder blades": {"chest-pain"},
    # Two words of a sign run together, as the search splits them.
    "chestpain and upper back pain": {"chest-pain"},
    "chestpains since this morning": {"chest-pain"},
    "my chest feels tight and my upper back hurts": {"chest-pain"},
    "upper back pain spreading to my chest": {"chest-pain"},
    "I am short of breath and my upper back hurts": {"breathing"},
    "I can't breathe properly with this back pain": {"breathing"},
    "it hurts to breathe": {"breathing"},
    "numbness in my arms": {"numbness"},
    "tingling in my fingers and upper back pain": {"numbness"},
    "pins and needles in my hands": {"numbness"},
    "my arms feel weak": {"numbness"},
    "weakness in my legs and back pain": {"numbness"},
    "upper back pain with a fever": {"fever"},
    "fever and chills": {"fever"},
    "I fell down the stairs and my back hurts": {"injury"},
    "upper back pain after a car accident": {"injury"},
    "I had a fall yesterday": {"injury"},
    "took a fall off my bike, now my upper back hurts": {"injury"},
    "sudden upper back pain": {"severe-pain"},
    "severe pain between my shoulder blades": {"severe-pain"},
    "excruciating upper back pain": {"severe-pain"},
    "I lost control of my bladder": {"bladder-bowel"},
    "unexplained weight loss and back pain": {"weight-loss"},
    "losing weight without trying": {"weight-loss"},
    "no chest pain but I am short of breath": {"breathing"},
    "I fell asleep on the sofa, then had a car crash": {"injury"},
    "fell off my bike and now my arms are numb": {"injury", "numbness"},
    # A contrast or a denial of something else denies no sign; an exception
    # takes a denial back; one exception does not hide the same sign later.
    "instead of getting better I now have chest pain": {"chest-pain"},
    "rather than chest pain it is numb legs": {"chest-pain", "numbness"},
    "without any reason I have a fever": {"fever"},
    "out of nowhere without warning my chest hurts": {"chest-pain"},
    "no chest pain except when I breathe": {"chest-pain", "breathing"},
    "no chest pain, unless I lie down": {"chest-pain"},
    "I fell asleep, then I fell down the stairs": {"injury"},
}

CALM = [
    "pull ups and deep breathing exercises",
    "I fell asleep on the couch and my upper back hurts",
    "fell in love with yoga, is it good for upper back pain",
    "exercises for upper back pain",
    "how do I fix my posture",
    "is walking good for upper back pain",
    "can a chiropractor help with upper back pain",
    "upper back weakness",
    "what causes upper back pain",
    "strengthen my upper back",
    "why is my upper back so weak",
    "how do you strengthen a weak shoulder blade",
    "pain between shoulder blades",
    "knot between my shoulder blades",
    "does lifting weights help back pain",
    "how to avoid injury when lifting weights",
    "I fell asleep on the sofa and my upper back hurts",
    "upper back pain when I fall asleep",
    "my upper back aches every fall and winter",
    "stock market crash",
    "should I do fewer reps",
    "sudden urge to stretch",
    "chest stretches for upper back pain",
    "breathing exercises for upper back pain",
    "can gall bladder problems cause upper back pain",
    "upper back pain but no chest pain",
    "upper back pain without numbness",
    "no fever, just a stiff upper back",
    "no chest pain just a sore upper back",
    "no chest pain. My back hurts, except in the morning",  # the exception is the back's
    "no pain in my chest, only in my upper back",
    "when should I worry about upper back pain",
]


@pytest.fixture(scope="module")
def red_flags(store: Store) -> RedFlags:
    return RedFlags(store)


@pytest.mark.parametrize("query", sorted(ALARMING))
def test_warning_signs_are_found(red_flags: RedFlags, query: str) -> None:
    assert {f.id for f in red_flags.find(query)} == ALARMING[query]


@pytest.mark.parametrize("query", CALM)
def test_ordinary_questions_raise_no_sign(red_flags: RedFlags, query: str) -> None:
    assert red_flags.find(query) == ()


def test_a_store_without_red_flags_never_warns(store: Store) -> None:
    calm = Store(store.path, store.version, store.topics, store.sources, store.entries,
                 store.synonyms, red_flags=())
    assert RedFlags(calm).find("sharp chest pain") == ()


def test_the_store_marks_the_see_a_doctor_advice_urgent(store: Store) -> None:
    assert [e.id for e in store.urgent_entries] == [URGENT]


# --- composition --------------------------------------------------------------------


def test_compose_puts_the_urgent_entry_under_the_notice(store: Store, red_flags: RedFlags) -> None:
    ranked = Index(store).search("pins and needles", limit=len(store.entries)).hits
    assert ranked[0].entry.id != URGENT
    signs = red_flags.find("pins and needles")
    answer = compose(store, "pins and needles", ranked, signs, limit=1)
    assert answer.notice == notice_text(signs, store.notice)
    assert [e.id for e in answer.urgent] == [URGENT]
    assert answer.hits == (ranked[0],)  # ranked as it would be without the warning


def test_compose_without_hits_still_shows_the_urgent_entry(store: Store) -> None:
    answer = compose(store, "x", (), store.red_flags[:1], limit=3)
    assert [e.id for e in answer.urgent] == [URGENT]
    assert answer.hits == ()
    assert answer.answered


def test_compose_leaves_the_ranking_as_it_is(store: Store) -> None:
    urgent = store.entry(URGENT)
    other = store.entries[0]
    assert urgent is not None
    ranked = [Hit(other, 80.0), Hit(urgent, 40.0)]
    answer = compose(store, "x", ranked, store.red_flags[:1], limit=3)
    assert [(h.entry.id, h.score) for h in answer.hits] == [(other.id, 80.0), (URGENT, 40.0)]
    assert [e.id for e in answer.urgent] == [URGENT]


def test_compose_without_signs_is_the_ranking(store: Store) -> None:
    ranked = [Hit(e, 50.0) for e in store.entries[:4]]
    answer = compose(store, "x", ranked, (), limit=2)
    assert answer.hits == tuple(ranked[:2])
    assert answer.notice is None


# --- every output format ------------------------------------------------------------


def ask(runner: CliRunner, query: str, fmt: str, *more: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["ask", query, "--format", fmt, *more])
    return result.exit_code, result.stdout


def notice_shown(fmt: str, out: str) -> str | None:
    """The notice a format shows, read back the way a person or a script would."""
    if fmt == "json":
        notice: str | None = json.loads(out)["notice"]
        return notice
    if fmt == "jsonl":
        notices = {json.loads(line)["notice"] for line in out.splitlines()}
        assert len(notices) == 1
        return notices.pop()
    if fmt == "plain":
        first = out.splitlines()[0]
        return first.removeprefix("notice: ") if first.startswith("notice: ") else None
    lines = out.splitlines()
    if not lines[0].startswith("╭─ Warning "):
        return None
    end = next(i for i, line in enumerate(lines) if line.startswith("╰"))
    return " ".join(" ".join(line.strip("│ ").split()) for line in lines[1:end])


def urgent_under_notice(fmt: str, out: str) -> list[str]:
    """The ids a format shows as urgent-care advice right under the notice,
    before any ranked answer."""
    if fmt == "json":
        return [r["id"] for r in json.loads(out)["urgent"]]
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
        first = [r["id"] for r in rows if r["rank"] is None]
        assert rows[: len(first)] == [r for r in rows if r["rank"] is None]
        return first
    if fmt == "plain":
        blocks = out.split("\n\n")
        assert blocks[0].startswith("notice: ")
        return [line[4:] for b in blocks[1:] if b.startswith("urgent: yes")
                for line in b.splitlines() if line.startswith("id: ")][:1]
    entry = Store_question(URGENT)
    lines = out.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("╰"))
    after = " ".join(lines[end + 1 : end + 3])
    ranked = [i for i, line in enumerate(lines) if line.startswith("╭─ 1. ")]
    assert not ranked or ranked[0] > end + 1
    return [URGENT] if entry[:30] in after else []


def Store_question(entry_id: str) -> str:
    from backfaq.store import load_store

    entry = load_store().entry(entry_id)
    assert entry is not None
    return entry.question


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", sorted(ALARMING))
def test_warning_comes_first_with_the_urgent_entry(
    runner: CliRunner, store: Store, query: str, fmt: str
) -> None:
    code, out = ask(runner, query, fmt)
    assert code == 0
    notice = notice_shown(fmt, out)
    assert notice is not None, out
    signs = [f for f in store.red_flags if f.id in ALARMING[query]]
    assert notice == notice_text(signs, store.notice)
    assert urgent_under_notice(fmt, out) == [URGENT]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", CALM)
def test_ordinary_questions_get_no_notice(runner: CliRunner, query: str, fmt: str) -> None:
    code, out = ask(runner, query, fmt)
    assert code in (0, 1)
    if out:
        assert notice_shown(fmt, out) is None
    assert "Warning sign" not in out


def test_quiet_keeps_the_warning(runner: CliRunner) -> None:
    for fmt in ("plain", "rich"):
        code, out = ask(runner, "chest pain", fmt, "--quiet")
        assert code == 0
        assert out.splitlines()[0].startswith(("notice: ", "Warning sign"))
        assert DISCLAIMER not in out.replace("\n", " ")


def json_of(runner: CliRunner, query: str) -> dict[str, Any]:
    code, out = ask(runner, query, "json")
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    return data


def test_urgent_flag_in_json(runner: CliRunner) -> None:
    data = json_of(runner, "severe pain between shoulder blades")
    assert [r["urgent"] for r in data["urgent"]] == [True]
    assert [r["urgent"] for r in data["results"]] == [r["id"] == URGENT for r in data["results"]]


def test_the_urgent_entry_is_shown_outside_the_topic_and_the_limit(runner: CliRunner) -> None:
    code, out = ask(runner, "chest pain and upper back exercises", "json",
                    "--topic", "exercises", "-n", "1")
    assert code == 0
    data = json.loads(out)
    assert [r["topic"] for r in data["results"]] == ["exercises"]
    assert [r["id"] for r in data["urgent"]] == [URGENT]


def test_batch_mode_warns_line_by_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-"],
                           input="chin tucks\nsharp chest pain\nno chest pain, just stiff\n")
    assert result.exit_code == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["notice"] is not None for a in answers] == [False, True, False]
    assert [[r["id"] for r in a["urgent"]] for a in answers] == [[], [URGENT], []]
    assert {a["disclaimer"] for a in answers} == {DISCLAIMER}


def test_the_urgent_entry_is_not_shown_twice(runner: CliRunner) -> None:
    """When the search ranks the urgent-care entry too, a person sees it once,
    under the notice; JSON keeps it in both lists."""
    query = "when should I worry about chest pain and upper back pain"
    data = json_of(runner, query)
    assert URGENT in [r["id"] for r in data["results"]]
    code, out = ask(runner, query, "plain")
    assert code == 0
    assert out.count(f"id: {URGENT}\n") == 1
    assert "urgent: yes" in out


def test_the_urgent_advice_says_why_it_is_shown(runner: CliRunner) -> None:
    """Not a ranked answer with a score: shown because of the warning sign."""
    query = "chest pain and upper back pain"
    data = json.loads(runner.invoke(cli, ["ask", query, "--format", "json"]).stdout)
    assert [(e["id"], e["reason"]) for e in data["urgent"]] == [(URGENT, "warning sign")]
    assert "score" not in data["urgent"][0]
    plain = runner.invoke(cli, ["ask", query, "--format", "plain"]).stdout
    block = plain.split("\n\n")[1]
    assert block.startswith(f"urgent: yes\nreason: warning sign\nid: {URGENT}\n")
    rich = runner.invoke(cli, ["ask", query, "--format", "rich"]).stdout
    assert "shown for the warning sign" in rich


@pytest.mark.parametrize("query", [
    "no chest pain just a sore upper back",
    "no chest pain but my upper back pain is bad",
    "upper back pain, without any numbness",
    "no chestpain just a sore upper back",
])
def test_a_denied_sign_is_not_what_the_query_asks(runner: CliRunner, query: str) -> None:
    """The search reads the query without the sign it denies: no answer is
    there for matching the denied words, and no notice is shown."""
    result = runner.invoke(cli, ["ask", query, "--format", "json", "--explain", "-n", "5"])
    data = json.loads(result.stdout)
    assert data["notice"] is None and data["results"]
    denied = {"chest", "numbness"}
    assert not [t["query"] for r in data["results"] for t in r["explain"]["terms"]
                if t["query"] in denied]


def test_the_query_without_its_denied_words_keeps_the_rest() -> None:
    from backfaq.analyzer import analyse

    query = analyse("no chest pain, just a sore upper back. And my neck?")
    assert [query.asked[p] for p in query.denied_positions()] == ["chest", "pain"]
    rest = query.without(query.denied_positions())
    assert rest.asked == ["no", "just", "a", "sore", "upper", "back", "and", "my", "neck"]
    assert rest.word_clauses() == [0, 1, 1, 1, 1, 1, 2, 2, 2]
    assert rest.clauses == query.clauses and query.asked[1:3] == ["chest", "pain"]
    assert analyse("no chest pain except when I breathe").denied_positions() == []
