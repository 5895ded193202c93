"""Extract fields from saved HTML pages of 政务公开 sites (tables and <meta> tags)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from documents.ingest.extract.text_page import extract_labelled, scan_labels
from documents.ingest.paragraphs import clean_body
from documents.ingest.records import RawRecord

# <meta name=...> used by Chinese government CMSs (TRS, Hanweb, ...).
_META_FIELDS = {
    "articletitle": "title",
    "title": "title",
    "pubdate": "publish_date",
    "publishdate": "publish_date",
    "firstpublishedtime": "publish_date",
    "contentsource": "issuer",
    "source": "issuer",
    "columnname": "category",
    "columntype": "category",
    "url": "source_url",
    "og:url": "source_url",
}
_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4",
    "h5", "h6", "section", "article", "header", "footer", "blockquote", "dd", "dt",
}  # fmt: skip
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "form")
# Ids and classes of the text container in common government page templates.
_CONTENT_HINT = re.compile(
    r"(?:^|[-_ ])(?:content|article|zoom|trs_editor|trs_paper|detail|text|zw|"
    r"con|main|wzy|nr|body|view|info)(?:[-_ ]|$)",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return (
        "<html" in head
        or "<!doctype html" in head
        or ("<body" in head and "</" in head)
    )


def extract_html(text: str) -> RawRecord:
    """Metadata from <meta> and label cells; body from the main text container."""
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    meta_fields = _meta_fields(soup)
    container = _content_container(soup)
    body = clean_body(_block_text(container).splitlines()) if container else ""
    if container is not None:
        container.extract()
    # What remains of the page is its chrome and metadata table: labels may sit
    # anywhere in it, below menus of any length.
    remainder = _block_text(soup.body or soup)
    page = scan_labels(remainder, layout="html")
    if container is None:
        page.body = extract_labelled(remainder, layout="html").body
    record = RawRecord(
        original=text,
        layout="html",
        body=body or page.body,
        fields=dict(page.fields),
        labels=dict(page.labels),
        ranks=dict(page.ranks),
        breadcrumb=page.breadcrumb,
    )
    for field, value in meta_fields.items():
        record.offer(field, value, label="<meta>", rank=20)
    heading = soup.find("h1")
    if heading is not None and "title" not in record.fields:
        record.offer("title", heading.get_text(" ", strip=True), label="<h1>", rank=30)
    if "title" not in record.fields and soup.title and soup.title.string:
        # <title> usually appends the site name: "标题-某某市人民政府".
        title = re.split(r"\s*[-_|｜—]\s*", soup.title.string.strip())[0]
        record.offer("title", title, label="<title>", rank=40)
    return record


def _meta_fields(soup: BeautifulSoup) -> dict[str, str]:
    fields: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        field = _META_FIELDS.get(key)
        if field and value and field not in fields:
            fields[field] = value
    return fields


def _block_text(root: Tag) -> str:
    """Text with a newline at each block and ' | ' after each table cell."""
    parts: list[str] = []
    for node in root.descendants:
        if isinstance(node, NavigableString):
            if node.parent is not None and node.parent.name in _DROP_TAGS:
                continue
            parts.append(str(node).replace("\n", " ").replace("\r", " "))
        elif isinstance(node, Tag):
            if node.name in ("td", "th"):
                parts.append(" | ")
            elif node.name in _BLOCK_TAGS:
                parts.append("\n")
    return "".join(parts)


def _content_container(soup: BeautifulSoup) -> Tag | None:
    """The element holding the most Chinese text in paragraphs, hinted ones first."""
    best: tuple[float, Tag] | None = None
    for tag in soup.find_all(["div", "td", "article", "section"]):
        cjk = len(_CJK.findall(_direct_paragraph_text(tag)))
        if cjk < 50:
            continue
        hint = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        score = cjk * (1.5 if _CONTENT_HINT.search(hint) else 1.0)
        if best is None or score > best[0]:
            best = (score, tag)
    return best[1] if best else None


def _direct_paragraph_text(tag: Tag) -> str:
    """Text of the tag's own paragraphs and text nodes, not of nested containers."""
    texts: list[str] = []
    for child in tag.children:
        if isinstance(child, NavigableString):
            texts.append(str(child))
        elif isinstance(child, Tag) and child.name in (
            "p",
            "span",
            "font",
            "br",
            "h2",
            "h3",
        ):
            texts.append(child.get_text())
    return "".join(texts)
