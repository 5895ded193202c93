"""Read a list page's document links and pagination, and a detail page's 附件."""

from __future__ import annotations

import json
import logging
import math
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import (
    parse_qsl,
    unquote,
    urldefrag,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from .definitions import DEFAULT_ATTACHMENT_EXTENSIONS, SourceDefinition

logger = logging.getLogger(__name__)

# Bounds against hostile pages: a list is never this long, a URL never this big.
MAX_URL_CHARS = 2048
MAX_ANCHORS = 20_000
MAX_RECORDS = 20_000
MAX_JSON_NODES = 50_000
# 附件 fetched for one detail page: real pages have a few dozen at most; a
# hostile one could otherwise queue its 20,000 links as downloads.
MAX_ATTACHMENTS = 200

ITEM_TAGS = ("li", "tr", "dd", "dt", "p")
DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
TOTAL_RE = re.compile(r"(?:共|共有|总共|总计|合计)\s*[:：]?\s*(\d{1,9})\s*条")
PAGES_RE = re.compile(r"共\s*[:：]?\s*(\d{1,6})\s*页")
TRS_CALL_RE = re.compile(r"createPageHTML\s*\(([^()]{0,400})\)")
HANWEB_TOTAL_RE = re.compile(
    r"<totalrecord>\s*(\d{1,9})\s*</totalrecord>|totalRecord\s*[=:]\s*['\"]?(\d{1,9})",
    re.IGNORECASE,
)
SCRIPT_FILE_RE = re.compile(r"""["']([^"'\s<>]{1,500})["']""")
CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Link:
    url: str
    text: str = ""
    date: str = ""


@dataclass(frozen=True)
class ListPage:
    documents: list[Link]
    next_pages: list[str]
    stated_total: int | None


def parse_list(html: str, url: str, source: SourceDefinition) -> ListPage:
    """The document links of a list page, in page order, and the pages after it."""
    if source.list_format == "json" or _looks_like_json(html):
        data = _load_json(html)
        if data is not None:
            return _parse_json_list(data, url, source)
    soup = _soup(html)
    base = _base_url(soup, url)
    records = _hanweb_records(html)
    items: list[Tag]
    if records:
        # Hanweb keeps its list in <record><![CDATA[…]]></record>, which an HTML
        # parser reads as text: each record is parsed as its own fragment.
        items = [_soup(r) for r in records]
    else:
        scope: list[Tag] = [soup]
        if source.selectors.list:
            scope = soup.select(source.selectors.list) or [soup]
        if source.selectors.item:
            items = [i for s in scope for i in s.select(source.selectors.item)]
        else:
            items = scope
    documents = _documents(
        items, base, url, source, per_item=bool(records) or bool(source.selectors.item)
    )
    stated = _stated_total(soup, html, source)
    next_pages = _next_pages(soup, html, url, source, len(documents), stated)
    return ListPage(documents=documents, next_pages=next_pages, stated_total=stated)


def parse_document(html: str, url: str, source: SourceDefinition) -> list[Link]:
    """The attachment links of a detail page, in page order, de-duplicated."""
    soup = _soup(html)
    base = _base_url(soup, url)
    scope: list[Tag] = [soup]
    if source.selectors.content:
        scope = soup.select(source.selectors.content) or [soup]
    found: dict[str, Link] = {}
    for part in scope:
        for anchor in _anchors(part, source.selectors.attachments):
            href = anchor.get("href")
            target = _absolute(href if isinstance(href, str) else "", base)
            if target and _is_attachment(target, source) and _same_site(target, url):
                found.setdefault(target, Link(target, _text(anchor)))
    if source.selectors.content and source.links.attachment_regex:
        # A CMS's own file names (TRS ./P020….pdf) count wherever they are:
        # templates put the 附件 list outside the text body.
        for anchor in _anchors(soup, ""):
            target = _absolute(str(anchor["href"]), base)
            if (
                target
                and any(p.search(target) for p in source.links.attachment_regex)
                and _same_site(target, url)
            ):
                found.setdefault(target, Link(target, _text(anchor)))
    for path in script_paths(soup):
        target = _absolute(path, base)
        if target and _is_attachment(target, source) and _same_site(target, url):
            found.setdefault(target, Link(target))
    if len(found) > MAX_ATTACHMENTS:
        logger.warning(
            "%s: %d attachment links, only the first %d kept",
            url,
            len(found),
            MAX_ATTACHMENTS,
        )
    return list(found.values())[:MAX_ATTACHMENTS]


def script_paths(soup: BeautifulSoup) -> list[str]:
    """Quoted paths in a page's scripts: TRS writes some 附件 links from a script
    (var file = "./P0200….pdf"), gkmlpt keeps them in window._CONFIG JSON.

    The web-archive importer reads them too, so that what the harvest fetched
    as a page's attachments is attached to it."""
    paths: list[str] = []
    for script in soup.find_all("script", limit=200):
        # JSON in a script escapes its slashes (gkmlpt's window._CONFIG.DETAIL)
        code = script.get_text()[:200_000].replace("\\/", "/")
        for match in SCRIPT_FILE_RE.finditer(code):
            if "/" in match.group(1):  # else a file's name, not where it is
                paths.append(match.group(1))
    return paths


def is_attachment_url(url: str) -> bool:
    """True when the URL names a file (.pdf .doc .docx .wps .xls .ofd .zip .jpg …)."""
    return _has_extension(url, DEFAULT_ATTACHMENT_EXTENSIONS)


# -- documents -----------------------------------------------------------------


def _documents(
    items: list[Tag],
    base: str,
    page_url: str,
    source: SourceDefinition,
    *,
    per_item: bool,
) -> list[Link]:
    found: dict[str, Link] = {}
    anchors_seen = 0
    for item in items:
        for anchor in _anchors(item, source.selectors.link):
            anchors_seen += 1
            if anchors_seen > MAX_ANCHORS:
                return list(found.values())
            href = anchor.get("href")
            target = _absolute(href if isinstance(href, str) else "", base)
            if not target or target in found:
                continue
            if not _is_document(target, page_url, source, selected=per_item):
                continue
            box = item if per_item else _item_of(anchor)
            found[target] = Link(target, _title(anchor), _date_in(box, anchor, source))
    return list(found.values())


def _is_document(
    url: str, page_url: str, source: SourceDefinition, *, selected: bool
) -> bool:
    if not _same_site(url, page_url):
        return False
    rules = source.links
    if any(p.search(url) for p in rules.exclude_regex):
        return False
    if rules.document_regex:
        return any(p.search(url) for p in rules.document_regex)
    # No URL rule: a link inside a selected list item is a document, unless it
    # is the list itself or a file.
    return (
        selected and not _is_attachment(url, source) and _strip(url) != _strip(page_url)
    )


def _anchors(scope: Tag, selector: str) -> list[Tag]:
    if selector:
        return scope.select(selector, limit=MAX_ANCHORS)
    # find_all is several times faster than soupsieve on long lists
    return scope.find_all("a", href=True, limit=MAX_ANCHORS)


def _item_of(anchor: Tag) -> Tag:
    node: Any = anchor
    for _ in range(4):
        node = node.parent
        if node is None or not isinstance(node, Tag):
            break
        if node.name in ITEM_TAGS:
            return node
    parent = anchor.parent
    return parent if isinstance(parent, Tag) else anchor


def _title(anchor: Tag) -> str:
    title = anchor.get("title")
    if isinstance(title, str) and title.strip():
        return _squash(title)[:500]
    return _text(anchor)


def _date_in(box: Tag, anchor: Tag, source: SourceDefinition) -> str:
    if source.selectors.date:
        found = box.select_one(source.selectors.date)
        if found is not None:
            return normalise_date(found.get_text(" "))
    # Beside the link first: a title may hold a date of its own
    # ("2023年1月5日会议纪要"); some templates put the date inside the link.
    beside = [
        str(text)
        for text in box.find_all(string=True, limit=200)
        if not any(parent is anchor for parent in text.parents)
    ]
    return normalise_date(" ".join(beside)[:2000]) or normalise_date(
        anchor.get_text(" ")[:2000]
    )


def normalise_date(text: str) -> str:
    """The first date in the text as YYYY-MM-DD ("2023年1月5日", "[2023-1-5]")."""
    for match in DATE_RE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


# -- totals and pagination -------------------------------------------------------


def _stated_total(
    soup: BeautifulSoup, html: str, source: SourceDefinition
) -> int | None:
    if source.selectors.total:
        found = soup.select_one(source.selectors.total)
        if found is not None:
            text = found.get_text(" ")
            match = TOTAL_RE.search(text) or re.search(r"\d{1,9}", text)
            if match:
                return int(match.group(1) if match.groups() else match.group(0))
    trs = _trs_call(html)
    if trs and trs.total is not None:
        return trs.total
    match = HANWEB_TOTAL_RE.search(html[:2_000_000])
    if match:
        return int(match.group(1) or match.group(2))
    match = TOTAL_RE.search(_visible_text(soup))
    return int(match.group(1)) if match else None


def _next_pages(
    soup: BeautifulSoup,
    html: str,
    url: str,
    source: SourceDefinition,
    documents: int,
    stated: int | None,
) -> list[str]:
    kind = source.pagination.kind
    pages: list[str] = []
    if kind in ("trs", "auto"):
        pages = _trs_pages(soup, html, url, source)
    if not pages and (
        kind == "hanweb-dataproxy" or (kind == "auto" and "dataproxy" in url)
    ):
        pages = _dataproxy_pages(url, source, documents, stated)
    if kind == "pattern":
        pages = _pattern_pages(soup, url, source, documents, stated)
    if kind == "query":
        pages = _query_pages(soup, url, source, documents, stated)
    if not pages and kind in ("next-link", "auto"):
        pages = _next_links(soup, _base_url(soup, url), source)
    kept: list[str] = []
    for page in pages:
        if page and page != url and page not in kept and _same_site(page, url):
            kept.append(page)
    return kept[: source.max_list_pages]


@dataclass(frozen=True)
class TrsPaging:
    count: int
    current: int
    prefix: str
    suffix: str
    total: int | None


def _trs_call(html: str) -> TrsPaging | None:
    """createPageHTML's page count, current page, file prefix and (6-argument
    form) total records. TRS WCM writes both
    createPageHTML(5, 0, "index", "html") and
    createPageHTML('page_div', 5, 0, 'index', 'html', 98)."""
    # The first call whose numbers can be read: a page also carries the
    # function's own definition and comments that mention it.
    for match in TRS_CALL_RE.finditer(html[:5_000_000]):
        args = [a.strip().strip("'\"") for a in match.group(1).split(",")]
        if len(args) >= 6:
            args = args[1:]
        if len(args) < 4:
            continue
        count = _trs_number(args[0], html)
        current = _trs_number(args[1], html)
        if count is None or current is None:
            continue
        total = _trs_number(args[4], html) if len(args) >= 5 else None
        prefix = args[2] if re.fullmatch(r"[\w\-]{1,80}", args[2]) else "index"
        suffix = args[3] if re.fullmatch(r"\w{1,10}", args[3]) else "html"
        return TrsPaging(count, current, prefix, suffix, total)
    return None


def _trs_number(arg: str, html: str) -> int | None:
    if arg.isdigit():
        return int(arg)
    # A variable: var countPage = 5 / var currentPage = 0
    if re.fullmatch(r"[A-Za-z_$][\w$]{0,60}", arg):
        found = re.search(
            rf"(?:var|let|const)?\s*\b{re.escape(arg)}\s*=\s*['\"]?(\d{{1,9}})", html
        )
        if found:
            return int(found.group(1))
    return None


def _trs_pages(
    soup: BeautifulSoup, html: str, url: str, source: SourceDefinition
) -> list[str]:
    call = _trs_call(html)
    if call is None:
        return []
    base = _base_url(soup, url)
    pages = []
    for n in range(min(call.count, source.max_list_pages)):
        if n == call.current:
            continue
        name = (
            f"{call.prefix}.{call.suffix}"
            if n == 0
            else f"{call.prefix}_{n}.{call.suffix}"
        )
        pages.append(urljoin(base, name))
    return pages


def _page_count(
    soup: BeautifulSoup, documents: int, stated: int | None, on_first: bool
) -> int | None:
    match = PAGES_RE.search(_visible_text(soup))
    if match:
        return int(match.group(1))
    if on_first and stated and documents:
        return math.ceil(stated / documents)
    return None


def _pattern_pages(
    soup: BeautifulSoup,
    url: str,
    source: SourceDefinition,
    documents: int,
    stated: int | None,
) -> list[str]:
    pattern = source.pagination.pattern
    first = source.pagination.first
    left, _, right = pattern.partition("{n}")
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    found = re.fullmatch(re.escape(left) + r"(\d{1,6})" + re.escape(right), name)
    # Page 1 is the start URL (index.html); page k ≥ 2 is the pattern with
    # n = first + k - 2.
    current = int(found.group(1)) - first + 2 if found else 1
    count = _page_count(soup, documents, stated, current == 1)
    if count is None:
        count = current + 1 if documents else current
    count = min(count, source.max_list_pages)
    base = urljoin(url, "./")
    return [
        urljoin(base, pattern.replace("{n}", str(first + k - 2)))
        for k in range(2, count + 1)
        if k != current
    ]


def _query_pages(
    soup: BeautifulSoup,
    url: str,
    source: SourceDefinition,
    documents: int,
    stated: int | None,
) -> list[str]:
    param = source.pagination.param
    first = source.pagination.first
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    value = dict(query).get(param, "")
    current = int(value) - first + 1 if value.isdigit() else 1
    count = _page_count(soup, documents, stated, current == 1)
    if count is None:
        count = current + 1 if documents else current
    count = min(count, source.max_list_pages)
    return [
        _with_query(parts, query, {param: str(first + k - 1)})
        for k in range(1, count + 1)
        if k != current
    ]


def _dataproxy_pages(
    url: str, source: SourceDefinition, documents: int, stated: int | None
) -> list[str]:
    """Hanweb jcms module/web/jpage/dataproxy.jsp: a window of records
    (startrecord…endrecord, shown perpage at a time); the next window starts
    after this one until the stated total (<totalrecord>)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    values = dict(query)
    start, end = values.get("startrecord", ""), values.get("endrecord", "")
    if start.isdigit() and end.isdigit() and int(end) >= int(start):
        step = int(end) - int(start) + 1
        total = stated if stated is not None else (int(end) + 1 if documents else 0)
        pages = []
        first = int(start)
        for window in range(source.max_list_pages):
            lo = 1 + window * step
            if lo > total:
                break
            if lo == first:
                continue
            pages.append(
                _with_query(
                    parts,
                    query,
                    {"startrecord": str(lo), "endrecord": str(lo + step - 1)},
                )
            )
        return pages
    page = values.get("page", "")
    if page.isdigit():
        per = values.get("perpage", "")
        per_page = int(per) if per.isdigit() and int(per) else max(documents, 1)
        count = math.ceil(stated / per_page) if stated else int(page) + bool(documents)
        count = min(count, source.max_list_pages)
        return [
            _with_query(parts, query, {"page": str(k)})
            for k in range(1, count + 1)
            if k != int(page)
        ]
    return []


def _next_links(soup: BeautifulSoup, base: str, source: SourceDefinition) -> list[str]:
    words = set(source.pagination.next_text)
    pages = []
    for anchor in soup.find_all("a", href=True, limit=MAX_ANCHORS):
        text = _text(anchor)
        rel = anchor.get("rel") or []
        classes = " ".join(anchor.get("class") or [])
        if (
            text in words
            or any(w in text for w in words if len(w) > 1)
            or "next" in rel
            or re.search(r"\bnext\b", classes)
        ):
            target = _absolute(str(anchor["href"]), base)
            if target:
                pages.append(target)
    return pages


# -- Hanweb records and JSON lists ------------------------------------------------


def _hanweb_records(html: str) -> list[str]:
    records: list[str] = []
    if "<record" not in html:
        return records
    position = 0
    while len(records) < MAX_RECORDS:
        start = html.find("<record", position)
        if start < 0:
            break
        if html[start + 7 : start + 8] not in (">", " ", "\t", "\n", "\r"):
            position = start + 7  # <recordset>, <recordcount>
            continue
        open_end = html.find(">", start)
        close = html.find("</record>", start)
        if open_end < 0 or close < 0:
            break
        body = html[open_end + 1 : close].strip()
        if body.startswith("<![CDATA[") and body.endswith("]]>"):
            body = body[9:-3]
        records.append(body)
        position = close + 9
    return records


def _looks_like_json(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[")


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _parse_json_list(data: Any, url: str, source: SourceDefinition) -> ListPage:
    spec = source.json
    entries: list[Any] = []
    if spec.items:
        node = data
        for key in spec.items.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        entries = node if isinstance(node, list) else []
    else:
        entries = _json_dicts(data)
    found: dict[str, Link] = {}
    url_keys = (spec.url, "url", "post_url", "link", "href")
    for entry in entries[:MAX_RECORDS]:
        if not isinstance(entry, dict):
            continue
        raw = next((entry[k] for k in url_keys if isinstance(entry.get(k), str)), "")
        target = _absolute(raw, url)
        if not target or target in found:
            continue
        if not _is_document(target, url, source, selected=bool(spec.items)):
            continue
        title = entry.get(spec.title)
        found[target] = Link(
            target,
            _squash(title)[:500] if isinstance(title, str) else "",
            _json_date(entry.get(spec.date)),
        )
    total = data.get(spec.total) if isinstance(data, dict) else None
    stated = total if isinstance(total, int) and not isinstance(total, bool) else None
    next_pages: list[str] = []
    if source.pagination.kind in ("query", "auto"):
        empty = BeautifulSoup("", "lxml")
        # Pages are counted by what the API returns per page, kept or not.
        shown = sum(isinstance(e, dict) for e in entries[:MAX_RECORDS])
        pages = _query_pages(empty, url, source, shown, stated)
        next_pages = [p for p in pages if p != url][: source.max_list_pages]
    return ListPage(list(found.values()), next_pages, stated)


def _json_dicts(data: Any) -> list[dict[str, Any]]:
    """Every object in the document, breadth first, within MAX_JSON_NODES."""
    out: list[dict[str, Any]] = []
    queue = [data]
    seen = 0
    while queue and seen < MAX_JSON_NODES:
        node = queue.pop(0)
        seen += 1
        if isinstance(node, dict):
            out.append(node)
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return out


def _json_date(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float) and value > 0:
        seconds = value / 1000 if value > 10**11 else value  # milliseconds too
        try:
            when = datetime.fromtimestamp(seconds, tz=UTC).astimezone(CHINA_TZ)
        except (OverflowError, OSError, ValueError):
            return ""
        return when.strftime("%Y-%m-%d")
    return normalise_date(value) if isinstance(value, str) else ""


# -- URLs --------------------------------------------------------------------------


def _absolute(href: str, base: str) -> str:
    """An absolute http(s) URL without its fragment, or "" for javascript:, mailto:…"""
    href = "".join(href.split()) if href else ""  # CMSs wrap long hrefs
    if not href or len(href) > MAX_URL_CHARS or href.startswith("#"):
        return ""
    lowered = href[:12].lower()
    if lowered.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return ""
    try:
        target = urldefrag(urljoin(base, href)).url
        parts = urlsplit(target)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return target


def _base_url(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    if base is not None:
        absolute = _absolute(str(base["href"]), url)
        if absolute:
            return absolute
    return url


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


# Registries whose names belong to different owners: every county's site is a
# sub-domain of gov.cn, yet a list on www.gov.cn does not own them.
_SHARED_SUFFIXES = frozenset(
    {"gov.cn", "com.cn", "net.cn", "org.cn", "edu.cn", "ac.cn", "cn", "com", "org"}
)


def _same_site(url: str, page_url: str) -> bool:
    """Same host, www. or not, or a sub-domain of the list's site (unless the
    list's site is a registry such as gov.cn)."""
    try:
        host = _site(urlsplit(url).hostname or "")
        home = _site(urlsplit(page_url).hostname or "")
    except ValueError:
        return False
    if not host:
        return False
    return host == home or (home not in _SHARED_SUFFIXES and host.endswith("." + home))


def _strip(url: str) -> str:
    return url.rstrip("/")


def _with_query(
    parts: Any, query: list[tuple[str, str]], changes: dict[str, str]
) -> str:
    pending = dict(changes)
    new = []
    for key, value in query:
        if key in pending:
            new.append((key, pending.pop(key)))
        else:
            new.append((key, value))
    new.extend(pending.items())
    return urlunsplit(parts._replace(query=urlencode(new, safe="/"), fragment=""))


def _has_extension(url: str, extensions: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = unquote(parts.path).lower()
    if path.endswith(extensions):
        return True
    # download.jsp?filename=计划.pdf
    return any(
        value.lower().endswith(extensions) for _, value in parse_qsl(parts.query)[:20]
    )


def _is_attachment(url: str, source: SourceDefinition) -> bool:
    if any(p.search(url) for p in source.links.attachment_regex):
        return True
    return _has_extension(url, source.links.attachment_extensions)


def _soup(markup: str) -> BeautifulSoup:
    # Hanweb's dataproxy answers XML; lxml's HTML parser reads it well enough.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def _text(tag: Tag) -> str:
    return _squash(tag.get_text(" "))[:500]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _visible_text(soup: BeautifulSoup) -> str:
    return soup.get_text(" ")[:2_000_000]
