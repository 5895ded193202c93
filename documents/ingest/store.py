"""Stage 7: store each document once, each in its own transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from documents.ingest.errors import RejectedInput
from documents.ingest.normalise import NormalisedRecord
from documents.models import Division, Document, SourcePath

# Fields in which two copies of one document may differ without being two versions.
_COPY_ONLY_FIELDS = {"original", "original_encoding", "layout", "source_file"}


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


def known_unchanged(locator: str, file_hash: str) -> int | None:
    """The document id when this exact source was imported before, else None."""
    row = (
        SourcePath.objects.filter(locator=locator, file_hash=file_hash)
        .values_list("document_id", flat=True)
        .first()
    )
    return row


def document_values(record: NormalisedRecord, *, source_file: str) -> dict[str, Any]:
    """The Document field values for a record."""
    region = record.region
    place = region.place if region is not None else None
    division_code = region.division_code if region is not None else ""
    division_id = (
        division_code
        if division_code and Division.objects.filter(code=division_code).exists()
        else None
    )
    return {
        "index_no": record.index_no,
        "title": record.title,
        "issuer": record.issuer,
        "division_id": division_id,
        "township": region.township if region else "",
        "county": region.county if region else "",
        "city": region.city if region else "",
        "province": region.province if region else "",
        "division_code": division_code if place is not None else "",
        "doc_date": record.doc_date,
        "publish_date": record.publish_date,
        "publish_time": record.publish_time,
        "plan_year": record.plan_year,
        "category": record.category,
        "doc_number": record.doc_number,
        "disclosure": record.disclosure,
        "source_file": source_file[:1000],
        "source_url": record.source_url,
        "original": record.original,
        "original_encoding": record.encoding,
        "layout": record.layout,
        "body": record.body,
        "content_hash": record.content_hash,
        "needs_review": record.needs_review,
        "inferred": sorted(set(record.inferred)),
        "review_notes": record.notes,
    }


def store_record(
    record: NormalisedRecord, *, locator: str, file_hash: str, source_file: str
) -> tuple[Outcome, int]:
    """Create, update or leave alone the document this source describes."""
    values = document_values(record, source_file=source_file)
    try:
        with transaction.atomic():
            return _store(values, locator=locator, file_hash=file_hash)
    except IntegrityError as exc:
        raise RejectedInput(f"与已有记录冲突 (conflict): {exc}") from None


def _store(
    values: dict[str, Any], *, locator: str, file_hash: str
) -> tuple[Outcome, int]:
    source = SourcePath.objects.select_for_update().filter(locator=locator).first()
    target = _find_same_document(values)
    if target is None and source is not None:
        target = source.document
    if target is None:
        document = Document.objects.create(**values)
        SourcePath.objects.update_or_create(
            locator=locator, defaults={"document": document, "file_hash": file_hash}
        )
        return Outcome.IMPORTED, document.pk
    new_path = source is None or source.document_id != target.pk
    if new_path:
        # A document seen before under another path keeps its first source_file.
        values["source_file"] = target.source_file or values["source_file"]
    changed = [name for name, value in values.items() if getattr(target, name) != value]
    if new_path and not set(changed) - _COPY_ONLY_FIELDS:
        # Another copy of the same document (other encoding, line ends, chrome):
        # remember the path, keep the first original.
        changed = []
    if changed:
        for name in changed:
            setattr(target, name, values[name])
        target.save()
    SourcePath.objects.update_or_create(
        locator=locator, defaults={"document": target, "file_hash": file_hash}
    )
    return (Outcome.UPDATED if changed else Outcome.UNCHANGED), target.pk


def _find_same_document(values: dict[str, Any]) -> Document | None:
    """The same document: by 索引号 when there is one, else by its text."""
    if values["index_no"]:
        found = Document.objects.filter(index_no=values["index_no"]).first()
        if found is not None:
            return found
    return (
        Document.objects.filter(content_hash=values["content_hash"])
        .order_by("pk")
        .first()
    )
