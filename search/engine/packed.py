"""plansite's compact posting lists: one flat, NumPy-readable record per term.

Whoosh's W3 format pickles blocks of 128 postings and zlibs them; the bigram
field's offsets were raw uint32 inside those pickles (~4.9 bytes a position,
ids included) and every read unpickled Python objects. A packed list is

    header  ``HEADER`` (magic, flags, the byte width of each array, the
            min/max field length bytes, the number of postings)
    boost   float64, only with ``BOOST`` (weights are counts x boost)
    payload zlib'd only with ``ZLIB`` (large lists, when it pays):
            ids      document numbers, the first absolute then deltas
            counts   with ``COUNTS``: a count per posting (offsets, or
                     Frequency's value, or the weight / boost)
            weights  with ``WEIGHTS``: float32, when they are not counts x boost
            offsets  with ``OFFSETS``: each posting's offsets, the first
                     absolute then deltas within the document (absolute
                     everywhere with ``ABSOLUTE``: a list whose offsets do
                     not ascend)

each array little-endian in the narrowest of 1, 2 or 4 bytes that holds its
largest value. Decoding is np.frombuffer and cumsum: no pickle, no Python
per posting. Encoding (encode_terms) takes a field's postings sorted by term
and makes every term's bytes with whole-array NumPy operations; the Python
left per term is slicing those bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

MAGIC = b"PLp1"
# magic, flags, widths of ids / counts / offsets, min / max length bytes, postings
HEADER = struct.Struct("<4sBBBBBBI")
_BOOST = struct.Struct("<d")
ZLIB, COUNTS, WEIGHTS, OFFSETS, ABSOLUTE, BOOST = 1, 2, 4, 8, 16, 32
# Payloads at least this long are zlib'd (level 1) when that saves a tenth.
# Measured on a 2,500-document segment of the 5,000-document bench archive
# (every 25th term, /tmp/codec_micro.py of issue 19's codec branch): the
# bigram field took 4.97 bytes a position in W3 blocks, 3.35 packed, 2.62
# packed with zlib 1 (Tantivy: ~2.6 with its ids); jieba words 3.52 / 2.23 /
# 1.35 bytes a posting; characters 2.50 / 2.02 / 0.84. Decoding the largest
# list (发展, 2,498 postings, 70,565 offsets): W3 3.9 ms, packed 0.21 ms,
# packed + zlib 1.0 ms (a cold read, once; the cache keeps the arrays).
# zlib pays for its decode time in bytes: the narrowest whole-byte width
# still leaves most offsets' high byte zero.
COMPRESS_FROM = 256
COMPRESS_LEVEL = 1
_DTYPES = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}


@dataclass(frozen=True)
class Decoded:
    """One term's postings: ids (int64), weights (float32), counts and
    offsets (int64, None when not stored), min/max field length bytes."""

    ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray | None
    offsets: np.ndarray | None
    min_length_byte: int
    max_length_byte: int


class DamagedPostings(ValueError):
    """A packed posting list whose bytes do not decode: damaged storage
    (search/engine/integrity.py's STORAGE_ERRORS, a 503), not a bug."""


def is_packed(buf: bytes | memoryview) -> bool:
    """Whether a posting list starts with the packed format's magic."""
    return bytes(buf[:4]) == MAGIC


def decode(buf: bytes | memoryview) -> Decoded:
    """A packed posting list's arrays; DamagedPostings when its bytes are not
    one (cut short, a width or flag no writer makes, lengths that disagree)."""
    try:
        return _decode(buf)
    except DamagedPostings:
        raise
    except (struct.error, zlib.error, KeyError, ValueError, AttributeError) as error:
        raise DamagedPostings(
            f"a packed posting list does not decode ({type(error).__name__}: {error})"
        ) from error


def _decode(buf: bytes | memoryview) -> Decoded:
    magic, flags, idw, cw, ow, minb, maxb, n = HEADER.unpack_from(buf, 0)
    if magic != MAGIC:
        raise DamagedPostings("not a packed posting list")
    if flags & OFFSETS and not flags & COUNTS:
        raise DamagedPostings("offsets without their counts")
    at = HEADER.size
    boost = 1.0
    if flags & BOOST:
        (boost,) = _BOOST.unpack_from(buf, at)
        at += _BOOST.size
    payload = buf[at:]
    if flags & ZLIB:
        payload = zlib.decompress(payload)
    ids = np.frombuffer(payload, _DTYPES[idw], n, 0).astype(np.int64)
    np.cumsum(ids, out=ids)
    at = n * idw
    counts = None
    if flags & COUNTS:
        counts = np.frombuffer(payload, _DTYPES[cw], n, at).astype(np.int64)
        at += n * cw
    if flags & WEIGHTS:
        weights = np.frombuffer(payload, "<f4", n, at).copy()
        at += n * 4
    else:
        weights = counts_to_weights(counts, boost)
    offsets = None
    if flags & OFFSETS:
        total = int(counts.sum())
        offsets = np.frombuffer(payload, _DTYPES[ow], total, at).astype(np.int64)
        if not flags & ABSOLUTE and total:
            offsets = _undelta(offsets, counts)
        at += total * ow
    if at != len(payload):
        raise DamagedPostings(f"{len(payload) - at} bytes more than the postings")
    return Decoded(ids, weights, counts, offsets, minb, maxb)


def counts_to_weights(counts: np.ndarray, boost: float) -> np.ndarray:
    """Weights as the writers compute them: count x boost, as float32."""
    return (counts.astype(np.float64) * boost).astype(np.float32)


def _undelta(deltas: np.ndarray, counts: np.ndarray) -> np.ndarray:
    # A running sum over the whole list, less its value before each posting.
    sums = np.cumsum(deltas)
    used = counts[counts > 0]
    firsts = np.cumsum(used) - used
    base = sums[firsts] - deltas[firsts]
    return sums - np.repeat(base, used)


def _width(top: np.ndarray) -> np.ndarray:
    """The byte width (1, 2 or 4) that holds each maximum."""
    return np.where(top < 0x100, 1, np.where(top < 0x10000, 2, 4)).astype(np.int64)


def _segment_max(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray):
    """The largest value of each run ``values[start:start + size]`` (0 if empty)."""
    if not len(values):
        return np.zeros(len(starts), dtype=np.int64)
    padded = np.append(values.astype(np.int64), 0)
    top = np.maximum.reduceat(padded, np.minimum(starts, len(values)))
    return np.where(sizes > 0, top, 0)


def _pack_runs(values: np.ndarray, sizes: np.ndarray, widths: np.ndarray):
    """Each run of ``values`` (runs of ``sizes``) as bytes of its run's width.

    Returns (buffers by width, each run's start in its width's buffer): runs
    of one width are converted together, so the work is per width, not per run.
    """
    per_value = np.repeat(widths, sizes)
    buffers = {}
    starts = np.zeros(len(sizes), dtype=np.int64)
    for width in (1, 2, 4):
        runs = widths == width
        if not runs.any():
            continue
        buffers[width] = memoryview(
            values[per_value == width].astype(_DTYPES[width]).tobytes()
        )
        nbytes = sizes[runs] * width
        starts[runs] = np.cumsum(nbytes) - nbytes
    return buffers, starts


def encode_terms(
    docs: np.ndarray,
    term_sizes: np.ndarray,
    *,
    counts: np.ndarray | None,
    weights: np.ndarray | None,
    boost: float,
    offsets: np.ndarray | None,
    length_bytes: tuple[np.ndarray, np.ndarray] | None,
) -> list[bytes]:
    """Every term's packed posting list, for postings sorted by (term, document).

    ``docs``: each posting's document; ``term_sizes``: postings of each term.
    ``counts``: a count per posting or None; ``weights``: the float32 weights,
    stored only where they are not counts x boost (None: they are);
    ``offsets``: every posting's offsets in posting order (``counts`` of them
    each) or None; ``length_bytes``: each term's min/max field length bytes.
    """
    n_terms = len(term_sizes)
    starts = np.cumsum(term_sizes) - term_sizes
    docs = docs.astype(np.int64)
    deltas = np.empty_like(docs)
    deltas[1:] = docs[1:] - docs[:-1]
    deltas[:1] = docs[:1]
    deltas[starts] = docs[starts]
    arrays = [(deltas, term_sizes, _width(_segment_max(deltas, starts, term_sizes)))]
    flags = np.zeros(n_terms, dtype=np.int64)
    cw = ow = np.ones(n_terms, dtype=np.int64)
    if counts is not None:
        counts = counts.astype(np.int64)
        cw = _width(_segment_max(counts, starts, term_sizes))
        arrays.append((counts, term_sizes, cw))
        flags |= COUNTS
    if weights is not None:
        arrays.append((weights.view(np.uint32), term_sizes, np.full(n_terms, 4)))
        flags |= WEIGHTS
    if offsets is not None:
        offsets = offsets.astype(np.int64)
        posting_starts = np.cumsum(counts) - counts
        gaps = np.empty_like(offsets)
        gaps[1:] = offsets[1:] - offsets[:-1]
        gaps[:1] = offsets[:1]
        firsts = posting_starts[counts > 0]
        gaps[firsts] = offsets[firsts]
        per_term = np.add.reduceat(
            np.append(counts, 0), np.minimum(starts, len(counts))
        )
        per_term = np.where(term_sizes > 0, per_term, 0)
        offset_starts = np.cumsum(per_term) - per_term
        # A term whose offsets do not ascend inside a document keeps them whole.
        backwards = (
            np.minimum.reduceat(
                np.append(gaps, 0), np.minimum(offset_starts, len(gaps))
            )
            < 0
        ) & (per_term > 0)
        if backwards.any():
            absolute = np.repeat(backwards, per_term)
            gaps[absolute] = offsets[absolute]
            flags[backwards] |= ABSOLUTE
        ow = _width(_segment_max(gaps, offset_starts, per_term))
        arrays.append((gaps, per_term, ow))
        flags |= OFFSETS
    if boost != 1.0:
        flags |= BOOST
    packed = [_pack_runs(values, sizes, widths) for values, sizes, widths in arrays]
    byte_sizes = [sizes * widths for _values, sizes, widths in arrays]
    minb, maxb = (
        length_bytes
        if length_bytes is not None
        else (np.zeros(n_terms, np.int64), np.zeros(n_terms, np.int64))
    )
    boost_bytes = _BOOST.pack(boost) if boost != 1.0 else b""
    columns = [
        flags.tolist(),
        arrays[0][2].tolist(),
        cw.tolist(),
        ow.tolist(),
        minb.tolist(),
        maxb.tolist(),
        term_sizes.tolist(),
    ]
    sections = [
        (
            [buffers[w] for w in widths.tolist()],
            run_starts.tolist(),
            nbytes.tolist(),
        )
        for (buffers, run_starts), (_v, _s, widths), nbytes in zip(
            packed, arrays, byte_sizes, strict=True
        )
    ]
    pack = HEADER.pack
    out = []
    for t, (flag, idw, c, o, lo, hi, n) in enumerate(zip(*columns, strict=True)):
        payload = b"".join(
            [bufs[t][at[t] : at[t] + size[t]] for bufs, at, size in sections]
        )
        if len(payload) >= COMPRESS_FROM:
            squeezed = zlib.compress(payload, COMPRESS_LEVEL)
            if len(squeezed) * 10 < len(payload) * 9:
                payload = squeezed
                flag |= ZLIB
        out.append(pack(MAGIC, flag, idw, c, o, lo, hi, n) + boost_bytes + payload)
    return out
