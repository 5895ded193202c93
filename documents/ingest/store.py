"""Stage 7: store each document once, each in its own transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from documents.ingest.errors import RejectedInput
from documents.ingest.normalise import NormalisedRecord
from documents.models import Division, Document, SourcePath

# What a second copy of a document (another path, same 索引号 or text) may add to
# the record: only values the record lacks. Its original, layout, source file and
# body never replace the first copy's.
_COPY_FIELDS = (
    "index_no",
    "title",
    "issuer",
    "doc_date",
    "publish_date",
    "plan_year",
    "category",
    "doc_number",
    "disclosure",
    "source_url",
)
# The region is filled or kept as a whole.
_REGION_FIELDS = ("division_id", "township", "county", "city", "province")
_EMPTY = (None, "")


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
    record: NormalisedRecord,
    *,
    locator: str,
    file_hash: str,
    source_file: str,
    extra: dict[str, Any] | None = None,
) -> tuple[Outcome, int]:
    """Create, update or leave alone the document this source describes.

    ``extra`` holds further Document values (the template stage's).
    """
    values = {**document_values(record, source_file=source_file), **(extra or {})}
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
    if source is not None and source.document_id == target.pk and _is_first(source):
        # The file this document was first read from has changed: follow it.
        changed = [
            name for name, value in values.items() if getattr(target, name) != value
        ]
        for name in changed:
            setattr(target, name, values[name])
    else:
        changed = _merge_copy(target, values)
    if changed:
        target.save()
    SourcePath.objects.update_or_create(
        locator=locator, defaults={"document": target, "file_hash": file_hash}
    )
    return (Outcome.UPDATED if changed else Outcome.UNCHANGED), target.pk


def _is_first(source: SourcePath) -> bool:
    """True for the path a document was first read from (its other paths are copies)."""
    return not SourcePath.objects.filter(
        document_id=source.document_id, pk__lt=source.pk
    ).exists()


def _merge_copy(target: Document, values: dict[str, Any]) -> list[str]:
    """Let another copy fill the record's empty fields; note where the copies differ.

    Returns the names of the fields changed on ``target`` (unsaved).
    """
    copy_inferred = set(values["inferred"])
    inferred = set(target.inferred)
    filled: list[str] = []
    differing: list[str] = []
    for name in _COPY_FIELDS:
        new, old = values[name], getattr(target, name)
        if new in _EMPTY or new == old:
            continue
        if old in _EMPTY:
            setattr(target, name, new)
            filled.append(name)
            if name in copy_inferred:
                inferred.add(name)
        else:
            differing.append(name)
    if (
        target.publish_time is None
        and values["publish_time"] is not None
        and target.publish_date == values["publish_date"]
    ):
        target.publish_time = values["publish_time"]
        filled.append("publish_time")
    code = values["division_code"]
    if code and code != target.division_code:
        # A township inside the county already recorded fills the empty level.
        if code.startswith(target.division_code):
            for name in (*_REGION_FIELDS, "division_code"):
                setattr(target, name, values[name])
            filled.append("division_code")
            if "region" in copy_inferred:
                inferred.add("region")
        else:
            differing.append("division_code")
    if values["content_hash"] != target.content_hash:
        differing.append("body")
    if not filled and not differing:
        return []
    label = values["source_file"]
    notes = list(target.review_notes)
    if filled:
        names = "、".join(_verbose(name) for name in filled)
        notes.append(f"另一来源 {label} 补充了本记录缺少的：{names}")
    for name in differing:
        shown = "（正文不同）" if name == "body" else f"：{str(values[name])[:60]}"
        notes.append(f"另一来源 {label} 的{_verbose(name)}与本记录不同，未采用{shown}")
    notes = list(dict.fromkeys(notes))  # Importing the same copy again adds nothing.
    changed = list(filled)
    if notes != target.review_notes:
        target.review_notes = notes
        changed.append("review_notes")
    if sorted(inferred) != sorted(target.inferred):
        target.inferred = sorted(inferred)
        changed.append("inferred")
    # A value the copy only inferred is as weak in this record as it was there.
    weak_fill = bool(set(filled) & copy_inferred) or (
        "division_code" in filled and "region" in copy_inferred
    )
    needs_review = (
        target.needs_review or bool(differing) or (weak_fill and values["needs_review"])
    )
    if needs_review != target.needs_review:
        target.needs_review = needs_review
        changed.append("needs_review")
    return changed


def _verbose(name: str) -> str:
    if name == "body":
        return "正文"
    if name == "division_code":
        return "地区"
    return str(Document._meta.get_field(name).verbose_name)


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
