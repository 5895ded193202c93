"""Whoosh analyzers and posting formats of the three text fields.

- ``text``: jieba search-mode words, for ranking (BM25); frequencies only.
- ``exact``: every pair of adjacent characters at its char offset. A term of
  n >= 2 characters occurs exactly where its bigrams occur at consecutive
  offsets, so a phrase of bigrams finds exactly the documents that contain the
  string, whatever jieba makes of its context.
- ``chars``: every character, with its count: a one-character term.
- ``variants``: where the text's characters differ from their folded form
  (憲, １), each such character at its offset. The other fields hold the
  folded text; with this one a search in the EXACT form tells 憲法 from 宪法
  (search/engine/exact_form.py). Most texts have none.
- ``bounds``: the offsets of the characters that end a sentence ("s") or a
  paragraph ("p"), so proximity (/s, /p) numbers the units an occurrence is
  in (search/engine/matching.py).

Nothing is dropped: whitespace and punctuation make bigrams too, so no bigram
ever joins characters that are not adjacent in the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache

import numpy as np
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Existence, Format, Frequency
from whoosh.system import pack_uint

from search.normalise import Form, fold, fold_case
from search.tokenizer import cut_for_search, search_word_counts

# Code points fit in 21 bits, so a pair of them fits in one 64-bit key.
_SHIFT = 21
_LOW = (1 << _SHIFT) - 1


class JiebaTokenizer(Tokenizer):
    """jieba search-mode words, positions numbered by word, ASCII folded."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = fold(value)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        # A phrase query needs one token per position: no sub-words.
        for word in cut_for_search(value, subwords=mode != "query"):
            token.text = fold(word.text)
            if keeporiginal:
                token.original = word.text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + word.position
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            yield token


class _GramTokenizer(Tokenizer):
    """Shared plumbing: fold the value, emit (text, offset) grams as Tokens.

    ``form`` is how the value is folded: the full text's fields and the
    metadata fields' FOLDED ones by default; a metadata field's EXACT twin
    (field search with form=exact) keeps traditional and full-width forms.
    """

    form: Form = Form.FOLDED

    def __init__(self, form: Form = Form.FOLDED) -> None:
        # Only a non-default form is kept on the instance, so the analyzers
        # of the full-text fields pickle (and compare) as before.
        if form is not Form.FOLDED:
            self.form = form

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.form == getattr(other, "form", None)

    def grams(self, text: str, *, query: bool) -> Iterator[tuple[str, int]]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = fold(value, self.form)
        grams = [(text, 0)] if not tokenize else self.grams(text, query=mode == "query")
        for gram, offset in grams:
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar = start_char + offset
                token.endchar = start_char + offset + len(gram)
            yield token


class BigramTokenizer(_GramTokenizer):
    """Every adjacent pair at its offset; a query is its pairs in a row."""

    def grams(self, text: str, *, query: bool) -> Iterator[tuple[str, int]]:
        grams = query_grams(text) if query else bigrams(text)
        return ((gram, i) for i, gram in enumerate(grams))


class VariantTokenizer(Tokenizer):
    """Every character that folding changes, as written, at its offset.

    A query (mode "query") is every character of the term at its offset.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        raw = fold_case(value)
        if not tokenize:
            grams = [(raw, 0)]
        elif mode == "query":
            grams = [(ch, i) for i, ch in enumerate(raw)]
        else:
            grams = variant_places(raw)
        for gram, offset in grams:
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar = start_char + offset
                token.endchar = start_char + offset + len(gram)
            yield token


class CharTokenizer(_GramTokenizer):
    """Every character but whitespace (a query term never is whitespace alone)."""

    def grams(self, text: str, *, query: bool) -> Iterator[tuple[str, int]]:
        return ((ch, i) for i, ch in enumerate(text) if not ch.isspace())


def bigrams(text: str) -> list[str]:
    """Every pair of adjacent characters, in order."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


def query_grams(term: str) -> list[str]:
    """The bigrams a phrase query needs to find ``term`` (already folded)."""
    return bigrams(term) if len(term) > 1 else []


def encode_key(gram: str) -> int:
    """A character (its code point) or a bigram (two code points) as one int.

    Keys order as the grams' UTF-8 bytes do, which is the order Whoosh's term
    table is written in.
    """
    if len(gram) == 1:
        return ord(gram)
    return (ord(gram[0]) << _SHIFT) | ord(gram[1])


def decode_key(key: int, width: int) -> str:
    """The gram of ``width`` characters that encode_key gave ``key``."""
    if width == 1:
        return chr(key)
    return chr(key >> _SHIFT) + chr(key & _LOW)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(
        text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)


def bigram_arrays(text: str) -> tuple[np.ndarray, np.ndarray, bytes]:
    """A folded text's distinct bigrams: (keys ascending, counts, offsets).

    ``offsets`` is every bigram's offsets as little-endian uint32, grouped by
    bigram in key order, each group ascending.
    """
    if len(text) < 2:
        return np.empty(0, np.uint64), np.empty(0, np.uint32), b""
    points = _code_points(text)
    keys = (points[:-1] << _SHIFT) | points[1:]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(ordered))).astype(np.uint32)
    return ordered[starts], counts, order.astype("<u4").tobytes()


# Whether str.isspace() is true of each code point up to U+3000, the last
# that it is true of; U+3001, the last entry, stands for all above it.
_SPACE = np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)


def char_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A folded text's distinct characters but whitespace: (keys ascending, counts)."""
    if not text:
        return np.empty(0, np.uint64), np.empty(0, np.uint32)
    keys, counts = np.unique(_code_points(text), return_counts=True)
    keep = ~_SPACE[np.minimum(keys, len(_SPACE) - 1)]
    return keys[keep], counts[keep].astype(np.uint32)


def variant_arrays(
    text: str, folded: str | None = None
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """A text's characters that fold() changes: (keys ascending, counts, offsets).

    ``text`` is as written (ASCII case aside: fold_case is applied here); the
    keys are those characters as written, grouped like bigram_arrays().
    ``folded``: fold(text), when the caller has it.
    """
    raw = fold_case(text)
    if not raw:
        return np.empty(0, np.uint64), np.empty(0, np.uint32), b""
    points = _code_points(raw)
    if folded is None:
        folded = fold(raw)
    places = np.flatnonzero(points != _code_points(folded))
    if not len(places):
        return np.empty(0, np.uint64), np.empty(0, np.uint32), b""
    chosen = points[places]
    order = np.argsort(chosen, kind="stable")
    ordered = chosen[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(ordered))).astype(np.uint32)
    return ordered[starts], counts, places[order].astype("<u4").tobytes()


def variant_places(text: str) -> list[tuple[str, int]]:
    """(character as written, offset) wherever fold() changes ``text``."""
    raw = fold_case(text)
    folded = fold(raw)
    pairs = enumerate(zip(raw, folded, strict=True))
    return [(ch, i) for i, (ch, f) in pairs if ch != f]


def bigram_positions(text: str) -> Iterator[tuple[str, int, bytes]]:
    """(bigram, count, offsets as little-endian uint32) for a folded text."""
    keys, counts, offsets = bigram_arrays(text)
    start = 0
    for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
        yield decode_key(key, 2), count, offsets[4 * start : 4 * (start + count)]
        start += count


class BigramPositions(Format):
    """Positions as raw little-endian uint32 offsets, one array per posting.

    Whoosh's Positions pickles a list of deltas per posting; raw offsets are
    read back with one np.frombuffer for a whole block (search/engine), and
    Whoosh's own phrase matching still works through decode_positions.
    """

    posting_size = -1

    def word_values(self, value, analyzer, **kwargs):
        if type(analyzer) is BigramTokenizer and kwargs.get("mode") == "index":
            boost = self.field_boost
            for gram, count, data in bigram_positions(fold(value, analyzer.form)):
                yield gram, count, count * boost, data
            return
        positions: dict[str, list[int]] = {}
        kwargs["positions"] = True
        for token in analyzer(value, **kwargs):
            positions.setdefault(token.text, []).append(token.pos)
        for gram, found in positions.items():
            yield gram, len(found), len(found) * self.field_boost, self.encode(found)

    def encode(self, positions) -> bytes:
        return np.asarray(positions, dtype="<u4").tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return np.frombuffer(valuestring, dtype="<u4").tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]

    def combine(self, vs) -> bytes:
        merged: set[int] = set()
        for v in vs:
            merged.update(self.decode_positions(v))
        return self.encode(sorted(merged))


class VariantPositions(BigramPositions):
    """BigramPositions of single characters: the variants field's offsets."""

    def word_values(self, value, analyzer, **kwargs):
        if type(analyzer) is VariantTokenizer and kwargs.get("mode") == "index":
            keys, counts, offsets = variant_arrays(value)
            boost = self.field_boost
            start = 0
            for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
                data = offsets[4 * start : 4 * (start + count)]
                yield chr(key), count, count * boost, data
                start += count
            return
        yield from super().word_values(value, analyzer, **kwargs)


# The terms of the ``bounds`` field.
SENTENCE_TOKEN = "s"
PARAGRAPH_TOKEN = "p"
# At the text's last character: a one-character term's occurrence there has
# no bigram starting at it (search/engine/matching.py derives the others).
END_TOKEN = "e"


class BoundaryTokenizer(Tokenizer):
    """ "s" at every sentence end, "p" at every paragraph end, at its offset.

    The ends are read from the text as written (search.textmatch.boundaries
    does the same), never from a folded text.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        found = sorted(
            (offset, name)
            for name, offsets in boundary_offsets(value)
            for offset in offsets.tolist()
        )
        for offset, name in found:
            token.text = name
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar = start_char + offset
                token.endchar = start_char + offset + 1
            yield token


@cache
def _unit_ends() -> tuple[tuple[str, np.ndarray], ...]:
    # search.query imports this module, so its constants are read on first use.
    from search.query import PARAGRAPH_ENDS, SENTENCE_ENDS

    return tuple(
        (name, np.array(sorted(map(ord, ends)), dtype=np.uint64))
        for name, ends in (
            (PARAGRAPH_TOKEN, PARAGRAPH_ENDS),
            (SENTENCE_TOKEN, SENTENCE_ENDS),
        )
    )


def boundary_offsets(text: str) -> list[tuple[str, np.ndarray]]:
    """[(token, offsets ascending)]: the text's last offset, and its paragraph
    and sentence ends."""
    if not text:
        return []
    points = _code_points(text)
    out = [(END_TOKEN, np.array([len(points) - 1], dtype=np.int64))]
    for name, ends in _unit_ends():
        found = np.flatnonzero(np.isin(points, ends))
        if len(found):
            out.append((name, found))
    return out


class BoundaryOffsets(BigramPositions):
    """BigramPositions' storage for the ``bounds`` field: offsets of "s" and "p"."""

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        for name, offsets in boundary_offsets(value):
            count = len(offsets)
            yield name, count, count * boost, offsets.astype("<u4").tobytes()


class CharCounts(Existence):
    """A character's presence, with its count as the posting weight."""

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        if type(analyzer) is CharTokenizer and kwargs.get("mode") == "index":
            counts = Counter(fold(value, analyzer.form))
        else:
            counts = Counter(token.text for token in analyzer(value, **kwargs))
        for ch, count in counts.items():
            if not ch.isspace():
                yield ch, count, count * boost, b""


class WordCounts(Frequency):
    """Whoosh's Frequency, counting jieba's words without a Token per word."""

    def word_values(self, value, analyzer, **kwargs):
        if type(analyzer) is not JiebaTokenizer or kwargs.get("mode") != "index":
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, count in word_counts(value).items():
            yield word, count, count * boost, pack_uint(count)


def word_counts(text: str) -> Counter[str]:
    """The ranking field's terms of a text (jieba search-mode words, folded)."""
    # fold() maps each character to one, so a word folds alike in any text.
    return search_word_counts(text, fold)


def jieba_analyzer() -> JiebaTokenizer:
    """Analyzer for the ranking field."""
    return JiebaTokenizer()


def exact_analyzer(form: Form = Form.FOLDED) -> BigramTokenizer:
    """Analyzer for an exact-match (bigram) field, folding in ``form``."""
    return BigramTokenizer(form)


def variant_analyzer() -> VariantTokenizer:
    """Analyzer for the variants field (characters as written where folding
    changes them)."""
    return VariantTokenizer()


def boundary_analyzer() -> BoundaryTokenizer:
    """Analyzer for the sentence and paragraph ends (proximity)."""
    return BoundaryTokenizer()


def char_analyzer(form: Form = Form.FOLDED) -> CharTokenizer:
    """Analyzer for a one-character field, folding in ``form``."""
    return CharTokenizer(form)
