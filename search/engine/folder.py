"""The committed index on disk: opening it, its table of contents, its files' state.

The index is opened in one place, open(): IndexMissing when there is none
(after a short wait, since a rebuild swaps folders by two renames),
IndexDamaged when its table of contents cannot be read. Reading never
creates an index: a lost one must not answer every search with nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh.fields import Schema
from whoosh.index import TOC, FileIndex

from search.engine import whoosh_internals as internals
from search.engine.integrity import TOC_ERRORS
from search.engine.schema import INDEX_NAME, needs_rebuild, write_version
from search.errors import IndexDamaged, IndexMissing

# A reader that finds no index waits this many TOC_RETRY_SECONDS for one: a
# rebuild swaps in its new folder with two renames.
MISSING_ATTEMPTS = 5
# Reading a generation's table of contents races with a writer in another
# process, which removes the old generation's file when it commits. Whoosh's
# own reader() retries for that; every other read of the TOC here does too.
TOC_READ_ATTEMPTS = 20
TOC_RETRY_SECONDS = 0.05


def reading_toc(read: Callable[[], Any]) -> Any:
    """``read()``, tried again while the generation it listed is being replaced."""
    for _ in range(TOC_READ_ATTEMPTS - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(TOC_RETRY_SECONDS)
    return read()


@contextlib.contextmanager
def translated(errors: tuple[type[BaseException], ...], what: str) -> Iterator[None]:
    """``errors`` raised in the block become IndexDamaged(what: the error)."""
    try:
        yield
    except IndexDamaged:
        raise
    except errors as error:
        raise IndexDamaged(f"{what} ({type(error).__name__}: {error})") from error


class IndexFolder:
    """The index folder at ``path`` (or an index kept in memory: ``ram_index``)."""

    def __init__(
        self,
        storage: Any,
        schema: Schema,
        path: str | None = None,
        *,
        ram_index: FileIndex | None = None,
    ) -> None:
        self.storage = storage
        self.schema = schema
        self.path = path
        self.ram_index = ram_index

    @property
    def on_disk(self) -> bool:
        return self.ram_index is None

    def has_toc(self) -> bool:
        """Whether a committed generation is there."""
        if not self.on_disk:
            return True
        try:
            return internals.latest_generation(self.storage, INDEX_NAME) >= 0
        except OSError:
            return False

    def open(self) -> FileIndex:
        """The committed index, its table of contents read."""
        if not self.on_disk:
            return self.ram_index
        for _ in range(MISSING_ATTEMPTS - 1):
            if self.has_toc():
                break
            time.sleep(TOC_RETRY_SECONDS)
        if not self.has_toc():
            raise IndexMissing("there is no index on disk")
        with translated(TOC_ERRORS, "the table of contents cannot be read"):
            return reading_toc(
                lambda: FileIndex(self.storage, self.schema, indexname=INDEX_NAME)
            )

    def create(self) -> FileIndex:
        """A new, empty index in the folder (haystack's API writing to none)."""
        Path(self.path).mkdir(parents=True, exist_ok=True)
        index = self.storage.create_index(self.schema, indexname=INDEX_NAME)
        write_version(Path(self.path))
        return index

    def segments(self, index: FileIndex) -> list:
        """The segments ``index``'s table of contents lists, read now."""
        with translated(TOC_ERRORS, "the table of contents cannot be read"):
            return internals.toc_segments(index)

    def toc_file(self, generation: int) -> Path:
        """The file of a generation's table of contents."""
        return Path(self.path) / internals.toc_filename(INDEX_NAME, generation)

    def state(self) -> tuple:
        """Every file of the folder with its size, mtime and inode."""
        if not self.on_disk:
            return ()
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

    def needs_rebuild(self) -> bool:
        """Whether the committed index was written by code of another schema.

        Another SCHEMA_VERSION or other fields (search/engine/schema.py): its
        postings would be read with the wrong decoders or meaning, so it must
        be rebuilt first. An index kept in memory is always this code's.
        """
        if not self.on_disk:
            return False
        try:
            stored = reading_toc(lambda: TOC.read(self.storage, INDEX_NAME).schema)
        except Exception:  # noqa: BLE001 - its classes may no longer exist
            stored = None
        return needs_rebuild(Path(self.path), stored, self.schema)
