"""jieba, loaded once per process with the policy and gazetteer dictionaries."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import NamedTuple

import jieba
from django.conf import settings

logger = logging.getLogger(__name__)

POLICY_TERMS_PATH = Path(__file__).resolve().parent / "dictionary" / "policy_terms.txt"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


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
        # The loader is written separately; without it ranking is coarser but
        # exact matching (the bigram field) is unaffected.
        logger.warning("gazetteer names not loaded into jieba: %s", exc)
        return []
    return sorted(set(default_gazetteer().dictionary_names()))


def _build() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    # jieba's default cache is $TMPDIR/jieba.cache (mode 0600); a file owned by
    # another user there breaks start-up, so keep it in our own var directory.
    cache_dir = Path(settings.JIEBA_CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    # Dictionaries change tokenisation, so they are loaded here, before the
    # first cut, and never later (add_word is not thread-safe).
    tokenizer.load_userdict(str(POLICY_TERMS_PATH))
    for name in gazetteer_names():
        tokenizer.add_word(name)
    return tokenizer


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, built on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build()
    return _tokenizer


def policy_terms() -> list[str]:
    """The words of the repository's policy dictionary."""
    lines = POLICY_TERMS_PATH.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip()]


def _is_word(text: str) -> bool:
    """Whitespace and punctuation carry no ranking signal."""
    return any(ch.isalnum() for ch in text)


def cut_for_search(text: str, *, subwords: bool = True) -> list[SearchToken]:
    """jieba search-mode tokens with char offsets and sequential word positions.

    jieba's own ChineseTokenizer uses the char offset as the position, which
    breaks phrase queries; here every word of the default cut gets the next
    number and the shorter dictionary words inside it share that number.
    ``subwords=False`` gives the default cut alone, which is what a phrase
    query must look for.
    """
    tokenizer = get_tokenizer()
    freq = tokenizer.FREQ
    tokens: list[SearchToken] = []
    start = 0
    position = 0
    for word in tokenizer.cut(text, HMM=True):
        width = len(word)
        if _is_word(word) and subwords:
            # The same sub-words as jieba's search mode: dictionary 2- and 3-grams.
            for size in (2, 3):
                if width > size:
                    for i in range(width - size + 1):
                        gram = word[i : i + size]
                        if freq.get(gram):
                            tokens.append(
                                SearchToken(gram, start + i, start + i + size, position)
                            )
        if _is_word(word):
            tokens.append(SearchToken(word, start, start + width, position))
            position += 1
        start += width
    return tokens
