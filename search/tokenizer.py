"""jieba, loaded once per process with the policy and gazetteer dictionaries.

jieba (Python) is the reference segmenter. rjieba (jieba-rs) runs the same
algorithm over the same dictionary about twenty times faster, and cuts blocks
of Han characters, letters and digits exactly as jieba does; it differs only
inside blocks that contain ASCII punctuation (jieba splits 2020-2022 and
Wi-Fi, jieba-rs keeps them whole). So each block goes to rjieba unless it has
such punctuation, and to jieba otherwise. tests/search/test_tokenizer.py
checks that the result equals jieba's own cut over every sample document.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import jieba
from django.conf import settings

logger = logging.getLogger(__name__)

POLICY_TERMS_PATH = Path(__file__).resolve().parent / "dictionary" / "policy_terms.txt"

# jieba's own block patterns (jieba.re_han_default, jieba.re_skip_default).
_HAN_BLOCK = jieba.re_han_default
_SKIP = jieba.re_skip_default
# Where jieba-rs and jieba cut differently (see the module doc): ASCII
# punctuation inside a block, and ideographs jieba-rs counts as Han but jieba
# does not (extension A, U+9FD6-U+9FFF, compatibility, extension B and up). A
# divergent run is a maximal run of such characters and block characters that
# holds at least one of the former; it always ends where a jieba block ends.
if not (_HAN_BLOCK.pattern.startswith("([") and _HAN_BLOCK.pattern.endswith("]+)")):
    raise ImportError(f"unexpected jieba block pattern {_HAN_BLOCK.pattern!r}")
_BLOCK_CHARS = _HAN_BLOCK.pattern[2:-3]
_RS_ONLY_HAN = "\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN_CHAR = f"[{_BLOCK_CHARS}{_RS_ONLY_HAN}]"
_DIVERGENT_RUN = re.compile(f"{_RUN_CHAR}*[+#&._%\\-{_RS_ONLY_HAN}]{_RUN_CHAR}*")

_lock = threading.Lock()
_segmenter: Segmenter | None = None


class SearchToken(NamedTuple):
    """One jieba search-mode token: its text, char offsets and word number."""

    text: str
    start: int
    end: int
    position: int


def gazetteer_names() -> list[str]:
    """Every township, county and city name, or [] while the gazetteer is missing."""
    try:
        from documents.gazetteer.loader import default_gazetteer
    except ImportError as exc:
        # Without it ranking is coarser; exact matching (bigrams) is unaffected.
        logger.warning("gazetteer names not loaded into jieba: %s", exc)
        return []
    return sorted(set(default_gazetteer().dictionary_names()))


def policy_terms() -> list[str]:
    """The words of the repository's policy dictionary."""
    lines = POLICY_TERMS_PATH.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip()]


class Segmenter:
    """jieba with our dictionaries, and rjieba with the same ones when enabled."""

    def __init__(self, *, fast: bool) -> None:
        jieba.setLogLevel(logging.WARNING)
        reference = jieba.Tokenizer()
        # jieba's default cache is $TMPDIR/jieba.cache (mode 0600); a file owned by
        # another user there breaks start-up, so keep it in our own var directory.
        cache_dir = Path(settings.JIEBA_CACHE_DIR)
        cache_dir.mkdir(parents=True, exist_ok=True)
        reference.tmp_dir = str(cache_dir)
        reference.initialize()
        # Dictionaries change tokenisation, so they are loaded here, before the
        # first cut, and never later (add_word is not thread-safe).
        reference.load_userdict(str(POLICY_TERMS_PATH))
        added = policy_terms()
        for name in gazetteer_names():
            reference.add_word(name)
            added.append(name)
        # add_word counts a word that was already in the dictionary twice in the
        # total; the total is the sum of the frequencies, as when it is loaded.
        reference.total = sum(reference.FREQ.values())
        self.reference = reference
        self.freq: dict[str, int] = reference.FREQ
        self.fast: Any = _rjieba(reference, added) if fast else None
        # What each word jieba cuts adds to the ranking field (_search_terms),
        # by normalisation: an index build meets the same words again and again.
        self.terms: dict[Callable[[str], str] | None, _Terms] = {}

    def cut(self, text: str) -> list[str]:
        """jieba's accurate mode with HMM, word for word."""
        reference = self.reference
        fast = self.fast
        if fast is None:
            return list(reference.cut(text, HMM=True))
        # jieba cuts each block on its own, so the text can be cut in spans
        # that end at block boundaries: rjieba between the divergent runs,
        # jieba on them.
        words: list[str] = []
        done = 0
        for run in _DIVERGENT_RUN.finditer(text):
            if run.start() > done:
                words.extend(fast.cut(text[done : run.start()], True))
            words.extend(reference.cut(run.group(), HMM=True))
            done = run.end()
        if done < len(text):
            words.extend(fast.cut(text[done:], True))
        return words


def _rjieba(reference: jieba.Tokenizer, words: list[str]) -> Any:
    try:
        import rjieba
    except ImportError:
        logger.warning("rjieba is not installed; segmenting with jieba alone")
        return None
    fast = rjieba.Jieba()
    # The frequencies jieba settled on, so both score every cut the same.
    for word in dict.fromkeys(words):
        fast.add_word(word, reference.FREQ[word], None)
    return fast


def get_segmenter() -> Segmenter:
    """The process-wide segmenter, built on first use."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                _segmenter = Segmenter(fast=settings.SEARCH_FAST_JIEBA)
                # jieba's dictionary (600,000 entries) and the gazetteer live as
                # long as the process; every full garbage collection walked them
                # (150 ms, on a random request). Take what exists now out of
                # the collector's sight.
                gc.collect()
                gc.freeze()
    return _segmenter


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide reference jieba tokenizer, dictionaries loaded."""
    return get_segmenter().reference


def _is_word(text: str) -> bool:
    """Whitespace and punctuation carry no ranking signal."""
    return text.isalnum() or any(ch.isalnum() for ch in text)


def cut_for_search(text: str, *, subwords: bool = True) -> list[SearchToken]:
    """jieba search-mode tokens with char offsets and sequential word positions.

    jieba's own ChineseTokenizer uses the char offset as the position, which
    breaks phrase queries; here every word of the default cut gets the next
    number and the shorter dictionary words inside it share that number.
    ``subwords=False`` gives the default cut alone.
    """
    segmenter = get_segmenter()
    freq = segmenter.freq
    tokens: list[SearchToken] = []
    start = 0
    position = 0
    for word in segmenter.cut(text):
        width = len(word)
        if _is_word(word):
            if subwords:
                for i, size in _subword_spans(word, freq):
                    tokens.append(
                        SearchToken(
                            word[i : i + size], start + i, start + i + size, position
                        )
                    )
            tokens.append(SearchToken(word, start, start + width, position))
            position += 1
        start += width
    return tokens


def _search_terms(word: str, freq: dict[str, int]) -> tuple[str, ...]:
    """The terms one word of the default cut adds in search mode: itself, then
    its dictionary 2- and 3-grams (as cut_for_search gives them); none for
    whitespace and punctuation."""
    if not _is_word(word):
        return ()
    return (word, *(word[i : i + size] for i, size in _subword_spans(word, freq)))


def _subword_spans(word: str, freq: dict[str, int]) -> list[tuple[int, int]]:
    """(start, size) of the sub-words jieba's search mode adds: dictionary 2-
    and 3-grams of words longer than the gram, 2-grams first."""
    width = len(word)
    if width <= 2:
        return []
    return [
        (i, size)
        for size in ((2, 3) if width > 3 else (2,))
        for i in range(width - size + 1)
        if freq.get(word[i : i + size])
    ]


# Words whose terms a process keeps (per normalisation): about 100 MB at most.
TERMS_CACHE_WORDS = 400_000


class _Terms(dict):
    """Word -> _search_terms(word), each normalised; worked out on first sight."""

    def __init__(self, freq: dict[str, int], normalise: Callable[[str], str] | None):
        super().__init__()
        self.freq = freq
        self.normalise = normalise

    def __missing__(self, word: str) -> tuple[str, ...]:
        terms = _search_terms(word, self.freq)
        if self.normalise is not None:
            terms = tuple(map(self.normalise, terms))
        self[word] = terms
        return terms


def search_word_counts(
    text: str, normalise: Callable[[str], str] | None = None
) -> Counter[str]:
    """How often each word of cut_for_search(text) occurs (sub-words included),
    each passed through ``normalise`` (which must map a word to one string
    whatever its context, as a fold of each character does).

    A word's terms are worked out once per process and kept: most of a
    document's words were met in earlier documents, and the counting is then
    C loops alone.
    """
    segmenter = get_segmenter()
    terms = segmenter.terms.get(normalise)
    if terms is None or len(terms) > TERMS_CACHE_WORDS:
        terms = segmenter.terms[normalise] = _Terms(segmenter.freq, normalise)
    return Counter(chain.from_iterable(map(terms.__getitem__, segmenter.cut(text))))
