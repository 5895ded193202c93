"""Trend: matching documents and term occurrences per plan year, normalised."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from research.corpus import document_occurrences, iter_documents, query_node
from search.normalise import Form
from search.query import Node, Unit
from search.selection import Match, matching_documents
from search.services import SearchFilters, search_documents
from search.textmatch import counted_terms

MAX_LINES = 5
# A bogus year (1900 next to 2024) must not make a table of a hundred empty rows.
MAX_YEAR_SPAN = 80


class Split(TextChoices):
    COUNTY = "county", _("区县")
    TOWNSHIP = "township", _("乡镇街道")

    @classmethod
    def parse(cls, value: str | None) -> Split | None:
        """The split named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


@dataclass(frozen=True)
class YearRow:
    """One plan year (None: not known) of one line of the trend."""

    year: int | None
    archive: int
    documents: int
    occurrences: int

    @property
    def documents_share(self) -> float | None:
        """Matching documents per document of that year in the filtered archive."""
        return self.documents / self.archive if self.archive else None

    @property
    def occurrences_per_document(self) -> float | None:
        """Occurrences per document of that year in the filtered archive."""
        return self.occurrences / self.archive if self.archive else None

    @property
    def documents_percent(self) -> float | None:
        share = self.documents_share
        return None if share is None else share * 100


@dataclass(frozen=True)
class Series:
    """One line: the whole result set (place "") or one county or township."""

    place: str
    rows: list[YearRow]

    @property
    def documents(self) -> int:
        return sum(row.documents for row in self.rows)

    @property
    def occurrences(self) -> int:
        return sum(row.occurrences for row in self.rows)

    @property
    def archive(self) -> int:
        return sum(row.archive for row in self.rows)


@dataclass(frozen=True)
class Trend:
    query: str
    terms: list[str]
    split: Split | None
    years: list[int]
    series: list[Series]

    @property
    def total(self) -> Series:
        return self.series[0]


def _archive_years(filters: SearchFilters) -> Counter[int | None]:
    """Documents per plan year in the filtered archive (facet counts, no texts)."""
    page = search_documents(query="", filters=filters, sort="", page=1, page_size=1)
    counts: Counter[int | None] = Counter(
        {int(year): count for year, count in page.facets.get("plan_year", [])}
    )
    unknown = page.total - sum(counts.values())
    if unknown > 0:
        counts[None] = unknown
    return counts


def _occurrences(
    matches: list[Match], terms: list[str], node: Node | None
) -> dict[int, int]:
    if not terms:
        return {}
    if all(match.occurrences is not None for match in matches):
        # Counted by the index (search/engine/matching.py).
        return {match.id: match.occurrences for match in matches}
    # Otherwise read the texts: the same count, a substring scan.
    ids = [match.id for match in matches]
    return {
        document.pk: document_occurrences(document, node)
        for document in iter_documents(ids, fields=("title", "body"))
    }


def _years(counters: list[Counter[int | None]]) -> list[int]:
    known = sorted({year for c in counters for year in c if year is not None})
    if not known:
        return []
    if known[-1] - known[0] <= MAX_YEAR_SPAN:
        # Every year between, so that a year without documents shows as a gap.
        return list(range(known[0], known[-1] + 1))
    return known


def _series(
    place: str,
    matches: list[Match],
    occurrences: dict[int, int],
    archive: Counter[int | None],
    years: list[int],
) -> Series:
    documents: Counter[int | None] = Counter()
    found: Counter[int | None] = Counter()
    for match in matches:
        documents[match.plan_year] += 1
        found[match.plan_year] += occurrences.get(match.id, 0)
    # Years without a document here are left out of the rows (the chart shows
    # them as gaps, the table does not need a row of zeros for each).
    rows = [
        YearRow(year, archive[year], documents[year], found[year])
        for year in years
        if archive[year] or documents[year]
    ]
    if archive[None] or documents[None]:
        rows.append(YearRow(None, archive[None], documents[None], found[None]))
    return Series(place=place, rows=rows)


def trend(
    *,
    query: str,
    filters: SearchFilters,
    split: Split | None = None,
    lines: int = MAX_LINES,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> Trend:
    """Per plan year: matching documents, occurrences of the query's terms in
    their titles, bodies and attachments (of a proximity clause, the first
    term's qualifying ones), and the documents of the filtered archive.

    With ``split``, also one line for each of the ``lines`` (at most
    MAX_LINES) counties or townships with the most matching documents.
    Raises search.query.QueryError.
    """
    node = query_node(query, form=form, near=near)
    terms = counted_terms(node)
    matches = matching_documents(
        query=query, filters=filters, occurrences_of=terms, form=form, near=near
    )
    occurrences = _occurrences(matches, terms, node)
    groups: list[tuple[str, list[Match], Counter[int | None]]] = [
        ("", matches, _archive_years(filters))
    ]
    if split is not None:
        by_place: dict[str, list[Match]] = {}
        for match in matches:
            place = getattr(match, split.value)
            if place:
                by_place.setdefault(place, []).append(match)
        ranked = sorted(by_place, key=lambda p: (-len(by_place[p]), p))
        for place in ranked[: max(1, min(lines, MAX_LINES))]:
            narrowed = replace(filters, **{split.value: place})
            groups.append((place, by_place[place], _archive_years(narrowed)))
    years = _years([archive for _, _, archive in groups])
    series = [
        _series(place, group, occurrences, archive, years)
        for place, group, archive in groups
    ]
    return Trend(query=query, terms=terms, split=split, years=years, series=series)


CSV_COLUMNS = (
    "place",
    "plan_year",
    "archive_documents",
    "matching_documents",
    "documents_share",
    "occurrences",
    "occurrences_per_document",
)


def series_records(line: Series) -> Iterator[dict[str, Any]]:
    """One flat record per year of a line, for CSV and JSON."""
    for row in line.rows:
        yield {
            "place": line.place,
            "plan_year": row.year,
            "archive_documents": row.archive,
            "matching_documents": row.documents,
            "documents_share": _round(row.documents_share),
            "occurrences": row.occurrences,
            "occurrences_per_document": _round(row.occurrences_per_document),
        }


def trend_records(result: Trend) -> Iterator[dict[str, Any]]:
    """Every line's records, the whole result set first."""
    for line in result.series:
        yield from series_records(line)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
