"""Facets: how many matching documents hold each value of a field, from its column.

Counting is one bincount over the matches' value codes. What used to cost as
much again was making a Python (value, count) tuple for every value with a
count (thousands of townships over a large hit set) and sorting them, though
the page shows the first 15. FacetCounts keeps the counts as arrays and makes
tuples only for what is read: the first N by a partial sort, all of them (the
API, the bench) in one pass when a caller iterates to the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:  # matching.py makes FacetCounts
    from search.engine.matching import Matcher


class FacetCounts(Sequence[tuple[Any, int]]):
    """(value, count) of every value with a count, most first; equal counts in
    the order of the values' text. Reads like the list it stands for (and
    compares equal to it); the tuples are made when read.
    """

    __slots__ = ("_values", "_found", "_counts", "_key", "_empty", "_order", "_list")

    def __init__(
        self,
        values: np.ndarray,
        found: np.ndarray,
        counts: np.ndarray,
        key: np.ndarray,
        empty: np.ndarray | None = None,
    ) -> None:
        # values: every value of the field (object array); found: the indexes
        # of those with a count, counts: their counts, key: their order (see
        # counted()); empty: which values are None or "" (no facet choice).
        self._values = values
        self._found = found
        self._counts = counts
        self._key = key
        self._empty = empty
        self._order: np.ndarray | None = None
        self._list: list[tuple[Any, int]] | None = None

    @classmethod
    def counted(
        cls,
        values: np.ndarray,
        tally: np.ndarray,
        text_rank: np.ndarray,
        empty: np.ndarray | None = None,
    ) -> FacetCounts:
        """The counts of ``tally`` (one per value, zero for most)."""
        found = np.flatnonzero(tally)
        return cls.of(values, found, tally[found], text_rank, empty)

    @classmethod
    def of(
        cls,
        values: np.ndarray,
        found: np.ndarray,
        counts: np.ndarray,
        text_rank: np.ndarray,
        empty: np.ndarray | None = None,
    ) -> FacetCounts:
        """The ``counts`` of the values at ``found`` (distinct, none zero)."""
        # One distinct integer orders them: more documents first, then by text.
        top = int(counts.max()) + 1 if len(counts) else 1
        key = (top - counts) * len(values) + text_rank[found]
        return cls(values, found, counts, key, empty)

    def __len__(self) -> int:
        return len(self._found)

    def _pairs(self, positions: np.ndarray) -> list[tuple[Any, int]]:
        values = self._values[self._found[positions]].tolist()
        return list(zip(values, self._counts[positions].tolist(), strict=True))

    def _full_order(self) -> np.ndarray:
        if self._order is None:
            self._order = np.argsort(self._key, kind="stable")
        return self._order

    def head(self, n: int) -> list[tuple[Any, int]]:
        """The first ``n`` pairs, without ordering the rest."""
        n = max(0, min(n, len(self)))
        if self._list is not None:
            return self._list[:n]
        if self._order is not None or n * 4 >= len(self):
            return self._pairs(self._full_order()[:n])
        # Keys are distinct (the text rank breaks ties), so the n smallest
        # are the first n in order once sorted among themselves.
        first = np.argpartition(self._key, n)[:n]
        return self._pairs(first[np.argsort(self._key[first])])

    def as_list(self) -> list[tuple[Any, int]]:
        """Every pair, in order (made once)."""
        if self._list is None:
            self._list = self._pairs(self._full_order())
        return self._list

    def nonempty(self) -> FacetCounts:
        """The same counts without the documents that have no value (None, "")."""
        if self._empty is None:
            return self
        keep = ~self._empty[self._found]
        if keep.all():
            return self
        return FacetCounts(
            self._values, self._found[keep], self._counts[keep], self._key[keep]
        )

    @overload
    def __getitem__(self, index: int) -> tuple[Any, int]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[Any, int]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if start == 0 and step == 1:
                return self.head(stop)
            return self.as_list()[index]
        if self._list is not None:
            return self._list[index]
        position = self._full_order()[index]
        return self._pairs(np.array([position]))[0]

    def __iter__(self) -> Iterator[tuple[Any, int]]:
        return iter(self.as_list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FacetCounts | list | tuple):
            return self.as_list() == list(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # mutable-like, as a list is

    def __repr__(self) -> str:
        return f"FacetCounts({self.as_list()!r})"

    def __reduce__(self) -> tuple:
        # A pickled page (a cache) carries the pairs, not the whole value space.
        return (list, (self.as_list(),))


def facet_counts(matcher: Matcher, docs: np.ndarray, names: Sequence[str]) -> dict:
    """haystack's facet result for ``names`` over ``docs`` ({} when none asked)."""
    if not names:
        return {}
    fields = matcher.facet_counts(list(names), docs)
    return {"fields": fields, "dates": {}, "queries": {}}
