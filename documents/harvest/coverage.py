"""Coverage of each harvested source: what its lists showed, what was captured,
what failed and why, what was withdrawn (selectors over HarvestRun, HarvestUrl).

The /sources/ pages and the export's provenance read these; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from documents.harvest.definitions import DefinitionError, shipped_sources
from documents.models import (
    Availability,
    Capture,
    Document,
    HarvestRun,
    HarvestUrl,
)

# Runs a source's page lists (a daily timer makes 365 a year).
RUNS_SHOWN = 100
# Ids per query when looking up a result set's sources (SQLite's parameter cap).
IDS_PER_QUERY = 900


class UnknownSource(LookupError):
    """No harvest run has this source name."""


@dataclass(frozen=True)
class RunFigures:
    """One run of a source: its state and its counts."""

    id: int
    status: str
    status_label: str
    started_at: datetime
    finished_at: datetime | None
    listed: int
    stated_total: int | None
    captured: int
    unchanged: int
    failed: int
    withdrawn: int
    requests: int
    bytes_received: int
    warc_files: list[str]
    # {reason: count}, the most frequent first.
    failures: list[tuple[str, int]]

    @property
    def finished(self) -> bool:
        return self.status == HarvestRun.Status.FINISHED

    @property
    def unlisted(self) -> int | None:
        """How many the list says it holds beyond what its pages showed
        (None when the list states no total)."""
        if self.stated_total is None:
            return None
        return max(0, self.stated_total - self.listed)

    def as_provenance(self) -> dict[str, Any]:
        """The figures an export's provenance carries."""
        return {
            "run": self.id,
            "status": self.status,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": (
                self.finished_at.isoformat(timespec="seconds")
                if self.finished_at
                else None
            ),
            "listed": self.listed,
            "stated_total": self.stated_total,
            "captured": self.captured,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "withdrawn": self.withdrawn,
            "failures": dict(self.failures),
        }


@dataclass(frozen=True)
class SourceCoverage:
    """A source's latest run, its history of runs, and its documents' state."""

    source: str
    title: str
    # The newest run, whatever its state; ``last_finished`` the newest whole one.
    latest: RunFigures | None
    last_finished: RunFigures | None
    # The newest RUNS_SHOWN runs, newest first, of ``runs_total``.
    runs: list[RunFigures] = field(default_factory=list)
    runs_total: int = 0
    # The documents its pages became, by availability.
    documents: int = 0
    online: int = 0
    withdrawn: int = 0
    # URLs whose last fetch failed (HarvestUrl.state FAILED), now.
    failing_urls: int = 0

    @property
    def reference(self) -> RunFigures | None:
        """The run whose figures stand for the source: the last finished one,
        else the newest (an interrupted first run is all there is)."""
        return self.last_finished or self.latest

    def as_provenance(self) -> dict[str, Any]:
        """What an export says of this source (documents/export.py)."""
        run = self.reference
        return {
            "source": self.source,
            "title": self.title,
            **(run.as_provenance() if run else {}),
            "documents": self.documents,
            "documents_online": self.online,
            "documents_withdrawn": self.withdrawn,
        }


def _figures(run: HarvestRun) -> RunFigures:
    failures = sorted(
        ((str(reason), int(count)) for reason, count in (run.failures or {}).items()),
        key=lambda item: (-item[1], item[0]),
    )
    return RunFigures(
        id=run.pk,
        status=run.status,
        status_label=str(run.get_status_display()),
        started_at=run.started_at,
        finished_at=run.finished_at,
        listed=run.listed,
        stated_total=run.stated_total,
        captured=run.captured,
        unchanged=run.unchanged,
        failed=run.failed,
        withdrawn=run.withdrawn,
        requests=run.requests,
        bytes_received=run.bytes_received,
        warc_files=[str(name) for name in (run.warc_files or [])],
        failures=failures,
    )


def source_titles() -> dict[str, str]:
    """The Chinese title of each source whose definition ships with the code."""
    try:
        return {source.name: source.title for source in shipped_sources()}
    except DefinitionError:  # a broken file names nothing here
        return {}


def source_documents(source: str) -> QuerySet[Document]:
    """The documents whose pages ``source``'s harvests captured (its URL's
    document, or any capture's: either is what ties a page to its row)."""
    by_url = HarvestUrl.objects.filter(
        source=source, kind=HarvestUrl.Kind.DOCUMENT, document__isnull=False
    ).values("document_id")
    by_capture = Capture.objects.filter(
        run__source=source, document__isnull=False
    ).values("document_id")
    return Document.objects.filter(Q(pk__in=by_url) | Q(pk__in=by_capture))


def withdrawn_documents(source: str) -> QuerySet[Document]:
    """``source``'s documents whose pages are gone, most recently judged first."""
    return (
        source_documents(source)
        .filter(availability=Availability.WITHDRAWN)
        .defer("body", "original")
        .order_by("-withdrawn_at", "-id")
    )


def failing_urls(source: str) -> QuerySet[HarvestUrl]:
    """``source``'s URLs whose last fetch failed, with the reason: documents
    first, then lists and attachments."""
    return HarvestUrl.objects.filter(
        source=source, state=HarvestUrl.State.FAILED
    ).order_by("kind", "url")


def source_names() -> list[str]:
    """Every source that has a harvest run, by name."""
    names = HarvestRun.objects.values_list("source", flat=True).distinct()
    return sorted(set(names))


def source_coverage(
    source: str, *, titles: dict[str, str] | None = None
) -> SourceCoverage:
    """``source``'s latest run's figures, its runs (newest first) and the state
    of its documents. UnknownSource when it never ran."""
    all_runs = HarvestRun.objects.filter(source=source)
    runs = [_figures(run) for run in all_runs[:RUNS_SHOWN]]
    if not runs:
        raise UnknownSource(source)
    titles = source_titles() if titles is None else titles
    finished = all_runs.filter(status=HarvestRun.Status.FINISHED).first()
    documents = source_documents(source)
    rows = documents.order_by().values("availability").annotate(n=Count("*"))
    by_state = {row["availability"]: row["n"] for row in rows}
    return SourceCoverage(
        source=source,
        # The title the latest run recorded (the definition it used), else a
        # shipped definition's (runs from before titles were recorded).
        title=all_runs.exclude(title="").values_list("title", flat=True).first()
        or titles.get(source, ""),
        latest=runs[0],
        last_finished=_figures(finished) if finished else None,
        runs=runs,
        runs_total=all_runs.count(),
        documents=sum(by_state.values()),
        online=by_state.get(Availability.ONLINE, 0),
        withdrawn=by_state.get(Availability.WITHDRAWN, 0),
        failing_urls=failing_urls(source).count(),
    )


def all_sources() -> list[SourceCoverage]:
    """The coverage of every source that has a harvest run, by name."""
    titles = source_titles()
    return [source_coverage(name, titles=titles) for name in source_names()]


def sources_of(document_ids: Iterable[int]) -> list[str]:
    """The sources whose harvests captured any of these documents, by name."""
    ids = sorted(set(document_ids))
    found: set[str] = set()
    for offset in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[offset : offset + IDS_PER_QUERY]
        found.update(
            HarvestUrl.objects.filter(
                document_id__in=chunk, kind=HarvestUrl.Kind.DOCUMENT
            )
            .values_list("source", flat=True)
            .distinct()
        )
        found.update(
            Capture.objects.filter(document_id__in=chunk)
            .values_list("run__source", flat=True)
            .distinct()
        )
    return sorted(found)


def provenance_coverage(
    document_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """For an export's provenance: each harvested source its documents came
    from, with its coverage figures (None: every source that has run)."""
    names = source_names() if document_ids is None else sources_of(document_ids)
    if not names:
        return []
    titles = source_titles()
    known = set(source_names())
    return [
        source_coverage(name, titles=titles).as_provenance()
        for name in names
        if name in known
    ]
