"""Is extracted text really text? The test that sends a PDF page to OCR.

A PDF's text layer can lie. A font without a ToUnicode map gives ``(cid:123)``
runs (pdfminer/pdfplumber), private-use or replacement characters (PDFium), or
Latin-1 mojibake; a scan gives nothing or a few stray characters (a page
number, a stamp's text). A government plan is Chinese, so a low share of CJK
among the letters is a third sign. ``assess_text`` measures all of them and
says which one failed, so the extraction can fall back to OCR and say why.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The reason codes (TextQuality.reason); "" when the text is usable.
EMPTY = "empty"  # nothing, or a few stray characters: a scan
CID_GLYPHS = "cid-glyphs"  # "(cid:123)": a font without a ToUnicode map (pdfminer)
UNMAPPED = "unmapped-chars"  # private-use, U+FFFD or control characters
MOJIBAKE = "mojibake"  # Latin-1 / Latin Extended letters where Chinese should be
LOW_CJK = "low-cjk"  # letters, but few of them Chinese, and not Latin prose

# Thresholds. MIN_CHARS: a text page of a plan has hundreds of characters; a
# short last page ("特此通知。" and a date) still has more than 10. The shares were
# set on the PDFs of tests/attachments/test_quality.py (see docs/ocr.md).
MIN_CHARS = 10
MAX_GARBAGE_SHARE = 0.05
MAX_MOJIBAKE_SHARE = 0.2
MIN_CJK_SHARE = 0.2

_CID = re.compile(r"\(cid:\d+\)")
_SPACE = re.compile(r"\s+")
# Latin prose: ASCII words of two or more letters separated by spaces.
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def is_cjk(ch: str) -> bool:
    """A Han character (the unified ideographs and their extensions)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
    )


def _is_unmapped(ch: str) -> bool:
    cp = ord(ch)
    if ch == "\ufffd":
        return True
    if 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000:  # private use areas
        return True
    # Control characters other than the whitespace ones (PDFium returns raw
    # glyph codes 1-31 for some fonts without a map).
    return unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"


def _is_mojibake_letter(ch: str) -> bool:
    # GB18030 or UTF-8 bytes read as Latin-1/cp1252 land in U+00A0-U+024F.
    return 0x00A0 <= ord(ch) <= 0x024F


@dataclass(frozen=True)
class TextQuality:
    """What ``assess_text`` found; ``reason`` says which test failed."""

    usable: bool
    reason: str  # one of the codes above; "" when usable
    cjk_share: float  # Han characters among letters, 0-1 (0 when no letters)
    chars: int  # characters other than whitespace
    garbage_share: float  # (cid:N) runs, private-use, U+FFFD, controls: 0-1

    @property
    def needs_ocr(self) -> bool:
        return not self.usable


def assess_text(text: str) -> TextQuality:
    """Say whether ``text`` (one page, or a whole file) is usable as it is."""
    cid_runs = _CID.findall(text)
    # Each (cid:N) stands for one glyph: count it as one garbage character.
    cleaned = _CID.sub("\ufffd", text)
    body = _SPACE.sub("", cleaned)
    chars = len(body)
    if chars == 0:
        return TextQuality(False, EMPTY, 0.0, 0, 0.0)

    unmapped = sum(1 for ch in body if _is_unmapped(ch))
    garbage_share = unmapped / chars
    letters = [ch for ch in body if ch.isalpha()]
    cjk = sum(1 for ch in letters if is_cjk(ch))
    cjk_share = cjk / len(letters) if letters else 0.0

    def verdict(reason: str) -> TextQuality:
        return TextQuality(not reason, reason, cjk_share, chars, garbage_share)

    if garbage_share > MAX_GARBAGE_SHARE:
        return verdict(CID_GLYPHS if cid_runs else UNMAPPED)
    if chars - unmapped < MIN_CHARS:
        return verdict(EMPTY)
    if not letters:
        # Digits and punctuation only (a table of figures, a page number):
        # real text, but nothing that OCR would read better.
        return verdict("")
    mojibake = sum(1 for ch in letters if _is_mojibake_letter(ch))
    if mojibake / len(letters) > MAX_MOJIBAKE_SHARE:
        return verdict(MOJIBAKE)
    if cjk_share < MIN_CJK_SHARE and not _reads_as_latin_prose(cleaned, letters):
        return verdict(LOW_CJK)
    return verdict("")


def _reads_as_latin_prose(text: str, letters: list[str]) -> bool:
    """An English (or pinyin) attachment: OCR with chi_sim would only spoil it."""
    ascii_letters = sum(1 for ch in letters if ch.isascii())
    if ascii_letters < 0.9 * len(letters):
        return False
    words = _LATIN_WORD.findall(text)
    # Glyph-code garbage of simple fonts comes as long runs without spaces.
    in_words = sum(len(w) for w in words if len(w) <= 20)
    return in_words >= 0.8 * ascii_letters
