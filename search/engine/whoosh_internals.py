"""Every use of Whoosh's private internals, each saying what it relies on.

Whoosh 2.7.4 is pure Python and unmaintained; plansite reads and writes its
segments faster by reaching into attributes and methods whose names start with
an underscore. They are gathered here so that a Whoosh upgrade is checked in
one place: tests/search/test_whoosh_internals.py pins WHOOSH_VERSION and
exercises every function below. Nothing else in plansite touches a private
name of Whoosh.

- Reading: a segment's deleted documents and length columns (``_perdoc``),
  the raw bytes of its postings file (``_terms._postfile``), its term table.
- The index: its segments (``_segments()``, ``_read_toc()``), the newest TOC
  generation and its file name (``TOC._latest_generation``, ``TOC._filename``).
- Writing: the codec's block size (``_blocklimit``), a field writer's
  postings writer (``_postwriter``), the steps of a commit
  (``_finalize_segment``, ``_close_segment``, ``_commit_toc``, ``_finish``),
  and SegmentWriter's hooks (``_check_state``, ``_check_fields``,
  ``_added``, ``_assemble_segment``, ``_flush_segment``).
- The codec: W3PostingsWriter's block state, written with pickle protocol 4;
  its term state for whole packed lists (``_terminfo`` and W3TermInfo's
  ``_weight``, ``_df``, ``_minlength``, ``_maxlength``, ``_maxweight``,
  ``_minid``, ``_maxid``); W3LeafMatcher's block state, set from a packed
  list (see PackedLeafMatcher). Whole packed terms are written a chunk at a
  time (add_packed_terms) into the field writer's ``_postfile``, ``_fieldid``
  and term table ``_tindex`` (an OrderedHashWriter: ``dbfile``, ``hashfn``,
  ``buckets``, ``index``, ``lastkey``), rows as W3TermInfo.to_bytes() and
  HashWriter.add() make them.
- The import-time patch: BufferFile reads a memory map in place.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from array import array
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.filedb import structfile
from whoosh.index import TOC
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.engine import packed

# The Whoosh release every function here was written against.
WHOOSH_VERSION = (2, 7, 4)
# Bytes a block's postings pickle to before compressing it is not worth it.
_MIN_COMPRESS = 20


def installed_version() -> tuple[int, ...]:
    """The installed Whoosh's version (a test compares it to WHOOSH_VERSION)."""
    return tuple(whoosh.__version__[:3])


# -- reading a segment ---------------------------------------------------------


def deleted_docs(reader: Any) -> Iterable[int]:
    """A SegmentReader's deleted document numbers.

    Relies on SegmentReader._perdoc (the W3 per-document reader) having
    deleted_docs(); the public reader only answers is_deleted() one by one.
    """
    return reader._perdoc.deleted_docs()


def per_document_reader(reader: Any) -> Any:
    """A SegmentReader's per-document reader, which holds the length columns.

    Relies on SegmentReader._perdoc: the public API reads a document's
    length one at a time (doc_field_length), too slow for BM25 over arrays.
    """
    return reader._perdoc


def posting_bytes(reader: Any, offset: int, length: int) -> bytes:
    """``length`` bytes of a SegmentReader's postings file from ``offset``.

    Relies on SegmentReader._terms (W3TermsReader) keeping the postings file
    as ``_postfile`` (a StructFile with get(offset, length)).
    """
    return bytes(reader._terms._postfile.get(offset, length))


def postings_file(reader: Any) -> Any:
    """The StructFile a SegmentReader reads postings from (``_terms._postfile``)."""
    return reader._terms._postfile


def term_infos(reader: Any) -> Iterable[tuple[Any, Any]]:
    """Every (term key, term info) of a SegmentReader, in key order.

    Relies on SegmentReader._terms.items(): the public API yields terms
    without the term info that points at the posting list.
    """
    return reader._terms.items()


# -- the index and its table of contents --------------------------------------


def committed_segments(index: Any) -> list:
    """The segments of a FileIndex's newest generation (``_segments()``)."""
    return index._segments()


def toc_segments(index: Any) -> list:
    """The segments a FileIndex's table of contents lists, read now (``_read_toc``)."""
    return index._read_toc().segments


def latest_generation(storage: Any, indexname: str) -> int:
    """The newest TOC generation, -1 for none (``TOC._latest_generation``)."""
    return TOC._latest_generation(storage, indexname)


def toc_filename(indexname: str, generation: int) -> str:
    """The file name of a TOC generation (``TOC._filename``)."""
    return TOC._filename(indexname, generation)


# -- writing ---------------------------------------------------------------------


def block_limit(codec: Any) -> int:
    """Postings per block of a W3Codec (``_blocklimit``, set by its constructor)."""
    return codec._blocklimit


def postings_writer(fieldwriter: Any) -> Any:
    """The postings writer of a W3FieldWriter between start_field and finish_field.

    Relies on W3FieldWriter keeping it as ``_postwriter``, created by
    codec.postings_writer() (so ours is a BulkPostingsWriter).
    """
    return fieldwriter._postwriter


def finalize_segment(writer: SegmentWriter) -> Any:
    """Close a writer's segment without committing: the segment, for a TOC later.

    Relies on SegmentWriter._finalize_segment(), which flushes and assembles
    the segment's files and returns its Segment (what a commit does before
    writing the TOC).
    """
    return writer._finalize_segment()


def close_segment(writer: SegmentWriter) -> None:
    """Close a writer's open segment files (``_close_segment``)."""
    writer._close_segment()


def commit_toc(writer: SegmentWriter, segments: Sequence) -> None:
    """Write a new TOC generation listing ``segments`` (``_commit_toc``)."""
    writer._commit_toc(list(segments))


def finish(writer: SegmentWriter) -> None:
    """Release a writer's lock and mark it closed, as commit() ends (``_finish``)."""
    writer._finish()


class HookedSegmentWriter(SegmentWriter):
    """SegmentWriter whose private steps call methods a subclass overrides.

    add_document() is SegmentWriter.add_document's loop (it relies on
    ``_check_state``, ``_check_fields`` and ``_added``) with each indexed
    field handed to index_field(); ``_assemble_segment`` calls
    segment_assembled() after Whoosh's own; ``_flush_segment`` is replaced
    by flush_postings().
    """

    def index_field(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """Index one field of one document; its length if it is scored."""
        raise NotImplementedError

    def segment_assembled(self) -> None:
        """Called once the segment's files are written."""

    def flush_postings(self) -> None:
        """Write the buffered postings and close the segment's writers."""
        raise NotImplementedError

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                length = self.index_field(fieldname, field, value, docnum)
            if field.separate_spelling() or field.vector:
                raise NotImplementedError("spelling and vectors are not written")
            stored = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(
                fieldname, field, stored if field.stored else None, length
            )
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(
                    fieldname, column, field.to_column_value(stored)
                )
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _assemble_segment(self) -> None:
        super()._assemble_segment()
        self.segment_assembled()

    def _flush_segment(self) -> None:
        self.flush_postings()


# -- the codec -------------------------------------------------------------------
# W3 pickles each block of postings with protocol 2, which in Python 3 stores
# every bytes value (a posting's positions) as a call to ``_codecs.encode``:
# reading such a block took 160 us against 36 us with protocol 4 (128 postings
# of 30 positions). Readers unpickle whatever protocol a block was written with,
# so segments written here and by the stock codec can sit side by side.
# BulkPostingsWriter relies on W3PostingsWriter's block state (``_ids``,
# ``_weights``, ``_values``, ``_maxweight``, ``_minlength``, ``_maxlength``,
# ``_blockcount``, ``_terminfo``, ``_postfile``, ``_new_block``, ``_mini_*``).


class PlansiteCodec(W3Codec):
    """W3 with protocol-4 blocks, packed whole lists (search/engine/packed.py)
    and a bulk path for writing them; reads both kinds of posting list."""

    def postings_writer(self, dbfile, byteids=False):
        return BulkPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if not terminfo.is_inlined():
            offset, length = terminfo.extent()
            if isinstance(length, tuple):
                length = length[0]  # W3TermInfo.from_bytes leaves struct's 1-tuple
            if packed.is_packed(dbfile.get(offset, 4)):
                return PackedLeafMatcher(
                    dbfile, offset, length, format_, term=term, scorer=scorer
                )
        return super().postings_reader(
            dbfile, terminfo, format_, term=term, scorer=scorer
        )


class PackedLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher over a packed posting list, read as one block.

    Relies on W3LeafMatcher keeping its state in ``_postfile``,
    ``_startoffset``, ``_length``, ``_fixedsize``, ``_i``, ``_blocklength``,
    ``_maxid``, ``_maxweight``, ``_compression``, ``_minlength``,
    ``_maxlength``, ``_lastblock``, ``_atend``, ``_data``, ``_ids``,
    ``_weights``, ``_values``, and calling ``_read_header`` once, ``reset``,
    ``_goto`` and the ``_read_*`` methods as it does in 2.7.4.
    """

    def _read_header(self) -> None:
        raw = self._postfile.get(self._startoffset, self._length)
        self._decoded = packed.decode(raw)

    def reset(self) -> None:
        decoded = self._decoded
        count = len(decoded.ids)
        self._blocklength = count
        self._maxid = int(decoded.ids[-1]) if count else None
        self._maxweight = float(decoded.weights.max()) if count else 0.0
        self._compression = 0
        self._minlength = byte_to_length(decoded.min_length_byte)
        self._maxlength = byte_to_length(decoded.max_length_byte)
        self._lastblock = True
        self._atend = not count
        self._i = 0
        self._data = decoded
        self._ids = decoded.ids.tolist()
        self._weights = decoded.weights.tolist()
        self._values = None

    def _goto(self, position: int) -> None:
        raise AssertionError("a packed posting list is one block")

    def _read_data(self) -> None:
        self._data = self._decoded

    def _read_values(self) -> None:
        decoded = self._decoded
        fixed = self._fixedsize
        if fixed is None or fixed < 0:
            if decoded.offsets is None:
                raise ValueError("this packed list stores no offsets")
            # The value BigramPositions stores: the offsets as little-endian uint32.
            ends = np.cumsum(decoded.counts).tolist()
            data = decoded.offsets.astype("<u4").tobytes()
            starts = [0, *ends[:-1]]
            self._values = [
                data[4 * a : 4 * b] for a, b in zip(starts, ends, strict=True)
            ]
        elif fixed == 0:
            self._values = (None,) * self._blocklength
        elif fixed == 4 and decoded.counts is not None:
            # Frequency's value: the count as a big-endian uint32.
            data = decoded.counts.astype(">u4").tobytes()
            self._values = [data[i : i + 4] for i in range(0, len(data), 4)]
        else:
            raise ValueError(f"a packed list has no {fixed}-byte values")


class BulkPostingsWriter(W3PostingsWriter):
    """W3's postings writer; blocks or whole packed lists can be handed over."""

    def add_packed(
        self,
        data: bytes,
        *,
        count: int,
        total_weight: float,
        max_weight: float,
        first_id: int,
        last_id: int,
        min_length: int | None,
        max_length: int,
    ) -> None:
        """Write a whole packed posting list for the term started, with its
        term statistics (what W3TermInfo.add_block sums up block by block)."""
        if self._blockcount or self._ids:
            raise ValueError("a term's postings are packed or in blocks, not both")
        self._postfile.write(data)
        info = self._terminfo
        info._weight = total_weight
        info._df = count
        info._minlength = min_length
        info._maxlength = max_length
        info._maxweight = max_weight
        info._minid = first_id
        info._maxid = last_id
        # finish_postings() then records the extent, as after written blocks.
        self._blockcount = 1

    def _write_block(self, last: bool = False) -> None:
        # W3PostingsWriter._write_block with pickle protocol 4 (see module doc).
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, 4)
        comp = self._compression if len(databytes) >= _MIN_COMPRESS else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                comp,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            4,
        )
        blocklength = len(infobytes) + len(databytes)
        if last:
            blocklength *= -1
        self._postfile.write_int(blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()

    def add_block(
        self,
        ids: array,
        weights: array,
        values: list[bytes] | None,
        min_length: int | None,
        max_length: int,
    ) -> None:
        """Buffer up to one block of postings at once (ids ascending).

        The same state add_posting() builds one posting at a time, so the
        block is written, and the term info updated, by W3's own code.
        """
        if len(self._ids) == self._blocklimit:
            self._write_block()
        if len(self._ids) + len(ids) > self._blocklimit:
            raise ValueError("more postings than fit in one block")
        self._ids.extend(ids)
        self._weights.extend(weights)
        if values:
            # As add_posting: formats with no value (Existence) store none.
            self._values.extend(values)
        top = max(weights) if weights else 0
        if top > self._maxweight:
            self._maxweight = top
        if min_length:
            if self._minlength is None or min_length < self._minlength:
                self._minlength = min_length
            if max_length > self._maxlength:
                self._maxlength = max_length


# W3TermInfo.to_bytes() of a term whose postings are in the postings file:
# flags (not inlined), total weight, document frequency, min and max length
# bytes, max weight, first and last id, then the extent (pack_long, pack_int).
_TERM_INFO = struct.Struct("!BfIBBfIIqi")
# HashWriter.add(): the key's and the value's lengths, before them.
_ROW_LENGTHS = struct.Struct("!ii")
_FIELD_ID = struct.Struct("!H")


class PackedTermStats(NamedTuple):
    """A packed term's statistics as its term info stores them (lengths as
    Whoosh's length bytes)."""

    total_weight: float
    count: int
    min_length_byte: int
    max_length_byte: int
    max_weight: float
    first_id: int
    last_id: int


def add_packed_terms(
    fieldwriter: Any,
    terms: Sequence[bytes],
    datas: Sequence[bytes],
    stats: Iterable[PackedTermStats],
) -> None:
    """Terms of the field started (ascending), each with one packed posting
    list: the bytes start_term(), BulkPostingsWriter.add_packed() and
    finish_term() write term by term, in two writes.

    Per term that was W3's terminfo object, its postings writer and the hash
    writer's bookkeeping: ~15% of a rebuild.
    """
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    dbfile = tindex.dbfile
    hashfn = tindex.hashfn
    buckets = tindex.buckets
    prefix = _FIELD_ID.pack(fieldwriter._fieldid)
    offset = postfile.tell()
    postfile.write(b"".join(datas))
    position = dbfile.tell()
    lastkey = tindex.lastkey
    rows: list[bytes] = []
    positions: list[int] = []
    for tbytes, data, stat in zip(terms, datas, stats, strict=True):
        key = prefix + tbytes
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        value = _TERM_INFO.pack(0, *stat, offset, len(data))
        offset += len(data)
        row = _ROW_LENGTHS.pack(len(key), len(value)) + key + value
        rows.append(row)
        positions.append(position)
        h = hashfn(key)
        buckets[h & 255].append((h, position))
        position += len(row)
        lastkey = key
    dbfile.write(b"".join(rows))
    tindex.index.extend(positions)
    tindex.lastkey = lastkey


# -- the import-time patch -----------------------------------------------------
# Whoosh 2.7.4 opens each file inside a memory-mapped compound segment as a
# BufferFile over a memoryview, whose constructor wraps the view in
# ``BytesIO(buf)``: a copy of the whole file. At 50,000 documents that copied
# about 1.7 GB per process and took 2 s before the first search. MappedReader
# reads the view in place; BufferFile.__init__ is replaced when this module is
# imported. It relies on BufferFile keeping ``_buf``, ``_name``, ``file``,
# ``onclose``, ``is_real`` and ``is_closed``.


class MappedReader:
    """The read-only file interface StructFile uses, over a buffer, no copy."""

    def __init__(self, buf) -> None:
        self._view = memoryview(buf)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._view) if n is None or n < 0 else self._pos + n
        chunk = self._view[self._pos : end].tobytes()
        self._pos += len(chunk)
        return chunk

    def readinto(self, target) -> int:
        chunk = self.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, limit: int = -1) -> bytes:
        view = self._view
        end = (
            len(view)
            if limit is None or limit < 0
            else min(len(view), self._pos + limit)
        )
        start = self._pos
        position = start
        # Pickle asks for lines only for its text opcodes, which W3 never writes.
        while position < end and view[position] != 0x0A:
            position += 1
        position = min(end, position + 1)
        self._pos = position
        return view[start:position].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._view)
        self._pos = max(0, offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view.release()

    def __iter__(self):
        while self._pos < len(self._view):
            yield self.readline()


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    # BufferFile.__init__, with MappedReader where it had BytesIO(buf).
    self._buf = buf
    self._name = name
    self.file = MappedReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _apply_buffer_patch() -> None:
    """Make Whoosh's BufferFile read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init


def buffer_patch_applied() -> bool:
    """Whether BufferFile reads in place (the patch is in effect)."""
    return structfile.BufferFile.__init__ is _buffer_file_init


_apply_buffer_patch()
