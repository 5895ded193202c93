"""Evaluate a Whoosh query to the exact set of matching documents, with arrays.

Whoosh's matchers step through postings one document at a time in Python,
and its collector scores and groups each hit the same way: about 1.5 s for a
common term at 50,000 documents. Here every node of the query becomes a
sorted array of document numbers:

- a term is its posting list (minus deleted documents);
- a phrase over the bigram field is a join of bigram offsets: the term occurs
  at offset p exactly when each bigram of a covering set occurs at p plus its
  place in the term;
- And, Or and Not are set operations; ranges and exact values read columns.
  Every node can be evaluated ``within`` some documents, at a cost that
  follows them: an And evaluates its cheap parts first (a township's
  postings, a year range's column) and the rest only within what they left,
  so a filter that picks a few documents reads a phrase's offsets in those
  alone;
- a term in the EXACT form is its folded form checked against the variants
  field (search/engine/exact_form.py);
- a proximity clause (query.NearQuery) joins its terms' start offsets with the
  sentence and paragraph ends of the ``bounds`` field (kept per segment as
  UnitEnds, so only the terms' occurrences are placed; a common
  two-character partner's starts are kept whole per segment and searched at
  the other term's occurrences, not gathered for every candidate), by
  search/textmatch.py's rule (a one-character term's offsets are those of
  the bigrams it starts, and the text's last offset; only an index without
  these fields has its candidates checked on their texts, through
  ``Matcher.verify``).

Anything else is handed to Whoosh's own matcher, so the result is always the
set Whoosh would find.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.columns import NumericColumn
from whoosh.fields import NUMERIC
from whoosh.reading import ReaderClosed, TermNotFound
from whoosh.util.numeric import byte_to_length

from search.analyzers import (
    END_TOKEN,
    PARAGRAPH_TOKEN,
    SENTENCE_TOKEN,
    BigramPositions,
    VariantPositions,
)
from search.engine.exact_form import (
    VARIANT_FIELD,
    ExactTerm,
    exact_counts,
    exact_starts,
    per_document,
)
from search.engine.facets import FacetCounts
from search.engine.postings import PostingCache, PostingList, decode_postings
from search.engine.topk import first_positions
from search.engine.whoosh_internals import deleted_docs, per_document_reader
from search.normalise import fold
from search.query import CHAR_FIELD, EXACT_FIELD, NearQuery, Unit

_EMPTY = np.empty(0, dtype=np.int64)
_NO_WEIGHTS = np.empty(0, dtype=np.float32)
# Offsets in one document fit in 32 bits, so (document, offset) is one int64.
_OFFSET_BITS = 32
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# Above every offset of a document: the end of its last sentence or paragraph.
_DOCUMENT_END = (1 << _OFFSET_BITS) - 1
# Up to this many hits, facets are counted value by value in Python.
_FEW_HITS = 64
# The index field of sentence and paragraph ends (search/search_indexes.py).
BOUNDS_FIELD = "bounds"
# Checks proximity on candidates' texts: (the clause, global document
# numbers) -> a mask of those that match (search/backend.py gives one).
Verifier = Callable[[NearQuery, np.ndarray], np.ndarray]


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values in both sorted unique arrays."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return _EMPTY
    at = np.searchsorted(b, a)
    at[at == len(b)] = len(b) - 1
    return a[b[at] == a]


def union(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Values in any of the sorted unique arrays."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _EMPTY
    if len(arrays) == 1:
        return arrays[0]
    return np.unique(np.concatenate(arrays))


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values of sorted unique ``a`` not in sorted ``b``."""
    if not len(a) or not len(b):
        return a
    at = np.searchsorted(b, a)
    at[at == len(b)] = len(b) - 1
    return a[b[at] != a]


def cover(costs: Sequence[float]) -> list[int]:
    """The cheapest set of bigram places that covers every character of a term.

    Bigram i covers characters i and i+1; consecutive chosen places may be
    one or two apart. With the first and the last place always chosen, every
    character is covered, and the term occurs where the chosen bigrams all
    occur at their places.
    """
    n = len(costs)
    best = [0.0] * n
    back = [-1] * n
    for i in range(n):
        if i == 0:
            best[i] = costs[0]
            continue
        choices = [(best[j], j) for j in (i - 1, i - 2) if j >= 0]
        cost, j = min(choices)
        best[i] = costs[i] + cost
        back[i] = j
    chosen = []
    i = n - 1
    while i >= 0:
        chosen.append(i)
        i = back[i]
    return chosen[::-1]


@dataclass
class SegmentColumns:
    """A segment's decoded columns, shared by every searcher that reads it.

    A segment never changes once written (a deletion only marks documents),
    so after a commit the new searcher's unchanged segments keep what the old
    one decoded: 5 s of column reading at 50,000 documents, once per segment
    and process instead of once per commit and thread.
    """

    columns: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)


# Segment id -> its decoded columns, for every searcher of the process.
SEGMENTS: dict[str, SegmentColumns] = {}
_SEGMENTS_LOCK = threading.Lock()


def segment_columns(reader) -> SegmentColumns:  # noqa: ANN001
    """The shared columns of the segment ``reader`` reads."""
    key = reader.segment().segment_id()
    with _SEGMENTS_LOCK:
        found = SEGMENTS.get(key)
        if found is None:
            found = SEGMENTS[key] = SegmentColumns()
        return found


def forget_segments_except(keep: set[str]) -> None:
    """Drop the columns of segments no longer in the index (merged away).

    A searcher still reading one keeps its own reference until it is closed.
    """
    with _SEGMENTS_LOCK:
        gone = {k for k in SEGMENTS if k not in keep}
        for key in gone:
            del SEGMENTS[key]
    if gone:
        # Their term statistics too: that cache is outside the postings' budget.
        with _TERM_STATS_LOCK:
            for key in [k for k in _TERM_STATS if k[0] in gone]:
                del _TERM_STATS[key]


# The segment ids of a searcher -> its columns' value spaces, shared by every
# thread's matcher over them (haystack keeps a backend per thread); the
# latest few sets of segments are kept.
_SPACES: dict[tuple[str, ...], dict[str, ValueSpace]] = {}
_SPACES_KEPT = 4


def _value_spaces(segments: tuple[str, ...]) -> dict[str, ValueSpace]:
    with _SEGMENTS_LOCK:
        found = _SPACES.pop(segments, None)
        if found is None:
            found = {}
        _SPACES[segments] = found  # the newest last
        while len(_SPACES) > _SPACES_KEPT:
            del _SPACES[next(iter(_SPACES))]
        return found


@dataclass(frozen=True)
class ValueSpace:
    """A column's distinct values over a searcher's segments.

    ``values``: each value once (an object array); ``leaf_codes``: for each
    segment (by id), its codes' indexes into ``values``; ``text_rank``: each
    value's place in the order of the values' text; ``empty``: which values
    are None or "" (documents without one).
    """

    values: np.ndarray
    leaf_codes: dict[str, np.ndarray]
    text_rank: np.ndarray
    empty: np.ndarray


# (segment id, field, term bytes) -> (documents, occurrences) of the term.
# Whoosh reads a term's info from the terms index each time (tens of us);
# a phrase asks for every bigram's, in every segment, on every query.
_TERM_STATS: OrderedDict[tuple, tuple[int, float]] = OrderedDict()
# About 325 bytes an entry (key tuple, term bytes, value tuple, the
# OrderedDict link; tracemalloc): up to ~65 MB a process, outside
# SEARCH_CACHE_MB.
_TERM_STATS_MAX = 200_000
_TERM_STATS_LOCK = threading.Lock()
# Entries a Matcher remembers before starting afresh.
_MATCHER_STATS_MAX = 20_000


def term_stats(reader, fieldname: str, text: bytes) -> tuple[int, float]:  # noqa: ANN001
    """(doc frequency, total frequency) of a term in one segment, cached: a
    segment's terms never change once written."""
    key = (reader.segment().segment_id(), fieldname, text)
    with _TERM_STATS_LOCK:
        found = _TERM_STATS.get(key)
        if found is not None:
            _TERM_STATS.move_to_end(key)
            return found
    try:
        info = reader.term_info(fieldname, text)
        found = (int(info.doc_frequency()), float(info.weight()))
    except TermNotFound:
        found = (0, 0.0)
    with _TERM_STATS_LOCK:
        _TERM_STATS[key] = found
        while len(_TERM_STATS) > _TERM_STATS_MAX:
            _TERM_STATS.popitem(last=False)
    return found


@dataclass
class Leaf:
    """One segment: its reader, where its documents start, and cached columns."""

    searcher: Any
    offset: int
    reader: Any = field(init=False)
    columns: dict[str, np.ndarray] = field(init=False)
    values: dict[str, tuple[np.ndarray, list]] = field(init=False)
    _live: np.ndarray | None = None
    # Per column: how many live documents hold each of its values (by code).
    _tallies: dict[str, np.ndarray] = field(default_factory=dict)
    _stored_names: frozenset[str] | None = None
    segment_id: str = field(init=False)
    _size: int | None = None

    def __post_init__(self) -> None:
        self.reader = self.searcher.reader()
        self.segment_id = self.reader.segment().segment_id()
        shared = segment_columns(self.reader)
        self.columns = shared.columns
        self.values = shared.values

    @property
    def size(self) -> int:
        # A segment's documents never change (deletions only mark them).
        if self._size is None:
            self._size = self.reader.doc_count_all()
        return self._size

    def live(self) -> np.ndarray:
        """Document numbers not deleted."""
        if self._live is None:
            docs = np.arange(self.size, dtype=np.int64)
            if self.reader.has_deletions():
                deleted = np.fromiter(deleted_docs(self.reader), dtype=np.int64)
                docs = difference(docs, np.sort(deleted))
            self._live = docs
        return self._live

    def _raw(self, fieldname: str) -> list:
        reader = self.reader
        if not reader.has_column(fieldname):
            return []
        return list(reader.column_reader(fieldname, translate=False))

    def numbers(self, fieldname: str) -> np.ndarray:
        """A number or date column's stored (sortable, unsigned) value per document.

        Missing values hold the field's default. 64-bit sortable values lose
        their low digits as floats, so they stay unsigned integers.
        """
        found = self.columns.get(fieldname)
        if found is None:
            raw = self._raw(fieldname)
            if raw:
                found = np.asarray(raw, dtype=np.uint64)
            else:
                default = self.searcher.schema[fieldname].default or 0
                found = np.full(self.size, default, dtype=np.uint64)
            self.columns[fieldname] = found
        return found

    def coded(self, fieldname: str) -> tuple[np.ndarray, list]:
        """(code of each document's value, the distinct values) of a column.

        The values are as stored in the index (str, int, ...); a number
        field's missing value is None.
        """
        found = self.values.get(fieldname)
        if found is None:
            fieldobj = self.searcher.schema[fieldname]
            raw = self._raw(fieldname)
            if not raw and self.size:
                # No column (an index written before it had one): stored values.
                stored = [
                    self.reader.stored_fields(n).get(fieldname)
                    for n in range(self.size)
                ]
                raw = [
                    None if v is None else fieldobj.to_column_value(v) for v in stored
                ]
            distinct: dict = {}
            codes = np.fromiter(
                (distinct.setdefault(v, len(distinct)) for v in raw),
                dtype=np.int64,
                count=len(raw),
            )
            missing = fieldobj.default if isinstance(fieldobj, NUMERIC) else None
            values = [
                None if v is None or v == missing else fieldobj.from_column_value(v)
                for v in distinct
            ]
            found = (codes, values)
            self.values[fieldname] = found
        return found

    def stored_fields(self, docnum: int) -> dict:
        """A document's stored fields, as SegmentReader.stored_fields gives
        them: one zlib + pickle read, without its per-field schema lookups."""
        reader = self.reader
        if reader.is_closed:
            raise ReaderClosed
        names = self._stored_names
        if names is None:
            names = self._stored_names = frozenset(self.searcher.schema.names())
        stored = per_document_reader(reader).stored_fields(docnum)
        # Fields no longer in the schema are left out, as Whoosh leaves them.
        return {k: v for k, v in stored.items() if k in names}

    def whole_tally(self, fieldname: str) -> np.ndarray:
        """How many live documents hold each value (by code) of a column.

        Kept on the leaf, not the shared segment: deletions differ by searcher.
        """
        found = self._tallies.get(fieldname)
        if found is None:
            codes, distinct = self.coded(fieldname)
            found = np.bincount(codes[self.live()], minlength=len(distinct))
            self._tallies[fieldname] = found
        return found

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a scored field (as BM25 reads it)."""
        key = f"\0len:{fieldname}"
        found = self.columns.get(key)
        if found is None:
            lenfield = f"_{fieldname}_len"
            perdoc = per_document_reader(self.reader)
            if perdoc.has_column(lenfield):
                column = perdoc.column_reader(lenfield, NumericColumn("B", default=0))
                found = _LENGTHS[np.asarray(list(column), dtype=np.int64)]
            else:
                found = np.zeros(self.size, dtype=np.float64)
            self.columns[key] = found
        return found


class Matcher:
    """Evaluates queries against one searcher's segments."""

    def __init__(
        self, searcher, cache: PostingCache, verify: Verifier | None = None
    ) -> None:
        self.searcher = searcher
        self.cache = cache
        self.verify = verify
        self.schema = searcher.schema
        # An empty index has one EmptyReader leaf, which has no segment.
        self.leaves = [
            Leaf(s, offset)
            for s, offset in searcher.leaf_searchers()
            if s.reader().doc_count_all() > 0
        ]
        # Searchers open the newest generation, so the segments the last one
        # opened are the ones worth keeping.
        forget_segments_except(
            {leaf.reader.segment().segment_id() for leaf in self.leaves}
        )
        self._spaces = _value_spaces(tuple(leaf.segment_id for leaf in self.leaves))
        self._offsets = [leaf.offset for leaf in self.leaves]
        # Per query text: (leaf offset, field, text) -> term_stats(); field
        # name -> its field object or None.
        self._stats: dict[tuple, tuple[int, float]] = {}
        self._fields: dict[str, Any] = {}

    # -- public ------------------------------------------------------------------

    def match(self, q: wq.Query) -> np.ndarray:
        """Sorted global numbers of the live documents matching ``q``."""
        parts = [leaf.offset + self._docs(leaf, q) for leaf in self.leaves]
        return np.concatenate(parts) if parts else _EMPTY

    def occurrences(self, q: wq.Query, docs: np.ndarray) -> np.ndarray:
        """Occurrences of a term query (Term or Phrase) in each of ``docs``.

        Every start counts: 哈哈 occurs twice in 哈哈哈.
        """
        if not isinstance(q, wq.Term | wq.Phrase | ExactTerm):
            raise TypeError(f"occurrences are counted for one term, not {q!r}")
        out = np.zeros(len(docs), dtype=np.int64)
        for leaf, local, where in self._split(docs):
            found, counts = self._counts(leaf, q, self._asked(leaf, local))
            at = np.searchsorted(found, local)
            at[at == len(found)] = max(len(found) - 1, 0)
            hit = found[at] == local if len(found) else np.zeros(len(local), bool)
            out[where[hit]] = counts[at[hit]]
        return out

    def near_occurrences(
        self, q: NearQuery, term: str, docs: np.ndarray
    ) -> np.ndarray | None:
        """The qualifying occurrences of ``term`` (one of ``q``'s) in each of
        ``docs``: those in a sentence, paragraph or distance that satisfies
        ``q``. None when the index cannot tell (a one-character term).
        """
        key = fold(term, q.form)
        out = np.zeros(len(docs), dtype=np.int64)
        for leaf, local, where in self._split(docs):
            _, keys = self._near(leaf, q, self._asked(leaf, local), verify=False)
            if keys is None:
                return None
            found = keys.get(key, _EMPTY) >> _OFFSET_BITS
            owners, counts = np.unique(found, return_counts=True)
            if not len(owners):
                continue
            at = np.searchsorted(owners, local)
            at[at == len(owners)] = len(owners) - 1
            hit = owners[at] == local
            out[where[hit]] = counts[at[hit]]
        return out

    def numbers(self, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """A number or date column's stored values for ``docs`` (see Leaf.numbers)."""
        out = np.zeros(len(docs), dtype=np.uint64)
        for leaf, local, where in self._split(docs):
            out[where] = leaf.numbers(fieldname)[local]
        return out

    def sort(
        self,
        docs: np.ndarray,
        fieldname: str,
        *,
        reverse: bool,
        stop: int | None = None,
    ) -> np.ndarray:
        """``docs`` ordered by a number or date column; missing values last;
        only the first ``stop`` when given (a page: the rest is not sorted).

        Ties keep document order, so pages never overlap.
        """
        values = self.numbers(fieldname, docs)
        missing = values == np.uint64(self.schema[fieldname].default or 0)
        key = ~values if reverse else values
        if stop is None:
            return docs[np.lexsort((docs, key, missing))]
        present = np.flatnonzero(~missing)
        first = present[first_positions(key[present], docs[present], stop)]
        if len(first) < stop:
            absent = np.flatnonzero(missing)
            rest = first_positions(key[absent], docs[absent], stop - len(first))
            first = np.concatenate((first, absent[rest]))
        return docs[first]

    def value_counts(self, fieldname: str, docs: np.ndarray) -> FacetCounts:
        """How many of ``docs`` (distinct live documents, as match() gives
        them) have each value of a column, most first.

        Equal counts are in the order of the values' text, so facets are stable.
        """
        return self.facet_counts([fieldname], docs)[fieldname]

    def facet_counts(
        self, fieldnames: Sequence[str], docs: np.ndarray
    ) -> dict[str, FacetCounts]:
        """value_counts() of several columns, splitting ``docs`` by segment once."""
        parts = list(self._split(docs))
        out = {}
        for fieldname in fieldnames:
            space = self._value_space(fieldname)
            if len(docs) <= _FEW_HITS or len(docs) * 4 < len(space.values):
                # Few hits (a township's): count their values, not every value.
                mapped = [
                    space.leaf_codes[leaf.segment_id][leaf.coded(fieldname)[0][local]]
                    for leaf, local, _ in parts
                ]
                codes = np.concatenate(mapped) if mapped else _EMPTY
                if len(codes) <= _FEW_HITS:
                    # numpy's fixed cost per call is more than a Counter's work.
                    tally = Counter(codes.tolist())
                    found = np.fromiter(tally, dtype=np.int64, count=len(tally))
                    counts = np.fromiter(
                        tally.values(), dtype=np.int64, count=len(tally)
                    )
                else:
                    found, counts = np.unique(codes, return_counts=True)
                out[fieldname] = FacetCounts.of(
                    space.values, found, counts, space.text_rank, space.empty
                )
                continue
            tally = np.zeros(len(space.values), dtype=np.int64)
            for leaf, local, _ in parts:
                codes, distinct = leaf.coded(fieldname)
                if len(local) == len(leaf.live()):
                    # Every live document of the segment (browse, a common
                    # term): counted once per searcher.
                    counts = leaf.whole_tally(fieldname)
                else:
                    counts = np.bincount(codes[local], minlength=len(distinct))
                # A segment's distinct values map to distinct indexes, so +=
                # through the mapping adds each count once.
                tally[space.leaf_codes[leaf.segment_id]] += counts
            out[fieldname] = FacetCounts.counted(
                space.values, tally, space.text_rank, space.empty
            )
        return out

    def _value_space(self, fieldname: str) -> ValueSpace:
        """Every distinct value of a column over the segments, built once for
        every searcher (any thread's) over the same segments (see ValueSpace)."""
        found = self._spaces.get(fieldname)
        if found is None:
            index: dict[Any, int] = {}
            leaf_codes = {}
            for leaf in self.leaves:
                _, distinct = leaf.coded(fieldname)
                leaf_codes[leaf.segment_id] = np.fromiter(
                    (index.setdefault(v, len(index)) for v in distinct),
                    dtype=np.int64,
                    count=len(distinct),
                )
            values = list(index)
            by_text = sorted(range(len(values)), key=lambda i: str(values[i]))
            text_rank = np.empty(len(values), dtype=np.int64)
            text_rank[by_text] = np.arange(len(values))
            table = np.empty(len(values), dtype=object)
            table[:] = values
            empty = np.fromiter(
                (v is None or v == "" for v in values), dtype=bool, count=len(values)
            )
            found = self._spaces[fieldname] = ValueSpace(
                table, leaf_codes, text_rank, empty
            )
        return found

    def values(self, fieldname: str, docs: np.ndarray) -> list:
        """Each document's value of a column, in the order of ``docs``."""
        out = np.empty(len(docs), dtype=object)
        for leaf, local, where in self._split(docs):
            codes, distinct = leaf.coded(fieldname)
            table = np.empty(len(distinct), dtype=object)
            table[:] = distinct
            out[where] = table[codes[local]]
        return out.tolist()

    def bm25(
        self,
        docs: np.ndarray,
        fieldname: str,
        words: Sequence[str],
        *,
        boosts: Sequence[float] | None = None,
        b: float = 0.75,
        k1: float = 1.2,
    ) -> np.ndarray:
        """BM25 of ``docs`` for ``words`` in a scored field (Whoosh's BM25F).

        ``boosts`` weigh each word's part, as a term query's boost does.
        """
        scores = np.zeros(len(docs), dtype=np.float64)
        if not words or not len(docs):
            return scores
        searcher = self.searcher
        average = searcher.avg_field_length(fieldname) or 1.0
        for leaf, local, where in self._split(docs):
            lengths = leaf.lengths(fieldname)[local]
            norm = k1 * ((1 - b) + b * lengths / average)
            for number, word in enumerate(words):
                boost = boosts[number] if boosts is not None else 1.0
                postings = self.cache.get(
                    leaf.reader, fieldname, word, with_values=False
                )
                if not len(postings.ids):
                    continue
                at = self._slots(leaf, fieldname, word, postings)[local]
                hit = at >= 0
                tf = postings.weights[at[hit]].astype(np.float64)
                idf = searcher.idf(fieldname, word)
                part = idf * (tf * (k1 + 1)) / (tf + norm[hit])
                scores[where[hit]] += boost * part
        return scores

    def _slots(
        self, leaf: Leaf, fieldname: str, word: str, postings: PostingList
    ) -> np.ndarray:
        """Each document's index in a word's posting list, -1 where absent:
        BM25 of tens of thousands of hits looks each up in one step, not by
        a binary search per hit and word. Built once a segment (4 bytes a
        document), kept with the postings."""

        def make() -> PostingList:
            slots = np.full(leaf.size, -1, dtype=np.int32)
            slots[postings.ids] = np.arange(len(postings.ids), dtype=np.int32)
            return PostingList(slots, _NO_WEIGHTS)

        return self.cache.derived(leaf.reader, f"\0slots:{fieldname}", word, make).ids

    def stored_fields(self, docnum: int) -> dict:
        """A document's stored fields (global number), as the searcher's."""
        docnum = int(docnum)
        at = bisect_right(self._offsets, docnum) - 1
        if at < 0 or docnum - self.leaves[at].offset >= self.leaves[at].size:
            raise KeyError(f"No document number {docnum}")
        return self.leaves[at].stored_fields(docnum - self.leaves[at].offset)

    # -- evaluation ------------------------------------------------------------

    def _split(self, docs: np.ndarray):
        """(leaf, local numbers, positions in docs) for each segment's share.

        ``docs`` may be in any order (a sorted page, say).
        """
        if not len(docs) or not self.leaves:
            return
        if len(self.leaves) == 1:
            yield self.leaves[0], docs, np.arange(len(docs))
            return
        starts = np.array([leaf.offset for leaf in self.leaves], dtype=np.int64)
        if bool((docs[1:] > docs[:-1]).all()):
            # Sorted (what match() gives): each segment's share is one run,
            # found by a binary search, not by a pass over the hits per segment.
            bounds = np.append(np.searchsorted(docs, starts), len(docs))
            for i, leaf in enumerate(self.leaves):
                if bounds[i] < bounds[i + 1]:
                    where = np.arange(bounds[i], bounds[i + 1])
                    yield leaf, docs[bounds[i] : bounds[i + 1]] - leaf.offset, where
            return
        which = np.searchsorted(starts, docs, side="right") - 1
        for i, leaf in enumerate(self.leaves):
            where = np.flatnonzero(which == i)
            if len(where):
                yield leaf, docs[where] - leaf.offset, where

    @staticmethod
    def _asked(leaf: Leaf, local: np.ndarray) -> np.ndarray:
        """The live documents among ``local`` (any order), sorted: a ``within``."""
        asked = np.unique(local)
        if leaf.reader.has_deletions():
            asked = intersect(asked, leaf.live())
        return asked

    def _docs(
        self, leaf: Leaf, q: wq.Query, within: np.ndarray | None = None
    ) -> np.ndarray:
        """Live documents matching ``q``; only those of ``within`` (sorted,
        unique, live) when given, at a cost that follows ``within``."""
        if isinstance(q, wq.Every) or self._in_every_document(leaf, q):
            # Such as the model's content type: no posting list to read.
            return leaf.live() if within is None else within
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _EMPTY
        if isinstance(q, wq.Term | wq.Phrase | ExactTerm):
            found, _ = self._counts(leaf, q, within)
            return found
        if isinstance(q, NearQuery):
            return self._near(leaf, q, within, occurrences=False)[0]
        if isinstance(q, wq.And):
            return self._and(leaf, q.subqueries, within)
        if isinstance(q, wq.Or):
            return union([self._docs(leaf, sub, within) for sub in q.subqueries])
        if isinstance(q, wq.Not):
            chosen = leaf.live() if within is None else within
            return difference(chosen, self._docs(leaf, q.query, within))
        if isinstance(q, wq.AndNot):
            kept = self._docs(leaf, q.a, within)
            if not len(kept):
                return kept
            return difference(kept, self._docs(leaf, q.b, kept))
        if isinstance(q, wq.AndMaybe):
            return self._docs(leaf, q.a, within)
        if isinstance(q, wq.Require):
            return self._and(leaf, [q.a, q.b], within)
        if isinstance(q, wq.NumericRange) and self._is_numeric_column(q.fieldname):
            return self._numeric_range(leaf, q, within)
        return _restricted(self._whoosh(leaf, q), within)

    def _and(
        self, leaf: Leaf, subqueries: Sequence[wq.Query], within: np.ndarray | None
    ) -> np.ndarray:
        """Documents matching every one of ``subqueries``: the cheap, selective
        parts first (a township's few documents), each later part evaluated
        only within what the earlier ones left (a phrase's offsets read in
        those documents alone). A segment where the cheap parts leave nothing
        costs a few term lookups."""
        tiers: dict[int, list[wq.Query]] = {}
        for sub in subqueries:
            if isinstance(sub, wq.Every) or self._in_every_document(leaf, sub):
                continue  # every live document: narrows nothing
            tiers.setdefault(self._tier(sub), []).append(sub)
        result = within
        for tier in sorted(tiers):
            parts = tiers[tier]
            if len(parts) > 1:
                parts = sorted(parts, key=lambda sub: self._estimate(leaf, sub))
            for sub in parts:
                result = self._docs(leaf, sub, result)
                if not len(result):
                    return _EMPTY
        return leaf.live() if result is None else result

    def _tier(self, q: wq.Query) -> int:
        """How dear a part of an And is, from its kind alone: 0 reads no
        offsets (a term's posting list, a column), 1 reads the offsets of its
        candidates (a phrase, a term as written), 2 joins several terms'
        offsets (proximity), 3 is anything else."""
        if isinstance(q, wq.Term):
            return 0
        if isinstance(q, wq.NumericRange) and self._is_numeric_column(q.fieldname):
            return 0
        if isinstance(q, wq.Phrase) and self._is_bigram_field(q.fieldname):
            return 1
        if isinstance(q, ExactTerm):
            return 1
        if isinstance(q, NearQuery):
            return 2
        if isinstance(q, wq.And | wq.Or) and q.subqueries:
            return max(self._tier(sub) for sub in q.subqueries)
        if isinstance(q, wq.AndNot | wq.AndMaybe):
            return self._tier(q.a)
        return 3

    def _estimate(self, leaf: Leaf, q: wq.Query) -> float:
        """At most how many documents a part of an And leaves (from the
        terms' document frequencies): the smaller goes first in its tier."""
        if isinstance(q, wq.Term):
            return float(self._term_stats(leaf, q.fieldname, q.text)[0])
        if isinstance(q, wq.Phrase) and self._is_bigram_field(q.fieldname):
            return float(
                min(
                    (self._term_stats(leaf, q.fieldname, w)[0] for w in q.words),
                    default=0,
                )
            )
        if isinstance(q, ExactTerm):
            return self._estimate(leaf, q.folded)
        if isinstance(q, wq.And) and q.subqueries:
            return min(self._estimate(leaf, sub) for sub in q.subqueries)
        if isinstance(q, wq.Or) and q.subqueries:
            return sum(self._estimate(leaf, sub) for sub in q.subqueries)
        if isinstance(q, wq.AndNot | wq.AndMaybe):
            return self._estimate(leaf, q.a)
        return float(leaf.size)

    def _term_stats(self, leaf: Leaf, fieldname: str, text: str) -> tuple[int, float]:
        """term_stats() of a term given as text (0, 0.0 for an unknown field),
        remembered by this matcher without encoding the text again."""
        key = (leaf.offset, fieldname, text)
        found = self._stats.get(key)
        if found is None:
            fieldobj = self._field(fieldname)
            if fieldobj is None:
                found = (0, 0.0)
            else:
                found = term_stats(leaf.reader, fieldname, fieldobj.to_bytes(text))
            if len(self._stats) >= _MATCHER_STATS_MAX:
                self._stats.clear()
            self._stats[key] = found
        return found

    def _counts(
        self, leaf: Leaf, q: wq.Query, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(live documents, occurrences in each) of a Term, Phrase or ExactTerm;
        only the documents of ``within`` (sorted, unique, live) when given."""
        if isinstance(q, ExactTerm):
            return self._exact_term(leaf, q, within)
        if isinstance(q, wq.Term):
            if q.fieldname not in self.schema:
                return _EMPTY, _EMPTY
            text = self.schema[q.fieldname].to_bytes(q.text)
            postings = self.cache.get(leaf.reader, q.fieldname, text, with_values=False)
            return self._live_postings(leaf, postings, within)
        if isinstance(q, wq.Phrase) and self._is_bigram_field(q.fieldname):
            return self._phrase(leaf, q.fieldname, list(q.words), within)
        found = _restricted(self._whoosh(leaf, q), within)
        return found, np.ones(len(found), dtype=np.int64)

    def _in_every_document(self, leaf: Leaf, q: wq.Query) -> bool:
        if not isinstance(q, wq.Term):
            return False
        size = leaf.size
        return size > 0 and self._term_stats(leaf, q.fieldname, q.text)[0] == size

    def _live_postings(
        self, leaf: Leaf, postings: PostingList, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        ids = postings.ids
        if within is not None:
            # One search of the few chosen documents into the cached ids.
            if not len(ids) or not len(within):
                return _EMPTY, _EMPTY
            at = np.searchsorted(ids, within)
            at[at == len(ids)] = len(ids) - 1
            hit = ids[at] == within
            return within[hit], postings.weights[at[hit]].astype(np.int64)
        counts = postings.weights.astype(np.int64)
        if leaf.reader.has_deletions():
            keep = np.isin(ids, leaf.live(), assume_unique=True)
            ids, counts = ids[keep], counts[keep]
        return ids, counts

    def _variant_postings(self, leaf: Leaf, ch: str, *, with_values: bool):
        fieldobj = self._field(VARIANT_FIELD)
        if fieldobj is None:
            raise TypeError("this index has no variants field")
        text = fieldobj.to_bytes(ch)
        return self.cache.get(leaf.reader, VARIANT_FIELD, text, with_values=with_values)

    def _variant_starts(
        self, leaf: Leaf, ch: str, docs: np.ndarray, place: int
    ) -> np.ndarray:
        """(document << 32) + offset - place of the variant ``ch`` in ``docs``."""
        found = self._variant_postings(leaf, ch, with_values=True)
        if not len(found.ids):
            return _EMPTY
        return _starts(found, docs, place)

    def _exact_term(self, leaf: Leaf, q: ExactTerm, within: np.ndarray | None = None):
        """A term as written: its folded matches, checked against the variants."""
        sub = q.folded
        starts = None
        if (
            isinstance(sub, wq.Phrase)
            and len(sub.words) > 1
            and self._is_bigram_field(sub.fieldname)
        ):
            # Its documents come from its starts: found once, kept for the
            # documents whose variants need checking.
            starts = self._phrase_starts(leaf, sub.fieldname, list(sub.words), within)
            folded = per_document(starts)
        else:
            folded = self._counts(leaf, sub, within)

        def variant(ch: str, docs: np.ndarray):
            found = self._variant_postings(leaf, ch, with_values=False)
            return self._live_postings(leaf, found, docs)

        def variant_starts(ch: str, docs: np.ndarray, place: int) -> np.ndarray:
            return self._variant_starts(leaf, ch, docs, place)

        def folded_starts(docs: np.ndarray) -> np.ndarray:
            if starts is not None:
                return _keys_of(starts, docs)
            found = self._term_starts(leaf, sub, docs)
            if found is None:
                raise TypeError(f"no offsets to read for {q.folded!r}")
            return found

        return exact_counts(
            q.text,
            folded,
            variant=variant,
            variant_starts=variant_starts,
            folded_starts=folded_starts,
        )

    def _phrase(
        self,
        leaf: Leaf,
        fieldname: str,
        words: list[str],
        within: np.ndarray | None = None,
    ):
        """Documents where the bigrams ``words`` occur at consecutive offsets."""
        if len(words) == 1:
            return self._counts(leaf, wq.Term(fieldname, words[0]), within)
        starts = self._phrase_starts(leaf, fieldname, words, within)
        if not len(starts):
            return _EMPTY, _EMPTY
        docs = starts >> _OFFSET_BITS
        first = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
        counts = np.diff(np.append(first, len(docs)))
        return docs[first], counts

    def _phrase_starts(
        self,
        leaf: Leaf,
        fieldname: str,
        words: list[str],
        within: np.ndarray | None = None,
    ) -> np.ndarray:
        """(document << 32) + offset of every start of the term whose bigrams
        are ``words``, in live documents (of ``within`` when given), sorted."""
        reader = leaf.reader
        fieldobj = self.schema[fieldname]
        grams = [fieldobj.to_bytes(w) for w in words]
        stats = [term_stats(reader, fieldname, gram) for gram in grams]
        if not all(documents for documents, _ in stats):
            return _EMPTY
        costs = [occurrences for _, occurrences in stats]
        places = cover(costs)
        # Candidate documents hold every chosen bigram; cheapest lists first.
        lists = {
            place: self.cache.get(reader, fieldname, grams[place], with_values=True)
            for place in places
        }
        order = sorted(places, key=lambda p: costs[p])
        candidates = lists[order[0]].ids if within is None else within
        for place in order[1 if within is None else 0 :]:
            candidates = intersect(candidates, lists[place].ids)
        if reader.has_deletions():
            candidates = intersect(candidates, leaf.live())
        if not len(candidates):
            return _EMPTY
        starts = None
        for place in order:
            keys = _starts(lists[place], candidates, place)
            starts = keys if starts is None else intersect(starts, keys)
            if not len(starts):
                return _EMPTY
        return starts

    def _term_starts(
        self, leaf: Leaf, q: wq.Query, within: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Start keys of a term query's occurrences (in ``within``, if given)
        in live documents; None when the index holds no offsets for it (a
        one-character term)."""
        if isinstance(q, ExactTerm):
            # The folded form's starts, kept where the variants say "as written".
            folded = self._term_starts(leaf, q.folded, within)
            if folded is None or not len(folded):
                return folded
            docs = _documents_of(folded)
            return exact_starts(
                q.text,
                folded,
                variant_starts=lambda ch, place: self._variant_starts(
                    leaf, ch, docs, place
                ),
            )
        if isinstance(q, wq.Term) and self._is_bigram_field(q.fieldname):
            return self._phrase_starts(leaf, q.fieldname, [q.text], within)
        if isinstance(q, wq.Phrase) and self._is_bigram_field(q.fieldname):
            return self._phrase_starts(leaf, q.fieldname, list(q.words), within)
        if isinstance(q, wq.Term) and q.fieldname == CHAR_FIELD:
            found = self._char_starts(leaf, q.text)
            if found is None:
                return None
            if leaf.reader.has_deletions():
                found = _keys_of(found, leaf.live())
            if within is not None:
                found = _keys_of(found, within)
            return found
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _EMPTY
        return None

    def _char_starts(self, leaf: Leaf, char: str) -> np.ndarray | None:
        """Start keys of a character (folded) in every document of the segment.

        The index keeps no offsets for characters: an occurrence is the start
        of a bigram that begins with it, or the text's last character (the
        bounds field's "e") where the character count says one is missing.
        About 20-50 ms for a common character at 2,000 documents, once per
        segment (cached with the postings).
        """
        if EXACT_FIELD not in self.schema or BOUNDS_FIELD not in self.schema:
            return None
        reader = leaf.reader

        def make() -> PostingList:
            parts = [_EMPTY]
            for _text, info in reader.iter_prefix(EXACT_FIELD, char):
                postings = decode_postings(reader, info, with_values=True)
                owner, offsets = postings.offsets()
                parts.append((postings.ids[owner] << _OFFSET_BITS) + offsets)
            keys = np.sort(np.concatenate(parts))
            counts = self.cache.get(
                reader,
                CHAR_FIELD,
                self.schema[CHAR_FIELD].to_bytes(char),
                with_values=False,
            )
            docs, found = np.unique(keys >> _OFFSET_BITS, return_counts=True)
            expected = counts.weights.astype(np.int64)
            have = np.zeros(len(counts.ids), dtype=np.int64)
            at = np.searchsorted(docs, counts.ids)
            at[at == len(docs)] = max(len(docs) - 1, 0)
            hit = docs[at] == counts.ids if len(docs) else np.zeros(len(at), bool)
            have[hit] = found[at[hit]]
            short = counts.ids[expected > have]
            if len(short):
                ends = self.cache.get(
                    reader,
                    BOUNDS_FIELD,
                    self.schema[BOUNDS_FIELD].to_bytes(END_TOKEN),
                    with_values=True,
                )
                keys = np.sort(np.concatenate((keys, _gathered(ends, short))))
            return PostingList(keys, np.empty(0, dtype=np.float32))

        return self.cache.derived(reader, "\0char-offsets", char, make).ids

    def _bounds(self, leaf: Leaf, unit: Unit, within: np.ndarray) -> np.ndarray:
        """Keys of the sentence or paragraph ends of the documents ``within``,
        each document closed by a key past its last offset."""
        token = SENTENCE_TOKEN if unit is Unit.SENTENCE else PARAGRAPH_TOKEN
        ends = within << _OFFSET_BITS | _DOCUMENT_END
        if BOUNDS_FIELD not in self.schema:
            return ends
        text = self.schema[BOUNDS_FIELD].to_bytes(token)
        postings = self.cache.get(leaf.reader, BOUNDS_FIELD, text, with_values=True)
        if not len(postings.ids):
            return ends
        found = _gathered(postings, within)
        # Both are sorted: insert each document's closing key after its ends.
        return np.insert(found, np.searchsorted(found, ends, side="right"), ends)

    def _near(
        self,
        leaf: Leaf,
        q: NearQuery,
        within: np.ndarray | None = None,
        *,
        verify: bool = True,
        occurrences: bool = True,
    ) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """(the documents where ``q`` holds, each term's qualifying start keys
        by its folded text; None when only the texts can tell).

        The rule is search/textmatch.py's: a unit number by the ends that
        follow an occurrence (one spanning an end is in no unit); terms of the
        same text need as many distinct occurrences; /N by the gap between
        two distinct occurrences. Without ``occurrences`` (a match needs only
        the documents), the keys are not made: {}.
        """
        near = q.near
        ends = None if near.unit is Unit.CHARS else self._unit_ends(leaf, near.unit)
        folded = [fold(term.text, q.form) for term in near.terms]
        # A common two-character partner (发展 in nearly every document) is
        # not read for the candidates: its whole segment's starts, kept, are
        # searched at the other term's occurrences (see _whole_starts).
        whole = (
            self._whole_partners(leaf, q.subqueries, folded)
            if near.unit is Unit.CHARS or ends is not None
            else [None] * len(q.subqueries)
        )
        # A two-character term's documents come from its posting list alone,
        # its offsets then only for the candidates; a longer term's documents
        # come from its occurrences, found once, the cheapest term first and
        # each later one only in the documents left.
        found_by_sub: list[np.ndarray | None] = list(whole)
        candidates = within
        estimates = [self._estimate(leaf, sub) for sub in q.subqueries]
        read = min(e for e, w in zip(estimates, whole, strict=True) if w is None)
        ranked = sorted(
            # A term searched whole still narrows the candidates when it is
            # in fewer documents than the terms read.
            (
                i
                for i in range(len(q.subqueries))
                if whole[i] is None or estimates[i] < read
            ),
            key=lambda i: (self._tier(q.subqueries[i]), estimates[i]),
        )
        for i in ranked:
            sub = q.subqueries[i]
            if isinstance(sub, wq.Term) and self._is_bigram_field(sub.fieldname):
                candidates = self._docs(leaf, sub, candidates)
            else:
                found = self._term_starts(leaf, sub, candidates)
                if found is None:
                    return self._unindexed(leaf, q, within, verify=verify)
                found_by_sub[i] = found
                candidates = _documents_of(found)
            if not len(candidates):
                return _EMPTY, {}
        if candidates is None:
            return _EMPTY, {}
        starts = [
            self._term_starts(leaf, sub, candidates)
            if found is None
            else found
            if whole[i] is not None or i == ranked[-1]
            else _keys_of(found, candidates)
            for i, (sub, found) in enumerate(
                zip(q.subqueries, found_by_sub, strict=True)
            )
        ]
        # Terms that fold to the same text have the same occurrences.
        groups: dict[str, list] = {}
        for term, key, found in zip(near.terms, folded, starts, strict=True):
            group = groups.setdefault(key, [found, len(term.text), 0])
            group[2] += 1
        unread = frozenset(
            key for key, found in zip(folded, whole, strict=True) if found is not None
        )
        if near.unit is Unit.CHARS:
            return _within_chars(
                near.distance, folded, groups, unread, occurrences=occurrences
            )
        if ends is not None:
            return ends.matching(groups, unread, occurrences=occurrences)
        return self._in_gathered_units(leaf, near.unit, candidates, groups)

    def _whole_partners(
        self, leaf: Leaf, subqueries: Sequence[wq.Query], folded: list[str]
    ) -> list[np.ndarray | None]:
        """For each term of a proximity clause, its _whole_starts() when it is
        searched whole rather than read for the candidates, else None.

        At least one text is read for the candidates (the rarest, when every
        term could be searched whole): its occurrences are in live documents
        of ``within`` only, so the units or distances placed around them are
        too. Terms of the same text are read alike.
        """
        none: list[np.ndarray | None] = [None] * len(subqueries)
        if len(set(folded)) < 2:
            return none
        whole = [self._whole_starts(leaf, sub) for sub in subqueries]
        by_text: dict[str, np.ndarray | None] = {}
        for key, found in zip(folded, whole, strict=True):
            by_text[key] = found if by_text.get(key, found) is not None else None
        if all(found is not None for found in by_text.values()):
            rarest = min(by_text, key=lambda key: len(by_text[key]))
            by_text[rarest] = None
        return [by_text[key] for key in folded]

    def _whole_starts(self, leaf: Leaf, q: wq.Query) -> np.ndarray | None:
        """Start keys of a two-character term in every document of the
        segment (deleted ones too), kept with the postings; None for any other
        term, or one whose keys would take too large a share of the cache.

        A query then searches them at its other term's few occurrences, at a
        cost that follows those, instead of gathering the common term's
        offsets in every candidate (np.repeat over ~30 a document).
        """
        if not (isinstance(q, wq.Term) and self._is_bigram_field(q.fieldname)):
            return None
        reader = leaf.reader
        text = self.schema[q.fieldname].to_bytes(q.text)
        documents, count = term_stats(reader, q.fieldname, text)
        if not documents or 8 * int(count) > self.cache.max_bytes // 8:
            return None

        def make() -> PostingList:
            postings = self.cache.get(reader, q.fieldname, text, with_values=True)
            owner, offsets = postings.offsets()
            keys = (postings.ids[owner] << _OFFSET_BITS) + offsets
            return PostingList(keys, np.empty(0, dtype=np.float32))

        return self.cache.derived(reader, f"\0starts:{q.fieldname}", text, make).ids

    def _unit_ends(self, leaf: Leaf, unit: Unit) -> UnitEnds | None:
        """The segment's sentence or paragraph ends (UnitEnds), read once and
        kept with the postings; None when they would take too large a share of
        the cache to stay there (the candidates' ends are then read each time).
        """
        if BOUNDS_FIELD not in self.schema:
            return UnitEnds.of(_EMPTY, leaf.size)
        token = SENTENCE_TOKEN if unit is Unit.SENTENCE else PARAGRAPH_TOKEN
        text = self.schema[BOUNDS_FIELD].to_bytes(token)
        reader = leaf.reader
        _, count = term_stats(reader, BOUNDS_FIELD, text)
        if UnitEnds.estimated_bytes(int(count)) > self.cache.max_bytes // 8:
            return None

        def make() -> UnitEnds:
            postings = self.cache.get(reader, BOUNDS_FIELD, text, with_values=True)
            return UnitEnds.of(_gathered(postings, postings.ids), leaf.size)

        return self.cache.derived(reader, "\0unit-ends", token, make)

    def _in_gathered_units(
        self, leaf: Leaf, unit: Unit, candidates: np.ndarray, groups: dict[str, list]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """_near's rule on the ends of the candidates, read afresh (to UnitEnds:
        too many for the cache)."""
        bounds = self._bounds(leaf, unit, candidates)
        units: np.ndarray | None = None
        placed = {}
        for key, (found, length, needed) in groups.items():
            first = np.searchsorted(bounds, found)
            last = np.searchsorted(bounds, found + (length - 1))
            inside = first == last
            numbers = first[inside]
            placed[key] = (found[inside], numbers)
            distinct, counts = np.unique(numbers, return_counts=True)
            enough = distinct[counts >= needed]
            units = enough if units is None else intersect(units, enough)
            if not len(units):
                return _EMPTY, {}
        docs = np.unique(bounds[units] >> _OFFSET_BITS)
        keys = {
            key: found[_within(numbers, units)]
            for key, (found, numbers) in placed.items()
        }
        return docs, keys

    def _unindexed(
        self, leaf: Leaf, q: NearQuery, within: np.ndarray | None, *, verify: bool
    ) -> tuple[np.ndarray, None]:
        """_near for a clause with a one-character term: the documents with
        every term, checked on their texts (unchecked when ``verify`` is off)."""
        candidates = self._and(leaf, q.subqueries, within)
        if not verify or not len(candidates):
            return candidates, None
        return self._verified(leaf, q, candidates), None

    def _verified(self, leaf: Leaf, q: NearQuery, candidates: np.ndarray) -> np.ndarray:
        if self.verify is None:
            raise RuntimeError("proximity with a one-character term needs a verifier")
        keep = self.verify(q, candidates + leaf.offset)
        return candidates[np.asarray(keep, dtype=bool)]

    def _numeric_range(
        self, leaf: Leaf, q: wq.NumericRange, within: np.ndarray | None = None
    ) -> np.ndarray:
        fieldobj = self.schema[q.fieldname]
        live = leaf.live() if within is None else within
        chosen = leaf.numbers(q.fieldname)[live]
        # A missing value is the column's default, never inside a range.
        mask = chosen != np.uint64(fieldobj.default)
        if q.start is not None:
            low = np.uint64(fieldobj.to_column_value(q.start))
            mask &= chosen > low if q.startexcl else chosen >= low
        if q.end is not None:
            high = np.uint64(fieldobj.to_column_value(q.end))
            mask &= chosen < high if q.endexcl else chosen <= high
        return live[mask]

    def _whoosh(self, leaf: Leaf, q: wq.Query) -> np.ndarray:
        """Whoosh's own matcher for a node this module does not evaluate."""
        matcher = q.matcher(leaf.searcher)
        found = np.fromiter(matcher.all_ids(), dtype=np.int64)
        return np.unique(found)

    def _field(self, fieldname: str):
        try:
            return self._fields[fieldname]
        except KeyError:
            # Whoosh's Schema has no get(); names() sorts them each time.
            names = self.schema.names()
            found = self.schema[fieldname] if fieldname in names else None
            self._fields[fieldname] = found
            return found

    def _is_bigram_field(self, fieldname: str) -> bool:
        fieldobj = self._field(fieldname)
        return (
            fieldobj is not None
            and isinstance(fieldobj.format, BigramPositions)
            and not isinstance(fieldobj.format, VariantPositions)
        )

    def _is_numeric_column(self, fieldname: str) -> bool:
        fieldobj = self._field(fieldname)
        return (
            isinstance(fieldobj, NUMERIC)
            and fieldobj.column_type is not None
            and fieldobj.default is not None
        )


@dataclass(frozen=True)
class UnitEnds:
    """The sentence (or paragraph) ends of every document of a segment, as
    sorted keys (document << shift) | offset: 4 bytes an end while the
    document numbers and offsets fit in 32 bits together, else 8.

    Kept in the posting cache, so a proximity query places only its terms'
    occurrences, with one search of these keys, instead of reading every
    end of every candidate (about 150 sentence ends a document, against a
    few occurrences of a term).
    """

    keys: np.ndarray
    shift: int

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes

    @staticmethod
    def estimated_bytes(count: int) -> int:
        return 8 * count

    @classmethod
    def of(cls, keys: np.ndarray, size: int) -> UnitEnds:
        """From the sorted (document << 32) + offset keys of every end."""
        docs = keys >> _OFFSET_BITS
        offsets = keys & _DOCUMENT_END
        # One more offset than any end's: a start past the last end of its
        # document is sought as that, below the next document's ends.
        shift = (int(offsets.max()) + 1 if len(offsets) else 0).bit_length()
        narrow = shift + max(size - 1, 0).bit_length() <= 32
        dtype = np.uint32 if narrow else np.int64
        return cls(((docs << shift) | offsets).astype(dtype), shift)

    def place(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For sorted start keys ((document << 32) + offset): (where each
        one's unit ends in ``self.keys``, so that equal (document, place)
        is one unit; the unit's first offset; its end's offset, _DOCUMENT_END
        for the text after a document's last end)."""
        docs = keys >> _OFFSET_BITS
        cap = (1 << self.shift) - 1
        sought = (docs << self.shift) | np.minimum(keys & _DOCUMENT_END, cap)
        # The same dtype on both sides: no copy of the keys on each search.
        at = np.searchsorted(self.keys, sought.astype(self.keys.dtype))
        if not len(self.keys):
            return at, np.zeros(len(keys), np.int64), np.full(len(keys), _DOCUMENT_END)
        last = len(self.keys) - 1
        following = self.keys[np.minimum(at, last)].astype(np.int64)
        has_end = (at <= last) & (following >> self.shift == docs)
        end = np.where(has_end, following & cap, _DOCUMENT_END)
        before = self.keys[np.maximum(at - 1, 0)].astype(np.int64)
        has_start = (at > 0) & (before >> self.shift == docs)
        first = np.where(has_start, (before & cap) + 1, 0)
        return at, first, end

    def matching(
        self,
        groups: dict[str, list],
        unread: frozenset[str] = frozenset(),
        *,
        occurrences: bool = True,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Matcher._near's answer for sentence or paragraph units.

        ``groups`` maps each distinct term to [its start keys (sorted), its
        length, how many distinct occurrences a unit needs]. An occurrence
        at p of length L is in the unit whose end e is the first at or after
        p when e >= p + L - 1 (one spanning an end is in no unit), that is
        when first <= p <= e - L + 1 for the unit's first offset. The term
        with the fewest occurrences is placed; the others are counted in its
        units' spans with two searches of their sorted keys. The terms in
        ``unread`` hold every start of the segment (Matcher._whole_starts):
        never placed, only searched within the others' units.
        """
        pivot = min(
            (key for key in groups if key not in unread),
            key=lambda key: len(groups[key][0]),
        )
        found, length, needed = groups[pivot]
        at, first, end = self.place(found)
        inside = end >= (found & _DOCUMENT_END) + (length - 1)
        placed = found[inside]
        if not len(placed):
            return _EMPTY, {}
        docs, at, first, end = (
            placed >> _OFFSET_BITS,
            at[inside],
            first[inside],
            end[inside],
        )
        # The keys are sorted, so each unit's occurrences are one run.
        heads = np.flatnonzero(
            np.concatenate(([True], (docs[1:] != docs[:-1]) | (at[1:] != at[:-1])))
        )
        runs = np.diff(np.append(heads, len(placed)))
        ok = runs >= needed
        base = docs[heads] << _OFFSET_BITS
        low = base + first[heads]
        spans = {}
        for key, (others, other_length, other_needed) in groups.items():
            if key == pivot:
                continue
            high = base + end[heads] - (other_length - 1)
            begin = np.searchsorted(others, low, side="left")
            if other_needed == 1 and not occurrences:
                # One is enough: the first at or after the unit's start is in
                # it (one search of a common term's keys, not two).
                if not len(others):
                    return _EMPTY, {}
                next_one = others[np.minimum(begin, len(others) - 1)]
                ok &= (begin < len(others)) & (next_one <= high)
                continue
            stop = np.maximum(np.searchsorted(others, high, side="right"), begin)
            ok &= stop - begin >= other_needed
            spans[key] = (begin, stop)
        if not ok.any():
            return _EMPTY, {}
        if not occurrences:
            return _documents_of(base[ok]), {}
        keys = {pivot: placed[np.repeat(ok, runs)]}
        for key, (begin, stop) in spans.items():
            # The units are disjoint and in order: so are their runs of keys.
            keys[key] = groups[key][0][_runs(begin[ok], stop[ok])]
        return _documents_of(base[ok]), keys


def _within_chars(
    distance: int,
    folded: list[str],
    groups: dict[str, list],
    unread: frozenset[str] = frozenset(),
    *,
    occurrences: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A /N B: occurrences with a distinct other within ``distance`` chars.

    The gap max(b.start - a.end, a.start - b.end) is at most N exactly when
    b starts in [a.start - len(b) - N, a.end + N]. A term in ``unread`` holds
    every start of the segment (Matcher._whole_starts): the other term's
    occurrences are checked against it, and its qualifying ones are those in
    the windows of the other's.
    """
    first, second = folded
    same = first == second
    x_key, y_key = (second, first) if first in unread else (first, second)
    x, x_length, _ = groups[x_key]
    y, y_length, _ = groups[y_key]

    def qualifying(x, x_length, y, y_length) -> np.ndarray:  # noqa: ANN001
        low = np.searchsorted(y, x - (y_length + distance), side="left")
        high = np.searchsorted(y, x + (x_length + distance), side="right")
        # The occurrence itself is not a second one.
        return (high - low - (1 if same else 0)) > 0

    x_ok = x[qualifying(x, x_length, y, y_length)]
    if not len(x_ok):
        return _EMPTY, {}
    docs = _documents_of(x_ok)
    if not occurrences:
        return docs, {}
    if same:
        y_ok = x_ok
    elif y_key in unread:
        low = np.searchsorted(y, x_ok - (y_length + distance), side="left")
        high = np.searchsorted(y, x_ok + (x_length + distance), side="right")
        # Both rise with x_ok: start each window past the one before.
        low[1:] = np.maximum(low[1:], high[:-1])
        y_ok = y[_runs(low, np.maximum(high, low))]
    else:
        y_ok = y[qualifying(y, y_length, x, x_length)]
    return docs, {x_key: x_ok, y_key: y_ok}


def _runs(begin: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """The indexes in [begin, stop) of each run, in order (runs disjoint)."""
    sizes = stop - begin
    total = int(sizes.sum())
    if not total:
        return _EMPTY
    return np.repeat(begin - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)


def _restricted(found: np.ndarray, within: np.ndarray | None) -> np.ndarray:
    return found if within is None else intersect(found, within)


def _within(values: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """A mask of ``values`` that are in sorted unique ``chosen`` (np.isin sorts)."""
    if not len(chosen):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(chosen, values)
    at[at == len(chosen)] = len(chosen) - 1
    return chosen[at] == values


def _keys_of(keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """The sorted (document << 32) + offset ``keys`` of the sorted, unique
    ``docs``. A few documents (those with a variant character, a filter's)
    among a common term's 100,000 starts: two binary searches a document
    find their runs, where a mask would search once for every key."""
    if not len(keys) or not len(docs):
        return _EMPTY
    if len(docs) * 8 >= len(keys):
        return keys[_within(keys >> _OFFSET_BITS, docs)]
    docs = docs.astype(np.int64, copy=False)
    low = np.searchsorted(keys, docs << _OFFSET_BITS)
    high = np.searchsorted(keys, (docs + 1) << _OFFSET_BITS)
    sizes = high - low
    total = int(sizes.sum())
    if not total:
        return _EMPTY
    # Each run's first index, then +1 along it.
    index = np.repeat(low - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)
    return keys[index]


def _documents_of(keys: np.ndarray) -> np.ndarray:
    """The distinct documents of sorted (document << 32) + offset keys."""
    docs = keys >> _OFFSET_BITS
    if not len(docs):
        return docs
    return docs[np.concatenate(([True], docs[1:] != docs[:-1]))]


def _gathered(postings: PostingList, within: np.ndarray) -> np.ndarray:
    """(document << 32) + offset of a posting list's offsets in ``within``.

    Reads only those documents' offsets: the sentence ends of a 50,000-document
    segment are millions, the candidates of a proximity query a few hundred.
    """
    ids = postings.ids
    at = np.searchsorted(ids, within)
    at[at == len(ids)] = max(len(ids) - 1, 0)
    chosen = at[ids[at] == within]
    counts = postings.counts
    firsts = np.cumsum(counts) - counts
    sizes = counts[chosen]
    total = int(sizes.sum())
    if not total:
        return _EMPTY
    # Each chosen posting's run of offsets: its first index, then +1 each.
    steps = np.repeat(firsts[chosen] - (np.cumsum(sizes) - sizes), sizes)
    index = steps + np.arange(total)
    offsets = postings.positions[index].astype(np.int64)
    return (np.repeat(ids[chosen], sizes) << _OFFSET_BITS) + offsets


def _starts(postings: PostingList, candidates: np.ndarray, place: int) -> np.ndarray:
    """(document << 32) + (offset - place) of a bigram in the candidate documents."""
    return _gathered(postings, candidates) - place
