"""What an extraction gives back, and the limits it runs under.

These types cross the boundary of the extraction subprocess (sandbox.py) as
JSON, so they hold plain values only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings


class ExtractionRejected(Exception):
    """A file that cannot be read, with a reason a person can act on.

    The reason reads "中文 (english)", as the importer's RejectedInput does.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PageText:
    """One page (or sheet, or image) of an extraction: its span of the text."""

    number: int  # 1-based, as the original numbers it
    start: int  # offsets into Extraction.text
    end: int
    method: str  # how this page's text was had (see Method)
    confidence: float | None = None  # OCR's mean word confidence, 0-100
    label: str = ""  # a sheet's name, an image's file name


@dataclass(frozen=True)
class Heading:
    """A heading of the attachment (DOCX heading styles), for the outline."""

    level: int
    text: str
    offset: int  # where it starts in Extraction.text


class Method:
    """How text was had; stored in Attachment.method, shown on the page."""

    PDF_TEXT = "pdf-text"
    DOCX = "docx"
    LIBREOFFICE = "libreoffice"  # DOC, WPS, ET, … converted headless
    SHEET = "sheet"  # XLS/XLSX rows
    OFD = "ofd"
    OCR = "ocr"  # Tesseract on page images
    MIXED = "mixed"  # some pages from the text layer, some from OCR
    TEXT = "text"  # a plain-text attachment
    BUNDLE = "bundle"  # a ZIP or RAR: its text is in its members' rows


@dataclass
class Extraction:
    """The text of one file, with its pages and how it was had."""

    text: str
    method: str
    pages: list[PageText] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The mean OCR confidence over OCR'd pages (None when nothing was OCR'd),
    # and the pages below PLANSITE_OCR_MIN_CONFIDENCE, to be named for review.
    ocr_confidence: float | None = None
    low_confidence_pages: list[int] = field(default_factory=list)
    # Pages the original has; more than were read when a limit cut it off.
    page_count: int = 0
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        data = dict(data)
        data["pages"] = [PageText(**p) for p in data.get("pages", [])]
        data["headings"] = [Heading(**h) for h in data.get("headings", [])]
        return cls(**data)


@dataclass(frozen=True)
class BundleMember:
    """One file unpacked from a ZIP or RAR bundle."""

    name: str  # its path inside the bundle, as valid text
    path: str  # where it was unpacked, on this machine
    size: int


@dataclass(frozen=True)
class Limits:
    """The attachment limits (settings PLANSITE_ATTACHMENT_* / PLANSITE_EXTRACT_*)."""

    max_file_bytes: int
    max_pages: int
    max_document_bytes: int
    timeout_seconds: float
    memory_bytes: int
    max_text_chars: int
    max_members: int
    max_unpacked_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_file_bytes=settings.PLANSITE_ATTACHMENT_MAX_FILE_BYTES,
            max_pages=settings.PLANSITE_ATTACHMENT_MAX_PAGES,
            max_document_bytes=settings.PLANSITE_ATTACHMENT_MAX_DOCUMENT_BYTES,
            timeout_seconds=settings.PLANSITE_EXTRACT_TIMEOUT,
            memory_bytes=settings.PLANSITE_EXTRACT_MEMORY_BYTES,
            max_text_chars=settings.PLANSITE_EXTRACT_MAX_TEXT_CHARS,
            max_members=settings.PLANSITE_BUNDLE_MAX_MEMBERS,
            max_unpacked_bytes=settings.PLANSITE_BUNDLE_MAX_UNPACKED_BYTES,
        )
