"""The answer decision: its inputs, its monotony, and what it says."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backfaq.decision import WITH_MEANING, WORDS_ALONE, Evidence, confidence, decide, inputs
from backfaq.search import Index
from backfaq.store import load_store

LONG = ("spent the whole weekend painting a ceiling with the roller over my head, "
        "my partner says I overdid it. is there a stretch for pain between shoulder blades?")

unit = st.floats(0.0, 1.0)
amount = st.floats(0.0, 20.0)


def test_a_long_message_is_judged_on_the_clause_that_asks() -> None:
    result = Index(load_store()).search(LONG)
    assert result.decision is not None and result.decision.answer
    evidence = result.decision.evidence
    # Most of the message is situation, so the share of all of it is small;
    # the clause that asks is answered almost whole.
    assert evidence.coverage < 0.5 < evidence.clause
    assert any("best clause" in line for line in result.decision.reasons())


def test_a_one_clause_query_reads_its_coverage_as_its_clause() -> None:
    result = Index(load_store()).search("stretch for pain between shoulder blades")
    assert result.decision is not None
    evidence = result.decision.evidence
    assert abs(evidence.clause - evidence.coverage) < 0.01


meanings = st.one_of(st.none(), unit)


@given(amount, unit, amount, unit, unit, meanings,
       st.sampled_from(["matched", "coverage", "asked", "clause", "meaning"]), st.floats(0.0, 5.0))
def test_more_evidence_never_lowers_the_confidence(
    matched: float, coverage: float, unknown: float, asked: float, clause: float,
    meaning: float | None, field: str, more: float,
) -> None:
    # The pruned search decides from the best entry alone; that is only
    # sound while no input can make a better entry less of an answer.
    before = Evidence(matched, coverage, unknown, asked, clause, meaning)
    if getattr(before, field) is None:
        return
    after = before._replace(**{field: getattr(before, field) + more})
    assert confidence(after) >= confidence(before)
    assert decide(after).answer or not decide(before).answer


@given(amount, unit, amount, unit, unit, meanings, st.floats(0.0, 5.0))
def test_more_unknown_words_never_raise_the_confidence(
    matched: float, coverage: float, unknown: float, asked: float, clause: float,
    meaning: float | None, more: float,
) -> None:
    before = Evidence(matched, coverage, unknown, asked, clause, meaning)
    assert confidence(before._replace(unknown=unknown + more)) <= confidence(before)


def test_every_input_has_a_weight() -> None:
    assert set(WITH_MEANING[0]) == set(Evidence._fields) - {"unknown_words"}
    assert set(WORDS_ALONE[0]) == set(WITH_MEANING[0]) - {"meaning"}


def test_without_meaning_the_words_alone_model_decides() -> None:
    # No meaning to read is not "far in meaning": another model decides.
    evidence = Evidence(1.0, 0.6, 0.2, 0.5, 0.6, None)
    assert set(inputs(evidence)) == set(WORDS_ALONE[0])
    assert set(inputs(evidence._replace(meaning=0.0))) == set(WITH_MEANING[0])
    assert confidence(evidence) != confidence(evidence._replace(meaning=0.0))
    assert "meaning" not in decide(evidence).reasons()[1]


def test_a_number_is_not_a_word_of_another_subject() -> None:
    result = Index(load_store()).search("I'm 50, stretch for pain between shoulder blades")
    assert result.decision is not None
    assert "50" not in result.decision.evidence.unknown_words
