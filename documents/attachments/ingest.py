"""Attach files to a document: store the originals, extract their text, write rows.

Two steps, so that no database transaction waits for a converter:

1. ``prepare()`` (outside any transaction): each original goes into the store
   (store.py) and is read in a child process with limits (sandbox.py); a ZIP
   is unpacked and each member read. The text of bytes read before (the same
   SHA-256 on any document) is taken from that row: OCR never runs twice for
   the same bytes, also after a restore.
2. ``write_rows()`` (inside the document's transaction): one Attachment row
   per file, once per document (the unique constraint), with its text.

``extract_row()`` does both for a row that waits as PENDING (an admin upload;
documents/attachments/queue.py).
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from documents import identity
from documents.attachments import ahead as read_ahead
from documents.attachments import kinds, store
from documents.attachments.result import (
    Extraction,
    ExtractionRejected,
    Heading,
    Limits,
    Method,
    PageText,
)
from documents.attachments.sandbox import run_extraction, unpack_bundle
from documents.ingest import review
from documents.ingest.fingerprint import bare_text, content_hash, text_key
from documents.models import Attachment
from documents.texts import attachments_changed

logger = logging.getLogger(__name__)

_NAME_LENGTH = Attachment._meta.get_field("name").max_length
_MEMBER_LENGTH = Attachment._meta.get_field("member_path").max_length
_ORIGIN_LENGTH = Attachment._meta.get_field("origin").max_length


@dataclass(frozen=True)
class AttachmentFile:
    """A file to attach: where it is now, the name it is shown by, its origin."""

    path: Path
    name: str
    origin: str = ""
    source_url: str = ""


@dataclass
class Prepared:
    """One attachment stored and read (or refused), ready to become a row."""

    name: str
    kind: str
    media_type: str
    size: int
    sha256: str
    origin: str = ""
    source_url: str = ""
    status: str = Attachment.Status.EXTRACTED
    error: str = ""
    extraction: Extraction | None = None
    member_path: str = ""
    members: list[Prepared] = field(default_factory=list)

    def flat(self) -> list[Prepared]:
        """This attachment and its members (a bundle's), in order."""
        return [self, *(m for member in self.members for m in member.flat())]


def prepared_from_row(row: Attachment) -> Prepared:
    """A stored row as a Prepared: as read (EXTRACTED, REJECTED) or to be read
    (PENDING: no status, no text yet)."""
    found = Prepared(
        name=row.name,
        kind=row.kind,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        origin=row.origin,
        member_path=row.member_path,
    )
    if row.status != Attachment.Status.PENDING:
        found.status = row.status
        found.error = row.error
        if row.status == Attachment.Status.EXTRACTED:
            found.extraction = extraction_of(row)
    return found


class Budget:
    """What a document may still take: pages and bytes (settings' per-document),
    and characters of text (PLANSITE_EXTRACT_MAX_TEXT_CHARS counts for all of a
    document's attachments together, so many files cannot make one index entry
    of any size)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pages = limits.max_pages
        self.bytes = limits.max_document_bytes
        self.chars = limits.max_text_chars

    def refuse(self, size: int) -> str:
        """Why a file of ``size`` bytes may not join, or ""; takes its bytes."""
        if size > self.limits.max_file_bytes:
            return (
                f"附件过大 (file too big: {size} bytes > {self.limits.max_file_bytes})"
            )
        if size > self.bytes:
            return (
                "本文档附件总量已达上限 (attachments of this document exceed "
                f"{self.limits.max_document_bytes} bytes)"
            )
        if self.pages <= 0:
            return (
                "本文档附件页数已达上限 (attachments of this document exceed "
                f"{self.limits.max_pages} pages)"
            )
        if self.chars <= 0:
            return self.text_full()
        self.bytes -= size
        return ""

    def text_full(self) -> str:
        return (
            "本文档附件文字已达上限 (the text of this document's attachments "
            f"exceeds {self.limits.max_text_chars} characters)"
        )

    def for_file(self) -> Limits:
        return dataclasses.replace(
            self.limits, max_pages=max(self.pages, 1), max_text_chars=self.chars
        )

    def took(self, extraction: Extraction) -> str:
        """Count an extraction's pages and text; why it may not join, or ""."""
        if len(extraction.text) > self.chars:
            # Text read earlier under a larger allowance (the same bytes elsewhere).
            return self.text_full()
        self.chars -= len(extraction.text)
        self.pages -= max(len(extraction.pages), 1 if extraction.text else 0)
        return ""


def prepare(
    files: Sequence[AttachmentFile], *, limits: Limits | None = None
) -> list[Prepared]:
    """Store and read each file, within the per-file and per-document limits.

    A file that cannot be stored or read comes back REJECTED with its reason;
    the others go on.
    """
    budget = Budget(limits or Limits.from_settings())
    prepared = []
    for item in files:
        try:
            prepared.append(_prepare_file(item, budget))
        except OSError as exc:
            prepared.append(
                Prepared(
                    name=item.name[:_NAME_LENGTH],
                    kind="",
                    media_type="",
                    size=0,
                    sha256="",
                    origin=item.origin[:_ORIGIN_LENGTH],
                    status=Attachment.Status.REJECTED,
                    error=f"无法读取 (cannot read): {exc.strerror or exc}",
                )
            )
    return prepared


def _prepare_file(item: AttachmentFile, budget: Budget) -> Prepared:
    size = item.path.stat().st_size
    refused = budget.refuse(size)
    if refused:
        # Not taken in: its hash still names it (the same file twice is one row).
        sha256 = store.file_sha256(item.path)
    else:
        sha256 = store.put_file(item.path).sha256
    kind = kind_of(item.path if refused else store.path_for(sha256), item.name)
    found = Prepared(
        name=item.name[:_NAME_LENGTH],
        kind=kind.key if kind else "",
        media_type=kinds.media_type_of(kind),
        size=size,
        sha256=sha256,
        origin=item.origin[:_ORIGIN_LENGTH],
        source_url=item.source_url,
    )
    if refused:
        return _rejected(found, refused)
    read_stored(found, budget)
    return found


def kind_of(path: Path, name: str) -> kinds.Kind | None:
    """What the file is: its first bytes, then its name."""
    try:
        return kinds.sniff(path, name)
    except OSError:
        return kinds.kind_for_name(name)


def _rejected(found: Prepared, reason: str) -> Prepared:
    found.status = Attachment.Status.REJECTED
    found.error = reason
    found.extraction = None
    return found


def read_stored(found: Prepared, budget: Budget) -> None:
    """Read a stored original into ``found`` (its members too, for a bundle)."""
    kind = kinds.BY_KEY.get(found.kind)
    if kind is None:
        _rejected(found, "不认识的附件格式 (unknown attachment format)")
        return
    if kind.family == "bundle":
        _unpack(found, budget)
        return
    extraction = reuse_extraction(found.sha256)
    if extraction is None:
        try:
            ahead = read_ahead.current()
            if ahead is not None:
                extraction = ahead.take(
                    found.sha256, pages=budget.pages, chars=budget.chars
                )
            if extraction is None:
                extraction = _run_extraction(
                    store.path_for(found.sha256),
                    name=found.name,
                    limits=budget.for_file(),
                )
        except ExtractionRejected as exc:
            _rejected(found, exc.reason)
            return
        except Exception as exc:  # A converter's bug must not stop the import.
            logger.exception("extracting %s failed", found.name)
            _rejected(found, f"内部错误 ({type(exc).__name__}): {exc}")
            return
    over = budget.took(extraction)
    if over:
        _rejected(found, over)
        return
    found.status = Attachment.Status.EXTRACTED
    found.extraction = extraction


def _unpack(found: Prepared, budget: Budget) -> None:
    """A bundle's members, each stored and read; the bundle row holds no text."""
    with tempfile.TemporaryDirectory(prefix="plansite-bundle-") as out:
        try:
            members = unpack_bundle(
                store.path_for(found.sha256),
                name=found.name,
                out_dir=Path(out),
                limits=budget.limits,
            )
        except ExtractionRejected as exc:
            _rejected(found, exc.reason)
            return
        except Exception as exc:
            logger.exception("unpacking %s failed", found.name)
            _rejected(found, f"内部错误 ({type(exc).__name__}): {exc}")
            return
        found.status = Attachment.Status.EXTRACTED
        found.extraction = Extraction(text="", method=Method.BUNDLE)
        for member in members:
            name = member.name.rsplit("/", 1)[-1] or member.name
            item = AttachmentFile(Path(member.path), name=name, origin=found.origin)
            try:
                prepared = _prepare_file(item, budget)
            except OSError as exc:
                prepared = Prepared(
                    name=name[:_NAME_LENGTH],
                    kind="",
                    media_type="",
                    size=member.size,
                    sha256="",
                    status=Attachment.Status.REJECTED,
                    error=f"无法读取 (cannot read): {exc.strerror or exc}",
                )
            if prepared.members:
                # A bundle inside a bundle: its members join this one's list.
                found.members.extend(prepared.members)
                prepared.members = []
            prepared.member_path = member.name[:_MEMBER_LENGTH]
            found.members.append(prepared)


def _run_extraction(path: Path, *, name: str, limits: Limits) -> Extraction:
    return run_extraction(path, name=name, limits=limits)


def reuse_extraction(sha256: str) -> Extraction | None:
    """The text already extracted from these bytes (any document's row), or None."""
    row = (
        Attachment.objects.filter(sha256=sha256, status=Attachment.Status.EXTRACTED)
        .exclude(method=Method.BUNDLE)
        .order_by("pk")
        .first()
    )
    return extraction_of(row) if row is not None else None


def extraction_of(row: Attachment) -> Extraction:
    """An extracted row's text and pages, as the extractor gave them."""
    return Extraction(
        text=row.text,
        method=row.method,
        pages=[PageText(**page) for page in row.pages or []],
        headings=[Heading(**heading) for heading in row.headings or []],
        warnings=list(row.warnings or []),
        ocr_confidence=row.ocr_confidence,
        low_confidence_pages=list(row.low_confidence_pages or []),
        page_count=row.page_count,
    )


def _clean(text: str) -> str:
    # No database keeps NUL; one character for one keeps the pages' offsets.
    return text.replace("\x00", "\ufffd")


def row_values(found: Prepared) -> dict[str, object]:
    """The Attachment columns a prepared attachment fills (not document, order)."""
    values: dict[str, object] = {
        "name": found.name,
        "kind": found.kind,
        "media_type": found.media_type,
        "size": found.size,
        "origin": found.origin,
        "source_url": found.source_url[:1000],
        "status": found.status,
        "error": found.error,
    }
    values.update(extraction_values(found.extraction))
    return values


def extraction_values(extraction: Extraction | None) -> dict[str, object]:
    """The text columns of a row from an extraction (empty when none)."""
    if extraction is None:
        return {
            "text": "",
            "method": "",
            "pages": [],
            "page_count": 0,
            "headings": [],
            "ocr_confidence": None,
            "low_confidence_pages": [],
            "warnings": [],
            "extracted_at": timezone.now(),
        }
    data = extraction.to_json()
    for heading in data["headings"]:
        heading["text"] = _clean(heading["text"])
    return {
        "text": _clean(extraction.text),
        "method": extraction.method,
        "pages": data["pages"],
        "page_count": extraction.page_count or len(extraction.pages),
        "headings": data["headings"],
        "ocr_confidence": extraction.ocr_confidence,
        "low_confidence_pages": list(extraction.low_confidence_pages),
        "warnings": [_clean(w) for w in extraction.warnings],
        "extracted_at": timezone.now(),
    }


def write_rows(document_id: int, prepared: Iterable[Prepared]) -> list[int]:
    """Write the rows of ``prepared`` for a document, in the caller's transaction.

    A file the document already has (the same bytes, the same place in a
    bundle) keeps its row: the row's text is brought up to date only when it
    had none. Returns the ids of the rows written (created or brought up to
    date), bundles before their members.
    """
    position = next_position(document_id)
    written: list[int] = []
    for found in prepared:
        if not found.sha256:
            continue  # Unreadable: nothing names it but its reason (a note).
        bundle_id, position = write_one(document_id, found, position, None, written)
        for member in found.members:
            if member.sha256:
                _, position = write_one(
                    document_id, member, position, bundle_id, written
                )
    written += supersede_older(document_id, prepared)
    if written:
        # Caches keyed by the document's updated_at see the new text.
        attachments_changed([document_id])
    return written


def supersede_older(document_id: int, prepared: Iterable[Prepared]) -> list[int]:
    """Mark the rows a new version replaces: from the same place, under the same
    name, with other bytes (a lone file edited, a page's attachment replaced).

    They keep their original (a download), their text in the database and their
    number, so a citation of one still leads to it, but they are no longer
    searched or shown as text. Returns the ids of the rows marked.
    """
    marked: list[int] = []
    for found in prepared:
        if not found.sha256 or not found.origin:
            continue
        older = list(
            Attachment.objects.filter(
                document_id=document_id,
                bundle__isnull=True,
                origin=found.origin,
                name=found.name,
            )
            .exclude(sha256=found.sha256)
            .exclude(status=Attachment.Status.SUPERSEDED)
            .values_list("pk", flat=True)
        )
        if not older:
            continue
        rows = Attachment.objects.filter(pk__in=older) | Attachment.objects.filter(
            bundle_id__in=older
        )
        marked += list(rows.values_list("pk", flat=True))
        rows.update(status=Attachment.Status.SUPERSEDED)
    return marked


def next_position(document_id: int) -> int:
    """The place after the document's last attachment."""
    last = (
        Attachment.objects.filter(document_id=document_id)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return 0 if last is None else last + 1


def write_one(
    document_id: int,
    found: Prepared,
    position: int,
    bundle: int | None,
    written: list[int],
) -> tuple[int, int]:
    existing = Attachment.objects.filter(
        document_id=document_id, sha256=found.sha256, member_path=found.member_path
    ).first()
    if existing is not None:
        # A file that had been replaced is back (the page reverted it): current again.
        revived = existing.status == Attachment.Status.SUPERSEDED
        if revived or (
            existing.status != Attachment.Status.EXTRACTED
            and found.status == Attachment.Status.EXTRACTED
        ):
            for name, value in row_values(found).items():
                setattr(existing, name, value)
            existing.save()
            written.append(existing.pk)
        return existing.pk, position
    row = Attachment(
        document_id=document_id,
        position=position,
        sha256=found.sha256,
        member_path=found.member_path,
        bundle_id=bundle,
        **row_values(found),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another process wrote the same file of this document meanwhile.
        row = Attachment.objects.get(
            document_id=document_id, sha256=found.sha256, member_path=found.member_path
        )
        return row.pk, position
    written.append(row.pk)
    return row.pk, position + 1


# --- what a person should know -----------------------------------------------


def review_notes(prepared: Iterable[Prepared]) -> tuple[list[str], list[str]]:
    """The notes naming refused files and doubtful OCR, and the review reasons."""
    notes: list[str] = []
    reasons: list[str] = []
    for item in prepared:
        for found in item.flat():
            notes_of, reasons_of = _notes_of(found)
            notes += notes_of
            reasons += reasons_of
    return list(dict.fromkeys(notes)), list(dict.fromkeys(reasons))


def row_review_notes(rows: Iterable[Attachment]) -> tuple[list[str], list[str]]:
    """``review_notes`` for stored rows (the background extraction's)."""
    notes: list[str] = []
    reasons: list[str] = []
    for row in rows:
        notes_of, reasons_of = _notes_of(prepared_from_row(row))
        notes += notes_of
        reasons += reasons_of
    return list(dict.fromkeys(notes)), list(dict.fromkeys(reasons))


# How the notes review_notes writes begin (finish_document replaces them).
REJECTED_NOTE = "附件未能提取文字："
LOW_CONFIDENCE_NOTE = "附件文字识别置信度低："
ATTACHMENT_NOTES = (REJECTED_NOTE, LOW_CONFIDENCE_NOTE)


def _shown_name(found: Prepared) -> str:
    return found.member_path or found.name


def _notes_of(found: Prepared) -> tuple[list[str], list[str]]:
    if found.status == Attachment.Status.REJECTED:
        return (
            [f"{REJECTED_NOTE}{_shown_name(found)[:120]}：{found.error[:300]}"],
            [review.ATTACHMENT_REJECTED],
        )
    extraction = found.extraction
    if extraction is None or not extraction.low_confidence_pages:
        return [], []
    pages = "、".join(str(n) for n in extraction.low_confidence_pages[:30])
    more = "等" if len(extraction.low_confidence_pages) > 30 else ""
    confidence = (
        f"（平均置信度 {extraction.ocr_confidence:.0f}）"
        if extraction.ocr_confidence is not None
        else ""
    )
    return (
        [
            f"{LOW_CONFIDENCE_NOTE}{_shown_name(found)[:120]} 第{pages}{more}页"
            f"{confidence}"
        ],
        [review.OCR_LOW_CONFIDENCE],
    )


# --- the document's fingerprint ----------------------------------------------


def attachment_text(prepared: Iterable[Prepared]) -> str:
    """The attachments' texts, one after another (each once)."""
    seen: set[str] = set()
    parts = []
    for item in prepared:
        for found in item.flat():
            if found.sha256 in seen or found.extraction is None:
                continue
            seen.add(found.sha256)
            if found.extraction.text.strip():
                parts.append(found.extraction.text)
    return "\n".join(parts)


def fingerprint(
    *, body: str, title: str, prepared: Sequence[Prepared]
) -> dict[str, str]:
    """content_hash, text_key and identity of a document whose body says too
    little to identify it; {} when the body does (it keeps its own, so a copy
    of the page without the files is still found as the same document).

    A page that says only "详见附件" is told apart from another by what its
    attachments say: the text fingerprint covers the body and the attachments'
    text (or, for files without text, their hashes). A document with a 索引号
    or a URL keeps the identity they give it (Document.save settles it).
    """
    if len(bare_text(body)) >= identity.MIN_BARE:
        return {}
    text = attachment_text(prepared)
    hashes = sorted({f.sha256 for item in prepared for f in item.flat() if f.sha256})
    combined = "\n".join(part for part in (body, text) if part.strip())
    if not text.strip():
        combined = "\n".join([body, *hashes])
    return {
        "content_hash": content_hash(combined),
        "text_key": text_key(combined),
        "identity": identity.text_identity(body=combined, title=title),
    }


def digest(files: Sequence[AttachmentFile]) -> str:
    """What the attachments add to a source's hash (their names and bytes)."""
    parts = []
    for item in files:
        try:
            parts.append(f"{item.name}\0{store.file_sha256(item.path)}")
        except OSError:
            parts.append(f"{item.name}\0missing")
    return "\n".join(parts)
