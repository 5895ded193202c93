"""Assemble an Extraction's text from pages and paragraphs, with spans and a cap.

Paragraphs are joined by "\n" and pages by "\n", so PageText spans and Heading
offsets index the final text exactly. NUL and other control characters (which
PDFs and old Word files carry) are dropped; the text stops at the cap with a
warning, and the Extraction says it was cut off.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from ..result import Extraction, Heading, PageText

# C0 controls but tab and newline, DEL, C1 controls; unpaired surrogates cannot be
# stored as UTF-8 either.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\u2028\u2029\x85]")


def _radical_table() -> dict[int, str]:
    """Kangxi radicals and CJK radical forms as the ideographs they stand for.

    Many Chinese PDFs map some glyphs to these code points (⽂ U+2F42 for 文,
    ⼯ U+2F2F for 工): they look right and match nothing a reader types. Each
    maps to one character (its NFKC form), so offsets stay where they were.
    """
    table: dict[int, str] = {}
    for code in [*range(0x2E80, 0x2F00), *range(0x2F00, 0x2FE0)]:
        folded = unicodedata.normalize("NFKC", chr(code))
        if len(folded) == 1 and folded != chr(code):
            table[code] = folded
    return table


_RADICALS = _radical_table()


def clean(text: str) -> str:
    """The text with line breaks as "\n", without control characters, and with
    radical code points as the ideographs a reader searches for."""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text)).translate(_RADICALS)


class TextBuilder:
    """Collects pages of paragraphs into one text, page spans and headings."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._parts: list[str] = []
        self._length = 0
        self._pages_started = 0
        self._page_start = 0
        self._paragraphs_in_page = 0
        self.pages: list[PageText] = []
        self.headings: list[Heading] = []
        self.warnings: list[str] = []
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.truncated

    def _append(self, piece: str) -> bool:
        room = self.max_chars - self._length
        if len(piece) > room:
            piece = piece[: max(room, 0)]
            if not self.truncated:
                self.truncated = True
                self.warnings.append(
                    _(
                        "文本超过 %(n)d 个字符，其余部分未收录 "
                        "(text cut at %(n)d characters)"
                    )
                    % {"n": self.max_chars}
                )
        self._parts.append(piece)
        self._length += len(piece)
        return not self.truncated

    def begin_page(self) -> None:
        if self._pages_started:
            self._append("\n")
        self._pages_started += 1
        self._page_start = self._length
        self._paragraphs_in_page = 0

    def end_page(
        self,
        number: int,
        method: str,
        *,
        confidence: float | None = None,
        label: str = "",
    ) -> None:
        self.pages.append(
            PageText(
                number=number,
                start=self._page_start,
                end=self._length,
                method=method,
                confidence=confidence,
                label=label,
            )
        )

    def paragraph(self, text: str, *, heading_level: int = 0) -> None:
        """Add one paragraph to the current page (a heading when level > 0)."""
        if self.truncated:
            return
        text = clean(text)
        if self._paragraphs_in_page:
            self._append("\n")
        self._paragraphs_in_page += 1
        offset = self._length
        if self._append(text) and heading_level and text.strip():
            self.headings.append(Heading(heading_level, text.strip(), offset))

    def page(
        self,
        number: int,
        text: str,
        method: str,
        *,
        confidence: float | None = None,
        label: str = "",
    ) -> None:
        """Add a whole page of text (its lines kept as they are)."""
        self.begin_page()
        self.paragraph(text.strip("\n"))
        self.end_page(number, method, confidence=confidence, label=label)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self, method: str, **fields: object) -> Extraction:
        return Extraction(
            text="".join(self._parts),
            method=method,
            pages=self.pages,
            headings=self.headings,
            warnings=self.warnings + list(fields.pop("warnings", [])),  # type: ignore[arg-type]
            truncated=self.truncated or bool(fields.pop("truncated", False)),
            **fields,  # type: ignore[arg-type]
        )
