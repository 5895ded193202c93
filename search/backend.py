"""haystack's Whoosh backend, made exact and fast for Chinese text at archive scale.

- One searcher per backend (haystack keeps one backend per thread), refreshed
  when the index changes, instead of an index and a searcher per query.
- Schema: jieba words (frequencies, for BM25), character bigrams at their
  offsets (exact matching), characters (one-character terms); plain strings
  are untokenised, sortable ID fields, so filters and facets see exact names.
- Writing: every writer waits for Whoosh's one write lock, buffers postings per
  term (search/engine/writer.py), and a rebuild writes its segments in
  parallel processes into a new folder, swapped in whole by renaming: it
  never reads the old index.
- Damage: the index is opened in one place (_open, _open_searcher), which
  checks the files against their checksums (search/engine/integrity.py);
  whatever reading damaged storage raises becomes IndexDamaged (a 503 page,
  search/middleware.py), logged once, never a 500. Reading never creates an
  index: a lost one must not answer every search with nothing.
- Searching: queries are evaluated with arrays (search/engine/matching.py):
  the exact set of matches, its count, facets, order and page, without
  Whoosh's one-document-at-a-time collector. Ranking is BM25 over the jieba
  words of the required terms; sorting by a date keeps undated documents last.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections as db_connections
from django.utils.encoding import force_str
from haystack.backends import log_query
from haystack.backends.whoosh_backend import (
    WhooshEngine,
    WhooshSearchBackend,
    WhooshSearchQuery,
)
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.constants import ID as UNIQUE_ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import query as wq
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import TOC, FileIndex, LockError
from whoosh.qparser import FuzzyTermPlugin, QueryParser
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for

from search.analyzers import (
    BigramPositions,
    BigramTokenizer,
    CharCounts,
    CharTokenizer,
    JiebaTokenizer,
    WordCounts,
)
from search.engine import mapped
from search.engine.expansion import FrequencyCache, key_terms
from search.engine.folding import drop_empty_segments, segments_to_fold
from search.engine.integrity import (
    STORAGE_ERRORS,
    TOC_ERRORS,
    file_damage,
    read_damage,
    segment_files,
    unvouched_segments,
)
from search.engine.matching import Matcher
from search.engine.postings import PostingCache
from search.engine.writer import BulkSegmentWriter
from search.errors import IndexBusy, IndexDamaged, IndexMissing, IndexOutdated
from search.query import CHAR_FIELD, EXACT_FIELD, term_query
from search.search_indexes import rows_by_id

logger = logging.getLogger(__name__)

# Whoosh copied each memory-mapped segment file whole into memory on opening.
mapped.apply()

MATCH_ALL = "*"
# haystack's Whoosh backend keeps its index under Whoosh's default name.
INDEX_NAME = "MAIN"
# A reader that finds no index waits this many TOC_RETRY_SECONDS for one: a
# rebuild swaps in its new folder with two renames.
MISSING_ATTEMPTS = 5
# Damage is logged once per process and state of the folder.
_LOGGED: set[tuple] = set()
_LOGGED_LOCK = threading.Lock()
# Whoosh allows one writer at a time. A writer waits for the lock, polling at
# this interval, up to the ``wait`` its caller gives (settings.SEARCH_WRITE_WAIT).
LOCK_POLL_SECONDS = 0.1
BUSY = "the search index is being written by another process"
OUTDATED = (
    "the search index was written for another schema; run manage.py rebuild_index"
)
# Reading a generation's table of contents races with a writer in another
# process, which removes the old generation's file when it commits. Whoosh's
# own reader() retries for that; every other read of the TOC here does too.
TOC_READ_ATTEMPTS = 20
TOC_RETRY_SECONDS = 0.05
# Decoded posting lists kept in memory per process (search/engine/postings.py),
# and a quarter as much again for word frequencies (about 150 bytes each).
_CACHE_BYTES = int(getattr(settings, "SEARCH_CACHE_MB", 256)) << 20
_POSTINGS = PostingCache(max_bytes=_CACHE_BYTES)
_FREQUENCIES = FrequencyCache(max_entries=_CACHE_BYTES // 4 // 150)


def _everything(q: wq.Query) -> wq.Query:
    # The parser reads "*" as Every(<default field>), which skips documents
    # with no terms in that field; the match-all must not depend on a field.
    return wq.Every() if isinstance(q, wq.Every) else q


def _day(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])


def _reading_toc(read: Callable[[], Any]) -> Any:
    """``read()``, tried again while the generation it listed is being replaced."""
    for _ in range(TOC_READ_ATTEMPTS - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(TOC_RETRY_SECONDS)
    return read()


@contextlib.contextmanager
def _translated(errors: tuple[type[BaseException], ...], what: str) -> Iterator[None]:
    """``errors`` raised in the block become IndexDamaged(what: the error)."""
    try:
        yield
    except IndexDamaged:
        raise
    except errors as error:
        raise IndexDamaged(f"{what} ({type(error).__name__}: {error})") from error


def _swap_in(building: Path, live: Path) -> Path:
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


def _in_transaction() -> bool:
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


class PlansiteWhooshBackend(WhooshSearchBackend):
    """Whoosh backend for plansite (see the module docstring)."""

    def __init__(self, connection_alias: str, **connection_options: Any) -> None:
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._matcher: Matcher | None = None
        self._searcher_lock = threading.Lock()
        # (size, mtime, inode) of every file the open searcher reads: a change
        # while the process runs (a file overwritten, cut or deleted) is seen
        # by the next search, before it reads the file.
        self._searcher_files: dict[str, tuple[int, int, int]] = {}
        # (the folder's state, the error) of the damage last found: while the
        # folder stays as it was, searches answer at once, without a new try.
        self._damage: tuple[tuple, IndexDamaged] | None = None
        # The folder a rebuild's workers write their segments into.
        self._building: FileIndex | None = None
        self._in_memory = False
        self.include_spelling = False
        self.index = None

    def setup(self) -> None:
        """Storage, schema and parser; the index itself is opened by _open().

        Unlike haystack's setup() this never creates an index: a lost index
        read as a new, empty one would answer every search with nothing.
        """
        from haystack import connections

        self._close_searcher()
        if not self.use_file_storage:
            super().setup()
            return
        self.storage = FileStorage(self.path)
        self.content_field_name, self.schema = self.build_schema(
            connections[self.connection_alias].get_unified_index().all_searchfields()
        )
        self.parser = QueryParser(self.content_field_name, schema=self.schema)
        self.parser.add_plugins([FuzzyTermPlugin])
        self.index = None
        self.setup_complete = True
        # Callers of haystack's API read backend.index; searches and writes
        # open it again through _open().
        if self._has_toc():
            with contextlib.suppress(Exception):
                self.index = FileIndex(self.storage, self.schema, indexname=INDEX_NAME)

    # -- opening and checking the index on disk ----------------------------------

    def _open(self) -> FileIndex:
        """The committed index, its table of contents read; the one place it is opened.

        IndexMissing when there is none (after a short wait: a rebuild swaps
        folders by two renames), IndexDamaged when its TOC cannot be read.
        """
        if not self.setup_complete:
            self.setup()
        if not self.use_file_storage:
            return self.index
        for _ in range(MISSING_ATTEMPTS - 1):
            if self._has_toc():
                break
            time.sleep(TOC_RETRY_SECONDS)
        if not self._has_toc():
            raise IndexMissing("there is no index on disk")
        with _translated(TOC_ERRORS, "the table of contents cannot be read"):
            index = _reading_toc(
                lambda: FileIndex(self.storage, self.schema, indexname=INDEX_NAME)
            )
        self.index = index
        return index

    def _has_toc(self) -> bool:
        try:
            return TOC._latest_generation(self.storage, INDEX_NAME) >= 0
        except OSError:
            return False

    def _has_documents(self) -> bool:
        """Whether the database holds any document of an indexed model."""
        from haystack import connections

        unified = connections[self.connection_alias].get_unified_index()
        return any(
            model._default_manager.exists() for model in unified.get_indexed_models()
        )

    def _folder_state(self) -> tuple:
        """Every file of the index folder with its size, mtime and inode."""
        try:
            folder = Path(self.path).stat()
            entries = list(os.scandir(self.path))
        except OSError:
            return ()
        state = [("", 0, 0, folder.st_ino)]
        for entry in entries:
            try:
                stat = entry.stat()
            except OSError:
                continue
            state.append((entry.name, stat.st_size, stat.st_mtime_ns, stat.st_ino))
        return tuple(sorted(state))

    def _record_damage(self, error: IndexDamaged, state: tuple) -> None:
        """Remember the damage for this folder state; log it once per process."""
        self._close_searcher()
        self._damage = (state, error)
        key = (self.path, state)
        with _LOGGED_LOCK:
            if key in _LOGGED:
                return
            _LOGGED.add(key)
        logger.error(
            "search index at %s is damaged: %s; search pages answer 503 until "
            "`manage.py check_index --repair` rebuilds it",
            self.path,
            error.reason,
        )

    def unchecked_segments(self) -> int:
        """Segments written before checksums (check_index reads them less fully)."""
        try:
            self._open()
            return unvouched_segments(self.storage, INDEX_NAME)
        except (IndexDamaged, *TOC_ERRORS):
            return 0

    def index_missing(self) -> bool:
        """Whether there is no index on disk at all (never built, or lost)."""
        try:
            self._open()
        except IndexMissing:
            return True
        except IndexDamaged:
            return False
        return False

    def index_problem(self) -> str | None:
        """Why the index cannot answer searches now, or None (for /healthz)."""
        try:
            self._current()
        except IndexDamaged as error:
            return error.reason
        except IndexOutdated:
            return "written for another schema"
        return None

    def index_damage(self, *, full: bool) -> str | None:
        """What is wrong with the index on disk, or None; reads it afresh.

        ``full`` reads every byte (check_index); otherwise the files are
        checked against their sizes and checksums as a search would.
        """
        try:
            index = self._open()
        except IndexMissing:
            if self._has_documents():
                return "there is no index on disk"
            return None
        except IndexDamaged as error:
            return error.reason
        if full:
            return read_damage(self.storage, INDEX_NAME, self.schema)
        try:
            with _translated(TOC_ERRORS, "the table of contents cannot be read"):
                segments = index._read_toc().segments
            return file_damage(Path(self.path), segments)
        except IndexDamaged as error:
            return error.reason

    def _close_searcher(self) -> None:
        searcher, self._searcher = getattr(self, "_searcher", None), None
        self._matcher = None
        self._searcher_files = {}
        self._in_memory = False
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()

    def searcher(self):
        """The current searcher, refreshed if a writer has committed since."""
        return self._current()[0]

    def _current(self) -> tuple[Any, Matcher]:
        """The searcher and matcher over the committed index.

        IndexDamaged (503) when the index cannot be read; while the folder
        stays as it was when that was found, at once and without logging again.
        """
        if not self.setup_complete:
            self.setup()
        with self._searcher_lock:
            if self._damage is not None:
                state = self._folder_state()
                if state == self._damage[0]:
                    raise self._damage[1]
                self._damage = None
            if self._searcher is None or not self._searcher_sound():
                state = self._folder_state()
                try:
                    self._open_searcher()
                except IndexDamaged as error:
                    self._record_damage(error, state)
                    raise
            if self._matcher is None or self._matcher.searcher is not self._searcher:
                if not self._in_memory:
                    self._require_current_schema()
                with self._reading():
                    self._matcher = Matcher(self._searcher, _POSTINGS)
            return self._searcher, self._matcher

    def _searcher_sound(self) -> bool:
        """The open searcher reads the newest generation, whose files are unchanged."""
        if self._in_memory:
            return not self._has_toc()
        try:
            if not self._searcher.up_to_date():
                return False
            for path, expected in self._searcher_files.items():
                stat = Path(path).stat()
                if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != expected:
                    return False
        except (OSError, *TOC_ERRORS):
            return False
        return True

    def _open_searcher(self) -> None:
        """Open a searcher on the newest generation and check its files first.

        Not Searcher.refresh(): its reader reuse never matches a segment,
        closes the old readers, and when Whoosh retries the open (a concurrent
        commit deleted a file it listed) it closes them again (ReaderClosed).
        """
        self._close_searcher()
        try:
            index = self._open()
        except IndexMissing:
            if not self.use_file_storage or self._has_documents():
                raise
            # A new site: nothing to index yet, so nothing is lost. An empty
            # index in memory answers; nothing is created on disk.
            index = RamStorage().create_index(self.schema, indexname=INDEX_NAME)
            self._searcher = index.searcher()
            self._in_memory = True
            return
        folder = Path(self.path)
        for attempt in range(TOC_READ_ATTEMPTS):
            if attempt:
                time.sleep(TOC_RETRY_SECONDS)
                index = self._open()
            with _translated(TOC_ERRORS, "a segment cannot be opened"):
                searcher = index.searcher()
            try:
                problem = self._check_searcher_files(searcher, index, folder)
            except BaseException:
                searcher.close()
                raise
            if problem is None:
                self._searcher = searcher
                return
            searcher.close()
            # A writer that committed meanwhile deletes the files of the
            # generation read: try the new one before calling it damage.
            with _translated(TOC_ERRORS, "the table of contents cannot be read"):
                moved_on = index.latest_generation() != problem[1]
            if not moved_on:
                break
        raise IndexDamaged(problem[0])

    def _check_searcher_files(
        self, searcher: Any, index: FileIndex, folder: Path
    ) -> tuple[str, int] | None:
        """(what is wrong, generation) with the files ``searcher`` reads, or None.

        Records the files' state for _searcher_sound() when they are sound.
        """
        reader = searcher.reader()
        generation = reader.generation()
        if generation is None:  # an empty index
            generation = index.latest_generation()
        segments = [
            leaf.segment()
            for leaf, _ in reader.leaf_readers()
            if isinstance(leaf, SegmentReader)
        ]
        problem = file_damage(folder, segments)
        if problem:
            return problem, generation
        files = [folder / TOC._filename(INDEX_NAME, generation)]
        for segment in segments:
            files.extend(segment_files(folder, segment.segment_id()))
        states = {}
        for path in files:
            try:
                stat = path.stat()
            except FileNotFoundError:
                return f"{path.name} is missing", generation
            states[str(path)] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        self._searcher_files = states
        return None

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Reading the open searcher's segments: what storage raises is damage.

        Only what reading damaged storage raises (search/engine/integrity.py)
        is translated: any other error here is a bug and stays a 500.
        """
        try:
            yield
        except STORAGE_ERRORS as error:
            damage = IndexDamaged(f"reading failed ({type(error).__name__}: {error})")
            state = self._folder_state()
            self._record_damage(damage, state)
            if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
                # Perhaps passing (too many open files, out of memory): the
                # next search opens the index afresh instead of answering 503.
                self._damage = None
            raise damage from error

    def index_is_current(self) -> bool:
        """Whether the index on disk was written with this code's schema.

        An index from another version (other fields or posting formats) would
        be read with the wrong decoders; it must be rebuilt first.
        """
        if not self.setup_complete:
            self.setup()
        try:
            stored = _reading_toc(lambda: TOC.read(self.storage, INDEX_NAME).schema)
        except Exception:  # noqa: BLE001 - its classes may no longer exist
            return False
        return _signature(stored) == _signature(self.schema)

    def _require_current_schema(self) -> None:
        if not self.index_is_current():
            raise IndexOutdated(OUTDATED)

    def delete_index(self) -> None:
        self._close_searcher()
        super().delete_index()

    # -- writing ---------------------------------------------------------------

    def _writer(self, wait: float | None) -> BulkSegmentWriter:
        """A writer, once the index's write lock is free; IndexBusy after ``wait`` s.

        Every incremental write goes through here (haystack's remove() and
        clear() open a writer that fails at once when the lock is taken).
        Documents are read from the database only after this returns, so the
        last writer to commit always writes what the database holds. Writing
        needs a sound index of this schema: adding to a damaged one would
        carry the damage into merged segments (IndexDamaged; a rebuild, which
        never reads the old index, repairs it).
        """
        try:
            index = self._open()
        except IndexMissing:
            # haystack's API writes the documents it is given into a new index
            # (search.services rebuilds instead, so that none is left out).
            Path(self.path).mkdir(parents=True, exist_ok=True)
            index = self.storage.create_index(self.schema, indexname=INDEX_NAME)
        # Adding to an index of another schema would mix posting formats.
        self._require_current_schema()
        with _translated(TOC_ERRORS, "the table of contents cannot be read"):
            segments = index._read_toc().segments
        problem = file_damage(Path(self.path), segments)
        if problem:
            raise IndexDamaged(problem)
        try:
            with _translated(STORAGE_ERRORS, "the index cannot be opened to write"):
                return BulkSegmentWriter(
                    index, timeout=self._wait(wait), delay=LOCK_POLL_SECONDS
                )
        except LockError as error:
            raise IndexBusy(BUSY) from error

    @staticmethod
    def _wait(wait: float | None) -> float:
        if wait is not None:
            return wait
        return float(getattr(settings, "SEARCH_WRITE_WAIT", 600))

    def update(self, index, iterable, commit=True) -> None:
        self.update_batches(index, [iterable])

    def update_batches(
        self,
        index,
        batches: Iterable[Iterable],
        *,
        wait: float | None = None,
        reload: Callable[[list[int]], Iterable[Iterable]] | None = None,
        fold_limit: int | None = None,
    ) -> None:
        """(Re)index every object of every batch with one writer and one commit.

        haystack's update() calls Whoosh's update_document, which opens a new
        searcher for every document. Here each batch looks its ids up with one
        searcher, deletes them, then adds: the same documents end up in the
        index, in one commit (one new segment). The commit also folds the
        small segments that are due (search/engine/folding.py) into its new
        segment, re-indexing at most ``fold_limit`` of their documents, read
        by ``reload`` (ids -> batches of objects; default: from the database).
        """
        writer = self._writer(wait)
        try:
            for batch in batches:
                docs = [d for d in (self._document(index, obj) for obj in batch) if d]
                if not docs:
                    continue
                # Like update_document, this sees committed documents only.
                with writer.searcher() as searcher:
                    for doc in docs:
                        docnum = searcher.document_number(**{UNIQUE_ID: doc[UNIQUE_ID]})
                        if docnum is not None:
                            writer.delete_document(docnum)
                for doc in docs:
                    self._add(writer, doc)
            self._fold(writer, index, reload, limit=fold_limit)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=drop_empty_segments)

    def fold_segments(
        self,
        index,
        reload: Callable[[list[int]], Iterable[Iterable]] | None = None,
        *,
        wait: float | None = None,
    ) -> int:
        """Fold every small segment that is due; the documents re-indexed.

        Commits nothing when no fold is due.
        """
        if not self.folds_due():
            return 0
        writer = self._writer(wait)
        try:
            folded = self._fold(writer, index, reload, limit=None)
        except BaseException:
            writer.cancel()
            raise
        if folded:
            writer.commit(mergetype=drop_empty_segments)
        else:
            writer.cancel()
        return folded

    def folds_due(self) -> bool:
        """Whether the committed index has small segments due to be folded."""
        try:
            index = self._open()
            with _translated(TOC_ERRORS, "the table of contents cannot be read"):
                sizes = [segment.doc_count() for segment in index._segments()]
        except IndexDamaged:
            # Nothing to fold in an index that must be rebuilt anyway.
            return False
        return bool(segments_to_fold(sizes, 0))

    def _fold(
        self,
        writer: BulkSegmentWriter,
        index,
        reload: Callable[[list[int]], Iterable[Iterable]] | None,
        *,
        limit: int | None,
    ) -> int:
        """Re-index the due small segments' documents into the writer's segment.

        Their rows are read now, under the lock, so a folded document is
        written as the database holds it (one deleted since is dropped).
        """
        from whoosh.reading import SegmentReader

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
            for batch in (reload or functools.partial(rows_by_id, index))(sorted(ids)):
                for obj in batch:
                    doc = self._document(index, obj)
                    if doc:
                        self._add(writer, doc)
        return len(ids)

    def _add(self, writer, doc: dict[str, Any]) -> None:
        try:
            writer.add_document(**doc)
        except Exception:
            if not self.silently_fail:
                raise
            self.log.exception(
                "Preparing object for update", extra={"data": {"id": doc[UNIQUE_ID]}}
            )

    def write_segments(
        self, index, batches: Iterable[Iterable], *, segment_docs: int
    ) -> list:
        """New segments holding every object, without the lock (see rebuild()).

        They are written into the folder the running rebuild builds. A
        segment is closed every ``segment_docs`` documents, which bounds the
        memory its buffered postings take.
        """
        if not self.setup_complete:
            self.setup()
        target = self._building
        if target is None:
            raise SearchBackendError("write_segments() runs inside rebuild()")
        segments = []
        writer = None
        try:
            for batch in batches:
                for obj in batch:
                    doc = self._document(index, obj)
                    if not doc:
                        continue
                    if writer is None:
                        writer = BulkSegmentWriter(target, _lk=False)
                    self._add(writer, doc)
                    if writer.doc_count() >= segment_docs:
                        segments.append(writer._finalize_segment())
                        writer = None
            if writer is not None:
                segments.append(writer._finalize_segment())
                writer = None
        finally:
            if writer is not None:
                writer._close_segment()
        return segments

    def rebuild(
        self,
        index,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
        keep_old: Path | None = None,
    ) -> int:
        """Replace the index with the segments ``worker`` writes for each part.

        The new index is built in a folder of its own beside the live one and
        swapped in by renaming, so the old index is never read: damaged,
        missing or of another schema, it does not matter. The live folder's
        write lock is held throughout, so no other writer commits into the
        index being replaced, and searches see the old index until the swap.
        The old folder is then deleted, or moved to ``keep_old`` (a damaged
        index kept for diagnosis). With ``procs`` > 1 the parts are written
        by that many forked processes (analysis and posting writing are
        CPU-bound Python); each worker returns its segments. The count of
        documents committed is checked against the workers' total.
        """
        if not self.setup_complete:
            self.setup()
        live = Path(self.path)
        live.mkdir(parents=True, exist_ok=True)
        lock = FileStorage(str(live)).lock(f"{INDEX_NAME}_WRITELOCK")
        if not try_for(lock.acquire, timeout=self._wait(wait), delay=LOCK_POLL_SECONDS):
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
                old = _swap_in(building, live)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
        finally:
            # Writers waiting for the lock open it by path: they now get the
            # new folder's.
            lock.release()
        with self._searcher_lock:
            self._close_searcher()
            self._damage = None
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
        target = storage.create_index(self.schema, indexname=INDEX_NAME)
        writer = BulkSegmentWriter(target, timeout=0)
        self._building = target
        try:
            if procs > 1 and len(parts) > 1 and not _in_transaction():
                # Forked children must open their own database connections:
                # a socket shared with the parent dies when either closes it.
                db_connections.close_all()
                self._close_searcher()
                context = multiprocessing.get_context("fork")
                with context.Pool(min(procs, len(parts))) as pool:
                    results = pool.map(
                        functools.partial(_run_in_child, worker), parts, chunksize=1
                    )
            else:
                results = [worker(part) for part in parts]
            segments = [segment for result in results for segment in result]
            writer._close_segment()
            writer._commit_toc(segments)
        except BaseException:
            writer.cancel()
            raise
        finally:
            self._building = None
        writer._finish()
        built = FileIndex(storage, self.schema, indexname=INDEX_NAME)
        expected = sum(segment.doc_count() for segment in segments)
        return built.doc_count(), expected

    def remove(self, obj_or_string, commit=True, *, wait: float | None = None) -> None:
        """Delete one document, waiting for the write lock like every writer here."""
        self.remove_many([obj_or_string], wait=wait)

    def remove_many(
        self, objs_or_strings: Iterable, *, wait: float | None = None
    ) -> None:
        """Delete documents in one commit, waiting for the write lock."""
        writer = self._writer(wait)
        try:
            for obj_or_string in objs_or_strings:
                writer.delete_by_term(UNIQUE_ID, get_identifier(obj_or_string))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=drop_empty_segments)

    def clear(self, models=None, commit=True, *, wait: float | None = None) -> None:
        """Empty the index (or drop some models) under the write lock.

        haystack deletes the index directory instead, which pulls the files
        from under a writer that another process holds. Emptying it all is a
        rebuild with no documents: it works on a damaged index too.
        """
        if models is None:
            self.rebuild(None, [], lambda part: [], procs=1, wait=wait)
            return
        writer = self._writer(wait)
        try:
            for model in models:
                writer.delete_by_term(DJANGO_CT, get_model_ct(model))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=drop_empty_segments)

    def _document(self, index, obj) -> dict[str, Any] | None:
        try:
            doc = index.full_prepare(obj)
        except SkipDocument:
            self.log.debug("Indexing for object `%s` skipped", obj)
            return None
        doc = {key: self._from_python(value) for key, value in doc.items()}
        # Document boosts aren't supported in Whoosh 2.5.0+.
        doc.pop("boost", None)
        return doc

    # -- schema ----------------------------------------------------------------

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        # A column of ids lets a whole result set be listed without reading
        # every document's stored fields (the research tools).
        schema.remove(DJANGO_ID)
        schema.add(DJANGO_ID, ID(stored=True, sortable=True))
        for field in fields.values():
            name = field.index_fieldname
            replacement = None
            if field.is_multivalued:
                continue
            if not field.indexed:
                replacement = STORED()
            elif field.field_type == "string":
                if field.analyzer is not None:
                    replacement = _text_field(field)
                else:
                    replacement = ID(stored=field.stored, sortable=True)
            elif field.field_type == "integer":
                replacement = NUMERIC(
                    stored=field.stored, numtype=int, sortable=True, signed=True
                )
            elif field.field_type in ("date", "datetime"):
                replacement = DATETIME(stored=field.stored, sortable=True)
                # Whoosh gives a missing value the largest date; make it the
                # smallest (0), which sorting recognises and puts last.
                replacement.default = 0
                replacement.column_type = replacement.default_column()
            if replacement is not None:
                schema.remove(name)
                schema.add(name, replacement)
        return content_field_name, schema

    # -- searching -------------------------------------------------------------

    def parse(self, query_string: str) -> wq.Query | None:
        """Parse a haystack query string with this backend's schema."""
        if not self.setup_complete:
            self.setup()
        if query_string.strip() == MATCH_ALL:
            return wq.Every()
        parsed = self.parser.parse(force_str(query_string))
        if parsed is None or parsed is wq.NullQuery:
            return None
        return parsed.accept(_everything)

    def ranking_words(self, parsed: wq.Query) -> list[str]:
        """jieba words of the required exact terms: what relevance is scored on."""
        texts: list[str] = []

        def walk(q: wq.Query) -> None:
            if isinstance(q, wq.Not):
                return
            if isinstance(q, wq.AndNot):
                walk(q.a)
                return
            if isinstance(q, wq.Phrase) and q.fieldname == EXACT_FIELD:
                words = list(q.words)
                texts.append(words[0] + "".join(w[1:] for w in words[1:]))
            elif isinstance(q, wq.Term) and q.fieldname in (EXACT_FIELD, CHAR_FIELD):
                texts.append(force_str(q.text))
            else:
                for child in q.children():
                    walk(child)

        walk(parsed)
        field = self.schema[self.content_field_name]
        # Index mode adds jieba's sub-words, so 小微企业 also ranks 中小微企业.
        words = {w for text in texts for w in field.process_text(text, mode="index")}
        return sorted(words)

    def _restrict(self, parsed, models, limit_to_registered_models, narrow_queries):
        required = [parsed]
        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(
                settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True
            )
        if models:
            cts = sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in models)
        elif limit_to_registered_models:
            cts = self.build_models_list()
        else:
            cts = []
        if cts:
            required.append(wq.Or([wq.Term(DJANGO_CT, ct) for ct in cts]))
        for narrow in narrow_queries or ():
            narrowed = self.parse(narrow)
            if narrowed is None:
                return None
            required.append(narrowed)
        return wq.And(required) if len(required) > 1 else parsed

    def _sorting(self, sort_by) -> tuple[str | None, bool]:
        if not sort_by:
            return None, False
        if len(sort_by) > 1:
            raise SearchBackendError("plansite sorts by one field at a time")
        name = sort_by[0]
        return name.lstrip("-"), name.startswith("-")

    def match_columns(
        self,
        query_string: str,
        *,
        narrow_queries=None,
        models=None,
        sort_by=None,
        fields: Sequence[str] = (),
        occurrences_of: Sequence[str] = (),
    ) -> dict[str, list]:
        """Columns of every match, in the order ``sort_by`` gives (BM25 without).

        Each of ``fields`` is a list of the matches' values (from the index's
        columns); ``occurrences_of`` adds, for each term, how often it occurs
        in each match ("occurrences:<term>"), counted from the index.
        """
        query_string = force_str(query_string or "")
        parsed = self.parse(query_string) if query_string.strip() else None
        _, matcher = self._current()
        docs = np.empty(0, dtype=np.int64)
        restricted = None
        if parsed is not None:
            restricted = self._restrict(parsed, models, None, narrow_queries)
        with self._reading():
            if restricted is not None:
                found = matcher.match(restricted)
                docs = self._ordered(matcher, found, parsed, sort_by)[0]
            columns = {name: matcher.values(name, docs) for name in fields}
            for term in occurrences_of:
                counts = matcher.occurrences(term_query(term), docs)
                columns[f"occurrences:{term}"] = counts.tolist()
        return columns

    def more_like_ids(
        self, identifier: str, text: str | Callable[[], str], *, top: int, numterms: int
    ) -> list[str]:
        """Django ids of the documents most like one (Whoosh's more_like, with arrays).

        The key terms are the words of ``text`` that are frequent in it and rare
        in the archive (Whoosh's Bo1 model); the others are ranked by BM25 over
        those terms, each weighted as Whoosh weighs it. ``text`` may be a function
        that reads it, called only once the index is open and holds the document
        (a damaged index or an unindexed document costs no read of a long body).
        """
        searcher, matcher = self._current()
        field = self.content_field_name
        with self._reading():
            docnum = searcher.document_number(**{UNIQUE_ID: identifier})
            if docnum is None:
                return []
            if callable(text):
                text = text()
            terms = key_terms(
                searcher, field, text, numterms=numterms, cache=_FREQUENCIES
            )
            if not terms:
                return []
            words = [word for word, _ in terms]
            candidates = matcher.match(wq.Or([wq.Term(field, word) for word in words]))
            candidates = candidates[candidates != docnum]
            scores = matcher.bm25(
                candidates, field, words, boosts=[weight for _, weight in terms]
            )
            best = candidates[np.lexsort((candidates, -scores))[:top]]
            return [str(pk) for pk in matcher.values(DJANGO_ID, best)]

    def _ordered(self, matcher: Matcher, docs: np.ndarray, parsed, sort_by):
        """(docs in order, their scores or None): by a field, else by BM25."""
        sortedby, reverse = self._sorting(sort_by)
        if sortedby is not None:
            return matcher.sort(docs, sortedby, reverse=reverse), None
        words = self.ranking_words(parsed)
        scores = matcher.bm25(docs, self.content_field_name, words)
        # Best first; equal scores keep document order.
        order = np.lexsort((docs, -scores))
        return docs[order], scores[order]

    @log_query
    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        empty = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        query_string = force_str(query_string or "")
        if not query_string.strip():
            return empty
        if date_facets or query_facets:
            raise SearchBackendError("date and query facets are not supported")
        parsed = self.parse(query_string)
        if parsed is None:
            return empty
        restricted = self._restrict(
            parsed, models, limit_to_registered_models, narrow_queries
        )
        if restricted is None:
            return empty
        _, matcher = self._current()
        with self._reading():
            docs = matcher.match(restricted)
            start = start_offset or 0
            stop = len(docs) if end_offset is None else min(end_offset, len(docs))
            ordered, scores = self._ordered(matcher, docs, parsed, sort_by)
            page = ordered[start:stop]
            page_scores = scores[start:stop] if scores is not None else None
            return {
                "results": self._to_search_results(
                    matcher, page, page_scores, result_class
                ),
                "hits": len(docs),
                "facets": self._facets(matcher, docs, facets or ()),
                "spelling_suggestion": None,
            }

    def _facets(self, matcher: Matcher, docs: np.ndarray, names) -> dict:
        if not names:
            return {}
        fields = {name: matcher.value_counts(name, docs) for name in names}
        return {"fields": fields, "dates": {}, "queries": {}}

    def _to_search_results(
        self, matcher: Matcher, page: np.ndarray, scores, result_class
    ) -> list[SearchResult]:
        from haystack import connections

        result_class = result_class or SearchResult
        unified = connections[self.connection_alias].get_unified_index()
        converted = []
        for i, docnum in enumerate(page.tolist()):
            stored = dict(matcher.stored_fields(docnum))
            app_label, model_name = stored.pop(DJANGO_CT).split(".")
            pk = stored.pop(DJANGO_ID)
            model = haystack_get_model(app_label, model_name)
            if model is None or model not in unified.get_indexed_models():
                continue
            index_fields = unified.get_index(model).fields
            values = {}
            for key, value in stored.items():
                field = index_fields.get(key)
                if field is None:
                    values[key] = value
                elif field.field_type == "boolean":
                    # haystack writes booleans as the strings "true"/"false".
                    values[key] = value in (True, "true")
                else:
                    values[key] = field.convert(value)
            score = float(scores[i]) if scores is not None else 0
            converted.append(result_class(app_label, model_name, pk, score, **values))
        return converted


def _signature(schema) -> list[tuple[str, ...]]:
    """What must agree between the code's schema and an index's: fields and formats."""
    return sorted(
        (
            name,
            type(field).__name__,
            type(getattr(field, "format", None)).__name__,
            type(getattr(field, "analyzer", None)).__name__,
            str(bool(field.column_type)),
        )
        for name, field in schema.items()
    )


def _text_field(field) -> TEXT:
    """The Whoosh field for an analysed haystack field, by its analyzer."""
    analyzer = field.analyzer
    replacement = TEXT(
        stored=field.stored, analyzer=analyzer, phrase=False, field_boost=field.boost
    )
    boost = float(field.boost)
    if isinstance(analyzer, BigramTokenizer):
        replacement.format = BigramPositions(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, CharTokenizer):
        replacement.format = CharCounts(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, JiebaTokenizer):
        replacement.format = WordCounts(field_boost=boost)
    return replacement


class PlansiteWhooshEngine(WhooshEngine):
    """Settings ENGINE: ``search.backend.PlansiteWhooshEngine``."""

    backend = PlansiteWhooshBackend
    query = WhooshSearchQuery
