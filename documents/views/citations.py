"""A document cited and printed: RIS and BibTeX downloads, the print view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from documents.attachment_reading import attachment_path, document_attachments
from documents.citation import bibtex, export_filename, gbt7714, ris, title_needs_mark
from documents.models import Document
from documents.reading import read_document
from documents.texts import attachment_label
from plansite.http import read_only

# RIS has no registered media type; this is the one reference managers know.
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"


def _citation_file(
    request: HttpRequest,
    pk: int,
    *,
    write: Callable[..., str],
    content_type: str,
    suffix: str,
) -> HttpResponse:
    # The citation needs the metadata only, never the text.
    document = get_object_or_404(Document.objects.defer("original", "body"), pk=pk)
    page_url = request.build_absolute_uri(document.get_absolute_url())
    text = write(document, page_url=page_url, accessed=timezone.localdate())
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_filename(document, suffix)
    )
    return response


@read_only
def document_ris(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a RIS record, for EndNote, Zotero and NoteExpress."""
    return _citation_file(request, pk, write=ris, content_type=RIS_TYPE, suffix="ris")


@read_only
def document_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a BibTeX entry."""
    return _citation_file(
        request, pk, write=bibtex, content_type=BIBTEX_TYPE, suffix="bib"
    )


@read_only
def document_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The text at full width with the citation and address on top, no
    controls; a long text is in the reading page's parts."""
    document = get_object_or_404(Document.objects.defer("original", "body"), pk=pk)
    path = reverse("documents:print", args=[pk])
    reading = read_document(
        document,
        terms=[],
        original=False,
        part_param=request.GET.get("part"),
        path=path,
        params={},
    )
    page_url = request.build_absolute_uri(document.get_absolute_url())
    accessed: date = timezone.localdate()
    # Attachments are printed from their own pages: named here with where.
    attachments = [
        (
            attachment_label(number, attachment.name),
            request.build_absolute_uri(attachment_path(document.pk, number)),
        )
        for number, attachment in document_attachments(document, with_text=False)
    ]
    context = {
        "object": document,
        "reading": reading,
        "page_url": page_url,
        "title_inferred": title_needs_mark(document),
        "citation": gbt7714(
            document, url=document.source_url or page_url, accessed=accessed
        ),
        "accessed": accessed,
        "attachments": attachments,
    }
    return render(request, "documents/print.html", context)
