"""A full rebuild: segments written in parallel into a new folder, swapped in whole.

The new index is built in a folder of its own beside the live one and
swapped in by renaming, so the old index is never read: damaged, missing or
of another schema, it does not matter. The live folder's write lock is held
throughout, so no other writer commits into the index being replaced, and
searches see the old index until the swap.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from django.db import connections as db_connections
from haystack.exceptions import SearchBackendError
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.util.filelock import try_for

from search.engine import whoosh_internals as internals
from search.engine.folder import IndexFolder
from search.engine.reading import Searchers
from search.engine.schema import INDEX_NAME, write_version
from search.engine.writer import BulkSegmentWriter
from search.engine.writing import BUSY, LOCK_POLL_SECONDS, Add, Prepare, write_wait
from search.errors import IndexBusy


def swap_in(building: Path, live: Path) -> Path:
    """Put ``building`` in place of ``live`` by renaming; returns where the old went.

    Two renames (a directory cannot replace a non-empty one in one): a reader
    between them finds no index and waits briefly for one (MISSING_ATTEMPTS).
    """
    while True:
        old = live.with_name(f"{live.name}.old-{uuid.uuid4().hex[:12]}")
        with contextlib.suppress(FileNotFoundError):
            live.rename(old)
        try:
            building.rename(live)
        except OSError:
            # Something made the folder again between the renames: move it
            # aside too (it holds no committed index: we hold the lock).
            if live.exists():
                continue
            raise
        return old


def in_transaction() -> bool:
    """Whether a caller holds an open transaction on any database connection.

    Forked workers would read through their own connections, which cannot see
    rows that transaction has not committed, so the rebuild stays in-process.
    """
    return any(
        conn.in_atomic_block for conn in db_connections.all(initialized_only=True)
    )


def _run_in_child(worker: Callable[[Any], list], part: Any) -> list:
    """Run a rebuild worker in a forked process, closing the connections it opened."""
    try:
        return worker(part)
    finally:
        db_connections.close_all()


class Rebuilder:
    """Rebuilds of the index in ``folder``; ``target`` is the one being built.

    ``searchers`` are the backend's: closed before forking, and told when the
    folder has been replaced.
    """

    def __init__(self, folder: IndexFolder, searchers: Searchers) -> None:
        self.folder = folder
        self.searchers = searchers
        self.target: FileIndex | None = None

    def rebuild(
        self,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
        keep_old: Path | None = None,
    ) -> int:
        """Replace the index with the segments ``worker`` writes for each part.

        The old folder is then deleted, or moved to ``keep_old`` (a damaged
        index kept for diagnosis). With ``procs`` > 1 the parts are written
        by that many forked processes (analysis and posting writing are
        CPU-bound Python); each worker returns its segments. The count of
        documents committed is checked against the workers' total.
        """
        live = Path(self.folder.path)
        live.mkdir(parents=True, exist_ok=True)
        lock = FileStorage(str(live)).lock(f"{INDEX_NAME}_WRITELOCK")
        if not try_for(lock.acquire, timeout=write_wait(wait), delay=LOCK_POLL_SECONDS):
            raise IndexBusy(BUSY)
        try:
            # What a rebuild killed before its swap left behind.
            for leftover in live.parent.glob(f"{live.name}.new-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            building = live.with_name(f"{live.name}.new-{uuid.uuid4().hex[:12]}")
            try:
                indexed, expected = self._build(building, parts, worker, procs=procs)
                if indexed != expected:
                    raise SearchBackendError(
                        f"rebuilding lost documents: {indexed} of {expected} indexed"
                    )
                old = swap_in(building, live)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
        finally:
            # Writers waiting for the lock open it by path: they now get the
            # new folder's.
            lock.release()
        self.searchers.replaced()
        if keep_old is not None:
            keep_old.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(keep_old, ignore_errors=True)
            # A copy when the quarantine is on another file system.
            shutil.move(old, keep_old)
        else:
            shutil.rmtree(old, ignore_errors=True)
        return indexed

    def _build(
        self,
        folder: Path,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
    ) -> tuple[int, int]:
        """A whole index in a new ``folder``: (documents in it, documents written)."""
        storage = FileStorage(str(folder)).create()
        write_version(folder)
        target = storage.create_index(self.folder.schema, indexname=INDEX_NAME)
        writer = BulkSegmentWriter(target, timeout=0)
        self.target = target
        try:
            if procs > 1 and len(parts) > 1 and not in_transaction():
                # Forked children must open their own database connections:
                # a socket shared with the parent dies when either closes it.
                db_connections.close_all()
                self.searchers.close()
                # Not multiprocessing.Pool: its map waits forever for a worker
                # the kernel killed (out of memory); an executor raises.
                with ProcessPoolExecutor(
                    max_workers=min(procs, len(parts)),
                    mp_context=multiprocessing.get_context("fork"),
                ) as pool:
                    try:
                        results = list(
                            pool.map(functools.partial(_run_in_child, worker), parts)
                        )
                    except BrokenProcessPool as error:
                        raise SearchBackendError(
                            "a rebuild worker died (killed, or out of memory: "
                            "lower PLANSITE_SEARCH_SEGMENT_MB or "
                            "PLANSITE_INDEX_PROCS); the index was left as it was"
                        ) from error
            else:
                results = [worker(part) for part in parts]
            segments = [segment for result in results for segment in result]
            internals.close_segment(writer)
            internals.commit_toc(writer, segments)
        except BaseException:
            writer.cancel()
            raise
        finally:
            self.target = None
        internals.finish(writer)
        built = FileIndex(storage, self.folder.schema, indexname=INDEX_NAME)
        expected = sum(segment.doc_count() for segment in segments)
        return built.doc_count(), expected

    def write_segments(
        self,
        batches: Iterable[Iterable],
        *,
        segment_docs: int,
        segment_bytes: int,
        prepare: Prepare,
        add: Add,
    ) -> list:
        """New segments holding every object, without the lock (see rebuild()).

        They are written into the folder the running rebuild builds. A
        segment is closed at ``segment_docs`` documents or once its buffered
        postings take ``segment_bytes``, whichever comes first: the bytes
        bound the worker's memory whatever the documents' lengths, and fewer,
        larger segments cost a search less than many small ones.
        """
        target = self.target
        if target is None:
            raise SearchBackendError("write_segments() runs inside rebuild()")
        segments = []
        writer = None
        try:
            for batch in batches:
                for obj in batch:
                    doc = prepare(obj)
                    if not doc:
                        continue
                    if writer is None:
                        writer = BulkSegmentWriter(target, _lk=False)
                    add(writer, doc)
                    if (
                        writer.doc_count() >= segment_docs
                        or writer.pool.nbytes >= segment_bytes
                    ):
                        segments.append(internals.finalize_segment(writer))
                        writer = None
            if writer is not None:
                segments.append(internals.finalize_segment(writer))
                writer = None
        finally:
            if writer is not None:
                internals.close_segment(writer)
        return segments
