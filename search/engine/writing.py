"""Incremental writes: the write lock, updates and deletions in one commit, folding.

Whoosh allows one writer at a time. Every incremental write waits for the
lock (IndexBusy after its ``wait``) and only then reads documents from the
database, so the last writer to commit always writes what the database
holds. Writing needs a sound index of this schema: adding to a damaged one
would carry the damage into merged segments (IndexDamaged; a rebuild, which
never reads the old index, repairs it). Each commit folds the small segments
that are due (search/engine/folding.py) into its new segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from haystack.constants import DJANGO_ID
from haystack.constants import ID as UNIQUE_ID
from whoosh.index import FileIndex, LockError
from whoosh.reading import SegmentReader

from search.engine.folder import IndexFolder, translated
from search.engine.folding import drop_empty_segments, segments_to_fold
from search.engine.integrity import STORAGE_ERRORS, file_damage
from search.engine.writer import BulkSegmentWriter
from search.errors import OUTDATED, IndexBusy, IndexDamaged, IndexMissing, IndexOutdated

# A writer waits for the lock, polling at this interval, up to the ``wait``
# its caller gives (settings.SEARCH_WRITE_WAIT).
LOCK_POLL_SECONDS = 0.1
BUSY = "the search index is being written by another process"

# One object's index document (None: skip it), and adding one to a writer.
Prepare = Callable[[Any], "dict[str, Any] | None"]
Add = Callable[[BulkSegmentWriter, "dict[str, Any]"], None]
# Ids -> batches of objects, read from the database.
Reload = Callable[[list[int]], Iterable[Iterable]]


def write_wait(wait: float | None) -> float:
    """Seconds to wait for the write lock: ``wait``, else settings.SEARCH_WRITE_WAIT."""
    if wait is not None:
        return wait
    return float(getattr(settings, "SEARCH_WRITE_WAIT", 600))


def open_writer(
    folder: IndexFolder, wait: float | None
) -> tuple[FileIndex, BulkSegmentWriter]:
    """(the index, a writer) once its write lock is free; IndexBusy after ``wait`` s."""
    try:
        index = folder.open()
    except IndexMissing:
        # haystack's API writes the documents it is given into a new index
        # (search.services rebuilds instead, so that none is left out).
        index = folder.create()
    # Adding to an index of another schema would mix posting formats.
    if folder.needs_rebuild():
        raise IndexOutdated(OUTDATED)
    problem = file_damage(Path(folder.path), folder.segments(index))
    if problem:
        raise IndexDamaged(problem)
    try:
        with translated(STORAGE_ERRORS, "the index cannot be opened to write"):
            writer = BulkSegmentWriter(
                index, timeout=write_wait(wait), delay=LOCK_POLL_SECONDS
            )
    except LockError as error:
        raise IndexBusy(BUSY) from error
    return index, writer


def update_batches(
    writer: BulkSegmentWriter,
    batches: Iterable[Iterable],
    *,
    prepare: Prepare,
    add: Add,
    reload: Reload,
    fold_limit: int | None,
) -> None:
    """(Re)index every object of every batch, then fold; the caller commits.

    haystack's update() calls Whoosh's update_document, which opens a new
    searcher for every document. Here each batch looks its ids up with one
    searcher, deletes them, then adds: the same documents end up in the
    index, in one commit (one new segment).
    """
    for batch in batches:
        docs = [d for d in (prepare(obj) for obj in batch) if d]
        if not docs:
            continue
        # Like update_document, this sees committed documents only.
        with writer.searcher() as searcher:
            for doc in docs:
                docnum = searcher.document_number(**{UNIQUE_ID: doc[UNIQUE_ID]})
                if docnum is not None:
                    writer.delete_document(docnum)
        for doc in docs:
            add(writer, doc)
    fold(writer, prepare=prepare, add=add, reload=reload, limit=fold_limit)


def folds_due(index: FileIndex, folder: IndexFolder) -> bool:
    """Whether the committed index has small segments due to be folded."""
    sizes = [segment.doc_count() for segment in folder.segments(index)]
    return bool(segments_to_fold(sizes, 0))


def fold(
    writer: BulkSegmentWriter,
    *,
    prepare: Prepare,
    add: Add,
    reload: Reload,
    limit: int | None,
) -> int:
    """Re-index the due small segments' documents into the writer's segment.

    Their rows are read now, under the lock, so a folded document is
    written as the database holds it (one deleted since is dropped).
    """
    segments = writer.segments
    chosen = segments_to_fold(
        [segment.doc_count() for segment in segments], writer.docnum, limit=limit
    )
    ids: list[int] = []
    for position in chosen:
        segment = segments[position]
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            live = list(reader.iter_docs())
        finally:
            reader.close()
        for docnum, stored in live:
            ids.append(int(stored[DJANGO_ID]))
            segment.delete_document(docnum)
    if ids:
        for batch in reload(sorted(ids)):
            for obj in batch:
                doc = prepare(obj)
                if doc:
                    add(writer, doc)
    return len(ids)


def commit(writer: BulkSegmentWriter, work: Callable[[], Any]) -> Any:
    """Run ``work`` with ``writer``, then commit (cancel if it fails); its result."""
    try:
        result = work()
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=drop_empty_segments)
    return result


def delete_by_term(
    writer: BulkSegmentWriter, fieldname: str, values: Iterable[str]
) -> None:
    """Delete every document whose ``fieldname`` is one of ``values``, then commit."""
    commit(
        writer,
        lambda: [writer.delete_by_term(fieldname, value) for value in values],
    )
