"""One harvest run of a source: lists → document pages → attachments → import →
availability. Every request and response goes to the run's WARC files."""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_datetime

from documents.harvest import frontier, status
from documents.harvest.definitions import SourceDefinition
from documents.harvest.fetch import Fetched, Fetcher
from documents.harvest.links import is_attachment_url, parse_document, parse_list
from documents.harvest.warc_journal import WarcJournal, WarcLocation, repair
from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.models import Capture, HarvestRun, HarvestUrl

logger = logging.getLogger(__name__)

Kind = HarvestUrl.Kind
State = HarvestUrl.State
Outcome = Capture.Outcome

GONE_STATUSES = frozenset({404, 410})
ROBOTS_REASON = "robots.txt 不允许 (disallowed by robots.txt)"
INTERRUPTED_NOTE = "已中断，下次运行将续接 (interrupted; the next run resumes it)"


@dataclass
class HarvestReport:
    """What one run did: the coverage figures of its HarvestRun, and more."""

    run_id: int
    source: str
    listed: int
    stated_total: int | None
    captured: int
    unchanged: int
    failed: int
    withdrawn: int
    requests: int
    warc_files: list[str]
    imported: int
    failures: dict[str, int]
    resumed: bool
    # HarvestRun.Status value; "failed" when the source could not be harvested.
    status: str = HarvestRun.Status.FINISHED
    error: str = ""
    # Documents the import stored or changed, and found as they were: the
    # command asks search to follow them (documents never imports search).
    changed_ids: list[int] = field(default_factory=list)
    unchanged_ids: list[int] = field(default_factory=list)


def harvest(
    source: SourceDefinition,
    *,
    import_captures: bool = True,
    progress: Callable[[str], None] | None = None,
) -> HarvestReport:
    """Harvest ``source`` once (resuming its interrupted run, if any).

    Raises frontier.HarvestBusy when another process harvests the source.
    Ctrl-C or SIGTERM stops it after the current record: the run is left
    INTERRUPTED and the next run resumes it.
    """
    with frontier.source_lock(source.name):
        start = frontier.start_run(source.name, title=source.title)
        run = _Run(source, start.run, progress or (lambda _line: None))
        if start.resumed:
            run.say(f"续接运行 resuming run {start.resumed_from.pk}")
        with _stop_on_signals() as stop:
            run.stop = stop
            run.execute(import_captures=import_captures)
    return run.report(resumed=start.resumed)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGINT/SIGTERM; a second SIGINT stops at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    saved = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, previous in saved.items():
            signal.signal(number, previous)


class _Stopped(Exception):
    """A signal asked the run to stop."""


class _Run:
    def __init__(
        self, source: SourceDefinition, run: HarvestRun, say: Callable[[str], None]
    ) -> None:
        self.source = source
        self.run = run
        self.say = say
        self.stop = threading.Event()
        self.journal: WarcJournal | None = None
        self.listed: set[str] = set()
        self.stated: dict[str, int] = {}
        # The lists were walked to their end without a failure: only then may
        # absence from them count against a document.
        self.lists_complete = True
        self.final_urls: dict[int, str] = {}
        self.imported = 0
        self.changed_ids: list[int] = []
        self.unchanged_ids: list[int] = []
        self.error = ""

    # -- the run ---------------------------------------------------------------

    def execute(self, *, import_captures: bool) -> None:
        folder = settings.WARC_DIR / self.source.name
        # A killed writer may have left a partial last record, and records
        # whose captures it never committed.
        self._adopt(folder)
        self.journal = WarcJournal(
            folder,
            prefix=self.source.name,
            max_file_bytes=settings.PLANSITE_WARC_FILE_BYTES,
        )
        try:
            with Fetcher(self.source.politeness, journal=self.journal) as fetcher:
                self._walk_lists(fetcher)
                if not self.listed and self.error:
                    self._finish(HarvestRun.Status.FAILED, self.error)
                    return
                self._fetch_frontier(fetcher)
        except _Stopped:
            self._finish(HarvestRun.Status.INTERRUPTED, INTERRUPTED_NOTE)
            return
        finally:
            self.journal.close()
            self._save_files()
        if import_captures:
            self._import()
        self._update_availability()
        self._finish(HarvestRun.Status.FINISHED)

    def _adopt(self, folder: Path) -> None:
        """Take up the records a killed run wrote but did not commit.

        The fetcher fsyncs a record before the run commits its capture; a kill
        in between leaves the URL PENDING with its response already on disk.
        Reading it from there spares the site a second request for the page.
        """
        chain = _run_chain(self.run) - {self.run.pk}
        since = HarvestRun.objects.filter(pk__in=chain).aggregate(
            first=Min("started_at")
        )["first"]
        if since is None:
            return
        pending = {
            row.url: row
            for row in HarvestUrl.objects.filter(
                source=self.source.name, run=self.run, state=State.PENDING
            ).exclude(kind=Kind.LIST)
        }
        names = set(self.run.warc_files) | {
            f"{self.source.name}/{path.name}"
            for path in folder.glob("*.warc*")
            if path.stat().st_mtime >= since.timestamp()
        }
        files = [name for name in sorted(names) if (settings.WARC_DIR / name).exists()]
        for name in files:
            if cut := repair(settings.WARC_DIR / name):
                logger.warning("cut %d bytes of a partial record from %s", cut, name)
        # The killed run's files belong to this harvest, known to it or not.
        self.run.warc_files = list(dict.fromkeys([*self.run.warc_files, *files]))
        self.run.save(update_fields=["warc_files"])
        adopted = 0
        for name in files:
            if not pending:
                break
            path = settings.WARC_DIR / name
            try:
                stored = _stored_responses(path, name, pending, since)
            except (ArchiveLoadFailed, OSError, ValueError) as problem:
                # Unreadable past repair: its pages are simply fetched again.
                logger.warning("cannot read %s: %s", name, problem)
                continue
            for url, fetched in stored.items():
                self._after_fetch(pending.pop(url), fetched)
                adopted += 1
        if adopted:
            self.say(f"已在 WARC 中 already in the WARC files: {adopted}")

    def _finish(self, state: str, note: str = "") -> None:
        self.run.listed = len(self.listed)
        self.run.stated_total = sum(self.stated.values()) if self.stated else None
        frontier.finish_run(self.run, status=state, note=note)
        self.say(f"{self.run.get_status_display()} {state}")

    def _save_files(self) -> None:
        if self.journal is not None:
            files = [*self.run.warc_files, *self.journal.files]
            self.run.warc_files = list(dict.fromkeys(files))
            self.run.save(update_fields=["warc_files"])

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise _Stopped

    # -- lists -----------------------------------------------------------------

    def _walk_lists(self, fetcher: Fetcher) -> None:
        for start_url in self.source.start_urls:
            queue = [start_url]
            seen: set[str] = set()
            pages = 0
            while queue:
                url = queue.pop(0)
                if url in seen:
                    continue
                if pages >= self.source.max_list_pages:
                    # More pages than the definition lets us read: the lists
                    # are incomplete, so absence proves nothing this run.
                    self.lists_complete = False
                    self.say(f"列表页已达上限 list page limit reached at {url}")
                    break
                seen.add(url)
                pages += 1
                self._check_stop()
                page = self._fetch_list(fetcher, url, first=pages == 1)
                if page is None:
                    continue
                if page.stated_total is not None and start_url not in self.stated:
                    self.stated[start_url] = page.stated_total
                queue.extend(u for u in page.next_pages if u not in seen)

    def _fetch_list(self, fetcher: Fetcher, url: str, *, first: bool):  # noqa: ANN202
        row = frontier.enqueue(self.run, url, kind=Kind.LIST)
        if row is None:  # two start URLs reach the same page
            return None
        if not fetcher.allowed(url):
            self._fail(row, ROBOTS_REASON, None)
            self.lists_complete = False
            if first:
                self.error = f"{url}: {ROBOTS_REASON}"
            return None
        fetched = fetcher.get(url)
        if not fetched.ok:
            reason = _reason(fetched)
            self._fail(row, reason, fetched)
            self.lists_complete = False
            if first:
                self.error = f"{url}: {reason}"
            self.say(f"列表页失败 list page failed {url}: {reason}")
            return None
        outcome = _outcome(row, fetched)
        self._record(row, fetched, outcome=outcome, state=State.DONE)
        page = parse_list(_text(fetched), fetched.final_url, self.source)
        new = 0
        for link in page.documents:
            self.listed.add(link.url)
            if frontier.enqueue(
                self.run,
                link.url,
                kind=Kind.DOCUMENT,
                parent=row,
                link_text=link.text,
                list_date=link.date,
            ):
                new += 1
        self.say(f"列表 list {url}: {len(page.documents)} 条 links, {new} 待查 queued")
        return page

    # -- documents and attachments ----------------------------------------------

    def _fetch_frontier(self, fetcher: Fetcher) -> None:
        while (row := frontier.next_pending(self.run)) is not None:
            self._check_stop()
            if not fetcher.allowed(row.url):
                self._fail(row, ROBOTS_REASON, None)
                continue
            if self._needs_body(row):
                fetched = fetcher.get(row.url)
            else:
                earlier = _latest_payload(row) if row.payload_sha256 else None
                fetched = fetcher.get(
                    row.url,
                    etag=row.etag,
                    last_modified=row.last_modified,
                    known_sha256=row.payload_sha256,
                    known_date=earlier.captured_at if earlier else None,
                )
            self._after_fetch(row, fetched)

    def _needs_body(self, row: HarvestUrl) -> bool:
        """An attachment of a page captured new or changed in this run is fetched
        whole: the importer takes a page's attachments from the same WARC file."""
        if row.kind != Kind.ATTACHMENT or row.parent_id is None:
            return False
        latest = (
            Capture.objects.filter(url_id=row.parent_id)
            .order_by("-captured_at", "-id")
            .values_list("outcome", flat=True)
            .first()
        )
        return latest in (Outcome.NEW, Outcome.CHANGED)

    def _after_fetch(self, row: HarvestUrl, fetched: Fetched) -> None:
        is_document = row.kind == Kind.DOCUMENT
        if fetched.ok or fetched.not_modified:
            outcome = _outcome(row, fetched)
            if is_document and outcome == Outcome.UNCHANGED:
                self.run.unchanged += 1
            elif is_document:
                self.run.captured += 1
            self._record(row, fetched, outcome=outcome, state=State.DONE)
            self.final_urls[row.pk] = fetched.final_url or row.url
            if is_document:
                self.say(f"{Outcome(outcome).label} {outcome} {row.url}")
                if outcome != Outcome.UNCHANGED and _is_html(row.url, fetched):
                    self._queue_attachments(row, fetched)
            return
        if fetched.status in GONE_STATUSES:
            if is_document:
                self.run.withdrawn += 1
            self._record(
                row,
                fetched,
                outcome=Outcome.GONE,
                state=State.GONE,
                error=f"HTTP {fetched.status}",
            )
            self.say(f"已撤下 gone {row.url} ({fetched.status})")
            return
        self._fail(row, _reason(fetched), fetched)
        self.say(f"失败 failed {row.url}: {_reason(fetched)}")

    def _queue_attachments(self, row: HarvestUrl, fetched: Fetched) -> None:
        for link in parse_document(_text(fetched), fetched.final_url, self.source):
            frontier.enqueue(
                self.run,
                link.url,
                kind=Kind.ATTACHMENT,
                parent=row,
                link_text=link.text,
            )

    # -- records ------------------------------------------------------------------

    def _record(
        self,
        row: HarvestUrl,
        fetched: Fetched | None,
        *,
        outcome: str,
        state: str,
        error: str = "",
    ) -> None:
        if fetched is not None:
            self.run.requests += fetched.exchanges
            self.run.bytes_received += len(fetched.body)
        frontier.record_capture(
            self.run,
            row,
            outcome=outcome,
            state=state,
            at=_captured_at(fetched),
            fetched=fetched,
            error=error,
            warc_files=self.journal.files if self.journal else None,
        )

    def _fail(self, row: HarvestUrl, reason: str, fetched: Fetched | None) -> None:
        if row.kind == Kind.DOCUMENT:
            self.run.failed += 1
        key = (
            reason
            if row.kind == Kind.DOCUMENT
            else f"{row.get_kind_display()}: {reason}"
        )
        self.run.failures[key] = self.run.failures.get(key, 0) + 1
        self._record(
            row, fetched, outcome=Outcome.FAILED, state=State.FAILED, error=reason
        )

    # -- import and availability ------------------------------------------------

    def _import(self) -> None:
        """Import the documents this run (and the runs it resumes) captured new
        or changed, from the WARC files that hold them and their attachments."""
        # Imported here: the web-archive reader loads the whole ingest pipeline.
        from documents.ingest.web_archive import import_web_archives

        rows = list(
            HarvestUrl.objects.filter(
                source=self.source.name,
                run=self.run,
                kind=Kind.DOCUMENT,
                state=State.DONE,
            )
        )
        chain = _run_chain(self.run)
        wanted: dict[str, tuple[HarvestUrl, Capture]] = {}
        files: set[str] = set()
        for row in rows:
            capture = _latest_payload(row)
            if capture is None or (
                capture.run_id not in chain and row.document_id is not None
            ):
                continue  # imported by the run that captured it
            url = self.final_urls.get(row.pk, row.url)
            wanted[url] = (row, capture)
            files.add(capture.warc_file)
            for child in HarvestUrl.objects.filter(parent=row, kind=Kind.ATTACHMENT):
                if (attached := _latest_payload(child)) is not None:
                    files.add(attached.warc_file)
        if not wanted:
            return
        self.say(f"导入 importing {len(wanted)} 个文档页 document pages")
        paths = [
            settings.WARC_DIR / name for name in sorted(files, key=_warc_order) if name
        ]
        # As one archive: a resumed run (or a file that rolled over) may have
        # put a page and its attachments in different files.
        summary = import_web_archives(paths, urls=list(wanted), together=True)
        self.changed_ids = summary.changed_ids
        self.unchanged_ids = summary.unchanged_ids
        for result in summary.results:
            if result.document_id is None or result.locator not in wanted:
                if result.reason:
                    self.say(f"未导入 not imported {result.locator}: {result.reason}")
                continue
            row, capture = wanted[result.locator]
            with transaction.atomic():
                row.document_id = result.document_id
                row.save(update_fields=["document"])
                Capture.objects.filter(pk=capture.pk).update(
                    document=result.document_id
                )
                Capture.objects.filter(url=row, document__isnull=True).update(
                    document=result.document_id
                )
            if result.document_id in self.changed_ids:
                self.imported += 1

    def _update_availability(self) -> None:
        """Online for what answered; withdrawn for what is gone or has been off
        its lists for ``drop_after_runs`` complete runs."""
        now = timezone.now()
        rows = HarvestUrl.objects.filter(
            source=self.source.name, kind=Kind.DOCUMENT, document__isnull=False
        )
        with transaction.atomic():
            for row in rows.filter(run=self.run, state=State.DONE):
                Capture.objects.filter(url=row, document__isnull=True).update(
                    document=row.document_id
                )
                status.mark_seen([row.document_id], at=row.last_seen or now)
            for row in rows.filter(run=self.run, state=State.GONE):
                status.mark_withdrawn(
                    [row.document_id], last_seen=row.last_seen, at=now
                )
        if not self.lists_complete:
            if self.listed:
                self.say(
                    "列表不完整，本次不计未列出 lists incomplete: absence not counted"
                )
            return
        absent = HarvestUrl.objects.filter(
            source=self.source.name, kind=Kind.DOCUMENT, state=State.DONE
        ).exclude(run=self.run)
        dropped: list[HarvestUrl] = []
        with transaction.atomic():
            for row in absent.select_for_update():
                row.missing_runs += 1
                if row.missing_runs >= self.source.drop_after_runs:
                    row.state = State.GONE
                    row.error = (
                        f"连续 {row.missing_runs} 次未出现在列表中 "
                        f"(off its list for {row.missing_runs} runs)"
                    )
                    dropped.append(row)
                row.save(update_fields=["missing_runs", "state", "error"])
            for row in dropped:
                self.run.withdrawn += 1
                if row.document_id:
                    status.mark_withdrawn(
                        [row.document_id], last_seen=row.last_seen, at=now
                    )
            self.run.save(update_fields=["withdrawn"])
        if dropped:
            self.say(f"判定撤下 withdrawn (off the lists): {len(dropped)}")

    # -- the report -------------------------------------------------------------

    def report(self, *, resumed: bool) -> HarvestReport:
        run = self.run
        return HarvestReport(
            run_id=run.pk,
            source=run.source,
            listed=run.listed,
            stated_total=run.stated_total,
            captured=run.captured,
            unchanged=run.unchanged,
            failed=run.failed,
            withdrawn=run.withdrawn,
            requests=run.requests,
            warc_files=list(run.warc_files),
            imported=self.imported,
            failures=dict(Counter(run.failures)),
            resumed=resumed,
            status=str(run.status),
            error=self.error,
            changed_ids=self.changed_ids,
            unchanged_ids=self.unchanged_ids,
        )


def _outcome(row: HarvestUrl, fetched: Fetched) -> str:
    if fetched.not_modified or fetched.revisit:
        return Outcome.UNCHANGED
    if not row.payload_sha256:
        return Outcome.NEW
    return (
        Outcome.UNCHANGED if fetched.sha256 == row.payload_sha256 else Outcome.CHANGED
    )


def _run_chain(run: HarvestRun) -> set[int]:
    """This run and the interrupted runs it resumes (each resumes the one before)."""
    chain = {run.pk}
    earlier = HarvestRun.objects.filter(source=run.source, pk__lt=run.pk).order_by(
        "-started_at", "-id"
    )
    for previous in earlier.values_list("pk", "status"):
        if previous[1] != HarvestRun.Status.INTERRUPTED:
            break
        chain.add(previous[0])
    return chain


def _stored_responses(
    path: Path, name: str, pending: dict[str, HarvestUrl], since: datetime
) -> dict[str, Fetched]:
    """The last usable response (or revisit) in ``path`` for each pending URL,
    written since ``since``, as the fetcher would have returned it."""
    found: dict[str, Fetched] = {}
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if (
                record.rec_type not in ("response", "revisit")
                or not record.http_headers
            ):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            date = record.rec_headers.get_header("WARC-Date") or ""
            if url not in pending or not date:
                continue
            captured_at = iso_date_to_datetime(date, tz_aware=True)
            if captured_at < since:
                continue
            status = int(record.http_headers.get_statuscode() or 0)
            if status not in (200, 304, *GONE_STATUSES):
                continue  # a failure may have been retried: fetch it again
            body = record.content_stream().read()
            revisit = record.rec_type == "revisit"
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            found[url] = Fetched(
                url=url,
                final_url=url,
                status=status,
                body=body,
                headers=headers,
                sha256=(
                    pending[url].payload_sha256
                    if revisit
                    else hashlib.sha256(body).hexdigest()
                ),
                warc=WarcLocation(
                    file=name,
                    offset=records.get_record_offset(),
                    length=records.get_record_length(),
                    record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
                ),
                not_modified=status == 304,
                revisit=revisit,
                exchanges=1,
                captured_at=captured_at,
            )
    return found


def _latest_payload(row: HarvestUrl) -> Capture | None:
    """The row's latest capture that holds the body in a WARC response record."""
    return (
        row.captures.filter(outcome__in=[Outcome.NEW, Outcome.CHANGED])
        .exclude(warc_file="")
        .order_by("-captured_at", "-id")
        .first()
    )


def _reason(fetched: Fetched) -> str:
    if fetched.error:
        return fetched.error
    return f"HTTP {fetched.status}"


def _captured_at(fetched: Fetched | None) -> datetime:
    # The final response's WARC-Date; a URL never asked (robots.txt): now.
    if fetched is not None and fetched.captured_at is not None:
        return fetched.captured_at
    return timezone.now()


def _is_html(url: str, fetched: Fetched) -> bool:
    kind = fetched.headers.get("content-type", "").lower()
    if kind:
        return "html" in kind
    return not is_attachment_url(url)


def _text(fetched: Fetched) -> str:
    """A page's text: the charset the server names, else as the importer decodes.

    GB2312 and GBK labels are read as GB18030, their superset (pages so labelled
    carry characters beyond GB2312); a body the label does not fit (servers send
    a default charset whatever the page is) is decoded as the importer does."""
    kind = fetched.headers.get("content-type", "")
    declared = ""
    for part in kind.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            with suppress(LookupError):  # an unknown label: as if none
                declared = codecs.lookup(value.strip().strip("\"'")).name
            break
    if declared in ("gb2312", "gbk"):
        declared = "gb18030"
    if declared:
        try:
            return fetched.body.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return decode_bytes(fetched.body).text
    except RejectedInput:
        return fetched.body.decode(declared or "utf-8", errors="replace")


_WARC_NUMBER = re.compile(r"^(.*)-(\d+)\.warc(?:\.gz)?$")


def _warc_order(name: str) -> tuple[str, int, str]:
    """A run's files in the order written: ...-2.warc.gz before ...-10.warc.gz."""
    match = _WARC_NUMBER.match(name)
    return (match[1], int(match[2]), name) if match else (name, -1, name)
