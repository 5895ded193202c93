"""The hashes and keys that identify a document's text across scrapes."""

import functools
import hashlib
import html
import re
import unicodedata

_TAG = re.compile(r"<(?:[a-zA-Z][\w:-]*(?:\s[^<>]*)?|/[a-zA-Z][\w:-]*\s*)/?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
# Shingles of this many characters compare two texts (5 Chinese characters are
# about two words: short enough for small edits, long enough to be specific).
_SHINGLE = 5


def content_hash(body: str) -> str:
    """Identity of a text regardless of spacing, so copies from two scrapes match."""
    return hashlib.sha256(re.sub(r"\s+", "", body).encode("utf-8")).hexdigest()


def has_markup(text: str) -> bool:
    """Whether a text still holds HTML tags or character entities."""
    return bool(_TAG.search(text) or _ENTITY.search(text))


# Everything but letters and digits: \W is what str.isalnum() rejects, "_" the
# one word character it does not accept.
_NOT_ALNUM = re.compile(r"[\W_]+")


# Each record's body is stripped three times (its key, the length check, the
# shingles of a near copy): keep the last few.
@functools.lru_cache(maxsize=16)
def bare_text(text: str) -> str:
    """The letters and digits of a text: markup, spacing and punctuation removed.

    Two sources of one document differ in exactly these (a CMS export keeps
    ``<p style=…>`` and ``&nbsp;``, a page scrape full-width punctuation).
    """
    text = html.unescape(_TAG.sub(" ", text))
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text))


def text_key(body: str) -> str:
    """Hash of ``bare_text``: equal for copies that differ only in form; "" if
    the text has no letters at all."""
    bare = bare_text(body)
    return hashlib.sha256(bare.encode("utf-8")).hexdigest() if bare else ""


def shingles(bare: str) -> set[str]:
    """The overlapping character n-grams of a bare text."""
    if len(bare) <= _SHINGLE:
        return {bare} if bare else set()
    return {bare[i : i + _SHINGLE] for i in range(len(bare) - _SHINGLE + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
