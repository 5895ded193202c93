"""Extract fields from saved HTML pages of 政务公开 sites (tables and <meta> tags)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from documents import kinds
from documents.ingest.extract.main_content import main_text
from documents.ingest.extract.text_page import extract_labelled, scan_labels
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
    # The site's section (栏目), not a 主题分类.
    "columnname": "ignored",
    "columntype": "ignored",
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
    page_title = (soup.title.get_text(" ", strip=True) if soup.title else "").strip()
    headings = _headings(soup)
    titles = _TitleEvidence(
        page_title, meta_fields.get("title", ""), headings, _column_names(soup)
    )
    container = _content_container(soup)
    inner: RawRecord | None = None
    if container is not None:
        # Templates put the title, an info line (发布时间 … 来源 …) and even the
        # 信息公开 table inside the text container: read them as a header.
        inner = extract_labelled(
            _block_text(container), layout="html", accept_title=titles.agrees
        )
        container.extract()
    # What remains of the page is its chrome and metadata table: labels may sit
    # anywhere in it, below menus of any length.
    remainder = _block_text(soup.body or soup)
    record = scan_labels(remainder, layout="html")
    record.original = text
    if inner is None:
        # No container of ours: a main-content extractor finds the text on a
        # template we have no rule for; failing that, the whole page is read.
        inner = extract_labelled(
            main_text(text) or remainder, layout="html", accept_title=titles.agrees
        )
    record.body = inner.body
    record.breadcrumb.extend(inner.breadcrumb)
    line_title = ""
    for field, value in inner.fields.items():
        if field == "title" and inner.labels[field] == "(标题行)":
            line_title = value
            continue
        record.offer(field, value, label=inner.labels[field], rank=inner.ranks[field])
    for field, values in inner.offered.items():
        record.offered.setdefault(field, []).extend(values)
    for field, value in meta_fields.items():
        if field != "title":
            record.offer(field, value, label="<meta>", rank=20)
    record.site_name = _site_name(soup)
    if "title" not in record.fields:
        # No 标题/名称 label: choose among <meta>, headings, the title line and
        # <title>, preferring what reads as a document title and agrees with <title>.
        label, title = titles.best(line_title)
        if title:
            record.offer("title", title, label=label, rank=30)
    return record


# <title> appends the site name: "标题-某某市人民政府", "标题_某某镇", "标题 | 某县";
# a hyphen between digits is a range (2021-2025年规划), not a separator.
_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜—–]+|(?<!\d)-+|-+(?!\d))\s*")
_TITLE_HINT = re.compile(r"title|biaoti|(?:^|[-_ ])(?:bt|tit)(?:[-_ ]|$)", re.I)
_DOC_TITLE = re.compile(kinds.any_of(kinds.TITLE_WORDS) + r"|(?:19|20)\d{2}\s*年")


class _TitleEvidence:
    """What a page says its title is: <title>, <meta>, headings."""

    def __init__(
        self,
        page_title: str,
        meta_title: str,
        headings: list[tuple[str, str]],
        column_names: set[str] | None = None,
    ):
        self.page_title = page_title
        parts = [p for p in _TITLE_SEPARATOR.split(page_title) if p]
        self.doc_part = parts[0] if parts else ""
        # The site's name, written after the document's: never the title.
        self.site_parts = set(parts[1:])
        self.meta_title = meta_title
        self.headings = headings
        if self._is_column_name(self.doc_part, column_names or set()):
            # Some CMSs title every page of a column with the column's name
            # ("年度计划_某某网"): <title> then says nothing about this page.
            self.site_parts.add(self.doc_part)
            self.doc_part = ""

    def _is_column_name(self, text: str, column_names: set[str]) -> bool:
        """True when <title> names a column of the site (a link of its menu or
        breadcrumb, its ColumnName) and the page gives a longer title that reads
        as a document's. Both must hold: a breadcrumb may end in the page's own
        title, and then the longer headings agree with it."""
        if not text or text not in column_names:
            return False
        if any(h == text for _, h in self.headings):
            return False  # The page's heading says so too: its own title.
        rivals = [self.meta_title, *(h for _, h in self.headings)]
        return any(len(r) > len(text) and _DOC_TITLE.search(r) for r in rivals)

    def agrees(self, text: str) -> bool:
        """True when ``text`` matches what the page calls its title."""
        text = text.strip()
        if not text or text in self.site_parts:
            return False
        known = [self.doc_part, self.meta_title, *(h for _, h in self.headings)]
        return any(k and (text == k or text in k or k in text) for k in known)

    def _score(self, text: str) -> int:
        score = 2 if _DOC_TITLE.search(text) else 0
        if self.doc_part and (text in self.doc_part or self.doc_part in text):
            score += 2
        if text in self.site_parts:
            score -= 5
        return score

    def best(self, line_title: str) -> tuple[str, str]:
        """(label, title) of the best candidate, or ("", "")."""
        candidates = []
        if self.meta_title:
            candidates.append(("<meta>", self.meta_title))
        candidates.extend(self.headings)
        if line_title:
            candidates.append(("(标题行)", line_title))
        if self.doc_part:
            candidates.append(("<title>", self.doc_part))
        if not candidates:
            return "", ""
        # Highest score; among equals, the order above (meta, headings, …) decides.
        ranked = sorted(
            enumerate(candidates), key=lambda c: (-self._score(c[1][1]), c[0])
        )
        return ranked[0][1]


def _headings(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """Short texts of headings and title-classed elements, in page order."""
    found: list[tuple[str, str]] = []
    for tag in soup.find_all(["h1", "h2", "h3", "div", "td", "p", "span"]):
        if tag.name in ("div", "td", "p", "span"):
            hint = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
            if not _TITLE_HINT.search(hint):
                continue
        text = re.sub(r"\s+", " ", tag.get_text(" ", strip=True))
        if 4 <= len(text) <= 90 and _CJK.search(text):
            found.append((f"<{tag.name}>", text))
        if len(found) >= 10:
            break
    return found


# A menu item, breadcrumb item or column name is short.
_COLUMN_NAME_MAX = 16
_LIST_PAGE = re.compile(r"(?:^|/)(?:(?:index|list|default)[\w-]*\.\w+)?$", re.I)
_COLUMN_META = ("columnname", "columntype", "catalogname", "channelname")


def _column_names(soup: BeautifulSoup) -> set[str]:
    """Names of the site's columns on the page: its links' texts and titles
    (menus, breadcrumb) and its column <meta>s."""
    names: set[str] = set()
    for link in soup.find_all("a"):
        # A column links to its list page (a folder, index.html); a breadcrumb
        # that ends in the page's own title links to an article.
        if not _LIST_PAGE.search((link.get("href") or "").split("?")[0]):
            continue
        for text in (link.get_text(" ", strip=True), link.get("title") or ""):
            text = re.sub(r"\s+", " ", text).strip()
            if 0 < len(text) <= _COLUMN_NAME_MAX:
                names.add(text)
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key in _COLUMN_META and 0 < len(value) <= _COLUMN_NAME_MAX:
            names.add(value)
    return names


def _meta_fields(soup: BeautifulSoup) -> dict[str, str]:
    fields: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        field = _META_FIELDS.get(key)
        if field and value and field not in fields:
            fields[field] = value
    return fields


def _site_name(soup: BeautifulSoup) -> str:
    """The site's own name (<meta name="SiteName">): whose site it is, which a
    department's short name (区财政局) belongs to, never the issuer itself."""
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        if key in ("sitename", "og:site_name"):
            return (meta.get("content") or "").strip()[:100]
    return ""


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
    """The element holding the most Chinese text in paragraphs, hinted ones first.

    Paragraphs may be <p>s or <div>s (TRS's Custom_UnionStyle): a child block with
    no blocks inside counts as a paragraph. A wrapper wins only by what it adds,
    so when a descendant holds nearly all of its text the descendant is taken.
    """
    has_blocks = _blocks_inside(soup)
    scored: list[tuple[float, int, Tag]] = []
    for tag in soup.find_all(["div", "td", "article", "section", "main"]):
        cjk = len(_CJK.findall(_direct_paragraph_text(tag, has_blocks)))
        if cjk < 50:
            continue
        hint = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        scored.append((cjk * (1.5 if _CONTENT_HINT.search(hint) else 1.0), cjk, tag))
    if not scored:
        return None
    _score, size, best = max(scored, key=lambda item: item[0])
    while True:
        inside = [
            (cjk, tag)
            for _s, cjk, tag in scored
            if tag is not best and cjk >= 0.85 * size and best in tag.parents
        ]
        if not inside:
            return best
        size, best = max(inside, key=lambda item: item[0])


_INLINE_TAGS = {"p", "span", "font", "br", "h2", "h3", "h4", "strong", "b", "em", "u"}
_LEAF_BLOCKS = {"div", "section", "article", "center", "blockquote"}
_NESTED_BLOCKS = {"div", "table", "section", "article", "ul", "ol", "form"}


def _blocks_inside(soup: BeautifulSoup) -> set[int]:
    """ids of the tags with a block element somewhere inside, in one pass."""
    found: set[int] = set()
    # Document order puts descendants after their ancestors: walk it backwards.
    for tag in reversed(soup.find_all(True)):
        parent = tag.parent
        if parent is not None and (tag.name in _NESTED_BLOCKS or id(tag) in found):
            found.add(id(parent))
    return found


def _direct_paragraph_text(tag: Tag, has_blocks: set[int]) -> str:
    """Text of the tag's own paragraphs and text nodes, not of nested containers."""
    texts: list[str] = []
    for child in tag.children:
        if isinstance(child, NavigableString):
            texts.append(str(child))
        elif isinstance(child, Tag) and (
            child.name in _INLINE_TAGS
            or (child.name in _LEAF_BLOCKS and id(child) not in has_blocks)
        ):
            texts.append(child.get_text())
    return "".join(texts)
