"""What a search asks an engine: the parsed query tree, filters, order and facets.

Every engine receives the same SearchRequest; each translates it in one place
(search/backend.py through query.to_whoosh, search/haystack_query.py for
haystack's other engines), so no query is printed and parsed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices

from search.query import Node

# The model every search is over, as the index names it (haystack's django_ct).
CONTENT_TYPE = "documents.document"
FACET_FIELDS = (
    "province",
    "township",
    "county",
    "plan_year",
    "category",
    "issuer",
    "availability",
)
# Filters on an exact value of these fields; empty means "any".
EXACT_FILTERS = (
    "township",
    "county",
    "city",
    "province",
    "category",
    "issuer",
    "availability",
)
YEAR_FIELD = "plan_year"
SORT_DATE_FIELD = "sort_date"
# Straight quotes would end haystack's quoted filter value early; every engine
# gets the same value, so results do not depend on the engine.
_UNSAFE_FILTER_CHARS = str.maketrans("", "", '"\\')


class SortOrder(TextChoices):
    RELEVANCE = "relevance", "相关度"
    NEWEST = "newest", "最新"
    OLDEST = "oldest", "最早"

    @classmethod
    def parse(cls, value: str | None) -> SortOrder | None:
        """The sort order named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


_ORDER_BY = {
    SortOrder.RELEVANCE: (),
    SortOrder.NEWEST: (f"-{SORT_DATE_FIELD}",),
    SortOrder.OLDEST: (SORT_DATE_FIELD,),
}


@dataclass(frozen=True)
class SearchFilters:
    """Exact-value filters; empty strings and None mean "any"."""

    township: str = ""
    county: str = ""
    city: str = ""
    province: str = ""
    year_from: int | None = None
    year_to: int | None = None
    category: str = ""
    issuer: str = ""
    # online, withdrawn or unknown (documents.models.Availability).
    availability: str = ""

    def exact_values(self) -> list[tuple[str, str]]:
        """(field, value) of every exact filter that is set, as engines match it."""
        found = []
        for name in EXACT_FILTERS:
            value = getattr(self, name).translate(_UNSAFE_FILTER_CHARS).strip()
            if value:
                found.append((name, value))
        return found


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query (None: every document), filters, a sort order, facets."""

    node: Node | None
    filters: SearchFilters
    sort: str = ""
    facets: tuple[str, ...] = ()

    @property
    def order_by(self) -> tuple[str, ...]:
        """haystack-style field names to order by; () is by relevance (BM25).

        Without a query there is no relevance: newest first.
        """
        order = SortOrder.parse(self.sort) or SortOrder.RELEVANCE
        if order is SortOrder.RELEVANCE and self.node is None:
            order = SortOrder.NEWEST
        return _ORDER_BY[order]
