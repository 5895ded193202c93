"""Documents with attachments for the reading tests: real files (python-docx,
Pillow) in the attachment store, and Attachment rows written as the ingest
writes them (text, pages, headings), without running an extractor."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document as DocxDocument
from PIL import Image, ImageDraw

from documents.attachments import store
from documents.attachments.kinds import BY_KEY
from documents.models import Attachment, Document
from documents.texts import attachments_changed


def docx_bytes(paragraphs: Sequence[tuple[int, str]]) -> bytes:
    """A DOCX: (level, text) per paragraph, level 1-3 a heading, 0 body text."""
    made = DocxDocument()
    for level, text in paragraphs:
        if level:
            made.add_heading(text, level=level)
        else:
            made.add_paragraph(text)
    out = io.BytesIO()
    made.save(out)
    return out.getvalue()


def pdf_bytes(pages: int = 2) -> bytes:
    """A PDF of blank page images (Pillow), standing in for a scan's bytes."""
    images = []
    for number in range(pages):
        image = Image.new("L", (200, 280), 255)
        ImageDraw.Draw(image).rectangle((20, 20 + number * 10, 180, 40), fill=0)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def add_attachment(
    document: Document,
    name: str,
    data: bytes,
    *,
    kind: str,
    text: str = "",
    pages: Sequence[str] | None = None,
    headings: Sequence[dict] = (),
    method: str = "docx",
    status: str = Attachment.Status.EXTRACTED,
    error: str = "",
    confidence: float | None = None,
    position: int | None = None,
) -> Attachment:
    """Store ``data`` and write the row; ``pages`` (texts joined by "\\n")
    give the text and its page spans when given."""
    stored = store.put_bytes(data)
    page_rows = []
    if pages is not None:
        offset = 0
        for number, page in enumerate(pages, start=1):
            page_rows.append(
                {
                    "number": number,
                    "start": offset,
                    "end": offset + len(page),
                    "method": method,
                    "confidence": confidence,
                    "label": "",
                }
            )
            offset += len(page) + 1
        text = "\n".join(pages)
    if position is None:
        position = document.attachments.count() + 1
    attachment = Attachment.objects.create(
        document=document,
        position=position,
        name=name,
        kind=kind,
        media_type=BY_KEY[kind].media_type,
        size=stored.size,
        sha256=stored.sha256,
        status=status,
        error=error,
        text=text if status == Attachment.Status.EXTRACTED else "",
        method=method if status == Attachment.Status.EXTRACTED else "",
        pages=page_rows,
        page_count=len(page_rows),
        headings=list(headings),
        ocr_confidence=confidence,
    )
    attachments_changed([document.pk])
    return attachment
