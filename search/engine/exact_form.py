"""A term in the EXACT form over a folded index: 憲法 is not 宪法, １９５５ not 1955.

The bigram and character fields hold the folded text. The variants field
(search/analyzers.py) holds, for every offset where the text as written
differs from its folded form, the character as written. So ``text`` occurs
as written at offset p exactly when its folded form occurs at p and, for
each of its characters ``text[i]``:

- if folding changes it (憲, １): the variants field has it at p + i;
- otherwise (宪, 1): the variants field has none of the characters that fold
  to it (憲, １) at p + i.

Most documents have no variant of a term's characters at all; their folded
counts stand, and only the others are checked offset by offset. A
one-character term is counted, not placed: its folded count less the counts
of its variants, or its own count as a variant.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh import query as wq

from search.normalise import fold, variants_of

VARIANT_FIELD = "variants"
# Offsets in one document fit in 32 bits, so (document, offset) is one int64.
OFFSET_BITS = 32
_EMPTY = np.empty(0, dtype=np.int64)


class ExactTerm(wq.Query):
    """``text`` (ASCII case folded) as written; ``folded`` finds its folded form.

    search/engine/matching.py evaluates it; Whoosh's own matchers cannot.
    """

    def __init__(self, text: str, folded: wq.Query) -> None:
        self.text = text
        self.folded = folded

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r}, {self.folded!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.text == self.text
            and other.folded == self.folded
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.text, self.folded))

    def children(self) -> list[wq.Query]:
        # Ranking reads the folded term's words (search/engine/ranking.py).
        return [self.folded]

    def apply(self, fn):  # noqa: ANN001, ANN201
        return type(self)(self.text, fn(self.folded))

    def matcher(self, searcher, context=None):  # noqa: ANN001, ANN201
        raise TypeError("ExactTerm is evaluated by search/engine/matching.py only")


def needs_check(text: str) -> bool:
    """Whether ``text`` (case folded) could match differently in the two forms."""
    return any(fold(ch) != ch or variants_of(ch) for ch in text)


def requirements(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """((place, variant that must be there), (place, variant that must not))."""
    required: list[tuple[int, str]] = []
    forbidden: list[tuple[int, str]] = []
    for place, ch in enumerate(text):
        if fold(ch) != ch:
            required.append((place, ch))
        else:
            forbidden.extend((place, other) for other in sorted(variants_of(ch)))
    return required, forbidden


Counts = tuple[np.ndarray, np.ndarray]


def exact_counts(
    text: str,
    folded: Counts,
    *,
    variant: Callable[[str, np.ndarray], Counts],
    variant_starts: Callable[[str, np.ndarray, int], np.ndarray],
    folded_starts: Callable[[np.ndarray], np.ndarray],
) -> Counts:
    """(documents, occurrences as written) of ``text`` among ``folded``'s.

    ``folded`` is (documents, occurrences) of the folded form. The callables
    read one segment: ``variant(ch, docs)`` the documents of ``docs`` with the
    variant ``ch`` and its count in each; ``variant_starts(ch, docs, place)``
    and ``folded_starts(docs)`` the sorted keys (document << 32) + offset -
    place of the variant and of the folded form's starts in ``docs``.
    """
    docs, counts = folded
    required, forbidden = requirements(text)
    if not len(docs) or not (required or forbidden):
        return docs, counts
    if len(text) == 1:
        return _one_character(text, docs, counts, variant=variant, forbidden=forbidden)
    if required:
        # Only documents with every required variant can match.
        checked = docs
        for _, ch in required:
            checked = intersect(checked, variant(ch, checked)[0])
        kept, kept_counts = _EMPTY, _EMPTY
    else:
        others = dict.fromkeys(ch for _, ch in forbidden)
        checked = union([variant(ch, docs)[0] for ch in others])
        keep = ~np.isin(docs, checked)
        kept, kept_counts = docs[keep], counts[keep]
    if not len(checked):
        return kept, kept_counts
    starts = folded_starts(checked)
    for place, ch in required:
        starts = intersect(starts, variant_starts(ch, checked, place))
    for place, ch in forbidden:
        starts = difference(starts, variant_starts(ch, checked, place))
    found, found_counts = per_document(starts)
    return merge((kept, kept_counts), (found, found_counts))


def exact_starts(
    text: str,
    starts: np.ndarray,
    *,
    variant_starts: Callable[[str, int], np.ndarray],
) -> np.ndarray:
    """The keys of ``starts`` (the folded form's, (document << 32) + offset)
    where ``text`` occurs as written; ``variant_starts(ch, place)`` reads the
    variant's keys less ``place`` in the same documents. For a term of two or
    more characters (a one-character term has no offsets in the index)."""
    required, forbidden = requirements(text)
    for place, ch in required:
        starts = intersect(starts, variant_starts(ch, place))
    for place, ch in forbidden:
        starts = difference(starts, variant_starts(ch, place))
    return starts


def _one_character(
    ch: str,
    docs: np.ndarray,
    counts: np.ndarray,
    *,
    variant: Callable[[str, np.ndarray], Counts],
    forbidden: list[tuple[int, str]],
) -> Counts:
    if fold(ch) != ch:
        return variant(ch, docs)
    counts = counts.copy()
    for _, other in forbidden:
        found, found_counts = variant(other, docs)
        counts[np.searchsorted(docs, found)] -= found_counts
    keep = counts > 0
    return docs[keep], counts[keep]


def per_document(starts: np.ndarray) -> Counts:
    """(documents, starts in each) of sorted (document << 32) + offset keys."""
    if not len(starts):
        return _EMPTY, _EMPTY
    docs = starts >> OFFSET_BITS
    first = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    return docs[first], np.diff(np.append(first, len(docs)))


def merge(a: Counts, b: Counts) -> Counts:
    """Two (documents, counts) over disjoint documents, as one sorted pair."""
    docs = np.concatenate((a[0], b[0])).astype(np.int64)
    counts = np.concatenate((a[1], b[1])).astype(np.int64)
    order = np.argsort(docs, kind="stable")
    return docs[order], counts[order]


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values in both sorted unique arrays."""
    if not len(a) or not len(b):
        return _EMPTY
    return a[np.isin(a, b, assume_unique=True)]


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values of sorted unique ``a`` not in ``b``."""
    if not len(a) or not len(b):
        return a
    return a[~np.isin(a, b, assume_unique=True)]


def union(arrays: list[np.ndarray]) -> np.ndarray:
    """Values in any of the arrays, sorted and unique."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _EMPTY
    return np.unique(np.concatenate(arrays))
