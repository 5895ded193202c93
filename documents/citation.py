"""A document as people read and cite it: a GB/T 7714 reference, RIS and BibTeX
records, Highwire Press meta tags for reference managers, a plain-text file
with a header, its review notes in plain Chinese.

A title the importer made up (Document.inferred names "title") is shown in
[ ] in every citation format, as GB/T 7714 marks a supplied title."""

from __future__ import annotations

import re
from datetime import date

from django.utils.encoding import uri_to_iri
from django.utils.translation import gettext as _

from documents import fields as metadata
from documents.models import Document
from documents.texts import attachment_parts

UNKNOWN_AUTHOR = "佚名"
# The archive's name: the database a citation says it was found in.
ARCHIVE_NAME = "政府工作计划档案"
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


def cited_title(document: Document) -> str:
    """The title as citations give it: a made-up one in [ ]."""
    return f"[{document.title}]" if title_needs_mark(document) else document.title


def cited_date(document: Document) -> date | None:
    """The date a citation gives: the publish date, else the 成文日期."""
    return document.publish_date or document.doc_date


def region_label(document: Document) -> str:
    parts = [document.province, document.city, document.county, document.township]
    return " ".join(part for part in parts if part)


def gbt7714(document: Document, *, url: str, accessed: date) -> str:
    """The reference in GB/T 7714-2015 style for an electronic bulletin:

    责任者. 题名[EB/OL]. (发布日期)[引用日期]. 获取地址.
    An unknown issuer is 佚名; an unknown date is left out.
    """
    author = document.issuer or UNKNOWN_AUTHOR
    published = cited_date(document)
    dates = f"({published:%Y-%m-%d})" if published else ""
    # The address as people read it (an IRI): percent-encoded Chinese decoded.
    url = uri_to_iri(url)
    title = cited_title(document)
    return f"{author}. {title}[EB/OL]. {dates}[{accessed:%Y-%m-%d}]. {url}."


def highwire_tags(document: Document, *, page_url: str) -> list[tuple[str, str]]:
    """(name, content) of the Highwire Press ``citation_*`` meta tags, which
    Zotero, Mendeley and Google Scholar read from the page.

    The author and the publisher are both the issuing organ: under 政府信息公开
    the organ publishes its own documents, and the portal that carried the
    page is not recorded. Naming this archive the publisher would credit a
    copy with the document. The archive is the ``citation_public_url`` only
    when the original address is unknown.
    """
    tags = [("citation_title", cited_title(document))]
    if document.issuer:
        tags.append(("citation_author", document.issuer))
    published = cited_date(document)
    if published:
        tags.append(("citation_publication_date", f"{published:%Y/%m/%d}"))
    # citation_date: when the document itself was written, when known.
    written = document.doc_date or published
    if written:
        tags.append(("citation_date", f"{written:%Y/%m/%d}"))
    if document.issuer:
        tags.append(("citation_publisher", document.issuer))
        # Makes Zotero save a report (institution and number) not a web page.
        tags.append(("citation_technical_report_institution", document.issuer))
    if document.doc_number:
        tags.append(("citation_technical_report_number", document.doc_number))
    tags.append(("citation_public_url", document.source_url or page_url))
    tags.append(("citation_language", "zh"))
    return tags


def _ris_line(tag: str, value: str) -> str:
    # One line a field: a value's own line breaks would start a bad tag.
    return f"{tag}  - {' '.join(str(value).split())}"


def ris(document: Document, *, page_url: str, accessed: date) -> str:
    """The document as one RIS record (TY GOVDOC, which Zotero reads as a
    report), CRLF line ends as the format asks."""
    published = cited_date(document)
    url = document.source_url or page_url
    fields: list[tuple[str, str]] = [("TY", "GOVDOC"), ("TI", cited_title(document))]
    if document.issuer:
        fields += [("AU", document.issuer), ("PB", document.issuer)]
    if published:
        fields += [("PY", f"{published:%Y}"), ("DA", f"{published:%Y/%m/%d}/")]
    if document.doc_number:
        fields.append(("SN", document.doc_number))  # RIS: a report's number.
    if document.index_no:
        fields.append(("AN", document.index_no))
    place = region_label(document)
    if place:
        fields.append(("CY", place))
    fields += [
        ("UR", url),
        ("Y2", f"{accessed:%Y/%m/%d}"),
        ("LA", "zh"),
        ("DB", ARCHIVE_NAME),
        ("N1", gbt7714(document, url=url, accessed=accessed)),
    ]
    if document.source_url:
        fields.append(("L2", page_url))  # The archive's copy beside the source.
    lines = [_ris_line(tag, value) for tag, value in fields if value]
    return "\r\n".join([*lines, "ER  - ", ""])


# Characters BibTeX or LaTeX read as syntax, replaced in one pass (so an
# escape's own backslash and braces are not escaped again).
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX value: syntax characters escaped, the rest (Chinese
    included) as UTF-8, on one line."""
    text = " ".join(text.split())
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], text)


def _bibtex_url(url: str) -> str:
    # biblatex reads url verbatim: \% would print a backslash. Only braces,
    # which would end the value, are percent-encoded.
    return url.replace("{", "%7B").replace("}", "%7D")


def bibtex(document: Document, *, page_url: str, accessed: date) -> str:
    """The document as one BibTeX entry: @techreport when the issuing organ is
    known (its institution), else @misc. The organ is in double braces so
    BibTeX does not split it into a personal name."""
    published = cited_date(document)
    entries: list[tuple[str, str]] = [("title", bibtex_escape(cited_title(document)))]
    if document.issuer:
        organ = bibtex_escape(document.issuer)
        entries += [("author", f"{{{organ}}}"), ("institution", organ)]
    if document.doc_number:
        entries.append(("number", bibtex_escape(document.doc_number)))
    if published:
        entries += [
            ("year", f"{published:%Y}"),
            ("month", f"{published.month}"),
            ("date", published.isoformat()),
        ]
    place = region_label(document)
    if place:
        entries.append(("address", bibtex_escape(place)))
    entries += [
        ("url", _bibtex_url(document.source_url or page_url)),
        ("urldate", accessed.isoformat()),
        ("language", "chinese"),
    ]
    if document.index_no:
        entries.append(("note", bibtex_escape(f"索引号：{document.index_no}")))
    kind = "techreport" if document.issuer else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entries)
    return f"@{kind}{{plansite{document.pk},\n{body}\n}}\n"


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


def export_filename(document: Document, suffix: str = "txt") -> str:
    """A file name that keeps the title readable and is safe on every system."""
    stem = _UNSAFE_FILENAME.sub("_", document.title).strip(" ._")[:80]
    return f"{document.pk}-{stem or 'document'}.{suffix}"
