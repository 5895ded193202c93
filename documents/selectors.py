"""Read queries for the browse pages: counts by GROUP BY, bounded lists."""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet, TextChoices
from django.utils.translation import gettext_lazy as _

from documents import kinds
from documents.models import Document

LEVELS = ("province", "city", "county", "township")
# Where browse and search show national documents (level national, no region): a
# place above the provinces, in the province column.
NATIONAL = "全国"
# An archive-wide count is kept this long at most (archive_version() changes
# first whenever a document does).
ARCHIVE_CACHE_SECONDS = 60 * 60
# archive_version() is read again after this long, after a document changes in
# this process, and at the start of each request: a page with several cached
# selectors asks the database once.
VERSION_SECONDS = 2.0
T = TypeVar("T")
# Years shown in a township's bar chart: enough for any real record, bounded.
MAX_BAR_YEARS = 80
# The heavy text columns are never needed by a list.
LIST_DEFER = ("original", "body")


def _title_names_any(words: tuple[str, ...]) -> Q:
    return functools.reduce(operator.or_, (Q(title__contains=w) for w in words))


# What a title says the document is (documents/kinds.py). A title naming both
# (工作总结及工作计划) counts as a plan: it plans the coming year.
PLAN_Q = _title_names_any(kinds.PLAN_WORDS)
REPORT_Q = _title_names_any(kinds.REPORT_WORDS) & ~PLAN_Q


class DocumentKind(TextChoices):
    PLAN = "plan", _("计划")
    REPORT = "report", _("报告与总结")
    OTHER = "other", _("其他")

    @classmethod
    def parse(cls, value: str | None) -> DocumentKind | None:
        """The kind named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None

    def condition(self) -> Q:
        if self is DocumentKind.PLAN:
            return PLAN_Q
        if self is DocumentKind.REPORT:
            return REPORT_Q
        return ~PLAN_Q & ~REPORT_Q


class ListSort(TextChoices):
    YEAR_DESC = "year", _("年度（新→旧）")
    YEAR_ASC = "year_asc", _("年度（旧→新）")
    TITLE = "title", _("标题")
    ADDED = "added", _("最近收录")

    @classmethod
    def parse(cls, value: str | None) -> ListSort | None:
        """The sort order named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


_ORDERING = {
    ListSort.YEAR_DESC: ("-plan_year", "-doc_date", "-id"),
    ListSort.YEAR_ASC: ("plan_year", "doc_date", "id"),
    ListSort.TITLE: ("title", "id"),
    ListSort.ADDED: ("-id",),
}


@dataclass(frozen=True)
class ListFilters:
    """Filters shared by every list page; empty values mean "any"."""

    province: str = ""
    city: str = ""
    county: str = ""
    township: str = ""
    year: int | None = None
    # Only documents whose plan year is not known.
    undated: bool = False
    category: str = ""
    kind: DocumentKind | None = None
    needs_review: bool | None = None
    # online, withdrawn or unknown (Availability); "" for any.
    availability: str = ""


_version_memo = threading.local()
_changes_seen = [0]


def archive_version() -> str:
    """Changes whenever a document is added, edited or deleted (not by raw SQL).

    Two index lookups; the archive-wide counts below are cached under it.
    """
    memo = getattr(_version_memo, "value", None)
    now = time.monotonic()
    if memo and memo[0] == _changes_seen[0] and now - memo[1] < VERSION_SECONDS:
        return memo[2]
    changes = _changes_seen[0]
    # Two queries: SQLite answers MAX from the index only when it is alone.
    count = Document.objects.count()
    last = Document.objects.aggregate(last=Max("updated_at"))["last"]
    version = f"{count}:{last.timestamp() if last else 0}"
    _version_memo.value = (changes, now, version)
    return version


def forget_archive_version(**kwargs: Any) -> None:
    """Read archive_version() afresh (connected to request_started)."""
    _version_memo.value = None


def note_document_change(**kwargs: Any) -> None:
    """A document changed in this process (post_save and post_delete)."""
    _changes_seen[0] += 1


def _archive_cached(function: Callable[..., T]) -> Callable[..., T]:
    """Cache a selector's answer until the archive changes.

    Counting and grouping the whole archive took 30-40 ms a page at 50,000
    documents, for numbers that change only when documents do.
    """

    @functools.wraps(function)
    def cached(*args: Any, **kwargs: Any) -> T:
        material = repr(
            (function.__name__, archive_version(), args, sorted(kwargs.items()))
        )
        # Hashed: some cache backends accept only short ASCII keys.
        key = "archive:" + hashlib.sha1(material.encode()).hexdigest()
        found = cache.get(key)
        if found is None:
            found = function(*args, **kwargs)
            cache.set(key, found, ARCHIVE_CACHE_SECONDS)
        return found

    cached.uncached = function  # type: ignore[attr-defined]
    return cached


def filtered(queryset: QuerySet[Document], filters: ListFilters) -> QuerySet:
    """The queryset narrowed by the filters that are set."""
    if filters.province == NATIONAL:
        queryset = queryset.filter(_at((NATIONAL,)))
    for level in LEVELS:
        value = getattr(filters, level)
        if value and not (level == "province" and value == NATIONAL):
            queryset = queryset.filter(**{level: value})
    if filters.year is not None:
        queryset = queryset.filter(plan_year=filters.year)
    elif filters.undated:
        queryset = queryset.filter(plan_year=None)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.kind is not None:
        queryset = queryset.filter(filters.kind.condition())
    if filters.needs_review is not None:
        queryset = queryset.filter(needs_review=filters.needs_review)
    if filters.availability:
        queryset = queryset.filter(availability=filters.availability)
    return queryset


def document_list(
    *,
    filters: ListFilters,
    sort: ListSort | None = None,
    base: QuerySet[Document] | None = None,
    group_by_region: bool = False,
) -> QuerySet[Document]:
    """Documents for a list page, without their text columns."""
    queryset = base if base is not None else Document.objects.all()
    ordering = _ORDERING[sort or ListSort.YEAR_DESC]
    if group_by_region:
        ordering = (*LEVELS, *ordering)
    return filtered(queryset, filters).defer(*LIST_DEFER).order_by(*ordering)


@dataclass(frozen=True)
class ArchiveStats:
    documents: int
    townships: int
    year_min: int | None
    year_max: int | None
    years: int


@_archive_cached
def archive_stats() -> ArchiveStats:
    """Totals for the home page."""
    totals = Document.objects.aggregate(
        documents=Count("*"), year_min=Min("plan_year"), year_max=Max("plan_year")
    )
    townships = (
        Document.objects.exclude(township="")
        .values(*LEVELS)
        .distinct()
        .order_by()
        .count()
    )
    years = (
        Document.objects.exclude(plan_year=None)
        .values("plan_year")
        .distinct()
        .order_by()
        .count()
    )
    return ArchiveStats(
        documents=totals["documents"],
        townships=townships,
        year_min=totals["year_min"],
        year_max=totals["year_max"],
        years=years,
    )


def latest_documents(*, limit: int = 8) -> QuerySet[Document]:
    """The most recently added documents (ids grow with each import)."""
    return Document.objects.defer(*LIST_DEFER).order_by("-id")[:limit]


@dataclass(frozen=True)
class PlaceCount:
    """A place below the current one, with its documents and their years."""

    name: str
    documents: int
    year_min: int | None
    year_max: int | None
    townships: int | None = None


def _at(path: tuple[str, ...]) -> Q:
    if path and path[0] == NATIONAL:
        # 全国 holds the national documents, which have no region below it.
        below = dict(zip(LEVELS[1:], path[1:], strict=False))
        return Q(level=Document.Level.NATIONAL, province="", **below)
    return Q(**{level: value for level, value in zip(LEVELS, path, strict=False)})


def _national_count() -> PlaceCount | None:
    row = Document.objects.filter(_at((NATIONAL,))).aggregate(
        documents=Count("*"), year_min=Min("plan_year"), year_max=Max("plan_year")
    )
    if not row["documents"]:
        return None
    return PlaceCount(NATIONAL, row["documents"], row["year_min"], row["year_max"])


@_archive_cached
def region_children(*, path: tuple[str, ...]) -> list[PlaceCount]:
    """The places one level below ``path`` that have documents, with counts."""
    if len(path) >= len(LEVELS):
        return []
    child = LEVELS[len(path)]
    annotations = {
        "documents": Count("*"),
        "year_min": Min("plan_year"),
        "year_max": Max("plan_year"),
    }
    if child == "county":
        annotations["townships"] = Count(
            "township", filter=~Q(township=""), distinct=True
        )
    rows = (
        Document.objects.filter(_at(path))
        .exclude(**{child: ""})
        .values(child)
        .annotate(**annotations)
        .order_by(child)
    )
    national = _national_count() if not path else None
    return [
        *([national] if national else []),
        *[
            PlaceCount(
                name=row[child],
                documents=row["documents"],
                year_min=row["year_min"],
                year_max=row["year_max"],
                townships=row.get("townships"),
            )
            for row in rows
        ],
    ]


def region_total(*, path: tuple[str, ...]) -> int:
    """How many documents lie at or below ``path``."""
    return Document.objects.filter(_at(path)).count()


def region_own_documents(*, path: tuple[str, ...]) -> QuerySet[Document]:
    """Documents placed at ``path`` itself, with no place below it (a county's
    own plans; at the root, documents whose region is not known)."""
    queryset = Document.objects.filter(_at(path))
    if len(path) < len(LEVELS):
        queryset = queryset.filter(**{LEVELS[len(path)]: ""})
    if not path:
        # National documents are listed under 全国.
        queryset = queryset.exclude(level=Document.Level.NATIONAL)
    return queryset


def region_documents(*, path: tuple[str, ...]) -> QuerySet[Document]:
    """Every document at or below ``path``."""
    return Document.objects.filter(_at(path))


@dataclass(frozen=True)
class YearBar:
    """One year in a township's record: how many plans, reports and others."""

    year: int
    plans: int
    reports: int
    others: int

    @property
    def total(self) -> int:
        return self.plans + self.reports + self.others


@dataclass(frozen=True)
class YearRecord:
    bars: list[YearBar]
    undated: int
    peak: int

    @property
    def gaps(self) -> list[int]:
        return [bar.year for bar in self.bars if not bar.total]


def year_record(*, queryset: QuerySet[Document]) -> YearRecord:
    """Plans and reports per plan year, with empty years filled in as gaps."""
    rows = (
        queryset.values("plan_year")
        .annotate(
            total=Count("*"),
            plans=Count("id", filter=PLAN_Q),
            reports=Count("id", filter=REPORT_Q),
        )
        .order_by("plan_year")
    )
    by_year = {}
    undated = 0
    for row in rows:
        if row["plan_year"] is None:
            undated = row["total"]
        else:
            by_year[row["plan_year"]] = row
    bars = []
    if by_year:
        last = max(by_year)
        first = max(min(by_year), last - MAX_BAR_YEARS + 1)
        for year in range(first, last + 1):
            row = by_year.get(year)
            if row is None:
                bars.append(YearBar(year, 0, 0, 0))
            else:
                others = row["total"] - row["plans"] - row["reports"]
                bars.append(YearBar(year, row["plans"], row["reports"], others))
    peak = max((bar.total for bar in bars), default=0)
    return YearRecord(bars=bars, undated=undated, peak=peak)


@dataclass(frozen=True)
class YearCount:
    year: int
    documents: int
    places: int


@_archive_cached
def year_counts() -> list[YearCount]:
    """Every plan year that has documents, oldest first."""
    rows = (
        Document.objects.exclude(plan_year=None)
        .values("plan_year")
        .annotate(
            documents=Count("*"),
            places=Count("division_code", filter=~Q(division_code=""), distinct=True),
        )
        .order_by("plan_year")
    )
    return [
        YearCount(row["plan_year"], row["documents"], row["places"]) for row in rows
    ]


def undated_count() -> int:
    return Document.objects.filter(plan_year=None).count()


def value_counts(
    *, queryset: QuerySet[Document], name: str, limit: int = 40
) -> list[tuple[str, int]]:
    """The most common non-empty values of one field, for a filter menu."""
    rows = (
        queryset.exclude(**{name: ""})
        .values(name)
        .annotate(n=Count("*"))
        .order_by("-n", name)[:limit]
    )
    return [(row[name], row["n"]) for row in rows]


# The filters a menu leaves out: a menu counts the documents every *other*
# chosen filter leaves, so each count is what choosing its value lists. The
# county box forgets the township too (a township lies in one county).
_WITHOUT = {
    "province": {"province": ""},
    "county": {"county": "", "township": ""},
    "township": {"township": ""},
    "year": {"year": None, "undated": False},
    "category": {"category": ""},
    "availability": {"availability": ""},
}


def _facet_queryset(
    base: QuerySet[Document] | None, filters: ListFilters, name: str
) -> QuerySet[Document]:
    """The documents the other filters leave, for the menu of ``name``."""
    others = replace(filters, **_WITHOUT[name])
    queryset = base if base is not None else Document.objects.all()
    return filtered(queryset, others).order_by()


def _facet_counts(
    base: QuerySet[Document] | None, filters: ListFilters, name: str, limit: int
) -> list[tuple[Any, int]]:
    queryset = _facet_queryset(base, filters, name)
    if name == "year":
        rows = (
            queryset.values("plan_year").annotate(n=Count("*")).order_by("-plan_year")
        )
        return [(row["plan_year"], row["n"]) for row in rows]
    counts = value_counts(queryset=queryset, name=name, limit=limit)
    if name == "province":
        national = queryset.filter(_at((NATIONAL,))).count()
        if national:
            counts = [(NATIONAL, national), *counts]
    return counts


@_archive_cached
def _archive_facet_counts(
    *, filters: ListFilters, name: str, limit: int
) -> list[tuple[Any, int]]:
    return _facet_counts(None, filters, name, limit)


def facet_counts(
    *,
    filters: ListFilters,
    name: str,
    base: QuerySet[Document] | None = None,
    limit: int = 40,
) -> list[tuple[Any, int]]:
    """A filter menu's values with their counts, under every *other* filter.

    ``name`` is province, county, township, year, category or availability.
    Choosing a value then lists exactly its count (the menus used to count
    the whole archive: 浙江省 + 2020 said "2020 (6)" and listed 2). Year
    gives (year, n) newest first, with (None, n) for the documents whose year
    is not known. ``base`` is the page's own set (a region, a year); None is
    the whole archive, whose counts are cached until it changes.
    """
    # The harvester changes availability with an UPDATE that may leave the
    # archive's version as it was: what depends on it is never cached.
    if base is None and name != "availability" and not filters.availability:
        return _archive_facet_counts(filters=filters, name=name, limit=limit)
    return _facet_counts(base, filters, name, limit)


@_archive_cached
def place_suggestions(*, filters: ListFilters, level: str) -> list[str]:
    """The county or township names a filter box suggests: those with
    documents under the other chosen filters, so a chosen province (city,
    county) narrows them."""
    queryset = _facet_queryset(None, filters, level).exclude(**{level: ""})
    return list(
        queryset.values_list(level, flat=True).distinct().order_by(level)[:2000]
    )


def nearby_documents(*, document: Document, limit: int = 8) -> list[Document]:
    """The same township's (else county's) other documents, nearest years first."""
    if document.township:
        place = _at((document.province, document.city, document.county))
        place &= Q(township=document.township)
    elif document.county:
        place = _at((document.province, document.city, document.county))
        place &= Q(township="")
    else:
        return []
    candidates = list(
        Document.objects.filter(place)
        .exclude(pk=document.pk)
        .defer(*LIST_DEFER)
        .order_by("-plan_year", "-id")[: limit * 4]
    )
    year = document.plan_year or 0
    candidates.sort(key=lambda d: (abs((d.plan_year or 0) - year), -(d.plan_year or 0)))
    return candidates[:limit]


def documents_by_ids(ids: list[int]) -> list[Document]:
    """Documents in the order of ``ids``; ids no longer stored are skipped."""
    found = Document.objects.defer(*LIST_DEFER).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


PLACE_SUFFIXES = ("街道", "县", "市", "区", "镇", "乡", "旗")


@_archive_cached
def place_names(*, level: str, within: dict[str, str] | None = None) -> list[str]:
    """The names at ``level`` (county, township, ...) that have documents, in
    name order; ``within`` narrows to a place above (e.g. {"county": "平潭县"})."""
    queryset = Document.objects.exclude(**{level: ""})
    if within:
        queryset = queryset.filter(**{k: v for k, v in within.items() if v})
    return list(
        queryset.values_list(level, flat=True).distinct().order_by(level)[:2000]
    )


def place_exists(*, level: str, name: str) -> bool:
    return Document.objects.filter(**{level: name}).exists()


def similar_place_names(*, level: str, name: str, limit: int = 5) -> list[str]:
    """Names at ``level`` that the reader may have meant by ``name``: those that
    contain it (平潭 → 平潭县) or contain it without its suffix (平潭镇 → 平潭县)."""
    name = name.strip()
    if not name:
        return []
    stems = [name]
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stems.append(name[: -len(suffix)])
            break
    found: list[str] = []
    for stem in stems:
        rows = (
            Document.objects.filter(**{f"{level}__contains": stem})
            .values_list(level, flat=True)
            .distinct()
            .order_by(level)[:limit]
        )
        for value in rows:
            if value != name and value not in found:
                found.append(value)
    return found[:limit]


def place_level_of(name: str) -> str:
    """The level (province, city, county, township) at which ``name`` has
    documents, or "" if none."""
    for level in LEVELS:
        if name and Document.objects.filter(**{level: name}).exists():
            return level
    return ""


def with_selected(
    counts: list[tuple[str, int]], value: str | None
) -> list[tuple[str, int]]:
    """A filter menu's choices with the selected value kept, with 0 documents
    if it has none here, so that submitting the form again keeps it."""
    if value and value not in {choice for choice, _n in counts}:
        return [*counts, (value, 0)]
    return counts


def with_review_reason(queryset: QuerySet[Document], reason: str) -> QuerySet:
    """Documents whose review notes hold ``reason`` (documents.ingest.review).

    JSON lists cannot be searched with ``contains`` on SQLite, and SQLite stores
    the notes' Chinese as \\u escapes while PostgreSQL's text form keeps it:
    match either spelling.
    """
    escaped = json.dumps(reason)[1:-1]
    return queryset.filter(
        Q(review_notes__icontains=reason) | Q(review_notes__icontains=escaped)
    )
