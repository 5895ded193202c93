"""A document as a GB/T 7714 reference and as a plain-text file with a header."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from documents.models import Document

UNKNOWN_AUTHOR = "佚名"
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


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
    return f"{author}. {document.title}[EB/OL]. {dates}[{accessed:%Y-%m-%d}]. {url}."


def text_export(document: Document, *, page_url: str, accessed: date) -> str:
    """The clean text under a header of its metadata, as one UTF-8 file."""
    inferred = set(document.inferred or [])

    def mark(field: str) -> str:
        return _("（推断）") if field in inferred else ""

    rows = [
        (_("标题"), document.title + mark("title")),
        (_("索引号"), document.index_no or ""),
        (_("发布机构"), document.issuer + mark("issuer") if document.issuer else ""),
        (
            _("地区"),
            region_label(document)
            + (f" ({document.division_code})" if document.division_code else "")
            + (mark("region") if document.division_code else ""),
        ),
        (_("成文日期"), f"{document.doc_date:%Y-%m-%d}" if document.doc_date else ""),
        (
            _("发布日期"),
            f"{document.publish_date:%Y-%m-%d}" if document.publish_date else "",
        ),
        (
            _("计划年度"),
            f"{document.plan_year}{mark('plan_year')}" if document.plan_year else "",
        ),
        (
            _("主题分类"),
            document.category + mark("category") if document.category else "",
        ),
        (_("文号"), document.doc_number),
        (_("原文链接"), document.source_url),
        (_("本档案页面"), page_url),
        (
            _("引用格式"),
            gbt7714(document, url=document.source_url or page_url, accessed=accessed),
        ),
    ]
    header = [f"{label}：{value}" for label, value in rows if value]
    if document.needs_review:
        header.append(_("待复核：") + "；".join(document.review_notes or []))
    rule = "=" * 40
    return "\n".join([*header, rule, "", document.body.rstrip(), ""])


def export_filename(document: Document) -> str:
    """A file name that keeps the title readable and is safe on every system."""
    stem = _UNSAFE_FILENAME.sub("_", document.title).strip(" ._")[:80]
    return f"{document.pk}-{stem or 'document'}.txt"
