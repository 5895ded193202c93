"""A Whoosh segment writer that buffers postings in flat arrays and groups them once.

Whoosh's SegmentWriter puts every posting into a pool as a tuple, sorts all of
them at commit, and hands them one by one to the codec: with ~5,000 postings
a document, that was most of the indexing time. Here each field's postings go
into flat arrays (term id, document, weight, value), the character and bigram
fields a whole document at a time straight from NumPy; at flush a stable sort
groups them by term, and each term's postings are written as one packed list
(search/engine/packed.py; W3 blocks only for a format it does not know). The
segment is a W3 segment whose posting lists only PlansiteCodec (its codec,
recorded in the TOC) reads; Whoosh's own queries read them through it.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.formats import Frequency
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.analyzers import (
    BigramPositions,
    BigramTokenizer,
    CharCounts,
    CharTokenizer,
    JiebaTokenizer,
    VariantPositions,
    VariantTokenizer,
    WordCounts,
    bigram_arrays,
    char_counts,
    decode_key,
    encode_key,
    variant_arrays,
    word_counts,
)
from search.engine import packed
from search.engine.integrity import record_checksums
from search.engine.whoosh_internals import (
    BulkPostingsWriter,
    HookedSegmentWriter,
    PackedTermStats,
    PlansiteCodec,
    add_packed_terms,
    block_limit,
    postings_writer,
)
from search.normalise import Form, fold

_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


class FieldBuffer:
    """One field's postings in arrival order (documents arrive in order).

    ``keyed`` fields (characters, bigrams) name a term by its code-point key,
    which sorts as its UTF-8 bytes do; other fields by an id in a vocabulary.
    """

    def __init__(self, *, keyed: int) -> None:
        # 0: vocabulary ids; 1 or 2: keys of grams of that many characters.
        self.keyed = keyed
        self.vocabulary: dict[bytes, int] = {}
        # The same ids by word (the ranking field's terms arrive as str).
        self.word_ids = _WordIds(self.vocabulary)
        self.terms = array("Q")
        self.docs = array("I")
        self.weights = array("f")
        self.sizes = array("I")
        self.values = bytearray()
        self.has_values = False

    def add(self, tbytes: bytes, docnum: int, weight: float, vbytes: bytes) -> None:
        if self.keyed:
            term = encode_key(tbytes.decode("utf-8"))
        else:
            term = self.vocabulary.get(tbytes)
            if term is None:
                term = self.vocabulary[tbytes] = len(self.vocabulary)
        self.terms.append(term)
        self.docs.append(docnum)
        self.weights.append(weight)
        self.sizes.append(len(vbytes))
        if vbytes:
            self.values += vbytes
            self.has_values = True

    def _extend(
        self, terms: np.ndarray, docnum: int, weights: np.ndarray, sizes: np.ndarray
    ) -> None:
        # Straight into the flat buffers (a copy of bytes each): no arrays kept
        # per document, whose headers cost more than a short field's postings.
        self.terms.frombytes(terms.astype(np.uint64, copy=False).tobytes())
        self.docs.frombytes(np.full(len(terms), docnum, dtype=np.uint32).tobytes())
        self.weights.frombytes(weights.astype(np.float32, copy=False).tobytes())
        self.sizes.frombytes(sizes.astype(np.uint32, copy=False).tobytes())

    def add_document(
        self, docnum: int, keys: np.ndarray, counts: np.ndarray, values: bytes
    ) -> None:
        """One document's terms (keys) with their counts and concatenated values."""
        n = len(keys)
        sizes = counts * 4 if values else np.zeros(n, np.uint32)
        self._extend(keys, docnum, counts, sizes)
        if values:
            self.values += values
            self.has_values = True

    def add_words(self, docnum: int, counts: dict[str, int], boost: float) -> None:
        """One document's words with their counts, as Frequency stores them."""
        ids = np.fromiter(
            map(self.word_ids.__getitem__, counts), dtype=np.uint64, count=len(counts)
        )
        frequencies = np.fromiter(counts.values(), dtype=np.uint32, count=len(ids))
        self._extend(
            ids, docnum, frequencies * boost, np.full(len(ids), 4, dtype=np.uint32)
        )
        # Frequency's value: the count as a big-endian uint32 (pack_uint).
        self.values += frequencies.astype(">u4").tobytes()
        self.has_values = True

    @property
    def nbytes(self) -> int:
        """Bytes the buffered postings take (what a segment's flush sorts)."""
        return (
            len(self.terms) * self.terms.itemsize
            + len(self.docs) * self.docs.itemsize
            + len(self.weights) * self.weights.itemsize
            + len(self.sizes) * self.sizes.itemsize
            + len(self.values)
        )

    def take_arrays(self) -> tuple[np.ndarray, ...]:
        """(terms, docs, weights, sizes) of every posting in arrival order.

        The buffers are handed over as they are, not copied: a
        10,000-document segment's bigram postings alone are about 600 MB.
        """
        joined = (
            np.frombuffer(self.terms, dtype=np.uint64),
            np.frombuffer(self.docs, dtype=np.uint32),
            np.frombuffer(self.weights, dtype=np.float32),
            np.frombuffer(self.sizes, dtype=np.uint32),
        )
        self.terms, self.docs = array("Q"), array("I")
        self.weights, self.sizes = array("f"), array("I")
        return joined

    def term_bytes(self) -> tuple[np.ndarray, list[bytes]]:
        """(sort rank of each term id or key, the bytes of each rank)."""
        if self.keyed:
            raise TypeError("keyed terms sort by their keys")
        ordered = sorted(self.vocabulary, key=bytes)
        rank = np.empty(len(ordered), dtype=np.int64)
        for position, tbytes in enumerate(ordered):
            rank[self.vocabulary[tbytes]] = position
        return rank, ordered


class _WordIds(dict):
    """Word -> its id in ``vocabulary`` (keyed by UTF-8 bytes), added on first
    sight: a lookup by str skips encoding every word of every document."""

    def __init__(self, vocabulary: dict[bytes, int]) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, word: str) -> int:
        vocabulary = self.vocabulary
        term = self[word] = vocabulary.setdefault(word.encode("utf-8"), len(vocabulary))
        return term


class Postings:
    """The writer's posting pool, one FieldBuffer per field."""

    def __init__(self, schema) -> None:
        self.schema = schema
        self.fields: dict[str, FieldBuffer] = {}
        self.fieldnames: set[str] = set()

    @property
    def nbytes(self) -> int:
        """Bytes every field's buffered postings take."""
        return sum(buffer.nbytes for buffer in self.fields.values())

    def buffer(self, fieldname: str) -> FieldBuffer:
        found = self.fields.get(fieldname)
        if found is None:
            fmt = self.schema[fieldname].format
            # The bounds field's terms ("s", "p") are words, not keyed grams.
            keyed = (
                1
                if isinstance(fmt, VariantPositions)
                else 2
                if type(fmt) is BigramPositions
                else 1
                if isinstance(fmt, CharCounts)
                else 0
            )
            found = self.fields[fieldname] = FieldBuffer(keyed=keyed)
            self.fieldnames.add(fieldname)
        return found

    def add(self, item: tuple) -> None:
        # (fieldname, term bytes, docnum, weight, value bytes), as
        # SegmentWriter.add_reader produces it when merging segments.
        fieldname, tbytes, docnum, weight, vbytes = item
        self.buffer(fieldname).add(tbytes, docnum, weight, vbytes or b"")

    def cleanup(self) -> None:
        self.fields.clear()


class BulkSegmentWriter(HookedSegmentWriter):
    """SegmentWriter with array buffers for its pool and a flush of whole
    packed posting lists.

    Whoosh's add_document() loop hands each indexed field to index_field()
    (search/engine/whoosh_internals.py).

    Stored fields, columns, deletions, merging other segments (add_reader),
    the TOC and the lock are Whoosh's own code.
    """

    def __init__(self, ix, **kwargs) -> None:
        kwargs.setdefault("codec", PlansiteCodec())
        if not isinstance(kwargs["codec"], PlansiteCodec):
            raise TypeError("BulkSegmentWriter writes with PlansiteCodec")
        super().__init__(ix, **kwargs)
        self.pool = Postings(self.schema)
        self._last_fold: tuple[str, Form, str] | None = None

    def index_field(self, fieldname: str, field, value, docnum: int) -> int:
        """Buffer one field's postings; returns its length if it is scored.

        The three text fields are analysed a document at a time (see
        search/analyzers.py); any other field through Whoosh's field.index().
        """
        buffer = self.pool.buffer(fieldname)
        kind = (type(field.format), type(field.analyzer))
        if isinstance(value, str) and kind == (BigramPositions, BigramTokenizer):
            folded = self._fold(value, field.analyzer.form)
            keys, counts, offsets = bigram_arrays(folded)
            buffer.add_document(docnum, keys, counts, offsets)
            length = int(counts.sum())
        elif isinstance(value, str) and kind == (VariantPositions, VariantTokenizer):
            folded = self._fold(value, Form.FOLDED)
            keys, counts, offsets = variant_arrays(value, folded)
            buffer.add_document(docnum, keys, counts, offsets)
            length = int(counts.sum())
        elif isinstance(value, str) and kind == (CharCounts, CharTokenizer):
            keys, counts = char_counts(self._fold(value, field.analyzer.form))
            buffer.add_document(docnum, keys, counts, b"")
            length = int(counts.sum())
        elif isinstance(value, str) and kind == (WordCounts, JiebaTokenizer):
            words = word_counts(value)
            buffer.add_words(docnum, words, field.format.field_boost)
            length = sum(words.values())
        else:
            length = 0
            for tbytes, freq, weight, vbytes in field.index(value):
                length += freq
                buffer.add(tbytes, docnum, weight, vbytes)
        return length if field.scorable else 0

    def _fold(self, value: str, form: Form) -> str:
        # The bigram, character and variant fields fold the same text: once.
        last = self._last_fold
        if last is not None and last[1] is form and last[0] == value:
            return last[2]
        folded = fold(value, form)
        self._last_fold = (value, form, folded)
        return folded

    def segment_assembled(self) -> None:
        # Whoosh keeps no checksums; the sidecar lets a reader tell an
        # overwritten or truncated file (search/engine/integrity.py).
        folder = getattr(self.storage, "folder", None)
        if folder:
            record_checksums(Path(folder), self.get_segment().segment_id())

    def flush_postings(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            self._write_terms(lengths)
        finally:
            self.fieldwriter.close()
            if lengths is not None:
                lengths.close()

    def _write_terms(self, lengths) -> None:
        fieldwriter = self.fieldwriter
        # Field numbers are given out in start_field order and the term table
        # must be written in key order, so fields go in name order.
        for fieldname in sorted(self.pool.fields):
            # Each field's buffers are let go once it is written.
            buffer = self.pool.fields.pop(fieldname)
            fieldobj = self.schema[fieldname]
            terms, docs, weights, sizes = buffer.take_arrays()
            if not len(terms):
                continue
            doc_lengths = (
                _field_lengths(lengths, fieldname) if fieldobj.scorable else None
            )
            if buffer.keyed:
                sort_key = terms
                names = None
            else:
                rank, names = buffer.term_bytes()
                sort_key = rank[terms.astype(np.int64)]
            del terms
            fixed = fieldobj.format.fixed_value_size()
            values = memoryview(buffer.values)
            all_rows = all_starts = None
            if buffer.has_values and fixed and len(values) == fixed * len(sort_key):
                # Fixed-size values (Frequency): gather them as rows of bytes.
                all_rows = np.frombuffer(values, dtype=np.uint8).reshape(-1, fixed)
            elif buffer.has_values:
                all_starts = np.cumsum(sizes, dtype=np.int64) - sizes
            tbytes_of = (
                functools.partial(_key_bytes, width=buffer.keyed)
                if names is None
                else names.__getitem__
            )
            kind = _packed_kind(
                fieldobj.format, buffer, sizes, fixed_rows=all_rows is not None
            )
            fieldwriter.start_field(fieldname, fieldobj)
            postings: BulkPostingsWriter = postings_writer(fieldwriter)
            for chosen, sorted_key in _key_ranges(sort_key):
                rows = value_starts = None
                if all_rows is not None:
                    rows = all_rows[chosen]
                elif all_starts is not None:
                    value_starts = all_starts[chosen]
                sorted_postings = _Sorted(
                    docs[chosen],
                    weights[chosen],
                    rows,
                    value_starts,
                    sizes[chosen],
                    values,
                )
                del chosen
                bounds = np.flatnonzero(
                    np.concatenate(([True], sorted_key[1:] != sorted_key[:-1]))
                )
                keys = sorted_key[bounds].tolist()
                bounds = np.append(bounds, len(sorted_key))
                del sorted_key
                if kind is None:
                    self._write_blocks(
                        postings,
                        keys,
                        bounds.tolist(),
                        tbytes_of,
                        doc_lengths,
                        sorted_postings,
                    )
                else:
                    _write_packed(
                        fieldwriter,
                        kind,
                        fieldobj.format.field_boost,
                        keys,
                        bounds,
                        tbytes_of,
                        doc_lengths,
                        sorted_postings,
                    )
                del sorted_postings
            fieldwriter.finish_field()
        self.pool.cleanup()

    def _write_blocks(
        self, postings, keys, bounds, tbytes_of, doc_lengths, sorted_postings
    ) -> None:
        """W3 blocks of 128 postings, for a format the packed lists do not know."""
        fieldwriter = self.fieldwriter
        limit = block_limit(self.codec)
        docs, weights, rows, value_starts, sizes, values = sorted_postings
        fixed = rows is not None
        for key, first, last in zip(keys, bounds[:-1], bounds[1:], strict=True):
            fieldwriter.start_term(tbytes_of(key))
            for start in range(first, last, limit):
                stop = min(start + limit, last)
                block_docs = docs[start:stop]
                block_values = None
                if rows is not None:
                    block_values = [rows[start:stop].tobytes()]
                elif value_starts is not None:
                    cuts = value_starts[start:stop].tolist()
                    ends = (value_starts[start:stop] + sizes[start:stop]).tolist()
                    pieces = [
                        bytes(values[a:b]) for a, b in zip(cuts, ends, strict=True)
                    ]
                    block_values = [b"".join(pieces)] if fixed else pieces
                low = high = 0
                if doc_lengths is not None:
                    chosen = doc_lengths[block_docs]
                    low, high = int(chosen.min()), int(chosen.max())
                postings.add_block(
                    array("I", block_docs.tolist()),
                    array("f", weights[start:stop].tolist()),
                    block_values,
                    low or None,
                    high,
                )
            fieldwriter.finish_term()


# Postings sorted at a time when a field is written: the sort's arrays (about
# 40 bytes a posting) are bounded by this, not by the segment's size.
_SORT_RANGE = 1 << 23


def _key_ranges(sort_key: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(positions, their keys) of the postings of consecutive ranges of keys,
    each sorted by key and then by position (as one stable sort of all of
    them), about _SORT_RANGE postings a range."""
    n = len(sort_key)
    if n <= _SORT_RANGE:
        order = np.argsort(sort_key, kind="stable")
        yield order, sort_key[order]
        return
    # Range edges from a sample of the keys; a range is [low, high).
    sample = np.sort(sort_key[:: max(1, n // 65536)])
    pieces = -(-n // _SORT_RANGE)
    picks = np.linspace(0, len(sample) - 1, pieces + 1)[1:-1].astype(np.int64)
    edges = np.unique(sample[picks])
    limits = [None, *edges.tolist(), None]
    for low, high in zip(limits[:-1], limits[1:], strict=True):
        if low is None and high is None:
            chosen = np.arange(n)
        else:
            if low is None:
                inside = sort_key < high
            elif high is None:
                inside = sort_key >= low
            else:
                inside = (sort_key >= low) & (sort_key < high)
            chosen = np.flatnonzero(inside)
            del inside
        keys = sort_key[chosen]
        order = np.argsort(keys, kind="stable")
        yield chosen[order], keys[order]


class _Sorted(NamedTuple):
    """A field's postings sorted by term (then document): the arrays, and
    where each posting's value is (rows of fixed-size values, or the start
    and size of each in ``values``)."""

    docs: np.ndarray
    weights: np.ndarray
    rows: np.ndarray | None
    value_starts: np.ndarray | None
    sizes: np.ndarray
    values: memoryview


# Postings per call of packed.encode_terms: bounds the memory its arrays take.
_PACK_CHUNK = 1 << 20


def _packed_kind(
    fmt, buffer: FieldBuffer, sizes: np.ndarray, fixed_rows: bool
) -> str | None:
    """How a field's postings are packed: "offsets" (BigramPositions and its
    kin: uint32 offsets as values), "frequency" (a 4-byte count as value),
    "weights" (no value); None for a format packed lists do not know.
    ``sizes``: every posting's value size; ``fixed_rows``: whether the values
    are all of the format's fixed size."""
    fixed = fmt.fixed_value_size()
    if isinstance(fmt, BigramPositions):
        if not buffer.has_values:
            return "offsets" if not len(sizes) else None
        # Values start where the sizes before them add up to: multiples of 4.
        return None if (sizes % 4).any() else "offsets"
    if isinstance(fmt, Frequency) and fixed == 4 and fixed_rows:
        return "frequency"
    if fixed == 0 and not buffer.has_values:
        return "weights"
    return None


def _write_packed(
    fieldwriter,
    kind: str,
    boost: float,
    keys: list,
    bounds: np.ndarray,
    tbytes_of,
    doc_lengths: np.ndarray | None,
    sorted_postings: _Sorted,
) -> None:
    """Every term of a field as one packed list (search/engine/packed.py),
    encoded a chunk of whole terms at a time with array operations."""
    docs, weights, rows, value_starts, sizes, values = sorted_postings
    offsets_u4 = (
        np.frombuffer(values, dtype="<u4")
        if kind == "offsets" and len(values)
        else None
    )
    first_term = 0
    n_terms = len(keys)
    while first_term < n_terms:
        # Whole terms, about _PACK_CHUNK postings (at least one term).
        last_term = int(
            np.searchsorted(bounds, bounds[first_term] + _PACK_CHUNK, side="right")
        )
        last_term = min(max(last_term - 1, first_term + 1), n_terms)
        p0, p1 = int(bounds[first_term]), int(bounds[last_term])
        term_sizes = np.diff(bounds[first_term : last_term + 1])
        starts = bounds[first_term:last_term] - p0
        c_docs = docs[p0:p1]
        c_weights = weights[p0:p1]
        offsets = None
        if kind == "offsets":
            counts = (sizes[p0:p1] // 4).astype(np.int64)
            total = int(counts.sum())
            if total:
                firsts = value_starts[p0:p1] // 4
                index = np.repeat(firsts - (np.cumsum(counts) - counts), counts)
                offsets = offsets_u4[index + np.arange(total)]
            else:
                offsets = np.empty(0, dtype=np.uint32)
        elif kind == "frequency":
            counts = np.ascontiguousarray(rows[p0:p1]).view(">u4").ravel()
            counts = counts.astype(np.int64)
        else:
            counts = np.rint(c_weights.astype(np.float64) / boost).astype(np.int64)
            if (counts < 0).any() or (counts >= 1 << 32).any():
                counts = None
        raw = c_weights
        if counts is not None and np.array_equal(
            packed.counts_to_weights(counts, boost), c_weights
        ):
            raw = None
        length_bytes = None
        low = high = None
        if doc_lengths is not None:
            chosen = doc_lengths[c_docs]
            low = np.minimum.reduceat(np.where(chosen > 0, chosen, _NO_LENGTH), starts)
            high = np.maximum.reduceat(chosen, starts)
            length_bytes = (
                np.array([length_to_byte(int(x)) for x in low.tolist()], np.int64),
                np.array([length_to_byte(int(x)) for x in high.tolist()], np.int64),
            )
            length_bytes[0][low == _NO_LENGTH] = 0
        datas = packed.encode_terms(
            c_docs,
            term_sizes,
            counts=counts,
            weights=raw,
            boost=boost,
            offsets=offsets,
            length_bytes=length_bytes,
        )
        wide = c_weights.astype(np.float64)
        totals = np.add.reduceat(wide, starts).tolist()
        tops = np.maximum.reduceat(wide, starts).tolist()
        first_ids = c_docs[starts].tolist()
        last_ids = c_docs[starts + term_sizes - 1].tolist()
        if length_bytes is None:
            low_bytes = high_bytes = [0] * len(starts)
        else:
            low_bytes, high_bytes = (b.tolist() for b in length_bytes)
        add_packed_terms(
            fieldwriter,
            [tbytes_of(key) for key in keys[first_term:last_term]],
            datas,
            map(
                PackedTermStats,
                totals,
                term_sizes.tolist(),
                low_bytes,
                high_bytes,
                tops,
                first_ids,
                last_ids,
            ),
        )
        first_term = last_term


_NO_LENGTH = np.iinfo(np.int64).max


def _key_bytes(key: int, width: int) -> bytes:
    return decode_key(key, width).encode("utf-8")


def _field_lengths(lengths, fieldname: str) -> np.ndarray | None:
    """Each document's length in a scored field, from the segment's length column."""
    if lengths is None:
        return None
    column = f"_{fieldname}_len"
    if not lengths.has_column(column):
        return None
    stored = lengths.column_reader(column, LENGTHS_COLUMN)
    return _LENGTH_OF_BYTE[np.asarray(list(stored), dtype=np.int64)]
