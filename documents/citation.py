"""A document as people read it: a GB/T 7714 reference, a plain-text file with
a header, its review notes in plain Chinese."""

from __future__ import annotations

import re
from datetime import date

from django.utils.encoding import uri_to_iri
from django.utils.translation import gettext as _

from documents import fields as metadata
from documents.models import Document
from documents.texts import attachment_parts

UNKNOWN_AUTHOR = "佚名"
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
# Metadata field names as the importer stores them (Document.inferred, review
# notes), and the labels the pages use for them.
FIELD_LABELS = metadata.PROVENANCE_LABELS
# The importer's note on values read by position; it names the fields.
_POSITIONAL = "元数据无标签，按位置识别："
# The title the importer gives a document without one already says so.
_MADE_UP_TITLE = "无原标题"
_OUTER_QUOTE = re.compile("“(.+)”")


def readable_note(note: str) -> str:
    """A review note for people: field names as their labels, and a quotation
    inside a quotation in single quotes (据正文“‘十四五’规划的开局之年”推断)."""
    if note.startswith(_POSITIONAL):
        names = note[len(_POSITIONAL) :].split("、")
        return _POSITIONAL + "、".join(str(FIELD_LABELS.get(n, n)) for n in names)
    if "““" in note or "””" in note:
        match = _OUTER_QUOTE.search(note)
        if match:
            inner = match.group(1).replace("“", "‘").replace("”", "’")
            return f"{note[: match.start()]}“{inner}”{note[match.end() :]}"
    return note


def title_needs_mark(document: Document) -> bool:
    """Whether the title should be marked as inferred: it is, and does not say
    so itself (\"（无原标题，据正文拟）\")."""
    return "title" in (document.inferred or []) and _MADE_UP_TITLE not in (
        document.title
    )


def region_label(document: Document) -> str:
    parts = [document.province, document.city, document.county, document.township]
    return " ".join(part for part in parts if part)


def gbt7714(document: Document, *, url: str, accessed: date) -> str:
    """The reference in GB/T 7714-2015 style for an electronic bulletin:

    责任者. 题名[EB/OL]. (发布日期)[引用日期]. 获取地址.
    An unknown issuer is 佚名; an unknown date is left out.
    """
    author = document.issuer or UNKNOWN_AUTHOR
    published = document.publish_date or document.doc_date
    dates = f"({published:%Y-%m-%d})" if published else ""
    # The address as people read it (an IRI): percent-encoded Chinese decoded.
    url = uri_to_iri(url)
    return f"{author}. {document.title}[EB/OL]. {dates}[{accessed:%Y-%m-%d}]. {url}."


def text_export(document: Document, *, page_url: str, accessed: date) -> str:
    """The clean text under a header of its metadata, as one UTF-8 file."""
    inferred = set(document.inferred or [])

    named = metadata.label  # Each row is labelled as the model labels the field.

    def mark(field: str) -> str:
        return _("（推断）") if field in inferred else ""

    rows = [
        (
            named("title"),
            document.title + (mark("title") if title_needs_mark(document) else ""),
        ),
        (named("index_no"), document.index_no or ""),
        (named("issuer"), document.issuer + mark("issuer") if document.issuer else ""),
        (
            named("region"),
            region_label(document)
            + (f" ({document.division_code})" if document.division_code else "")
            + (mark("region") if document.division_code else ""),
        ),
        (
            named("doc_date"),
            f"{document.doc_date:%Y-%m-%d}" if document.doc_date else "",
        ),
        (
            named("publish_date"),
            f"{document.publish_date:%Y-%m-%d}" if document.publish_date else "",
        ),
        (
            named("plan_year"),
            f"{document.plan_year}{mark('plan_year')}" if document.plan_year else "",
        ),
        (
            named("category"),
            document.category + mark("category") if document.category else "",
        ),
        (named("doc_number"), document.doc_number),
        (
            named("source_url"),
            uri_to_iri(document.source_url) if document.source_url else "",
        ),
        (_("本档案页面"), page_url),
        (
            _("引用格式"),
            gbt7714(document, url=document.source_url or page_url, accessed=accessed),
        ),
    ]
    header = [f"{label}：{value}" for label, value in rows if value]
    if document.needs_review:
        notes = [readable_note(note) for note in document.review_notes or []]
        header.append(_("待复核：") + "；".join(notes))
    rule = "=" * 40
    lines = [*header, rule, "", document.body.rstrip(), ""]
    # Each extracted attachment's text follows the body under its name.
    for part in attachment_parts(document):
        lines += [rule, part.label, "", part.text.rstrip(), ""]
    return "\n".join(lines)


def export_filename(document: Document) -> str:
    """A file name that keeps the title readable and is safe on every system."""
    stem = _UNSAFE_FILENAME.sub("_", document.title).strip(" ._")[:80]
    return f"{document.pk}-{stem or 'document'}.txt"
