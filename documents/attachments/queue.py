"""The extraction queue: Attachment rows with status PENDING, and who works it.

An admin upload stores the original and a PENDING row in the request; the
text is read later, off the request, by this process's extraction worker
(``extract_later``, one thread, as search/tasks.py runs index writes) or by
``manage.py extract_attachments`` and the end of every ``import_plans``
(``extract_pending``). The rows are the queue: a process killed before it
got to them, or while reading one, leaves them PENDING for the next.

When a document's attachments are read, the document's review notes follow
(a refused file, doubtful OCR) and ``documents_edited`` is sent, so the
search index takes the new text.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass, field

from django.db import connections as db_connections
from django.db import transaction
from django.db.models.functions import Length

from documents.attachments import store
from documents.attachments.ingest import (
    ATTACHMENT_NOTES,
    Budget,
    extraction_values,
    next_position,
    prepared_from_row,
    read_stored,
    row_review_notes,
    write_one,
)
from documents.attachments.result import Limits
from documents.ingest import merge, review
from documents.models import Attachment, Document
from documents.signals import documents_edited
from documents.texts import attachments_changed

logger = logging.getLogger(__name__)


@dataclass
class PendingResult:
    """What one pass over the queue did."""

    extracted: int = 0
    rejected: int = 0
    document_ids: list[int] = field(default_factory=list)


def pending_count() -> int:
    return Attachment.objects.filter(status=Attachment.Status.PENDING).count()


def extract_pending(
    *, document_ids: Iterable[int] | None = None, limits: Limits | None = None
) -> PendingResult:
    """Read every PENDING attachment (of ``document_ids``, or all), oldest first.

    Each row's text is written in its own transaction, then its document's
    notes; a row another process finished meanwhile is left as it wrote it.
    """
    limits = limits or Limits.from_settings()
    rows = Attachment.objects.filter(status=Attachment.Status.PENDING)
    if document_ids is not None:
        rows = rows.filter(document_id__in=list(document_ids))
    by_document: dict[int, list[int]] = {}
    for pk, document_id in rows.order_by("pk").values_list("pk", "document_id"):
        by_document.setdefault(document_id, []).append(pk)
    result = PendingResult()
    for document_id, pks in by_document.items():
        budget = _document_budget(document_id, limits)
        for pk in pks:
            status = extract_row(pk, budget=budget)
            if status == Attachment.Status.EXTRACTED:
                result.extracted += 1
            elif status == Attachment.Status.REJECTED:
                result.rejected += 1
        finish_document(document_id)
        result.document_ids.append(document_id)
    return result


def requeue_rejected(*, document_ids: Iterable[int] | None = None) -> int:
    """Put the REJECTED rows whose original is in the store back in the queue.

    A refusal may be the moment's, not the file's (LibreOffice or OCR out of
    time on a loaded machine), and an import that finds the same bytes again
    leaves the row as it is. Returns how many rows wait again.
    """
    rows = Attachment.objects.filter(status=Attachment.Status.REJECTED)
    if document_ids is not None:
        rows = rows.filter(document_id__in=list(document_ids))
    stored = [pk for pk, sha256 in rows.values_list("pk", "sha256") if _stored(sha256)]
    return Attachment.objects.filter(
        pk__in=stored, status=Attachment.Status.REJECTED
    ).update(status=Attachment.Status.PENDING, error="")


def _stored(sha256: str) -> bool:
    try:
        return store.exists(sha256)
    except ValueError:  # not a hash: nothing to read
        return False


def _document_budget(document_id: int, limits: Limits) -> Budget:
    """What the document may still take, after the attachments it has."""
    budget = Budget(limits)
    for size, page_count, status, sha256, chars in (
        Attachment.objects.filter(document_id=document_id)
        .annotate(chars=Length("text"))
        .values_list("size", "page_count", "status", "sha256", "chars")
    ):
        if status == Attachment.Status.PENDING:
            continue
        # As prepare() counts: a file refused before it was stored (too big,
        # over the document's budget) took nothing.
        if status == Attachment.Status.EXTRACTED or _stored(sha256):
            budget.bytes -= size
        budget.pages -= page_count
        if status == Attachment.Status.EXTRACTED:
            budget.chars -= chars or 0
    return budget


def extract_row(pk: int, *, budget: Budget | None = None) -> str | None:
    """Read one PENDING row's stored original; its new status (None: not pending)."""
    row = Attachment.objects.filter(pk=pk, status=Attachment.Status.PENDING).first()
    if row is None:
        return None
    budget = budget or Budget(Limits.from_settings())
    found = prepared_from_row(row)
    if not store.exists(row.sha256):
        found.status = Attachment.Status.REJECTED
        found.error = "原件不在附件库中 (the original is missing from the store)"
    else:
        refused = budget.refuse(row.size)
        if refused:
            found.status = Attachment.Status.REJECTED
            found.error = refused
        else:
            read_stored(found, budget)
    with transaction.atomic():
        values = {
            "status": found.status,
            "error": found.error,
            **extraction_values(found.extraction),
        }
        done = Attachment.objects.filter(
            pk=pk, status=Attachment.Status.PENDING
        ).update(**values)
        if not done:
            return None  # Another process read it first.
        # After every attachment the document has: a member placed right after
        # its bundle would push later attachments down, and their numbers (the
        # addresses /attachments/N/ the index, KWIC and citations hold) with them.
        position = next_position(row.document_id)
        written: list[int] = []
        for member in found.members:
            if member.sha256:
                _, position = write_one(
                    row.document_id, member, position, row.pk, written
                )
    return found.status


def finish_document(document_id: int) -> None:
    """Bring a document's review notes up to date with its attachments, and let
    the index take their text (documents_edited)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            return  # Deleted meanwhile.
        rows = list(document.attachments.all())
        notes, reasons = row_review_notes(rows)
        kept = [
            note
            for note in document.review_notes or []
            if not note.startswith(ATTACHMENT_NOTES)
        ]
        document.review_notes = review.replace_reasons(
            [*kept, *notes], reasons, replaced=review.ATTACHMENT_REASONS
        )
        decided = (document.field_sources or {}).get("needs_review") or {}
        if reasons and decided.get("how") != merge.ADMIN:
            # A reviewer's decision stands until the reviewer changes it.
            document.needs_review = True
        document.save(update_fields=["review_notes", "needs_review"])
        attachments_changed([document_id])
        documents_edited.send(sender=Document, document_ids=[document_id])


# --- the worker of this process ----------------------------------------------

_lock = threading.Lock()
_executor: futures.ThreadPoolExecutor | None = None
_running: list[futures.Future[None]] = []


def _forget_worker() -> None:
    """In a forked child: the parent's worker thread is not there; start anew."""
    global _lock, _executor
    _lock = threading.Lock()
    _executor = None
    _running.clear()


os.register_at_fork(after_in_child=_forget_worker)


def _work() -> None:
    try:
        while True:
            with _machine_lock() as mine:
                if not mine:
                    # Another process on this machine is working the queue: it
                    # reads what is pending until nothing is, this row included.
                    return
                while extract_pending().document_ids:
                    pass
            # An upload that committed after our last look found the lock still
            # held and left it to us: look again now that it is free.
            if not pending_count():
                return
    except Exception:
        logger.exception(
            "extracting pending attachments failed; they stay pending for "
            "`manage.py extract_attachments` or the next import"
        )
    finally:
        db_connections.close_all()


@contextlib.contextmanager
def _machine_lock() -> Iterator[bool]:
    """One background pass per machine (web workers would read the same rows
    twice); yields False when another process holds it."""
    folder = store.root()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".extract.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def resume_in_background() -> None:
    """When a web process starts: read what a stopped one left pending."""
    try:
        if pending_count():
            extract_later()
    except Exception:  # noqa: BLE001 - e.g. not migrated yet; never stop the server
        logger.warning("pending attachments not resumed", exc_info=True)


def extract_later() -> futures.Future[None]:
    """Read the pending attachments on this process's worker thread.

    Called after the upload's transaction commits. One thread: converters are
    heavy, and two passes would only race for the same rows.
    """
    global _executor
    with _lock:
        if _executor is None:
            _executor = futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="plansite-extract"
            )
        future = _executor.submit(_work)
        _running[:] = [f for f in _running if not f.done()]
        _running.append(future)
    return future


def wait_for_background_extraction(timeout: float | None = None) -> bool:
    """Wait for this process's extraction passes; True when none is left."""
    with _lock:
        running = list(_running)
    _done, not_done = futures.wait(running, timeout=timeout)
    return not not_done
