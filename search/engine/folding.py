"""Which small segments an incremental commit folds into its new segment.

Every import and admin edit commits a new segment. Left alone they pile up and
every search reads each of them; merged naively (all small segments whenever
there are a few), each commit rewrites every recently added document again, and
Whoosh's posting-by-posting merge took ~150 ms a document: an admin save on the
83-document sample archive took 13 s every fourth time.

Here segments of similar size are folded together FOLD_FACTOR at a time, as a
log-structured merge does: a document is rewritten about log4(SMALL_SEGMENT_DOCS)
≈ 5 times in all, most commits fold nothing or a few documents, and at most
(FOLD_FACTOR - 1) small segments of each size level stay behind. Folding
re-indexes the segments' documents from the database with the bulk writer
(~15 ms a document) rather than merging postings; segments of
SMALL_SEGMENT_DOCS or more (a rebuild's) are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

SMALL_SEGMENT_DOCS = 1000
FOLD_FACTOR = 4


def size_level(docs: int) -> int:
    """The size level of a segment: 0 for 1-3 documents, 1 for 4-15, 2 for 16-63 ..."""
    level = 0
    while docs >= FOLD_FACTOR:
        docs //= FOLD_FACTOR
        level += 1
    return level


def segments_to_fold(
    sizes: Sequence[int], new_docs: int, *, limit: int | None = None
) -> list[int]:
    """Positions of the segments a commit should fold into its new segment.

    ``sizes`` are the live documents of the index's segments, ``new_docs`` the
    documents the commit adds. A size level is folded once it holds
    FOLD_FACTOR segments, the new one included; the grown new segment may then
    complete the next level. ``limit`` caps the documents folded in, which are
    re-indexed (an admin save leaves larger folds to a background writer).
    """
    chosen: set[int] = set()
    total = new_docs
    while True:
        levels: dict[int, list[int | None]] = {}
        for position, size in enumerate(sizes):
            if position not in chosen and 0 < size < SMALL_SEGMENT_DOCS:
                levels.setdefault(size_level(size), []).append(position)
        if total:
            levels.setdefault(size_level(total), []).append(None)
        for level in sorted(levels):
            members = [p for p in levels[level] if p is not None]
            if len(levels[level]) < FOLD_FACTOR or not members:
                continue
            grown = total + sum(sizes[p] for p in members)
            if limit is not None and grown - new_docs > limit:
                continue
            chosen.update(members)
            total = grown
            break
        else:
            return sorted(chosen)


def drop_empty_segments(writer, segments: list) -> list:  # noqa: ANN001
    """A Whoosh merge policy: keep every segment that still has a live document.

    No postings are merged (folded segments were re-indexed into the new one
    and their documents deleted, so they go here).
    """
    return [segment for segment in segments if segment.doc_count() > 0]
