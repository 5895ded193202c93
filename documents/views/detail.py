"""The document page (metadata, outline, hits, original, neighbours, citation)
and its plain-text download."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.generic import DetailView

from documents import history
from documents.attachment_reading import attachment_rows
from documents.citation import (
    FIELD_LABELS,
    export_filename,
    gbt7714,
    readable_note,
    text_export,
    title_needs_mark,
)
from documents.hit_context import marked, query_node, title_spans
from documents.ingest.merge import HOW_LABELS
from documents.metadata_panel import metadata_rows
from documents.models import Document
from documents.reading import read_document
from documents.selectors import documents_by_ids, nearby_documents
from documents.views.params import highlight_terms, query_params
from documents.views.places import crumbs, document_place
from plansite.http import read_only
from search import similar_document_ids

NEARBY = 8
SIMILAR = 6


class DocumentDetailView(DetailView):
    model = Document
    template_name = "documents/document_detail.html"

    def get_queryset(self) -> QuerySet[Document]:
        # A text may be 5 MiB: documents/reading.py reads what the page shows.
        return super().get_queryset().defer("original", "body")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        document = self.object
        raw_query = self.request.GET.get("q", "")
        terms, query_error = highlight_terms(raw_query, self.request.GET)
        show_original = self.request.GET.get("view") == "original"
        # What the page's own links (to parts, hits, headings) pass on.
        params = query_params(raw_query, self.request.GET) if terms else {}
        if show_original:
            params["view"] = "original"
        reading = read_document(
            document,
            terms=terms,
            original=show_original,
            part_param=self.request.GET.get("part"),
            path=document.get_absolute_url(),
            params=params,
        )
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
        attachments = attachment_rows(
            document, terms=terms, query=raw_query, params=params
        )
        inferred = [name for name in document.inferred or [] if name in FIELD_LABELS]
        region = crumbs(document_place(document))[1:]
        # The title is a paragraph of the full text: its hits are marked and
        # counted apart from the body's (a title-only match said "0 处").
        in_title = (
            title_spans(
                document.title,
                query_node(
                    raw_query,
                    form=self.request.GET.get("form"),
                    near=self.request.GET.get("near"),
                ),
            )
            if terms
            else []
        )
        context.update(
            {
                "query": raw_query if terms else "",
                "query_error": query_error,
                "show_original": show_original,
                "original_html": reading.original_html,
                "paragraphs": reading.paragraphs,
                "headings": reading.toc,
                "hit_count": reading.hit_count,
                "hit_nav": reading.hit_nav,
                "reading": reading,
                "problems": reading.problems,
                "region_crumbs": region,
                "meta_rows": metadata_rows(document, region=region),
                "title_html": marked(document.title, in_title),
                "title_hits": len(in_title),
                "inferred_labels": [FIELD_LABELS[name] for name in inferred],
                "review_notes": [readable_note(n) for n in document.review_notes or []],
                "title_inferred": title_needs_mark(document),
                "field_sources": field_source_rows(document),
                "citation": gbt7714(
                    document, url=document.source_url or page_url, accessed=accessed
                ),
                "nearby": nearby,
                "similar": similar,
                "attachments": attachments,
                "attachment_hits": sum(row.hits for row in attachments),
                "versions": history.version_rows(
                    document.pk, latest=history.VERSIONS_SHOWN
                ),
                "capture_history": history.capture_history(document.pk),
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
