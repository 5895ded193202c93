"""An Atom feed of a search's newest matches: the feed's URL is the query.

/search/feed/ takes the search page's parameters (query, filters, form, near),
so a researcher follows a query in any feed reader and nothing is stored.
"Newest" is newest in the archive (the document's import time); each entry
shows the document's own dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from documents.forms import AVAILABILITY_LABELS
from documents.models import Document
from documents.texts import with_parts
from plansite.form_schema import invalid_parameters
from search.forms import (
    FILTER_NAMES,
    SearchParams,
    parse_search_params,
    search_querystring,
)
from search.query import Node, QueryError, parse_query, terms_of
from search.results import document_query, document_snippets
from search.selection import matching_documents

# Entries in a feed: the newest matches; a reader keeps the older ones it saw.
FEED_SIZE = 50
SNIPPET_WIDTH = 120
# Rows read at a time when walking the archive newest first.
_CHUNK = 2000


@dataclass(frozen=True)
class Entry:
    """A document of a feed, with the query its link and snippet are for."""

    document: Document
    # The document page's parameters (q, form, near), as the results page
    # links it, and the query read with them: what the snippet marks.
    link_params: dict[str, str]
    node: Node | None
    # The document's absolute URL without the query: the entry's id.
    guid: str


@dataclass(frozen=True)
class FeedQuery:
    """One feed's request: the search's parameters and what they match."""

    params: SearchParams
    node: Node | None
    documents: list[Document]
    # This site's scheme and host.
    site: str = ""

    @property
    def entries(self) -> list[Entry]:
        link = document_query(
            self.params.query, form=self.params.form, near=self.params.near
        )
        return [
            Entry(d, link, self.node, self.site + d.get_absolute_url())
            for d in self.documents
        ]


def newest_matches(params: SearchParams, *, limit: int | None = None) -> list[int]:
    """The ids of the ``limit`` matches imported last (newest first; the
    higher id first among those imported at the same moment).

    The index has no import-time order, so this walks the archive's
    (import time, id) pairs newest first and keeps the matches: the matches
    are found once by the index, the walk stops at ``limit``.
    Raises search.query.QueryError.
    """
    matches = {
        m.id
        for m in matching_documents(
            query=params.query,
            filters=params.filters,
            form=params.form,
            near=params.near,
        )
    }
    if not matches:
        return []
    newest = Document.objects.order_by("-imported_at", "-pk").values_list(
        "pk", flat=True
    )
    found = (pk for pk in newest.iterator(chunk_size=_CHUNK) if pk in matches)
    return list(islice(found, FEED_SIZE if limit is None else limit))


def feed_query(params: SearchParams, *, site: str = "") -> FeedQuery:
    """The newest matches of ``params``; ``site`` is the origin of the
    entries' ids. Raises search.query.QueryError."""
    node = parse_query(params.query, form=params.form, near=params.near)
    ids = newest_matches(params)
    by_id = with_parts(Document.objects.filter(pk__in=ids)).in_bulk()
    return FeedQuery(
        params=params,
        node=node if terms_of(node) else None,
        documents=[by_id[pk] for pk in ids if pk in by_id],
        site=site,
    )


def _date(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class SearchFeed(Feed):
    """The newest matches of the search named by the request's parameters."""

    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args: object, **kwargs: object):
        # A feed reader shows no notice: a parameter the search page would
        # ignore, or a query that cannot run, is a 400 that says why.
        _form, params = parse_search_params(request.GET)
        if params.field_errors:
            lines = [invalid_parameters(params.field_errors)] + [
                f"{name}: {'；'.join(errors)}"
                for name, errors in params.field_errors.items()
            ]
            return _bad_request("\n".join(lines))
        try:
            site = request.build_absolute_uri("/")[:-1]
            request.feed_query = feed_query(params, site=site)  # type: ignore[attr-defined]
        except QueryError as exc:
            return _bad_request(str(exc))
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object):
        return request.feed_query  # type: ignore[attr-defined]

    def title(self, obj: FeedQuery) -> str:
        query = obj.params.query
        name = _("政府工作计划档案")
        if query:
            return _("“%(q)s”的最新文档 · %(site)s") % {"q": query, "site": name}
        return _("最新文档 · %(site)s") % {"site": name}

    def subtitle(self, obj: FeedQuery) -> str:
        filters = obj.params.filters
        chosen = [getattr(filters, name) for name in FILTER_NAMES]
        if filters.availability:
            chosen.append(str(AVAILABILITY_LABELS.get(filters.availability, "")))
        if filters.year_from is not None or filters.year_to is not None:
            chosen.append(
                f"{filters.year_from or '…'}–{filters.year_to or '…'} " + _("年度")
            )
        shown = " ".join(str(value) for value in chosen if value)
        text = _("按导入档案的时间，最新的 %(n)d 篇命中文档。") % {"n": FEED_SIZE}
        return f"{text}{_('筛选：')}{shown}" if shown else text

    def link(self, obj: FeedQuery) -> str:
        query = search_querystring(obj.params)
        return reverse("search:page") + (f"?{query}" if query else "")

    def feed_url(self, obj: FeedQuery) -> str:
        query = search_querystring(obj.params)
        return reverse("search:feed") + (f"?{query}" if query else "")

    def items(self, obj: FeedQuery) -> list[Entry]:
        return obj.entries

    def item_title(self, item: Entry) -> str:
        return item.document.title

    def item_link(self, item: Entry) -> str:
        # The document page, its hits marked, as the results page links it.
        path = item.document.get_absolute_url()
        return f"{path}?{urlencode(item.link_params)}" if item.link_params else path

    def item_guid(self, item: Entry) -> str:
        # Stable whatever the query: the same document is the same entry in
        # every feed (the framework does not make a guid absolute).
        return item.guid

    item_guid_is_permalink = True

    def item_author_name(self, item: Entry) -> str:
        return item.document.issuer

    def item_pubdate(self, item: Entry) -> datetime:
        return item.document.imported_at

    def item_updateddate(self, item: Entry) -> datetime:
        return item.document.updated_at

    def item_description(self, item: Entry) -> str:
        document = item.document
        dates = [
            (_("成文日期"), _date(document.doc_date)),
            (_("发布日期"), _date(document.publish_date)),
        ]
        facts = [f"{label}：{value}" for label, value in dates if value]
        if document.plan_year:
            facts.append(_("%(year)s 年度") % {"year": document.plan_year})
        place = " ".join(
            part
            for part in (
                document.province,
                document.city,
                document.county,
                document.township,
            )
            if part
        )
        if place:
            facts.append(place)
        if document.issuer:
            facts.append(document.issuer)
        found = document_snippets(document, item.node, n=1, width=SNIPPET_WIDTH)
        # snippets() escapes the text and adds only <mark> tags, as the
        # results page shows them.
        passages = format_html_join(
            "", "<p>{}</p>", ((mark_safe(p),) for p in found.passages)
        )
        label = format_html("<p>［{}］</p>", found.label) if found.label else ""
        return format_html("<p>{}</p>{}{}", " · ".join(facts), label, passages)


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


search_feed = SearchFeed()
