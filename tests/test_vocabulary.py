"""How a query becomes concepts: typo correction and synonym phrases."""

from __future__ import annotations

from backfaq.vocabulary import Vocabulary

TEXTS = ["Rest days between workouts let muscles grow.", "Sit in an office chair."]
GROUPS = (
    ("how long", "how many days", "weeks"),
    ("rest day", "days off"),
    ("sitting", "office chair", "desk"),
    ("seated", "chair"),
)


def typed(vocabulary: Vocabulary, query: str) -> list[str]:
    """The content words of each concept (stop words never show)."""
    return [c.typed for c in vocabulary.concepts(query)]


def test_overlapping_phrases_are_both_kept() -> None:
    vocabulary = Vocabulary(TEXTS, GROUPS)
    concepts = vocabulary.concepts("how many days off")
    assert [c.typed for c in concepts] == ["many days", "days"]
    assert {a.text for a in concepts[1].alternatives} == {"rest day"}


def test_a_phrase_inside_a_longer_one_of_another_group_is_kept() -> None:
    vocabulary = Vocabulary(TEXTS, GROUPS)
    assert typed(vocabulary, "my office chair") == ["office chair", "chair"]


def test_a_phrase_inside_a_longer_one_of_its_own_group_is_dropped() -> None:
    vocabulary = Vocabulary(TEXTS, (("rest day", "rest", "day"),))
    assert typed(vocabulary, "rest day") == ["rest day"]


def test_words_outside_phrases_stand_alone() -> None:
    vocabulary = Vocabulary(TEXTS, GROUPS)
    assert typed(vocabulary, "muscles in an office chair grow") == [
        "muscles", "office chair", "chair", "grow"
    ]


def test_typos_are_corrected_towards_the_store() -> None:
    vocabulary = Vocabulary(TEXTS, GROUPS)
    [concept] = vocabulary.concepts("workuots")
    assert (concept.typed, concept.corrected) == ("workuots", "workouts")


def test_a_typo_in_a_form_the_store_never_uses_is_corrected_by_its_stem() -> None:
    vocabulary = Vocabulary(["Why won't my milk foam?"], ())
    # "foaming" is not in the store, so "fomaing" is too far from every
    # store word; its stem "foma" is one transposition from "foam".
    assert vocabulary.correct("fomaing") == ("foam", 1)


def test_a_word_without_an_ending_is_not_corrected_by_its_stem() -> None:
    # "three" stems to "thre", one edit from "tire"; the stem pass is only
    # for endings the store does not use, not a looser word comparison.
    vocabulary = Vocabulary(["Feeling tired all day."], ())
    assert vocabulary.correct("three") == ("three", 0)
