"""The fold policy alone: which small segments a commit re-indexes into its own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.engine.folding import (
    FOLD_FACTOR,
    SMALL_SEGMENT_DOCS,
    segments_to_fold,
    size_level,
)

LEVELS = size_level(SMALL_SEGMENT_DOCS - 1) + 1


def test_size_levels_grow_by_the_fold_factor():
    assert [size_level(n) for n in (1, 3, 4, 15, 16, 63, 64, 999)] == [
        0, 0, 1, 1, 2, 2, 3, 4,
    ]  # fmt: skip


def test_a_level_is_folded_when_the_new_segment_makes_it_full():
    assert segments_to_fold([1, 1], 1) == []
    assert segments_to_fold([1, 1, 1], 1) == [0, 1, 2]
    # The grown segment (4) completes the next level too: a cascade.
    assert segments_to_fold([5, 1, 6, 1, 7, 1], 1) == [0, 1, 2, 3, 4, 5]


def test_large_and_empty_segments_are_never_folded():
    assert segments_to_fold([5000, 5000, 5000, 5000], 1) == []
    assert segments_to_fold([0, 0, 0, 1], 1) == []
    assert segments_to_fold([SMALL_SEGMENT_DOCS] * 3, SMALL_SEGMENT_DOCS) == []


def test_a_full_level_is_folded_even_without_new_documents():
    assert segments_to_fold([2, 1, 3, 1], 0) == [0, 1, 2, 3]
    assert segments_to_fold([2, 1, 3], 0) == []


def test_the_limit_caps_the_documents_refolded():
    assert segments_to_fold([1, 1, 1], 1, limit=2) == []
    assert segments_to_fold([1, 1, 1], 1, limit=3) == [0, 1, 2]
    # The cascade stops where the next level would pass the limit.
    assert segments_to_fold([5, 6, 7, 1, 1, 1], 1, limit=10) == [3, 4, 5]


@settings(max_examples=200, deadline=None)
@given(
    commits=st.lists(
        st.tuples(st.integers(1, 300), st.integers(0, 3)), min_size=1, max_size=120
    ),
    deletions=st.booleans(),
)
def test_commits_leave_few_segments_and_rewrite_a_document_a_few_times(
    commits, deletions
):
    """Simulate an index: each commit adds documents, maybe deletes some, folds.

    Afterwards no size level holds FOLD_FACTOR small segments and, where
    nothing was deleted (a shrunken segment may drop a level), no document was
    re-indexed more often than there are levels.
    """
    segments: list[list[int]] = []  # each segment: the live documents' ids
    rewrites: dict[int, int] = {}
    next_id = 0
    for added, deleted in commits:
        for segment in segments:
            del segment[: deleted if deletions else 0]
        new = list(range(next_id, next_id + added))
        next_id += added
        chosen = segments_to_fold([len(s) for s in segments], added)
        for position in chosen:
            for doc in segments[position]:
                rewrites[doc] = rewrites.get(doc, 0) + 1
                new.append(doc)
        segments = [s for i, s in enumerate(segments) if i not in chosen and s]
        segments.append(new)
        small = [len(s) for s in segments if 0 < len(s) < SMALL_SEGMENT_DOCS]
        for level in range(LEVELS):
            assert sum(size_level(n) == level for n in small) < FOLD_FACTOR
        assert segments_to_fold([len(s) for s in segments], 0) == []
    if not deletions:
        assert max(rewrites.values(), default=0) <= LEVELS
