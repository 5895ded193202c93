"""An attachment's pages: its text (highlighted, with pages and outline), its
text as a .txt file, and its original, byte for byte."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from documents.attachment_reading import (
    attachment_by_number,
    attachment_path,
    download_type,
    has_own_text,
    kind_label,
    method_label,
    read_attachment,
)
from documents.attachments import store
from documents.attachments.result import Method
from documents.models import Attachment, Document
from documents.texts import attachment_label
from documents.views.params import highlight_terms, query_params
from plansite.http import read_only


def _found(pk: int, number: int) -> tuple[Document, Attachment]:
    document = get_object_or_404(Document.objects.only("pk", "title"), pk=pk)
    attachment = attachment_by_number(pk, number)
    if attachment is None:
        raise Http404(_("没有这个附件 (no such attachment)"))
    return document, attachment


@read_only
def attachment_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The attachment's extracted text, with the query's hits marked."""
    document, attachment = _found(pk, number)
    raw_query = request.GET.get("q", "")
    terms, query_error = highlight_terms(raw_query, request.GET)
    path = attachment_path(pk, number)
    params = query_params(raw_query, request.GET) if terms else {}
    context = {
        "document": document,
        "attachment": attachment,
        "number": number,
        "label": attachment_label(number, attachment.name),
        "kind": kind_label(attachment.kind),
        "method": method_label(attachment) if attachment.method else "",
        "query": raw_query if terms else "",
        "query_error": query_error,
        "extracted": has_own_text(attachment),
        "bundle": attachment.method == Method.BUNDLE,
    }
    if context["extracted"]:
        shown = read_attachment(
            attachment,
            terms=terms,
            part_param=request.GET.get("part"),
            path=path,
            params=params,
        )
        reading = shown.reading
        context.update(
            {
                "reading": reading,
                "headings": reading.toc,
                "hit_count": reading.hit_count,
                "hit_nav": reading.hit_nav,
                "problems": reading.problems,
            }
        )
    return render(request, "documents/attachment_detail.html", context)


@read_only
def attachment_text(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The attachment's extracted text as a UTF-8 .txt file."""
    _document, attachment = _found(pk, number)
    if not has_own_text(attachment):
        raise Http404(_("这个附件没有提取出的文本 (no extracted text)"))
    response = HttpResponse(attachment.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{attachment.name}.txt"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@read_only
def attachment_original(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The original file as it was imported, always as a download: an
    uploaded file is never shown inline (an HTML page named .doc would run)."""
    document, attachment = _found(pk, number)
    try:
        handle = store.open_original(attachment.sha256)
    except (FileNotFoundError, ValueError):
        response = render(
            request,
            "documents/attachment_missing.html",
            {
                "document": document,
                "label": attachment_label(number, attachment.name),
                "attachment": attachment,
            },
            status=404,
        )
        return response
    response = FileResponse(handle, content_type=download_type(attachment))
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.name or attachment.sha256
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened in a tab anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
