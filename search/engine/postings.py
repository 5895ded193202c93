"""Whole posting lists of a Whoosh segment as NumPy arrays, and a cache of them.

plansite writes packed lists (search/engine/packed.py: flat arrays, read with
np.frombuffer and cumsum). A W3 posting list, which Whoosh's own writer makes,
is a run of blocks: an int length (negative for the last
block), a pickled info tuple, then the block data, a pickled (zlib'd) tuple of
(delta-coded ids, weights, values). Whoosh decodes it posting by posting; here
each block is decoded once and its ids become an array in one step.
"""

from __future__ import annotations

import io
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.reading import TermNotFound

from search.engine import packed
from search.engine.whoosh_internals import posting_bytes

_INT = struct.Struct("!i")
_EMPTY_IDS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class PostingList:
    """Every posting of one term in one segment (deleted documents included).

    ``positions`` is every posting's offsets in posting order (unsigned, 16
    or 32 bits) when the format stores offsets (the bigram, variant and
    bounds fields), with ``counts`` the number of each posting's offsets
    (signed); otherwise both are None.
    """

    ids: np.ndarray
    weights: np.ndarray
    positions: np.ndarray | None = None
    counts: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        size = self.ids.nbytes + self.weights.nbytes
        if self.positions is not None:
            size += self.positions.nbytes + self.counts.nbytes
        return size

    @property
    def values(self) -> bytes | None:
        """The offsets as the format's value bytes (little-endian uint32)."""
        if self.positions is None:
            return None
        return self.positions.astype("<u4").tobytes()

    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """(posting index, offset) of every stored offset, in order."""
        if self.positions is None:
            raise ValueError("this posting list stores no offsets")
        owner = np.repeat(np.arange(len(self.ids)), self.counts)
        return owner, self.positions.astype(np.int64)


EMPTY = PostingList(_EMPTY_IDS, np.empty(0, dtype=np.float32))


def read_postings(
    reader, fieldname: str, text: str, *, with_values: bool
) -> PostingList:
    """The posting list of ``fieldname:text`` in one SegmentReader."""
    try:
        terminfo = reader.term_info(fieldname, text)
    except TermNotFound:
        return EMPTY
    return decode_postings(
        reader, terminfo, with_values=with_values, label=f"{fieldname}:{text!r}"
    )


def decode_postings(
    reader, terminfo, *, with_values: bool, label: str = "a term"
) -> PostingList:
    """The posting list a term's info points at, in one SegmentReader."""
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        return _assemble([(ids, weights, values)], with_values, delta=False)
    offset, length = terminfo.extent()
    if isinstance(length, tuple):
        length = length[0]  # W3TermInfo.from_bytes leaves it as struct's 1-tuple
    raw = posting_bytes(reader, offset, length)
    if packed.is_packed(raw):
        found = packed.decode(raw)
        if not with_values:
            return PostingList(found.ids, found.weights)
        if found.offsets is None:
            raise ValueError(f"no offsets stored for {label}")
        return PostingList(
            found.ids,
            found.weights,
            _narrow(found.offsets),
            found.counts.astype(np.int32),
        )
    stream = io.BytesIO(raw)
    if stream.read(4) != WHOOSH3_HEADER_MAGIC:
        raise packed.DamagedPostings(f"not a W3 posting list: {label}")
    blocks = []
    while True:
        (size,) = _INT.unpack(stream.read(_INT.size))
        end = stream.tell() + abs(size)
        info = pickle.load(stream)  # (count, max id, max weight, compression, ...)
        raw = stream.read(end - stream.tell())
        blocks.append(pickle.loads(zlib.decompress(raw) if info[3] else raw))
        if size < 0:
            break
    return _assemble(blocks, with_values, delta=True)


def _narrow(offsets: np.ndarray) -> np.ndarray:
    """Offsets as uint16 when they fit (a document under 65,536 characters),
    else uint32; counts go int32: a common bigram's list holds about ten
    offsets a posting, so the cache keeps ~1.6x the lists (the 58 bench terms'
    lists outgrow SEARCH_CACHE_MB near 200,000 documents). Readers widen the
    offsets they take to int64; counts stay signed, so arithmetic on them
    never turns unsigned or float."""
    if len(offsets) and int(offsets.max()) >= 1 << 16:
        return offsets.astype(np.uint32)
    return offsets.astype(np.uint16)


def _assemble(blocks: list[tuple], with_values: bool, *, delta: bool) -> PostingList:
    """Concatenate decoded blocks: (ids, weights, values) each."""
    id_parts = []
    weight_parts = []
    values: list[bytes] = []
    for ids, weights, block_values in blocks:
        ids = np.asarray(ids, dtype=np.int64)
        id_parts.append(np.cumsum(ids) if delta else ids)
        count = len(ids)
        if weights is None:
            weight_parts.append(np.ones(count, dtype=np.float32))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, weights, dtype=np.float32))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float32))
        if with_values and block_values:
            if not isinstance(block_values, tuple | list):
                raise ValueError("fixed-size posting values are not offsets")
            values.extend(block_values)
    ids = np.concatenate(id_parts) if id_parts else _EMPTY_IDS
    weights = np.concatenate(weight_parts) if weight_parts else EMPTY.weights
    if not with_values:
        return PostingList(ids, weights)
    if len(values) != len(ids):
        raise packed.DamagedPostings("posting values do not match the postings")
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    positions = np.frombuffer(b"".join(values), dtype="<u4").astype(np.uint32)
    return PostingList(ids, weights, positions, sizes // 4)


class PostingCache:
    """Decoded posting lists, least recently used dropped past ``max_bytes``.

    Keyed by segment id: a segment's postings never change once written (a
    deletion only marks documents), so an entry stays valid for as long as
    the segment exists.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, PostingList] = OrderedDict()
        # Bytes the cached posting lists take, at most about max_bytes.
        self.nbytes = 0
        self._lock = threading.Lock()

    def get(
        self, reader, fieldname: str, text: str, *, with_values: bool
    ) -> PostingList:
        key = (reader.segment().segment_id(), fieldname, text, with_values)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        postings = read_postings(reader, fieldname, text, with_values=with_values)
        if postings.nbytes <= self.max_bytes // 4:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = postings
                    self.nbytes += postings.nbytes
                while self.nbytes > self.max_bytes and self._entries:
                    _, dropped = self._entries.popitem(last=False)
                    self.nbytes -= dropped.nbytes
        return postings

    def derived(self, reader, name: str, text: str, make) -> PostingList:  # noqa: ANN001
        """A list computed from a segment's postings (``make()``), cached
        beside them under ``name`` (not a field of the index)."""
        key = (reader.segment().segment_id(), name, text, False)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = make()
        if made.nbytes <= self.max_bytes // 4:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = made
                    self.nbytes += made.nbytes
                while self.nbytes > self.max_bytes and self._entries:
                    _, dropped = self._entries.popitem(last=False)
                    self.nbytes -= dropped.nbytes
        return made

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.nbytes = 0
