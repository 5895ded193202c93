"""What the pages show of attachments: the list on the document page (format,
size, pages, method, hits) and one attachment's text, highlighted, with its
page markers ("第 3 页"), its headings in an outline and the hit bar.

An attachment's text is shown line by line: the marks of a hit never hold a
line break (queries hold none), so the highlighted text splits into the same
lines as the plain text, and each line's offset says which page starts there
and which heading it is. A long text is shown in parts as the body is
(documents/parts.py), hits numbered through the whole text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.attachments.kinds import BY_KEY, media_type_of
from documents.attachments.result import Method
from documents.models import Attachment, Document
from documents.outline import SHORT_LINE, heading_level
from documents.parts import Parts, hit_url, parse_part, part_url, split_parts
from documents.reading import (
    Reading,
    TocEntry,
    add_part_links,
    hit_nav_with_context,
    limits,
)
from documents.texts import ATTACHMENT_ORDER, attachment_label
from search import find_spans, highlight_full

# How the text was had (documents/attachments/result.py Method), as shown.
METHOD_LABELS = {
    Method.PDF_TEXT: gettext_lazy("文字层"),
    Method.DOCX: gettext_lazy("Word 文本"),
    Method.LIBREOFFICE: gettext_lazy("LibreOffice 转换"),
    Method.SHEET: gettext_lazy("表格行"),
    Method.OFD: gettext_lazy("OFD 文字"),
    Method.OCR: gettext_lazy("OCR"),
    Method.MIXED: gettext_lazy("文字层 + OCR"),
    Method.TEXT: gettext_lazy("纯文本"),
    Method.BUNDLE: gettext_lazy("压缩包，已解开"),
}
OCR_METHODS = frozenset({Method.OCR, Method.MIXED})
# What the list reads of each attachment (its text only when there is a query).
LIST_FIELDS = (
    "id",
    "document_id",
    "position",
    "name",
    "kind",
    "media_type",
    "size",
    "sha256",
    "status",
    "error",
    "method",
    "page_count",
    "ocr_confidence",
    "low_confidence_pages",
    "bundle_id",
    "member_path",
)
_HEADING_TAGS = {1: "h2", 2: "h3", 3: "h4"}
# Far more attachments than a document has (Attachment.position is a small integer).
MAX_NUMBER = 2**31
_SENTENCE_ENDS = "。！？；;!?"


def kind_label(kind: str) -> str:
    found = BY_KEY.get(kind)
    return str(found.label) if found else kind.upper()


def method_label(attachment: Attachment) -> str:
    """文字层, OCR（置信度 91%）, …"""
    label = str(METHOD_LABELS.get(attachment.method, attachment.method))
    if attachment.method in OCR_METHODS and attachment.ocr_confidence is not None:
        label += _("（置信度 %(value)d%%）") % {
            "value": round(attachment.ocr_confidence)
        }
    return label


def has_own_text(attachment: Attachment) -> bool:
    """Extracted, and not a bundle (whose text is in its members' rows)."""
    return (
        attachment.status == Attachment.Status.EXTRACTED
        and attachment.method != Method.BUNDLE
    )


def download_type(attachment: Attachment) -> str:
    """The Content-Type of a download: the format's, from the registry (never
    one the uploaded bytes claim, so a page saved as .doc is not served as HTML)."""
    return media_type_of(BY_KEY.get(attachment.kind))


def document_attachments(
    document: Document, *, with_text: bool
) -> list[tuple[int, Attachment]]:
    """(number, attachment) in page order; texts read only when asked."""
    fields = (*LIST_FIELDS, "text") if with_text else LIST_FIELDS
    rows = document.attachments.only(*fields).order_by(*ATTACHMENT_ORDER)
    return list(enumerate(rows, start=1))


def attachment_by_number(document_id: int, number: int) -> Attachment | None:
    """The document's attachment number ``number`` (1-based, page order)."""
    # The URL takes any digits; an OFFSET past 64 bits is a database error.
    if not 1 <= number <= MAX_NUMBER:
        return None
    rows = Attachment.objects.filter(document_id=document_id).order_by(
        *ATTACHMENT_ORDER
    )
    return rows[number - 1 : number].first()


def attachment_path(document_id: int, number: int) -> str:
    return reverse("documents:attachment", args=[document_id, number])


@dataclass(frozen=True)
class AttachmentRow:
    """One line of the document page's list of attachments."""

    number: int
    attachment: Attachment
    label: str
    kind: str
    method: str
    view_url: str
    download_url: str
    hits: int = 0
    hit_url: str = ""
    # The label of the ZIP or RAR this file was unpacked from, if any.
    bundle: str = ""

    @property
    def extracted(self) -> bool:
        """Whether it has a text of its own to show (a bundle's is its members')."""
        return has_own_text(self.attachment)

    @property
    def rejected(self) -> bool:
        return self.attachment.status == Attachment.Status.REJECTED


def text_parts_of(text: str, spans: Sequence[tuple[int, int]]) -> Parts:
    max_chars, max_marks = limits()
    return split_parts(text, spans, max_chars=max_chars, max_marks=max_marks)


def attachment_rows(
    document: Document, *, terms: Any, query: str, params: dict | None = None
) -> list[AttachmentRow]:
    """The document page's list: each attachment, how many hits its text has
    for ``terms`` (the parsed query, or plain terms) and a link to the first;
    ``params`` are what the links pass on (default: q)."""
    rows = []
    if params is None:
        params = {"q": query} if terms else {}
    listed = document_attachments(document, with_text=bool(terms))
    labels = {a.pk: attachment_label(n, a.name) for n, a in listed}
    for number, attachment in listed:
        view = part_url(attachment_path(document.pk, number), params, part=None)
        hits, first = 0, ""
        if terms and attachment.status == Attachment.Status.EXTRACTED:
            spans = find_spans(attachment.text, terms)
            hits = len(spans)
            if hits:
                parts = text_parts_of(attachment.text, spans)
                first = hit_url(
                    attachment_path(document.pk, number), params, hit=1, parts=parts
                )
        rows.append(
            AttachmentRow(
                number=number,
                attachment=attachment,
                label=attachment_label(number, attachment.name),
                kind=kind_label(attachment.kind),
                method=method_label(attachment) if attachment.method else "",
                view_url=view,
                download_url=reverse(
                    "documents:attachment_original", args=[document.pk, number]
                ),
                hits=hits,
                hit_url=first,
                bundle=labels.get(attachment.bundle_id, ""),
            )
        )
    return rows


@dataclass
class AttachmentReading:
    """One part of an attachment's text as the page shows it."""

    reading: Reading
    html: SafeString = mark_safe("")
    pages_shown: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Heading:
    level: int
    offset: int
    label: str
    anchor: str


def _headings(attachment: Attachment, text: str) -> list[_Heading]:
    """The DOCX headings the extraction kept (Attachment.headings); for other
    formats, short numbered lines (一、 （一） 1.) that end no sentence."""
    found: list[tuple[int, int, str]] = []
    for entry in attachment.headings or []:
        try:
            level = max(1, min(3, int(entry["level"])))
            offset = int(entry["offset"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= offset < len(text):
            found.append((offset, level, str(entry.get("text", ""))))
    if not found:
        offset = 0
        for line in text.split("\n"):
            stripped = line.strip()
            # A numbered sentence ("一、建设……。") is a list item, not a heading.
            if (
                stripped
                and len(stripped) <= SHORT_LINE
                and stripped[-1] not in _SENTENCE_ENDS
            ):
                level = heading_level(line)
                if level:
                    found.append((offset, level, stripped))
            offset += len(line) + 1
    found.sort()
    return [
        _Heading(level, offset, _short(label), f"sec-{index}")
        for index, (offset, level, label) in enumerate(found, start=1)
    ]


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= 40 else label[:39] + "…"


def _page_starts(attachment: Attachment) -> list[tuple[int, dict]]:
    pages = []
    for page in attachment.pages or []:
        try:
            pages.append((int(page["start"]), page))
        except (KeyError, TypeError, ValueError):
            continue
    pages.sort(key=lambda item: item[0])
    return pages


def _page_marker(page: dict, *, continued: bool) -> str:
    number = page.get("number")
    text = _("第 %(number)s 页") % {"number": number}
    if continued:
        text += _("（续）")
    if page.get("label"):
        text += f" · {page['label']}"
    confidence = page.get("confidence")
    if page.get("method") == "ocr" and confidence is not None:
        text += _(" · OCR 置信度 %(value)d%%") % {"value": round(confidence)}
    anchor = "" if continued else f' id="page-{escape(str(number))}"'
    return f'<p class="page-marker"{anchor}>{escape(text)}</p>'


def read_attachment(
    attachment: Attachment,
    *,
    terms: Sequence[str],
    part_param: str | None,
    path: str,
    params: Mapping[str, str],
) -> AttachmentReading:
    """The part of ``attachment``'s text to show at ``path``."""
    # As KWIC and the document page split it, so hit N is in the same part.
    text = attachment.text
    spans = find_spans(text, terms)
    parts = text_parts_of(text, spans)
    number, problem = parse_part(part_param, len(parts))
    if number is None:
        number = parts.of_hit(1).number if parts.total_hits else 1
    part = parts.get(number)
    chunk = text[part.start : part.end]
    reading = Reading(parts=parts, part=part, hit_count=parts.total_hits)
    if problem:
        reading.problems.append(problem)
    html, _count = highlight_full(chunk, terms, first=part.first_hit)
    headings = _headings(attachment, text)
    by_offset = {h.offset: h for h in headings}
    heading_offsets = [h.offset for h in headings]
    pages = _page_starts(attachment)
    page_offsets = [start for start, _page in pages]
    out: list[str] = []
    shown: list[int] = []
    # The page the part opens in, when it opens inside one (a later part).
    inside = bisect_right(page_offsets, part.start) - 1
    if inside >= 0 and pages[inside][0] < part.start:
        out.append(_page_marker(pages[inside][1], continued=True))
    next_page = bisect_left(page_offsets, part.start)
    offset = part.start
    for line_html, line in zip(html.split("\n"), chunk.split("\n"), strict=True):
        end = offset + len(line)
        while next_page < len(pages) and pages[next_page][0] <= end:
            out.append(_page_marker(pages[next_page][1], continued=False))
            shown.append(pages[next_page][1].get("number"))
            next_page += 1
        heading = _line_heading(by_offset, heading_offsets, offset, end)
        if heading is not None:
            tag = _HEADING_TAGS[heading.level]
            out.append(
                f'<{tag} id="{heading.anchor}" class="text-heading">{line_html}</{tag}>'
            )
        elif line.strip():
            out.append(f"<p>{line_html}</p>")
        offset = end + 1
    html_out = mark_safe("\n".join(out))  # noqa: S308 - highlight_full escaped it
    reading.paragraphs_html = html_out
    reading.toc = [
        TocEntry(
            h.level,
            h.label,
            f"#{h.anchor}"
            if part.start <= h.offset < part.end or not parts.paged
            else part_url(
                path, params, part=parts.of_offset(h.offset).number, fragment=h.anchor
            ),
        )
        for h in headings
    ]
    if parts.paged:
        add_part_links(reading, path, params)
    if parts.total_hits:
        reading.hit_nav = hit_nav_with_context(
            parts, part, path, params, chunk, find_spans(chunk, terms)
        )
    return AttachmentReading(reading=reading, html=html_out, pages_shown=shown)


def _line_heading(
    by_offset: dict[int, _Heading], offsets: list[int], start: int, end: int
) -> _Heading | None:
    """The heading that starts on the line ``text[start:end]``, if any."""
    if start in by_offset:
        return by_offset[start]
    index = bisect_right(offsets, end) - 1
    if index >= 0 and start <= offsets[index] <= end:
        return by_offset[offsets[index]]
    return None
