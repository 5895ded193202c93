"""An attachment added by hand (the admin): stored now, read in the background."""

from __future__ import annotations

from typing import BinaryIO

from django.db import IntegrityError, transaction

from documents.attachments import kinds, queue, store
from documents.attachments.ingest import kind_of, next_position
from documents.models import Attachment, Document

_NAME_LENGTH = Attachment._meta.get_field("name").max_length
_ORIGIN_LENGTH = Attachment._meta.get_field("origin").max_length


def add_upload(
    document: Document, data: BinaryIO, *, name: str, origin: str
) -> Attachment:
    """Store the bytes and queue a PENDING row for the document (in the
    caller's transaction); the worker reads it once the transaction commits.

    The same file uploaded again is the row the document has.
    """
    stored = store.put_stream(data)
    existing = Attachment.objects.filter(
        document=document, sha256=stored.sha256, member_path=""
    ).first()
    if existing is not None:
        return existing
    kind = kind_of(store.path_for(stored.sha256), name)
    row = Attachment(
        document=document,
        position=next_position(document.pk),
        name=name[:_NAME_LENGTH],
        kind=kind.key if kind else "",
        media_type=kinds.media_type_of(kind),
        size=stored.size,
        sha256=stored.sha256,
        origin=origin[:_ORIGIN_LENGTH],
        status=Attachment.Status.PENDING,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another editor uploaded the same file to this document meanwhile.
        return Attachment.objects.get(
            document=document, sha256=stored.sha256, member_path=""
        )
    transaction.on_commit(queue.extract_later, robust=True)
    return row
