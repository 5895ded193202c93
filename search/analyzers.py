"""Whoosh analyzers: jieba words for ranking, char bigrams for exact matching."""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Positions

from search.normalise import fold
from search.tokenizer import cut_for_search


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


class ExactTokenizer(Tokenizer):
    """Overlapping char bigrams (plus unigrams when indexing), position = offset.

    Indexing emits, at every offset i, the unigram text[i] and the bigram
    text[i:i+2]. A query of n >= 2 chars becomes its n-1 bigrams as a phrase
    (consecutive positions), which matches exactly where the n chars occur in
    a row; a 1-char query is its unigram. Whitespace and punctuation are
    kept, so no bigram ever joins chars that are not adjacent in the text.
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
        text = fold(value)
        if not tokenize:
            yield from _emit(token, text, 0, start_pos, start_char)
            return
        if mode == "query":
            for i, gram in enumerate(query_grams(text)):
                yield from _emit(token, gram, i, start_pos, start_char)
            return
        last = len(text) - 1
        for i, ch in enumerate(text):
            # A query never is a lone whitespace char (the parser splits on it).
            if not ch.isspace():
                yield from _emit(token, ch, i, start_pos, start_char)
            if i < last:
                yield from _emit(token, text[i : i + 2], i, start_pos, start_char)


class ExactPositions(Positions):
    """The exact field's posting format: Whoosh's Positions, computed faster.

    Indexing a text with ExactTokenizer gives the same postings, byte for
    byte, as Positions.word_values, without a Token object per char and
    gram: that loop was most of the exact field's indexing time.
    """

    def word_values(self, value, analyzer, **kwargs):
        if not (
            type(analyzer) is ExactTokenizer
            and kwargs.get("mode") == "index"
            and isinstance(value, str)
            and set(kwargs) <= {"mode"}
        ):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        text = fold(value)
        poses: dict[str, list[int]] = {}
        get = poses.get
        # Insertion order as the tokenizer emits: each char, then its pair.
        for i, (ch, gram) in enumerate(zip(text, _pairs(text), strict=True)):
            if not ch.isspace():
                found = get(ch)
                if found is None:
                    poses[ch] = [i]
                else:
                    found.append(i)
            if gram:
                found = get(gram)
                if found is None:
                    poses[gram] = [i]
                else:
                    found.append(i)
        boost = self.field_boost
        encode = self.encode
        for word, poslist in poses.items():
            yield (word, len(poslist), float(len(poslist)) * boost, encode(poslist))


def _pairs(text: str) -> list[str]:
    """Every adjacent char pair, and "" for the last char (no pair follows)."""
    return [a + b for a, b in zip(text, text[1:], strict=False)] + [""] if text else []


def _emit(
    token: Token, text: str, offset: int, start_pos: int, start_char: int
) -> Iterator[Token]:
    token.text = text
    token.boost = 1.0
    token.stopped = False
    if token.positions:
        token.pos = start_pos + offset
    if token.chars:
        token.startchar = start_char + offset
        token.endchar = start_char + offset + len(text)
    yield token


def query_grams(term: str) -> list[str]:
    """The tokens a phrase query needs to find ``term`` (already folded)."""
    if len(term) <= 1:
        return [term] if term else []
    return [term[i : i + 2] for i in range(len(term) - 1)]


def jieba_analyzer() -> JiebaTokenizer:
    """Analyzer for the ranking field."""
    return JiebaTokenizer()


def exact_analyzer() -> ExactTokenizer:
    """Analyzer for the exact-match field."""
    return ExactTokenizer()
