"""A few large downloads at a time per web process; the others are asked to retry.

An export or a concordance download streams for seconds to minutes and holds a
worker thread all the while. Without a bound, one client asking for several at
once would tie up every thread and leave no reader served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from django.conf import settings

_lock = threading.Lock()
_active = 0
# Bumped by reset(), so that places taken before it are never given back twice.
_generation = 0


class DownloadSlot:
    """One of the process's download places, given back exactly once."""

    def __init__(self, generation: int) -> None:
        self._held = True
        self._generation = generation

    def release(self) -> None:
        global _active
        with _lock:
            if self._held and self._generation == _generation:
                _active -= 1
            self._held = False


def take_download_slot() -> DownloadSlot | None:
    """A free place for one download, or None when all are taken."""
    global _active
    with _lock:
        if _active >= max(1, settings.PLANSITE_MAX_DOWNLOADS):
            return None
        _active += 1
        return DownloadSlot(_generation)


def active_downloads() -> int:
    with _lock:
        return _active


def reset() -> None:
    """Forget every place taken (tests: their client never closes unread streams)."""
    global _active, _generation
    with _lock:
        _active = 0
        _generation += 1


class SlotStream:
    """A response body that gives its slot back when it ends or is closed.

    The server closes the response when the client has it all or goes away
    (Django calls this close()); either way the place is free again.
    """

    def __init__(self, chunks: Iterable[bytes], slot: DownloadSlot) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._slot = slot

    def __iter__(self) -> SlotStream:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self._slot.release()
            raise

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._slot.release()
