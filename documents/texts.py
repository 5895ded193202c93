"""A document's searchable parts, defined once: the title, the body, then the
text of each extracted attachment, in the order the page lists them.

Everything that matches, counts or shows hits reads them here: the index's
text and its fingerprint, trend counts, KWIC, compare, result snippets, the
export. ``searchable_text`` joins the parts with a newline; queries never hold
one, so no match straddles two parts, and a substring scan over it is the
truth the search's exactness is measured against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Attachment, Document

# What the parts read of an attachment: enough to number, label and search it.
ATTACHMENT_FIELDS = ("id", "document_id", "position", "name", "status", "text")
ATTACHMENT_ORDER = ("position", "id")
TITLE = "title"
BODY = "body"
ATTACHMENT_PREFIX = "attachment-"


@dataclass(frozen=True)
class TextPart:
    """One searchable part. ``key`` is "title", "body" or "attachment-N";
    N (``number``) is the attachment's place in the document's list of
    attachments (1-based, every status counted), as the page numbers them."""

    key: str
    label: str
    text: str
    attachment: Attachment | None = None
    number: int | None = None
    # Where the part starts in searchable_text().
    start: int = 0

    @property
    def is_attachment(self) -> bool:
        return self.attachment is not None


def attachments_prefetch(*, fields: Sequence[str] = ATTACHMENT_FIELDS) -> Prefetch:
    """Prefetch a document's attachments with only the fields the parts read,
    in page order; add it to any queryset whose documents' parts are read."""
    return Prefetch(
        "attachments",
        queryset=Attachment.objects.only(*fields).order_by(*ATTACHMENT_ORDER),
    )


def with_parts(queryset: QuerySet[Document]) -> QuerySet[Document]:
    """``queryset`` with what text_parts() reads of attachments prefetched."""
    return queryset.prefetch_related(attachments_prefetch())


def attachment_label(number: int, name: str) -> str:
    """附件1：XX镇2023年工作计划.docx"""
    return _("附件%(number)d：%(name)s") % {"number": number, "name": name}


def part_label(key: str) -> str:
    """The label of "title" or "body" (an attachment's label names its file)."""
    return _("标题") if key == TITLE else _("正文")


def ordered_attachments(document: Document) -> list[Attachment]:
    """Every attachment of the document in page order (prefetched or read)."""
    attachments = list(document.attachments.all())
    # A prefetch from elsewhere may have its own order; the numbers need this one.
    attachments.sort(key=lambda a: (a.position, a.pk or 0))
    return attachments


def text_parts(document: Document) -> list[TextPart]:
    """The title, the body, then each attachment whose text was extracted."""
    parts = [
        TextPart(TITLE, part_label(TITLE), document.title),
        TextPart(BODY, part_label(BODY), document.body),
    ]
    if document.pk is not None:
        for number, attachment in enumerate(ordered_attachments(document), start=1):
            if attachment.status != Attachment.Status.EXTRACTED:
                continue
            parts.append(
                TextPart(
                    f"{ATTACHMENT_PREFIX}{number}",
                    attachment_label(number, attachment.name),
                    attachment.text,
                    attachment=attachment,
                    number=number,
                )
            )
    placed = []
    offset = 0
    for part in parts:
        placed.append(replace(part, start=offset))
        offset += len(part.text) + 1
    return placed


def searchable_text(document: Document) -> str:
    """What a query is matched against: the parts joined by newlines."""
    return "\n".join(part.text for part in text_parts(document))


def attachment_parts(document: Document) -> list[TextPart]:
    """The attachments' parts alone."""
    return [part for part in text_parts(document) if part.is_attachment]


def attachments_changed(document_ids: Iterable[int]) -> int:
    """Say that these documents' attachments changed (added, extracted,
    removed): their updated_at moves on, so every cache keyed by it (the
    document page's parts, compare's words) and ``update_index --age`` see
    the change. Call it after the attachment rows are written, in the same
    transaction, then send documents.signals.documents_edited (or, in an
    import, pass the ids as changed to index_after_import) so the index
    follows. check_index finds such documents anyway: the index fingerprint
    covers the attachments' text. Returns the number of documents touched.
    """
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    return Document.objects.filter(pk__in=ids).update(updated_at=timezone.now())


# The metadata fields a query can search by name (标题:, 发文机关:, 文号:,
# 索引号:; search/query.py FIELD_PREFIXES), as model field names.
SEARCHABLE_FIELDS = ("title", "issuer", "doc_number", "index_no")


def searchable_fields(document: Document) -> dict[str, str]:
    """The document as a query sees it: "" is searchable_text(), then each
    field of SEARCHABLE_FIELDS (search/textmatch.py takes this mapping)."""
    fields = {"": searchable_text(document)}
    for name in SEARCHABLE_FIELDS:
        fields[name] = getattr(document, name) or ""
    return fields
