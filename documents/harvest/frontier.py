"""The harvest's database side: runs, the frontier of URLs, and their captures.

A source's PENDING rows are its frontier. A run killed part-way leaves them,
and the next run of the source takes them up (resumes) without fetching again
what the killed run stored. One harvest of a source at a time: the lock is
held by the process (a file lock, and on PostgreSQL an advisory lock too), so
the operating system or the server frees it when the process dies, and a
RUNNING run found while holding the lock belongs to a process that is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from documents.models import Capture, HarvestRun, HarvestUrl

if TYPE_CHECKING:
    from documents.harvest.fetch import Fetched

logger = logging.getLogger(__name__)

# Figures a resumed run takes over from the run it resumes, so that the latest
# run's coverage describes the whole harvest however often it was interrupted.
CARRIED_OVER = ("captured", "unchanged", "failed", "withdrawn", "requests")


class HarvestBusy(RuntimeError):
    """Another process is harvesting the same source."""


def url_key(url: str) -> str:
    """The frontier's key for a URL (as HarvestUrl.save computes it)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@contextmanager
def source_lock(source: str) -> Iterator[None]:
    """Hold the one-harvest-per-source lock for the block, or raise HarvestBusy."""
    folder = settings.VAR_DIR / "harvest" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}.lock"
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise HarvestBusy(_busy_message(source, holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        with _database_lock(source):
            yield
    finally:
        # Closing the file releases the lock (and a killed process's too).
        handle.close()


@contextmanager
def _database_lock(source: str) -> Iterator[None]:
    """On PostgreSQL, also a session advisory lock: harvests on other hosts
    sharing the database see it, and the server frees it when the session ends."""
    if connection.vendor != "postgresql":
        yield
        return
    key = int.from_bytes(
        hashlib.sha256(f"plansite-harvest:{source}".encode()).digest()[:8],
        "big",
        signed=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (locked,) = cursor.fetchone()
    if not locked:
        raise HarvestBusy(_busy_message(source, "another host"))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _busy_message(source: str, holder: str) -> str:
    return (
        f"来源 {source} 正在被另一个采集进程采集（{holder or '未知进程'}），"
        f"请等它结束后再运行 (source {source} is being harvested by another "
        f"process: {holder or 'unknown'}; run again once it has finished)"
    )


@dataclass(frozen=True)
class RunStart:
    run: HarvestRun
    # The interrupted run whose frontier this run takes up, if any.
    resumed_from: HarvestRun | None

    @property
    def resumed(self) -> bool:
        return self.resumed_from is not None


def start_run(source: str, *, title: str = "", at: datetime | None = None) -> RunStart:
    """Begin a run of ``source``; call it while holding ``source_lock``.

    When the source's latest run did not finish (RUNNING: its process is gone,
    since this process holds the lock; or INTERRUPTED), the new run resumes
    it: it takes over its document and attachment rows, so what it stored is
    not fetched again and what it left PENDING is fetched now.
    """
    at = at or timezone.now()
    with transaction.atomic():
        latest = (
            HarvestRun.objects.select_for_update()
            .filter(source=source)
            .order_by("-started_at", "-id")
            .first()
        )
        run = HarvestRun.objects.create(source=source, title=title, started_at=at)
        if latest is None or latest.status not in (
            HarvestRun.Status.RUNNING,
            HarvestRun.Status.INTERRUPTED,
        ):
            return RunStart(run=run, resumed_from=None)
        if latest.status == HarvestRun.Status.RUNNING:
            latest.status = HarvestRun.Status.INTERRUPTED
            latest.finished_at = at
            latest.notes = [
                *latest.notes,
                "采集进程已不在，由下一次运行续接 (the process died; resumed by "
                f"run {run.pk})",
            ]
            latest.save(update_fields=["status", "finished_at", "notes"])
        for name in CARRIED_OVER:
            setattr(run, name, getattr(latest, name))
        run.bytes_received = latest.bytes_received
        run.warc_files = list(latest.warc_files)
        run.failures = dict(latest.failures)
        run.notes = [
            f"续接中断的运行 {latest.pk} (resumes interrupted run {latest.pk})"
        ]
        run.save()
        # List pages are fetched afresh by every run; the rest is the frontier.
        HarvestUrl.objects.filter(source=source, run=latest).exclude(
            kind=HarvestUrl.Kind.LIST
        ).update(run=run)
    return RunStart(run=run, resumed_from=latest)


def enqueue(
    run: HarvestRun,
    url: str,
    *,
    kind: str,
    parent: HarvestUrl | None = None,
    link_text: str = "",
    list_date: str = "",
) -> HarvestUrl | None:
    """Put ``url`` on the run's frontier; None when this run already has it.

    A URL known from an earlier run (stored, failed or gone) is queued again,
    for a conditional re-check; within one run (and the runs it resumes) a URL
    is fetched once.
    """
    key = url_key(url)
    fields = {"kind": kind, "parent": parent, "run": run}
    if link_text:
        fields["link_text"] = link_text[:500]
    if list_date:
        fields["list_date"] = list_date[:32]
    row = HarvestUrl.objects.filter(source=run.source, url_key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                return HarvestUrl.objects.create(source=run.source, url=url, **fields)
        except IntegrityError:  # a lost race; the other row is the one
            row = HarvestUrl.objects.get(source=run.source, url_key=key)
    if row.run_id == run.pk:
        return None
    for name, value in fields.items():
        setattr(row, name, value)
    row.state = HarvestUrl.State.PENDING
    row.missing_runs = 0
    row.error = ""
    row.save()
    return row


def next_pending(run: HarvestRun) -> HarvestUrl | None:
    """The next document or attachment to fetch; a page's attachments first,
    so that a document is complete in the WARC files before the next one."""
    return (
        HarvestUrl.objects.filter(
            source=run.source, run=run, state=HarvestUrl.State.PENDING
        )
        .exclude(kind=HarvestUrl.Kind.LIST)
        .annotate(
            order=Case(
                When(kind=HarvestUrl.Kind.ATTACHMENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("order", "id")
        .first()
    )


def pending_count(run: HarvestRun) -> int:
    return (
        HarvestUrl.objects.filter(
            source=run.source, run=run, state=HarvestUrl.State.PENDING
        )
        .exclude(kind=HarvestUrl.Kind.LIST)
        .count()
    )


def record_capture(
    run: HarvestRun,
    row: HarvestUrl,
    *,
    outcome: str,
    state: str,
    at: datetime,
    fetched: Fetched | None = None,
    error: str = "",
    warc_files: list[str] | None = None,
) -> Capture:
    """Store one fetch of ``row``: its Capture, the URL's new state and the
    run's figures, in one transaction.

    Call it only once the fetch's WARC record is on disk (the fetcher fsyncs
    it before returning): a process killed before the commit leaves the URL
    PENDING, never DONE without its record.
    """
    status = fetched.status if fetched is not None else None
    headers: Mapping[str, str] = fetched.headers if fetched is not None else {}
    location = fetched.warc if fetched is not None else None
    online = status == 200 or (fetched is not None and fetched.not_modified)
    with transaction.atomic():
        capture = Capture.objects.create(
            url=row,
            run=run,
            document=row.document,
            captured_at=at,
            outcome=outcome,
            status_code=status,
            content_type=headers.get("content-type", "")[:200],
            size=len(fetched.body) if fetched is not None else 0,
            payload_sha256=(
                fetched.sha256 if fetched is not None and status == 200 else ""
            ),
            warc_file=location.file if location else "",
            warc_offset=location.offset if location else None,
            warc_length=location.length if location else None,
            record_id=location.record_id if location else "",
            error=error,
        )
        row.state = state
        row.run = run
        row.last_fetched = at
        row.attempts += 1
        row.error = error
        if status is not None and not (fetched and fetched.not_modified):
            row.status_code = status
        if online:
            row.first_seen = row.first_seen or at
            row.last_seen = at
        if status == 200 and fetched is not None:
            row.payload_sha256 = fetched.sha256
            # A server that stops sending validators gets unconditional requests.
            row.etag = headers.get("etag", "")[:300]
            row.last_modified = headers.get("last-modified", "")[:100]
        elif fetched is not None and fetched.not_modified:
            row.etag = headers.get("etag", row.etag)[:300]
            row.last_modified = headers.get("last-modified", row.last_modified)[:100]
        row.save()
        if warc_files is not None:
            run.warc_files = list(dict.fromkeys([*run.warc_files, *warc_files]))
        run.save()
    return capture


def finish_run(run: HarvestRun, *, status: str, note: str = "") -> None:
    """Close the run with its final status (and a note saying why, if any)."""
    run.status = status
    run.finished_at = timezone.now()
    if note:
        run.notes = [*run.notes, note]
    run.save()
