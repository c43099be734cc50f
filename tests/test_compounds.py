"""Words a query joins or splits where the store does the other ("wifi" for
"Wi-Fi", "e mail" for "email"), and only those the store never uses."""

from __future__ import annotations

from backfaq.model import Entry, Hit, Source, Store, Topic
from backfaq.search import Index, compounds
from backfaq.vocabulary import Alternative, Concept


def store_of(questions: dict[str, str]) -> Store:
    entries = tuple(Entry(ident, question, (), "Ask at the front desk.", "t", ("s",))
                    for ident, question in questions.items())
    return Store("s.json", 1, (Topic("t", "T", "T"),), (Source("s", "S", "s.txt"),),
                 entries, ())


STORE = store_of({
    "wifi": "How do I connect to the Wi-Fi?",
    "email": "Can I get reminders by email?",
    "bags": "Can I leave my back pack and other bags here?",
    "office": "Is the office at the back?",
})


def best(index: Index, query: str) -> Hit:
    result = index.search(query)
    return (result.hits or result.closest)[0]


def test_a_word_the_store_says_in_two_is_split() -> None:
    hit = best(Index(STORE), "wifi password")
    assert hit.entry.id == "wifi"
    (term,) = [t for t in hit.explain["terms"] if t["query"] == "wifi"]
    assert (term["corrected"], term["stems"]) == ("wi fi", ["wi", "fi"])


def test_two_words_the_store_says_as_one_are_joined() -> None:
    index = Index(STORE)
    hit = best(index, "reminders by e mail")
    assert hit.entry.id == "email"
    assert [t["query"] for t in hit.explain["terms"]] == ["reminders", "e mail"]


def test_only_halves_the_store_says_side_by_side_split_a_word() -> None:
    # "back" and "office" are the store's words, never side by side: a
    # "backoffice" stays a word the store never uses. "backpack" is split:
    # the store says "back pack".
    index = Index(STORE)
    result = index.search("backoffice")
    assert result.decision is not None
    assert result.decision.evidence.unknown_words == ("backoffice",)
    assert best(index, "backpack").entry.id == "bags"


def test_a_word_of_the_store_is_never_split() -> None:
    index = Index(store_of({"pack": "What is a backpack?", "back": "Where is the back door?"}))
    concepts = index.vocabulary.concepts("backpack")
    assert [a.stems for c in concepts for a in c.alternatives][:1] == [("backpack",)]
    assert best(index, "backpack").entry.id == "pack"


def test_a_pruned_search_splits_and_joins_as_the_full_scan_does() -> None:
    for query in ("wifi password", "reminders by e mail", "backpack", "backoffice"):
        assert Index(STORE, prune=True).search(query) == Index(STORE, prune=False).search(query)


def test_only_words_next_to_each_other_in_one_sentence_are_side_by_side() -> None:
    # The stems "free hold" and "child birth" follow each other once stop
    # words and full stops are dropped; the words do not.
    index = Index(store_of({"holds": "Is placing a hold free? Holds are filled in turn.",
                            "children": "Can children from birth have a card?"}))
    for word in ("freehold", "childbirth"):
        result = index.search(word)
        assert result.decision is not None
        assert word in result.decision.evidence.unknown_words


def test_words_are_joined_within_a_clause_only() -> None:
    for query in ("what is e, mail", "I typed e. Mail arrived late"):
        hit = best(Index(STORE), query)
        assert "e mail" not in [t["query"] for t in hit.explain["terms"]], query


def test_a_word_too_long_to_be_two_is_not_cut() -> None:
    looked_up: list[str] = []

    def df(stem: str) -> int:
        looked_up.append(stem)
        return 1

    word = "ab" * 5000
    concept = Concept(word, None, (Alternative((word,), word, 1.0, False),))
    assert compounds.rejoined([concept], lambda s: 0 if s == word else df(s),
                              lambda *words: True, [0]) == [concept]
    assert looked_up == []  # not one of its 9,999 cuts was tried


def test_a_verb_run_together_with_its_particle_is_the_verb_the_store_says() -> None:
    index = Index(store_of({"login": "How do I log in to my account?",
                            "setup": "How do I set up the machine?",
                            "log": "Where is the log of visits?"}))
    for query, entry, said in (("login help", "login", "log in"),
                               ("machine setup", "setup", "set up")):
        hit = best(index, query)
        assert hit.entry.id == entry
        assert said in [t["corrected"] for t in hit.explain["terms"]]
    # The store never says "log out": "logout" stays a word it does not use.
    result = index.search("logout")
    assert result.decision is not None
    assert result.decision.evidence.unknown_words == ("logout",)


def test_a_verb_and_its_particle_are_joined_where_the_store_runs_them_together() -> None:
    index = Index(store_of({"login": "Why does my login fail?",
                            "setup": "Is the setup hard?"}))
    for query, entry in (("I cannot log in", "login"), ("how do I set up", "setup")):
        hit = best(index, query)
        assert hit.entry.id == entry
        assert entry in [t["corrected"] for t in hit.explain["terms"]]
    # Not across a clause mark.
    terms = best(index, "my log, in the morning").explain["terms"]
    assert "login" not in [t["corrected"] for t in terms]
