"""The searcher lifecycle: one searcher per backend, refreshed when the index changes.

haystack keeps one backend per thread; each holds one Searchers, whose
searcher (and array Matcher, search/engine/matching.py) is reused until a
writer commits or a file it reads changes. The files are checked against
their checksums (search/engine/integrity.py) before a searcher is used;
whatever reading damaged storage raises becomes IndexDamaged (a 503 page),
logged once per process and state of the folder, never a 500. The posting
and word-frequency caches are shared by every searcher of the process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from whoosh.filedb.filestore import RamStorage
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader

from search.engine.expansion import FrequencyCache
from search.engine.folder import (
    TOC_READ_ATTEMPTS,
    TOC_RETRY_SECONDS,
    IndexFolder,
    translated,
)
from search.engine.integrity import (
    STORAGE_ERRORS,
    TOC_ERRORS,
    file_damage,
    segment_files,
)
from search.engine.matching import Matcher
from search.engine.postings import PostingCache
from search.engine.schema import INDEX_NAME
from search.errors import OUTDATED, IndexDamaged, IndexMissing, IndexOutdated

logger = logging.getLogger(__name__)

# Decoded posting lists kept in memory per process (search/engine/postings.py),
# and a quarter as much again for word frequencies (about 150 bytes each).
_CACHE_BYTES = int(getattr(settings, "SEARCH_CACHE_MB", 256)) << 20
POSTINGS = PostingCache(max_bytes=_CACHE_BYTES)
FREQUENCIES = FrequencyCache(max_entries=_CACHE_BYTES // 4 // 150)
# Damage is logged once per process and state of the folder.
_LOGGED: set[tuple] = set()
_LOGGED_LOCK = threading.Lock()


class Searchers:
    """The searcher and matcher over the committed index in ``folder``.

    ``may_be_empty()`` says whether a missing index may read as an empty one
    (a new site with no documents yet: nothing is lost, nothing is created).
    """

    def __init__(self, folder: IndexFolder, *, may_be_empty: Callable[[], bool]):
        self.folder = folder
        self.may_be_empty = may_be_empty
        self.lock = threading.Lock()
        self._searcher: Any = None
        self._matcher: Matcher | None = None
        # (size, mtime, inode) of every file the open searcher reads: a change
        # while the process runs (a file overwritten, cut or deleted) is seen
        # by the next search, before it reads the file.
        # Kept as Paths: making one per file per search cost more than the stat.
        self._files: dict[Path, tuple[int, int, int]] = {}
        # (the folder's state, the error) of the damage last found: while the
        # folder stays as it was, searches answer at once, without a new try.
        self._damage: tuple[tuple, IndexDamaged] | None = None
        self._in_memory = False

    def close(self) -> None:
        searcher, self._searcher = self._searcher, None
        self._matcher = None
        self._files = {}
        self._in_memory = False
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()

    def replaced(self) -> None:
        """The folder was replaced whole (a rebuild): forget its searcher and damage."""
        with self.lock:
            self.close()
            self._damage = None

    def current(self) -> tuple[Any, Matcher]:
        """The searcher and matcher over the committed index.

        IndexDamaged (503) when the index cannot be read; while the folder
        stays as it was when that was found, at once and without logging again.
        IndexOutdated when it was written for another schema.
        """
        with self.lock:
            if self._damage is not None:
                state = self.folder.state()
                if state == self._damage[0]:
                    raise self._damage[1]
                self._damage = None
            if self._searcher is None or not self._sound():
                state = self.folder.state()
                try:
                    self._open()
                except IndexDamaged as error:
                    self._record_damage(error, state)
                    raise
            if self._matcher is None or self._matcher.searcher is not self._searcher:
                if not self._in_memory and self.folder.needs_rebuild():
                    raise IndexOutdated(OUTDATED)
                with self.reading():
                    self._matcher = Matcher(self._searcher, POSTINGS)
            return self._searcher, self._matcher

    def problem(self) -> str | None:
        """Why the index cannot answer searches now, or None (for /healthz)."""
        try:
            self.current()
        except IndexDamaged as error:
            return error.reason
        except IndexOutdated:
            return "written for another schema"
        return None

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Reading the open searcher's segments: what storage raises is damage.

        Only what reading damaged storage raises (search/engine/integrity.py)
        is translated: any other error here is a bug and stays a 500.
        """
        try:
            yield
        except STORAGE_ERRORS as error:
            damage = IndexDamaged(f"reading failed ({type(error).__name__}: {error})")
            self._record_damage(damage, self.folder.state())
            if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
                # Perhaps passing (too many open files, out of memory): the
                # next search opens the index afresh instead of answering 503.
                self._damage = None
            raise damage from error

    def _record_damage(self, error: IndexDamaged, state: tuple) -> None:
        """Remember the damage for this folder state; log it once per process."""
        self.close()
        self._damage = (state, error)
        key = (self.folder.path, state)
        with _LOGGED_LOCK:
            if key in _LOGGED:
                return
            _LOGGED.add(key)
        logger.error(
            "search index at %s is damaged: %s; search pages answer 503 until "
            "`manage.py check_index --repair` rebuilds it",
            self.folder.path,
            error.reason,
        )

    def _sound(self) -> bool:
        """The open searcher reads the newest generation, whose files are unchanged."""
        if self._in_memory:
            return not self.folder.has_toc()
        try:
            if not self._searcher.up_to_date():
                return False
            for path, expected in self._files.items():
                stat = path.stat()
                if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != expected:
                    return False
        except (OSError, *TOC_ERRORS):
            return False
        return True

    def _open(self) -> None:
        """Open a searcher on the newest generation and check its files first.

        Not Searcher.refresh(): its reader reuse never matches a segment,
        closes the old readers, and when Whoosh retries the open (a concurrent
        commit deleted a file it listed) it closes them again (ReaderClosed).
        """
        self.close()
        try:
            index = self.folder.open()
        except IndexMissing:
            if not self.may_be_empty():
                raise
            # A new site: nothing to index yet, so nothing is lost. An empty
            # index in memory answers; nothing is created on disk.
            empty = RamStorage().create_index(self.folder.schema, indexname=INDEX_NAME)
            self._searcher = empty.searcher()
            self._in_memory = True
            return
        if not self.folder.on_disk:
            self._searcher = index.searcher()
            return
        for attempt in range(TOC_READ_ATTEMPTS):
            if attempt:
                time.sleep(TOC_RETRY_SECONDS)
                index = self.folder.open()
            with translated(TOC_ERRORS, "a segment cannot be opened"):
                searcher = index.searcher()
            try:
                problem = self._check_files(searcher, index)
            except BaseException:
                searcher.close()
                raise
            if problem is None:
                self._searcher = searcher
                return
            searcher.close()
            # A writer that committed meanwhile deletes the files of the
            # generation read: try the new one before calling it damage.
            with translated(TOC_ERRORS, "the table of contents cannot be read"):
                moved_on = index.latest_generation() != problem[1]
            if not moved_on:
                break
        raise IndexDamaged(problem[0])

    def _check_files(self, searcher: Any, index: FileIndex) -> tuple[str, int] | None:
        """(what is wrong, generation) with the files ``searcher`` reads, or None.

        Records the files' state for _sound() when they are sound.
        """
        folder = Path(self.folder.path)
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
        files = [self.folder.toc_file(generation)]
        for segment in segments:
            files.extend(segment_files(folder, segment.segment_id()))
        states = {}
        for path in files:
            try:
                stat = path.stat()
            except FileNotFoundError:
                return f"{path.name} is missing", generation
            states[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        self._files = states
        return None
