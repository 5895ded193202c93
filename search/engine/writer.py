"""A Whoosh segment writer that buffers postings in flat arrays and groups them once.

Whoosh's SegmentWriter puts every posting into a pool as a tuple, sorts all of
them at commit, and hands them one by one to the codec: with ~5,000 postings
a document, that was most of the indexing time. Here each field's postings go
into flat arrays (term id, document, weight, value), the character and bigram
fields a whole document at a time straight from NumPy; at flush a stable sort
groups them by term, and the codec receives whole blocks. The segment is an
ordinary W3 segment that any Whoosh reader reads.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length

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
from search.engine.integrity import record_checksums
from search.engine.whoosh_internals import (
    BulkPostingsWriter,
    HookedSegmentWriter,
    PlansiteCodec,
    block_limit,
    postings_writer,
)
from search.normalise import fold

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
        self.terms = array("Q")
        self.docs = array("I")
        self.weights = array("f")
        self.sizes = array("I")
        self.values = bytearray()
        # Whole documents from NumPy: (terms, docs, weights, sizes) chunks.
        self.chunks: list[tuple[np.ndarray, ...]] = []
        self.has_values = False

    def add(self, tbytes: bytes, docnum: int, weight: float, vbytes: bytes) -> None:
        if self.keyed:
            term = encode_key(tbytes.decode("utf-8"))
        else:
            term = self.vocabulary.get(tbytes)
            if term is None:
                term = self.vocabulary[tbytes] = len(self.vocabulary)
        self._flush_chunks()
        self.terms.append(term)
        self.docs.append(docnum)
        self.weights.append(weight)
        self.sizes.append(len(vbytes))
        if vbytes:
            self.values += vbytes
            self.has_values = True

    def add_document(
        self, docnum: int, keys: np.ndarray, counts: np.ndarray, values: bytes
    ) -> None:
        """One document's terms (keys) with their counts and concatenated values."""
        n = len(keys)
        weights = counts.astype(np.float32)
        sizes = (counts * 4).astype(np.uint32) if values else np.zeros(n, np.uint32)
        self.chunks.append((keys, np.full(n, docnum, dtype=np.uint32), weights, sizes))
        if values:
            self.values += values
            self.has_values = True

    def add_words(self, docnum: int, counts: dict[str, int], boost: float) -> None:
        """One document's words with their counts, as Frequency stores them."""
        vocabulary = self.vocabulary
        ids = [
            vocabulary.setdefault(word.encode("utf-8"), len(vocabulary))
            for word in counts
        ]
        frequencies = np.fromiter(counts.values(), dtype=np.uint32, count=len(ids))
        n = len(ids)
        self.chunks.append(
            (
                np.asarray(ids, dtype=np.uint64),
                np.full(n, docnum, dtype=np.uint32),
                (frequencies * boost).astype(np.float32),
                np.full(n, 4, dtype=np.uint32),
            )
        )
        # Frequency's value: the count as a big-endian uint32 (pack_uint).
        self.values += frequencies.astype(">u4").tobytes()
        self.has_values = True

    def _flush_chunks(self) -> None:
        # Keep arrival order: chunks before single postings that follow them.
        if not self.chunks:
            return
        for keys, docs, weights, sizes in self.chunks:
            self.terms.extend(keys.tolist())
            self.docs.extend(docs.tolist())
            self.weights.extend(weights.tolist())
            self.sizes.extend(sizes.tolist())
        self.chunks.clear()

    def take_arrays(self) -> tuple[np.ndarray, ...]:
        """(terms, docs, weights, sizes) of every posting in arrival order.

        The buffers are handed over, not copied twice: a 10,000-document
        segment's bigram postings alone are about 600 MB.
        """
        parts = [
            (
                np.frombuffer(self.terms, dtype=np.uint64),
                np.frombuffer(self.docs, dtype=np.uint32),
                np.frombuffer(self.weights, dtype=np.float32),
                np.frombuffer(self.sizes, dtype=np.uint32),
            )
        ]
        parts.extend(self.chunks)
        self.chunks = []
        joined = tuple(np.concatenate([p[i] for p in parts]) for i in range(4))
        del parts
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


class Postings:
    """The writer's posting pool, one FieldBuffer per field."""

    def __init__(self, schema) -> None:
        self.schema = schema
        self.fields: dict[str, FieldBuffer] = {}
        self.fieldnames: set[str] = set()

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
    """SegmentWriter with array buffers for its pool and a block-wise flush.

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

    def index_field(self, fieldname: str, field, value, docnum: int) -> int:
        """Buffer one field's postings; returns its length if it is scored.

        The three text fields are analysed a document at a time (see
        search/analyzers.py); any other field through Whoosh's field.index().
        """
        buffer = self.pool.buffer(fieldname)
        kind = (type(field.format), type(field.analyzer))
        if isinstance(value, str) and kind == (BigramPositions, BigramTokenizer):
            keys, counts, offsets = bigram_arrays(fold(value, field.analyzer.form))
            buffer.add_document(docnum, keys, counts, offsets)
            length = int(counts.sum())
        elif isinstance(value, str) and kind == (VariantPositions, VariantTokenizer):
            keys, counts, offsets = variant_arrays(value)
            buffer.add_document(docnum, keys, counts, offsets)
            length = int(counts.sum())
        elif isinstance(value, str) and kind == (CharCounts, CharTokenizer):
            keys, counts = char_counts(fold(value, field.analyzer.form))
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
        limit = block_limit(self.codec)
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
            order = np.argsort(sort_key, kind="stable")
            sorted_key = sort_key[order]
            del sort_key
            docs = docs[order]
            weights = weights[order]
            fixed = fieldobj.format.fixed_value_size()
            value_starts = rows = None
            values = memoryview(buffer.values)
            if buffer.has_values and fixed and len(values) == fixed * len(terms):
                # Fixed-size values (Frequency): gather them as rows of bytes.
                rows = np.frombuffer(values, dtype=np.uint8).reshape(-1, fixed)[order]
            elif buffer.has_values:
                starts = np.cumsum(sizes, dtype=np.int64) - sizes
                value_starts = starts[order]
                sizes = sizes[order]
            bounds = np.flatnonzero(
                np.concatenate(([True], sorted_key[1:] != sorted_key[:-1]))
            ).tolist()
            bounds.append(len(sorted_key))
            keys = sorted_key[bounds[:-1]].tolist()
            fieldwriter.start_field(fieldname, fieldobj)
            postings: BulkPostingsWriter = postings_writer(fieldwriter)
            for key, first, last in zip(keys, bounds[:-1], bounds[1:], strict=True):
                tbytes = (
                    decode_key(key, buffer.keyed).encode("utf-8")
                    if names is None
                    else names[key]
                )
                fieldwriter.start_term(tbytes)
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
            fieldwriter.finish_field()
        self.pool.cleanup()


def _field_lengths(lengths, fieldname: str) -> np.ndarray | None:
    """Each document's length in a scored field, from the segment's length column."""
    if lengths is None:
        return None
    column = f"_{fieldname}_len"
    if not lengths.has_column(column):
        return None
    stored = lengths.column_reader(column, LENGTHS_COLUMN)
    return _LENGTH_OF_BYTE[np.asarray(list(stored), dtype=np.int64)]
