"""An index as builtins that ``marshal`` can write, and back.

A loaded snapshot is checked before it is used: every value must have the
type a built index gives it, down to the items of its lists and dicts, and
the lengths that tie its columns together must agree. A file with a good
checksum can still hold the wrong data (another build's bug, a tool that
rewrote it); such a file is a cache miss, never a traceback at the first
query or an answer from data the store never held.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from typing import Any

from backfaq.model import Entry, Part, RedFlag, Source, Store, Topic
from backfaq.search import Index
from backfaq.vocabulary import Vocabulary


# A shape is a type (matched exactly, so a bool is no int), a tuple of types,
# or a tagged tuple from one of the functions below. Plain tuples: a class per
# kind of shape would cost every start-up its definition.
def list_of(item: Any) -> tuple[str, Any]:
    return ("list", item)


def tuple_of(item: Any) -> tuple[str, Any]:
    """A tuple of any length whose items all have one shape."""
    return ("tuple", item)


def set_of(item: Any) -> tuple[str, Any]:
    return ("frozenset", item)


def fixed(*items: Any) -> tuple[str, tuple[Any, ...]]:
    """A tuple of exactly these shapes, in order."""
    return ("fixed", items)


def dict_of(key: Any, value: Any) -> tuple[str, Any, Any]:
    return ("dict", key, value)


def array_of(typecode: str) -> tuple[str, str]:
    """An array as saved: its typecode and its bytes."""
    return ("array", typecode)


def fields(shapes: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A dict with exactly these keys, each value of its shape."""
    return ("fields", shapes)


NUMBER = (int, float)  # a float that happens to be whole may be saved as either
_CONTAINERS = {"list": list, "tuple": tuple, "frozenset": frozenset}


def fits(value: Any, shape: Any) -> bool:
    """Whether ``value`` has ``shape``."""
    if isinstance(shape, type):
        return type(value) is shape
    tag = shape[0]
    if not isinstance(tag, str):  # a tuple of types
        return type(value) in shape
    container = _CONTAINERS.get(tag)
    if container is not None:
        return type(value) is container and _all_fit(value, shape[1])
    if tag == "fixed":
        items = shape[1]
        return (type(value) is tuple and len(value) == len(items)
                and all(fits(v, s) for v, s in zip(value, items)))
    if tag == "dict":
        return (type(value) is dict and _all_fit(value.keys(), shape[1])
                and _all_fit(value.values(), shape[2]))
    if tag == "fields":
        shapes = shape[1]
        return (type(value) is dict and value.keys() == shapes.keys()
                and all(fits(value[k], s) for k, s in shapes.items()))
    if tag == "array":
        return (type(value) is tuple and len(value) == 2 and value[0] == shape[1]
                and type(value[1]) is bytes
                and len(value[1]) % array(shape[1]).itemsize == 0)
    raise TypeError(f"not a shape: {shape!r}")


def _kinds(shape: Any) -> set[type] | None:
    """The types a plain shape (a type, or a tuple of types) allows; None
    for any other shape."""
    if isinstance(shape, type):
        return {shape}
    if isinstance(shape, tuple) and shape and all(isinstance(t, type) for t in shape):
        return set(shape)
    return None


def _only(values: Iterable[Any], kinds: set[type]) -> bool:
    """Every value is exactly of one of ``kinds``: one C loop (``map(type)``),
    a few milliseconds for 100,000 of them."""
    return set(map(type, values)) <= kinds


def _all_fit(values: Any, shape: Any) -> bool:
    """Every item has ``shape``. Plain shapes, containers of a plain shape (a
    column of tuples of strings) and fixed tuples of one plain shape (a
    scanned entry's strengths) are checked without a Python call per item."""
    kinds = _kinds(shape)
    if kinds is not None:
        return _only(values, kinds)
    tag, inner = shape[0], shape[1]
    container = _CONTAINERS.get(tag)
    if container is not None and (item_kinds := _kinds(inner)) is not None:
        return _only(values, {container}) and _only(chain.from_iterable(values), item_kinds)
    if tag == "fixed" and all(item == inner[0] for item in inner) and (
        item_kinds := _kinds(inner[0] if inner else None)
    ) is not None:
        values = list(values)
        return (_only(values, {tuple}) and set(map(len, values)) <= {len(inner)}
                and _only(chain.from_iterable(values), item_kinds))
    return all(fits(v, shape) for v in values)


STRS = tuple_of(str)
VOCABULARY = fields({
    "groups": list_of(dict_of(STRS, str)),
    "phrase_groups": dict_of(STRS, list_of(int)),
    "exact_groups": dict_of(STRS, list_of(int)),
    "word_counts": dict_of(str, int),
    "words": list_of(str),
    "stems": set_of(str),
    "stem_words": dict_of(str, str),
    "stem_counts": dict_of(str, int),
    "sorted_stems": list_of(str),
    "longest_phrase": int,
    "longest_exact": int,
    "related": str,
})
# An entry unpacked for a full scan (scoring._ScanRow).
SCAN_ROW = fixed(
    str,
    dict_of(str, fixed(NUMBER, NUMBER, NUMBER)),
    set_of(str),
    tuple_of(fixed(str, STRS, tuple_of(NUMBER), NUMBER)),
    set_of(str),
)

# What an Index holds besides its store, as saved: a loaded snapshot must
# have exactly this shape (tests check it against freshly built indexes).
STATE: dict[str, Any] = {
    "_text": str,
    "_text_starts": array_of("Q"),
    "avg_question_len": NUMBER,
    "avg_answer_len": NUMBER,
    "_full": NUMBER,
    "_terms": dict_of(str, int),
    "_offsets": array_of("Q"),
    "_posting_docs": array_of("I"),
    "_posting_strengths": array_of("f"),
    "_posting_asked": bytes,
    "vocabulary": VOCABULARY,
    "_wording": str,
    "_phrasing_owner": array_of("I"),
    "_most_phrasings": int,
    "_shortest": array_of("I"),
    "_longest": array_of("I"),
    "_asked_bound": array_of("f"),
    "_by_asked_bound": array_of("I"),
    "_prune": bool,
    "_scan": list_of(SCAN_ROW),
}
TOPIC = fixed(str, str, str)
SOURCE = fixed(str, str, str, (str, type(None)))
TEXTS = fixed((str, type(None)), (str, type(None)), (str, type(None)))  # Store.texts
COLUMNS = fixed(list_of(str), list_of(str), list_of(STRS), list_of(str), list_of(str),
                list_of(STRS), list_of(bool))
RED_FLAG = fixed(str, str, STRS, STRS)
# Several stores served as one (``stores.combine``): each of them, and the one
# each entry and each warning sign comes from (empty for a store alone).
PART = fixed(str, str, (str, type(None)), (str, type(None)))
SEVERAL = fixed(list_of(PART), dict_of(str, int), dict_of(str, int))
PAYLOAD = fixed(int, list_of(TOPIC), list_of(SOURCE), COLUMNS, tuple_of(STRS),
                list_of(RED_FLAG), TEXTS, SEVERAL, fields(STATE))


def _save(value: Any) -> Any:
    """One piece of index state as marshal can write it."""
    if isinstance(value, array):
        return (value.typecode, value.tobytes())
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, Vocabulary):
        saved = dict(vars(value))
        saved["word_counts"] = dict(saved["word_counts"])
        return saved
    return value


def _restore(name: str, value: Any) -> Any:
    """``_save``'s output of state ``name`` back as an index holds it."""
    if STATE[name] == array_of(value[0] if type(value) is tuple else ""):
        return array(*value)
    if name == "_posting_asked":
        return bytearray(value)
    if name == "vocabulary":
        vocabulary = Vocabulary.__new__(Vocabulary)
        vars(vocabulary).update(value)
        vocabulary.word_counts = Counter(value["word_counts"])
        return vocabulary
    return value


def pack(index: Index) -> tuple[Any, ...]:
    """The index as builtins and flat columns: loading 100,000 entries' worth of
    record objects one by one would take most of a second."""
    store = index.store
    entries = store.entries
    columns = (
        [e.id for e in entries],
        [e.question for e in entries],
        [e.also_asked for e in entries],
        [e.answer for e in entries],
        [e.topic for e in entries],
        [e.sources for e in entries],
        [e.urgent for e in entries],
    )
    return (
        store.version,
        [tuple(t) for t in store.topics],
        [tuple(s) for s in store.sources],
        columns,
        store.synonyms,
        [tuple(f) for f in store.red_flags],
        (store.title, store.disclaimer, store.notice),
        several(store),
        {name: _save(vars(index)[name]) for name in STATE},
    )


def several(store: Store) -> tuple[list[tuple[str | None, ...]], dict[str, int], dict[str, int]]:
    """What a store served with others holds of them, as ``SEVERAL``."""
    return ([tuple(p) for p in store.parts], dict(store.origins), dict(store.sign_origins))


def sound_parts(saved: Any, entry_ids: Iterable[str], flag_ids: Iterable[str]) -> bool:
    """Whether saved ``SEVERAL`` data belongs to these entries and warning
    signs: every entry and sign of a part that exists, or none at all."""
    parts, origins, sign_origins = saved
    if not parts:
        return not origins and not sign_origins
    return (origins.keys() == set(entry_ids) and sign_origins.keys() == set(flag_ids)
            and set(origins.values()) | set(sign_origins.values()) <= set(range(len(parts))))


def _consistent(state: dict[str, Any], entries: int) -> bool:
    """Whether the restored columns agree in length with each other, with the
    number of entries and with the kind of search (a pruned one needs every
    question's wording, a scan every entry unpacked), so no lookup can fall
    off the end of one."""
    pruned = state["_prune"]
    wording = state["_wording"]
    return (
        0 < entries == len(state["_text_starts"]) - 1
        and state["_text_starts"][-1] == len(state["_text"])
        and len(state["_offsets"]) == len(state["_terms"]) + 1
        and state["_offsets"][-1] == len(state["_posting_docs"])
        == len(state["_posting_strengths"]) == len(state["_posting_asked"])
        and set(state["_terms"].values()) == set(range(len(state["_terms"])))
        and len(state["_shortest"]) == len(state["_longest"]) == len(state["_asked_bound"])
        == len(state["_by_asked_bound"]) == (entries if pruned else 0)
        and (not pruned or max(state["_by_asked_bound"]) < entries)
        and len(state["_phrasing_owner"]) == (wording.count("\n") + 1 if wording else 0)
        and (pruned or bool(wording)) is pruned
        and len(state["_scan"]) == (0 if pruned else entries)
    )


def _sound(topics: list[Any], sources: list[Any], columns: tuple[Any, ...],
           state: dict[str, Any]) -> bool:
    """Whether the values hold what the code that reads them relies on,
    where that is cheap to see: entries of known topics and with known
    sources, positive finite averages, entry texts in order, scanned entries
    with questions and finite scores, synonym groups that exist. (What only
    a pass over every text or posting could catch, a control character in
    an answer or a posting past the last entry, is left to the checksum:
    see TESTING.md.)"""
    entry_topics, entry_sources = columns[4], columns[5]
    starts = state["_text_starts"]
    vocabulary = state["vocabulary"]
    groups = len(vocabulary.groups)
    return (
        set(entry_topics) <= {t[0] for t in topics}
        and all(entry_sources)
        and set(chain.from_iterable(entry_sources)) <= {s[0] for s in sources}
        and all(math.isfinite(v) and v > 0
                for v in (state["avg_question_len"], state["avg_answer_len"], state["_full"]))
        and all(a <= b for a, b in zip(starts, starts[1:]))
        and all(row[3] and _finite_row(row) for row in state["_scan"])
        and all(0 <= g < groups for found in (vocabulary.phrase_groups, vocabulary.exact_groups)
                for indexes in found.values() for g in indexes)
    )


def _finite_row(row: tuple[Any, ...]) -> bool:
    strengths = chain.from_iterable(row[1].values())
    weights = chain.from_iterable((*p[2], p[3]) for p in row[3])
    return all(map(math.isfinite, chain(strengths, weights)))


def unpack(payload: Any, path: str) -> Index | None:
    """An Index from ``pack``'s output, or None when it is not of that shape."""
    if not fits(payload, PAYLOAD):
        return None
    version, topics, sources, columns, synonyms, red_flags, texts, parts, saved = payload
    if any(len(column) != len(columns[0]) for column in columns):
        return None
    if not sound_parts(parts, columns[0], (f[0] for f in red_flags)):
        return None
    state = {name: _restore(name, value) for name, value in saved.items()}
    if not _consistent(state, len(columns[0])) or not _sound(topics, sources, columns, state):
        return None
    store = Store(
        path,
        version,
        tuple(Topic(*t) for t in topics),
        tuple(Source(*s) for s in sources),
        tuple(map(Entry, *columns)),
        synonyms,
        tuple(RedFlag(*f) for f in red_flags),
        title=texts[0], disclaimer=texts[1], notice=texts[2],
        parts=tuple(Part(*p) for p in parts[0]), origins=parts[1], sign_origins=parts[2],
    )
    index = Index.__new__(Index)
    vars(index).update(state)
    index.store = store
    return index
