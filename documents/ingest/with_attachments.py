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

from documents import identity
from documents.attachments.ingest import Prepared, review_notes
from documents.attachments.metadata import (
    ATTACHMENT_RANK,
    apply_to_record,
    best_of,
    fields_from_attachment,
    title_from_name,
)
from documents.attachments.result import Extraction
from documents.ingest import review
from documents.ingest.fingerprint import bare_text
from documents.ingest.normalise import NormalisedRecord, normalise
from documents.ingest.records import RawRecord

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
    offer_attachment_metadata(record, prepared)
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


def offer_attachment_metadata(record: RawRecord, prepared: list[Prepared]) -> None:
    """Fields from the attachments' first page and signature where the page has
    none; a disagreement is a note and a review reason (metadata.reconcile)."""
    candidates = [
        fields_from_attachment(found.extraction, name=found.name)
        for item in prepared
        for found in item.flat()
        if found.extraction is not None and found.extraction.text.strip()
    ]
    best = best_of(candidates, page_title=record.fields.get("title", ""))
    if best is not None:
        apply_to_record(record, best)
    if record.layout == ATTACHMENT_LAYOUT and not record.fields.get("title"):
        # Nothing read: the file's name is the title.
        for item in prepared:
            title = title_from_name(item.name)
            if title:
                record.offer("title", title, label="附件文件名", rank=ATTACHMENT_RANK)
                record.stated_inferred.add("title")
                break
