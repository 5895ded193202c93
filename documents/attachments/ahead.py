"""Read the next documents' attachments while this one is stored.

An import reads its documents one after the other, and each attachment's
extraction is a child process (sandbox.py) that the import waits for. With the
files known in advance (a page's folder, a lone file), the extractions of the
files ahead run on worker threads, one child process per core, while the import
stores the documents before them; ``read_stored`` takes a result when it gets
to its file instead of starting the same child again.

The import thread decides what is read ahead, and only the import thread
touches the database: a file whose bytes already have text (``reuse_extraction``)
is not read again. Workers only hash, store and extract. A result is used only
when it fits what the document may still take (pages, text); otherwise the
import reads the file again under the document's smaller limits, as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from documents.attachments import kinds, store
from documents.attachments.result import Extraction, ExtractionRejected, Limits
from documents.attachments.sandbox import run_extraction, stop_all

logger = logging.getLogger(__name__)

_current: contextvars.ContextVar[ReadAhead | None] = contextvars.ContextVar(
    "plansite_read_ahead", default=None
)


@dataclass(frozen=True)
class Planned:
    """An attachment file the import will get to, with the name it has there;
    ``owner`` is the file the import reads it with (its page, or itself)."""

    owner: Path
    path: Path
    name: str


def workers() -> int:
    """Extractions at once (PLANSITE_EXTRACT_WORKERS; 0 or 1: none read ahead)."""
    return max(0, int(settings.PLANSITE_EXTRACT_WORKERS))


class ReadAhead:
    """The files of the import in order, and the extractions running ahead."""

    def __init__(
        self,
        planned: Sequence[Planned],
        *,
        already_read: Callable[[str], bool],
        count: int,
    ) -> None:
        self._planned = list(planned)
        # Where each owner's files start in the order.
        self._position = {p.owner: i for i, p in reversed(list(enumerate(planned)))}
        self._already_read = already_read
        self._limits = Limits.from_settings()
        self._ahead = 2 * count
        self._next = 0
        self._pool = futures.ThreadPoolExecutor(
            max_workers=count, thread_name_prefix="plansite-read-ahead"
        )
        # path -> (its place in the order, sha256, future of the extraction
        # or the rejection)
        self._running: dict[Path, tuple[int, str, futures.Future]] = {}

    def reached(self, owner: Path) -> None:
        """The import is at ``owner`` (a page or a lone file): start its files and
        those after it, up to twice as many as there are workers."""
        start = self._position.get(owner)
        if start is None:
            return
        # Results of files before this one were not taken (their document was
        # refused, or unchanged): drop them, so none is held to the end.
        for path, (place, _sha, future) in list(self._running.items()):
            if place < start:
                future.cancel()
                del self._running[path]
        self._next = max(self._next, start)
        while self._next < len(self._planned) and len(self._running) < self._ahead:
            self._start(self._next)
            self._next += 1

    def _start(self, place: int) -> None:
        planned = self._planned[place]
        path = planned.path
        if path in self._running:
            return
        try:
            size = path.stat().st_size
            if size == 0 or size > self._limits.max_file_bytes:
                return  # refused by the import's own checks, with its reason
            kind = kinds.sniff(path, planned.name)
            if kind is None or kind.family == "bundle":
                return  # bundles are unpacked by the import, member by member
            sha256 = store.file_sha256(path)
        except OSError:
            return
        if self._already_read(sha256):
            return
        future = self._pool.submit(self._read, path, planned.name)
        self._running[path] = (place, sha256, future)

    def _read(self, path: Path, name: str) -> Extraction | ExtractionRejected:
        stored = store.put_file(path)
        try:
            return run_extraction(
                store.path_for(stored.sha256), name=name, limits=self._limits
            )
        except ExtractionRejected as rejected:
            return rejected

    def take(self, sha256: str, *, pages: int, chars: int) -> Extraction | None:
        """The extraction of these bytes if one ran ahead and fits the document's
        remaining ``pages`` and ``chars``; raises the rejection it met. None: read
        it now (nothing ran ahead, or what ran does not fit)."""
        for path, (_place, known, future) in list(self._running.items()):
            if known != sha256:
                continue
            del self._running[path]
            try:
                result = future.result()
            except Exception:  # a worker's own bug: the import reads it itself
                logger.exception("reading %s ahead failed", path)
                return None
            if isinstance(result, ExtractionRejected):
                raise result
            if len(result.pages) > pages or len(result.text) > chars:
                return None
            return result
        return None

    def cancel(self) -> None:
        """Start nothing more; the files not yet begun are dropped."""
        for _place, _sha, future in self._running.values():
            future.cancel()
        self._next = len(self._planned)

    def close(self) -> None:
        self.cancel()
        self._pool.shutdown(wait=True)
        self._running.clear()


@contextlib.contextmanager
def reading_ahead(
    planned: Sequence[Planned], *, already_read: Callable[[str], bool]
) -> Iterator[ReadAhead | None]:
    """Read ``planned`` ahead for the duration of the block (not at all with
    fewer than two workers, or nothing planned)."""
    count = workers()
    if count < 2 or not planned:
        yield None
        return
    ahead = ReadAhead(planned, already_read=already_read, count=count)
    token = _current.set(ahead)
    try:
        yield ahead
    except BaseException:
        # Stopped (Ctrl-C, an error): what runs ahead is no longer wanted.
        ahead.cancel()
        stop_all()
        raise
    finally:
        _current.reset(token)
        ahead.close()


def current() -> ReadAhead | None:
    """The read-ahead of the import running in this thread, if any."""
    return _current.get()
