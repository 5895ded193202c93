"""Normalise a record whose text is (partly) in its attachments.

The page's labelled values win; fields the page lacks come from the
attachments' first page and signature block (documents/attachments/
metadata.py), a disagreement is a review note. When the page's own body is
too short to say anything ("详见附件。"), the fields inferred from a body
(issuer and date from the signature, region, plan year, a derived title) are
inferred from the first attachment's text; the stored body stays the page's.
"""

from __future__ import annotations

import dataclasses
import logging

from documents import identity
from documents.attachments.ingest import Prepared, review_notes
from documents.attachments.result import Extraction
from documents.ingest import review
from documents.ingest.fingerprint import bare_text
from documents.ingest.normalise import NormalisedRecord, normalise
from documents.ingest.records import RawRecord

logger = logging.getLogger(__name__)

# Document.layout of a document that came as an attachment file of its own.
ATTACHMENT_LAYOUT = "attachment"
# How much of a long attachment the inference reads: the head (title, 发文字号)
# and the tail (signature block, date).
_HEAD_CHARS = 20_000
_TAIL_CHARS = 5_000


def first_text(prepared: list[Prepared]) -> Extraction | None:
    """The first attachment (or bundle member) with text, in the page's order."""
    for item in prepared:
        for found in item.flat():
            if found.extraction is not None and found.extraction.text.strip():
                return found.extraction
    return None


def _reading_text(text: str) -> str:
    if len(text) <= _HEAD_CHARS + _TAIL_CHARS:
        return text
    return text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:]


def normalise_with_attachments(
    record: RawRecord,
    prepared: list[Prepared],
    *,
    encoding: str = "",
    warnings: list[str] | None = None,
) -> NormalisedRecord:
    """``normalise`` with what the attachments add; notes for refused files and
    doubtful OCR."""
    if not prepared:
        return normalise(record, encoding=encoding, warnings=warnings)
    extraction = first_text(prepared)
    if extraction is not None:
        offer_attachment_metadata(record, extraction)
    reading = record
    if extraction is not None and len(bare_text(record.body)) < identity.MIN_BARE:
        body = "\n".join(
            part for part in (record.body, _reading_text(extraction.text)) if part
        )
        reading = dataclasses.replace(record, body=body)
    normalised = normalise(reading, encoding=encoding, warnings=warnings)
    normalised.body = record.body
    notes, reasons = review_notes(prepared)
    if reasons:
        normalised.notes = review.replace_reasons(
            [*normalised.notes, *notes], reasons, replaced=()
        )
        normalised.needs_review = True
    return normalised


def offer_attachment_metadata(record: RawRecord, extraction: Extraction) -> None:
    """Fields from the attachment's first page and signature, where the page
    has none; disagreements noted (i16-metadata's reconcile)."""
    try:
        from documents.attachments import metadata
    except ImportError:
        return  # Not there yet: the inference from the text still runs.
    reconcile = getattr(metadata, "reconcile_into", None)
    if reconcile is None:
        return
    try:
        reconcile(record, extraction)
    except Exception:  # Metadata is a bonus: never lose the document for it.
        logger.exception("metadata from the attachment failed")
