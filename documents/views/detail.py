"""The document page (metadata, outline, hits, original, neighbours, citation)
and its plain-text download."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.generic import DetailView

from documents.citation import (
    FIELD_LABELS,
    export_filename,
    gbt7714,
    readable_note,
    text_export,
    title_needs_mark,
)
from documents.ingest.merge import HOW_LABELS
from documents.models import Document
from documents.outline import outline
from documents.selectors import documents_by_ids, nearby_documents
from documents.views.places import crumbs, document_place
from plansite.http import read_only
from search.highlight import find_spans, highlight_full
from search.query import QueryError, parse_query, terms_of
from search.similar import similar_document_ids

MAX_HIT_LINKS = 60
NEARBY = 8
SIMILAR = 6


def _paragraphs(html: str, lines: list) -> list[dict[str, Any]]:
    """Pair each highlighted line with its outline role; heading levels that
    occur become h2, h3, h4 in order, so no heading level is skipped."""
    used = sorted({abs(line.level) for line in lines if line.level})
    tag_of = {level: f"h{index + 2}" for index, level in enumerate(used)}
    rows = []
    for text, line in zip(html.split("\n"), lines, strict=True):
        if not text.strip() and not line.anchor:
            continue
        rows.append(
            {
                "html": text,
                "anchor": line.anchor,
                "tag": tag_of.get(line.level, "") if line.level > 0 else "",
                "numbered": line.level < 0,
            }
        )
    return rows


class DocumentDetailView(DetailView):
    model = Document
    template_name = "documents/document_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        document = self.object
        raw_query = self.request.GET.get("q", "")
        terms: list[str] = []
        query_error = ""
        try:
            terms = terms_of(parse_query(raw_query))
        except QueryError as exc:
            query_error = str(exc)
        show_original = self.request.GET.get("view") == "original"
        if show_original:
            text_html, hits = highlight_full(document.original, terms)
            paragraphs: list[dict[str, Any]] = []
            headings: list = []
        else:
            shape = outline(document.body, keep=find_spans(document.body, terms))
            # Marks never span a line break, so the HTML splits into lines.
            html, hits = highlight_full(shape.text, terms)
            paragraphs = _paragraphs(html, shape.lines)
            headings = shape.headings
            text_html = ""
        page_url = self.request.build_absolute_uri(document.get_absolute_url())
        accessed = timezone.localdate()
        nearby = nearby_documents(document=document, limit=NEARBY)
        seen = {d.pk for d in nearby} | {document.pk}
        similar = [
            d
            for d in documents_by_ids(
                similar_document_ids(document=document, limit=SIMILAR + len(seen))
            )
            if d.pk not in seen
        ][:SIMILAR]
        inferred = [name for name in document.inferred or [] if name in FIELD_LABELS]
        context.update(
            {
                "query": raw_query if terms else "",
                "query_error": query_error,
                "show_original": show_original,
                "original_html": text_html,
                "paragraphs": paragraphs,
                "headings": headings,
                "hit_count": hits,
                "hit_links": range(1, min(hits, MAX_HIT_LINKS) + 1),
                "region_crumbs": crumbs(document_place(document))[1:],
                "inferred_labels": [FIELD_LABELS[name] for name in inferred],
                "review_notes": [readable_note(n) for n in document.review_notes or []],
                "title_inferred": title_needs_mark(document),
                "field_sources": field_source_rows(document),
                "citation": gbt7714(
                    document, url=document.source_url or page_url, accessed=accessed
                ),
                "nearby": nearby,
                "similar": similar,
            }
        )
        return context


def field_source_rows(document: Document) -> list[dict[str, str]]:
    """Where each metadata field came from, in the order of the metadata panel."""
    recorded = document.field_sources or {}
    return [
        {
            "field": str(label),
            "source": recorded[name].get("source", ""),
            "how": HOW_LABELS.get(recorded[name].get("how", ""), ""),
        }
        for name, label in FIELD_LABELS.items()
        if name in recorded
    ]


@read_only
def document_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The clean text as a UTF-8 .txt file with a metadata header."""
    document = get_object_or_404(Document.objects.defer("original"), pk=pk)
    page_url = request.build_absolute_uri(document.get_absolute_url())
    body = text_export(document, page_url=page_url, accessed=timezone.localdate())
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_filename(document)
    )
    return response
