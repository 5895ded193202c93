"""A sample 政务公开 column (TRS WCM pages) served on loopback, for tests and the bench.

The pages under ``samples/site/`` imitate a TRS WCM column: list pages ``index.html``,
``index_1.html``, ``index_2.html`` whose pagination is the ``createPageHTML(...)``
script call TRS writes, a stated total ("共12条"), detail pages
``./YYYYMM/tYYYYMMDD_NNNNNN.html`` with a 索引号 table and attachments ``./P020….pdf``.
``SampleSite`` serves a *copy* of them (so a test or a user may edit and delete
pages) with ETag/Last-Modified, 304, gzip, and fault routes for the crawler's tests.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import html
import logging
import mimetypes
import os
import random
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

SAMPLE_SITE_DIR = Path(__file__).resolve().parent.parent.parent / "samples" / "site"

SITE_NAME = "政务公开示例站"
COLUMN_NAME = "计划总结"
COLUMN = "/zwgk/jhzj/"
START_PATH = COLUMN + "index.html"
LIST_PATHS = (COLUMN + "index.html", COLUMN + "index_1.html", COLUMN + "index_2.html")
PER_PAGE = 5
# What the shipped column states ("共12条"); one of the twelve entries lies under
# /private/, which robots.txt disallows, so a polite harvest captures eleven.
STATED_TOTAL = 12
PRIVATE_PREFIX = "/private/"
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"

# Fault routes (no files behind them): see SampleSite.
SLOW_PREFIX = "/slow/"
FLAKY_PREFIX = "/flaky/"
FAIL_PREFIX = "/fail/"
LOOP_PREFIX = "/loop/"
GONE_PREFIX = "/gone/"
BIG_WITH_LENGTH_PREFIX = "/big/with-length/"
BIG_CHUNKED_PREFIX = "/big/chunked/"

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TEXT_TYPES = ("text/", "application/javascript", "application/json")


# --------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class Attachment:
    """An attachment a detail page links to: the file beside the page."""

    filename: str  # "P020210127530412118625.pdf", in the page's YYYYMM folder
    label: str  # the link text, e.g. "附件1：….pdf"


@dataclass(frozen=True)
class SampleDocument:
    """One detail page of the column."""

    path: str  # site path, e.g. "/zwgk/jhzj/202101/t20210127_127594.html"
    title: str
    date: str  # 发文日期 / list date, YYYY-MM-DD
    issuer: str  # 发文机关
    index_no: str = ""  # 索引号 ("" when the source gives none, as real pages do)
    doc_number: str = ""  # 文号
    subject: str = "综合政务"  # 主题分类
    paragraphs: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    source: str = ""  # where the text came from (SOURCE.md)


def detail_path(date: str, serial: int, *, column: str = COLUMN) -> str:
    """TRS's detail-page path: <column>YYYYMM/tYYYYMMDD_NNNNNN.html."""
    compact = date.replace("-", "")
    return f"{column}{compact[:6]}/t{compact}_{serial:06d}.html"


def list_path(page: int, *, column: str = COLUMN) -> str:
    """TRS names the first list page index.html and the next index_1.html, …"""
    return f"{column}index.html" if page == 0 else f"{column}index_{page}.html"


def _relative(from_path: str, to_path: str) -> str:
    """A relative link as TRS writes them ("./202101/t….html", "../../private/…")."""
    from_parts = from_path.split("/")[:-1]
    to_parts = to_path.split("/")
    common = 0
    while (
        common < min(len(from_parts), len(to_parts) - 1)
        and from_parts[common] == to_parts[common]
    ):
        common += 1
    ups = len(from_parts) - common
    rest = "/".join(to_parts[common:])
    return ("../" * ups + rest) if ups else "./" + rest


_CHROME_TOP = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}</title>
<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="127.0.0.1">
<meta name="SiteIDCode" content="0000000000">
<meta name="ColumnName" content="{column}">
<meta name="ColumnType" content="{column}">
{extra_meta}</head>
<body>
<div class="top">
  <div class="w1200">
    <span class="ol"><a href="javascript:void(0)">进入老年模式</a></span>
    <span class="wza"><a href="javascript:void(0)">无障碍</a></span>
  </div>
</div>
<div class="header"><div class="w1200"><h1 class="logo">{site}</h1></div></div>
<div class="nav"><div class="w1200"><ul>
  <li><a href="/index.html">首页</a></li>
  <li><a href="/zwgk/">政务公开</a></li>
  <li><a href="/hdjl/">互动交流</a></li>
  <li><a href="/zwfw/">政务服务</a></li>
</ul></div></div>
<div class="w1200 main">
<div class="position">当前位置：<a href="/index.html">首页</a>
&gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/xxgkml/">信息公开目录</a>
&gt; 镇(街道)信息公开 &gt; <a href="{column_href}">{column}</a></div>
"""

_CHROME_BOTTOM = """</div>
<div class="footer"><div class="w1200">
  <p><a href="/zwgk/wzdt/">网站地图</a> | <a href="/zwgk/lxwm/">联系我们</a></p>
  <p>主办：{site}（测试用样例，不是政府网站）</p>
  <p>本站页面仿照 TRS WCM 政务公开栏目模板制作，正文取自公开的政府文件，见 SOURCE.md</p>
</div></div>
</body>
</html>
"""

# The pager TRS WCM writes into list templates: the page count and the current page
# (from 0) are baked into the call; crawlers read them from this line.
_PAGER_SCRIPT = """<div class="page">
<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){{
  if(_nPageCount == null || _nPageCount <= 1){{ return; }}
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){{ document.write("首页&nbsp;上一页&nbsp;"); }}
  else {{
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    if(nCurrIndex == 1) document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">上一页</a>&nbsp;");
    else document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex - 1) + "." + _sPageExt + "\\">上一页</a>&nbsp;");
  }}
  if(nCurrIndex == (_nPageCount - 1)){{ document.write("下一页&nbsp;尾页"); }}
  else {{
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\\">尾页</a>");
  }}
}}
createPageHTML({count}, {current}, "index", "html");
</script>
<span class="total">共{total}条</span>
</div>
"""  # noqa: E501 - a page's script, kept as TRS writes it


def render_list_page(
    entries: Sequence[SampleDocument],
    *,
    page: int,
    page_count: int,
    total: int,
    column: str = COLUMN,
    site: str = SITE_NAME,
    column_name: str = COLUMN_NAME,
) -> str:
    """One list page of the column, as a TRS WCM list template renders it."""
    here = list_path(page, column=column)
    esc = html.escape
    items = "\n".join(
        f'<li><a href="{esc(_relative(here, doc.path))}" target="_blank" '
        f'title="{esc(doc.title)}">{esc(doc.title)}</a><span>{doc.date}</span></li>'
        for doc in entries
    )
    top = _CHROME_TOP.format(
        title=f"{esc(column_name)}_{esc(site)}",
        site=esc(site),
        column=esc(column_name),
        column_href=esc(_relative(here, list_path(0, column=column))),
        extra_meta="",
    )
    body = (
        f'<div class="list-box">\n<div class="list-title">{esc(column_name)}</div>\n'
        f'<ul class="list">\n{items}\n</ul>\n'
        + _PAGER_SCRIPT.format(count=page_count, current=page, total=total)
        + "</div>\n"
    )
    return top + body + _CHROME_BOTTOM.format(site=esc(site))


def render_detail_page(
    doc: SampleDocument,
    *,
    column: str = COLUMN,
    site: str = SITE_NAME,
    column_name: str = COLUMN_NAME,
) -> str:
    """A detail page: chrome, the 索引号 table, the body in TRS_Editor, attachments."""
    esc = html.escape
    extra_meta = (
        f'<meta name="ArticleTitle" content="{esc(doc.title)}">\n'
        f'<meta name="PubDate" content="{doc.date} 00:00">\n'
        f'<meta name="ContentSource" content="{esc(doc.issuer)}">\n'
    )
    top = _CHROME_TOP.format(
        title=f"{esc(doc.title)}_{esc(column_name)}_{esc(site)}",
        site=esc(site),
        column=esc(column_name),
        column_href=esc(_relative(doc.path, list_path(0, column=column))),
        extra_meta=extra_meta,
    )
    table = (
        '<table class="xxgk-table" cellspacing="0" cellpadding="0">\n'
        f"<tr><th>索引号：</th><td>{esc(doc.index_no)}</td>"
        f"<th>主题分类：</th><td>{esc(doc.subject)}</td></tr>\n"
        f"<tr><th>发文机关：</th><td>{esc(doc.issuer)}</td>"
        f"<th>发文日期：</th><td>{doc.date}</td></tr>\n"
        f'<tr><th>标　　题：</th><td colspan="3">{esc(doc.title)}</td></tr>\n'
        f"<tr><th>文　　号：</th><td>{esc(doc.doc_number)}</td>"
        "<th>公开方式：</th><td>主动公开</td></tr>\n"
        "</table>\n"
    )
    paragraphs = "\n".join(
        f'<p style="text-indent: 2em;">{esc(p)}</p>' for p in doc.paragraphs
    )
    attachments = ""
    if doc.attachments:
        # Inside the editor's div, as an editor inserts them into the body: the
        # common case on TRS 计划总结 pages (some templates print a separate block).
        links = "\n".join(
            f'<p><a href="./{esc(a.filename)}" OLDSRC="/protect/{esc(a.filename)}" '
            f'target="_blank">{esc(a.label)}</a></p>'
            for a in doc.attachments
        )
        attachments = f'\n<p class="fj">附件：</p>\n{links}'
    body = (
        '<div class="article">\n'
        f"{table}"
        f'<h2 class="article-title">{esc(doc.title)}</h2>\n'
        f'<div class="article-info">发布日期：{doc.date}　来源：{esc(doc.issuer)}'
        '　浏览次数：<span id="views"></span></div>\n'
        f'<div class="TRS_Editor">\n{paragraphs}{attachments}\n</div>\n'
        "</div>\n"
    )
    return top + body + _CHROME_BOTTOM.format(site=esc(site))


def render_home_page(*, site: str = SITE_NAME, column: str = COLUMN) -> str:
    """The site's front page: a link into the column."""
    top = _CHROME_TOP.format(
        title=html.escape(site),
        site=html.escape(site),
        column="首页",
        column_href="/index.html",
        extra_meta="",
    )
    body = (
        f'<ul class="zwgk-menu"><li><a href="{column}index.html">{COLUMN_NAME}</a>'
        "</li></ul>\n"
    )
    return top + body + _CHROME_BOTTOM.format(site=html.escape(site))


def write_column(
    directory: Path,
    documents: Sequence[SampleDocument],
    *,
    per_page: int = PER_PAGE,
    column: str = COLUMN,
) -> list[str]:
    """Write robots.txt, the front page, the list pages and the detail pages.

    Attachments are not written here: they are real files made once by real tools
    (samples/site/build.py). Returns the list pages' site paths.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "robots.txt").write_text(ROBOTS_TXT, encoding="utf-8")
    (directory / "index.html").write_text(render_home_page(column=column), "utf-8")
    ordered = sorted(documents, key=lambda d: (d.date, d.path), reverse=True)
    page_count = max(1, -(-len(ordered) // per_page))
    lists = []
    for page in range(page_count):
        entries = ordered[page * per_page : (page + 1) * per_page]
        path = list_path(page, column=column)
        text = render_list_page(
            entries, page=page, page_count=page_count, total=len(ordered), column=column
        )
        _write(directory, path, text)
        lists.append(path)
    for doc in ordered:
        _write(directory, doc.path, render_detail_page(doc, column=column))
    return lists


def _write(directory: Path, site_path: str, text: str) -> None:
    target = directory / site_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


_ARTICLE_RE = re.compile(r'<div class="TRS_Editor">\n(.*?)\n</div>', re.S)
_PARA_RE = re.compile(r'<p style="text-indent: 2em;">(.*?)</p>', re.S)


def sample_paragraphs(directory: Path = SAMPLE_SITE_DIR) -> list[str]:
    """The body paragraphs of the shipped detail pages (for generated sites)."""
    paragraphs = []
    for page in sorted(directory.glob("zwgk/**/t*.html")):
        match = _ARTICLE_RE.search(page.read_text(encoding="utf-8"))
        if match:
            paragraphs += [html.unescape(p) for p in _PARA_RE.findall(match[1])]
    return paragraphs


def generate_site(
    directory: Path, *, documents: int = 200, seed: int = 18, per_page: int = 20
) -> list[SampleDocument]:
    """A larger column built from the same templates and the shipped pages' text.

    Used by the bench: ``documents`` detail pages, ``per_page`` to a list page,
    one attachment copied from the sample site on every tenth page. Deterministic
    for a seed.
    """
    rng = random.Random(seed)
    paragraphs = sample_paragraphs()
    attachments = sorted(SAMPLE_SITE_DIR.glob("zwgk/**/P020*"))
    issuers = ("周巷镇", "章镇镇", "店口镇", "东塍镇", "苏平片区", "金井片区")
    docs = []
    for n in range(documents):
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        year = 2015 + n // (28 * 12)
        date = f"{year}-{month:02d}-{day:02d}"
        issuer = issuers[n % len(issuers)]
        path = detail_path(date, 500000 + n)
        attached: tuple[Attachment, ...] = ()
        if attachments and n % 10 == 0:
            original = attachments[n // 10 % len(attachments)]
            name = f"P020{date.replace('-', '')}{n:014d}{original.suffix}"
            target = directory / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, target.parent / name)
            label = f"附件：{issuer}{year}年工作计划{original.suffix}"
            attached = (Attachment(name, label),)
        docs.append(
            SampleDocument(
                path=path,
                title=f"{issuer}{year}年工作计划（第{n + 1}号）",
                date=date,
                issuer=issuer,
                index_no=f"SAMPLE-{year}-{n + 1:06d}",
                paragraphs=tuple(rng.sample(paragraphs, k=min(8, len(paragraphs)))),
                attachments=attached,
            )
        )
    write_column(directory, docs, per_page=per_page)
    return docs


# --------------------------------------------------------------------------
# The server


@dataclass(frozen=True)
class LoggedRequest:
    """One request the site answered."""

    method: str
    path: str  # as requested, query included
    status: int
    at: float  # time.time() when it was answered
    headers: dict[str, str] = field(default_factory=dict)  # request, lower-case names
    bytes_sent: int = 0  # body bytes written


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog (5) refuses connections under the bench's bursts.
    request_queue_size = 64
    site: SampleSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    # Headers and body go out in two writes: with Nagle on, a keep-alive client's
    # delayed ACK holds the body back 40 ms.
    disable_nagle_algorithm = True
    server_version = "TRS-WCM-Sample/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("sample site: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        self._sent = 0
        self._status = 0
        try:
            site._wait(path)
            self._route(unquote(path), head=head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (size cap, timeout)
        finally:
            site._log(
                LoggedRequest(
                    method=self.command,
                    path=self.path,
                    status=self._status,
                    at=time.time(),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    bytes_sent=self._sent,
                )
            )

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def _route(self, path: str, *, head: bool) -> None:
        site = self.server.site
        if path.startswith(SLOW_PREFIX):
            self._small(200, "慢速页面 (slow page)", head=head)
        elif path.startswith(FLAKY_PREFIX):
            if site._flaky_attempt(path):
                self._small(503, "服务暂不可用 (temporarily unavailable)", head=head)
            else:
                self._small(200, "恢复正常 (recovered)", head=head)
        elif path.startswith(FAIL_PREFIX):
            self._small(500, "服务器内部错误 (internal server error)", head=head)
        elif path.startswith(GONE_PREFIX):
            self._small(410, "页面已删除 (gone)", head=head)
        elif path.startswith(LOOP_PREFIX):
            # /loop/a → /loop/b → /loop/a …: a loop whatever the client's hop limit.
            target = LOOP_PREFIX + ("b" if path.rstrip("/").endswith("/a") else "a")
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith(BIG_WITH_LENGTH_PREFIX):
            self._big(site.big_bytes, chunked=False, head=head)
        elif path.startswith(BIG_CHUNKED_PREFIX):
            self._big(site.big_bytes, chunked=True, head=head)
        else:
            self._file(path, head=head)

    def _small(self, status: int, text: str, *, head: bool) -> None:
        body = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{text}</title>'
            f"</head><body><p>{text}</p></body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if status == 503:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self._body(body, head=head)

    def _big(self, size: int, *, chunked: bool, head: bool) -> None:
        block = b"<p>" + "大".encode() * 20 + b"</p>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        left = size
        piece = block * (65536 // len(block))
        while left > 0:
            data = piece[:left]
            if chunked:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                self.wfile.write(data)
            self._sent += len(data)
            left -= len(data)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _file(self, path: str, *, head: bool) -> None:
        site = self.server.site
        target = site._resolve(path)
        if target is None:
            self._small(404, "页面不存在 (not found)", head=head)
            return
        data = target.read_bytes()
        mtime = int(target.stat().st_mtime)
        etag = hashlib.sha256(data).hexdigest()[:32]
        ctype = _content_type(target)
        compress = ctype.startswith(_TEXT_TYPES) and _accepts_gzip(
            self.headers.get("Accept-Encoding", "")
        )
        # A variant has its own ETag, as Apache's mod_deflate does ("…-gzip").
        tag = f'"{etag}-gzip"' if compress else f'"{etag}"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        if _not_modified(self.headers, etag, mtime):
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        if compress:
            data = gzip.compress(data, compresslevel=6, mtime=mtime)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", last_modified)
        if ctype.startswith(_TEXT_TYPES):
            self.send_header("Vary", "Accept-Encoding")
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self._body(data, head=head)

    def _body(self, data: bytes, *, head: bool) -> None:
        if not head:
            self.wfile.write(data)
            self._sent += len(data)


def _content_type(path: Path) -> str:
    if path.suffix in (".html", ".htm"):
        return "text/html; charset=utf-8"
    if path.name == "robots.txt" or path.suffix == ".txt":
        return "text/plain; charset=utf-8"
    if path.suffix == ".docx":
        return DOCX_TYPE
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00")
    return False


def _not_modified(headers: object, etag: str, mtime: int) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    none_match = headers.get("If-None-Match")  # type: ignore[attr-defined]
    if none_match is not None:
        if none_match.strip() == "*":
            return True
        tags = {t.strip().removeprefix("W/").strip('"') for t in none_match.split(",")}
        return etag in tags or f"{etag}-gzip" in tags
    since = headers.get("If-Modified-Since")  # type: ignore[attr-defined]
    if since:
        try:
            parsed = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return parsed is not None and mtime <= parsed.timestamp()
    return False


class SampleSite:
    """The sample column on 127.0.0.1, serving a copy of ``source``.

    Fault routes (no files behind them):

    - ``/slow/…``: answered after a delay (``set_delay``; 1 s unless set);
    - ``/flaky/…``: 503 the first ``flaky_failures`` times a path is asked, then 200;
    - ``/fail/…``: always 500; ``/gone/…``: always 410;
    - ``/loop/a`` ↔ ``/loop/b``: a redirect loop;
    - ``/big/with-length/…`` and ``/big/chunked/…``: ``big_bytes`` of HTML, with a
      Content-Length or chunked without one;
    - ``/private/…``: real pages, disallowed by robots.txt.

    A deleted page answers 404; a changed page a new ETag and Last-Modified.
    """

    def __init__(
        self,
        directory: Path,
        *,
        source: Path | None = SAMPLE_SITE_DIR,
        flaky_failures: int = 2,
        big_bytes: int = 3 * 1024 * 1024,
    ) -> None:
        self.directory = Path(directory)
        if source is not None:
            shutil.copytree(source, self.directory, dirs_exist_ok=True)
        self.flaky_failures = flaky_failures
        self.big_bytes = big_bytes
        self._delays: dict[str, float] = {SLOW_PREFIX: 1.0}
        self._flaky: dict[str, int] = {}
        self._log_lock = threading.Lock()
        self._log_entries: list[LoggedRequest] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # lifecycle

    def start(self, port: int = 0, *, host: str = "127.0.0.1") -> str:
        """Serve in a background thread; returns the base URL (no trailing slash)."""
        if self._server is not None:
            return self.url
        server = _Server((host, port), _Handler)
        server.site = self
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sample-site-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://{host}:{server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving; slow responses still waiting are cut short."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_forever(
        self,
        port: int = 8790,
        *,
        host: str = "127.0.0.1",
        stop: threading.Event | None = None,
    ) -> None:
        """Serve in this thread until interrupted or ``stop`` is set (the command)."""
        self.start(port, host=host)
        stop = stop or threading.Event()
        try:
            while not stop.wait(0.2):
                pass
        finally:
            self.stop()

    def __enter__(self) -> SampleSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else 0

    @property
    def start_url(self) -> str:
        """The column's first list page: the start URL of a source definition."""
        return self.url + START_PATH

    def url_for(self, path: str) -> str:
        return self.url + "/" + path.lstrip("/")

    # what was asked

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, oldest first (a copy)."""
        with self._log_lock:
            return list(self._log_entries)

    def requests_for(self, path: str) -> list[LoggedRequest]:
        """The requests for one path (query ignored)."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log_entries.clear()

    def _log(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log_entries.append(entry)

    # faults and edits

    def set_delay(self, path_prefix: str, seconds: float) -> None:
        """Delay every answer under ``path_prefix`` (the longest prefix wins)."""
        self._delays[path_prefix] = seconds

    def set_flaky(self, failures: int) -> None:
        """503 this many times per /flaky/ path (counts start again)."""
        self.flaky_failures = failures
        self._flaky.clear()

    def change_page(self, path: str, new_text: str | bytes) -> None:
        """Replace a page's content; its ETag and Last-Modified change."""
        target = self._file_path(path)
        old_mtime = target.stat().st_mtime if target.exists() else 0.0
        target.parent.mkdir(parents=True, exist_ok=True)
        data = new_text.encode("utf-8") if isinstance(new_text, str) else new_text
        target.write_bytes(data)
        # Last-Modified has one-second resolution: move it on by at least a second,
        # so a client that sends only If-Modified-Since still sees the change.
        mtime = max(time.time(), int(old_mtime) + 1)
        os.utime(target, (mtime, mtime))

    def add_document(
        self,
        title: str,
        *,
        date: str,
        serial: int,
        paragraphs: Sequence[str] = ("新增文件的正文。",),
        issuer: str = "示例镇人民政府",
    ) -> str:
        """Publish a new page at the top of the first list page, as a CMS does.

        The stated total ("共N条") goes up by one; the other entries stay where they
        are (a real column would push its last entry to the next page). Returns the
        new page's site path.
        """
        doc = SampleDocument(
            path=detail_path(date, serial),
            title=title,
            date=date,
            issuer=issuer,
            paragraphs=tuple(paragraphs),
        )
        self.change_page(doc.path, render_detail_page(doc))
        first = list_path(0)
        text = self.page_text(first)
        entry = (
            f'<li><a href="{html.escape(_relative(first, doc.path))}" '
            f'target="_blank" title="{html.escape(title)}">{html.escape(title)}</a>'
            f"<span>{date}</span></li>\n"
        )
        text = text.replace('<ul class="list">\n', '<ul class="list">\n' + entry, 1)
        total = int(re.search(r"共(\d+)条", text)[1]) + 1
        for path in self.list_paths():
            page = text if path == first else self.page_text(path)
            self.change_page(path, re.sub(r"共\d+条", f"共{total}条", page))
        return doc.path

    def page_text(self, path: str) -> str:
        return self._file_path(path).read_text(encoding="utf-8")

    def delete_page(self, path: str) -> None:
        """Remove a page (or attachment): it answers 404 from now on."""
        self._file_path(path).unlink()

    def _file_path(self, path: str) -> Path:
        target = (self.directory / urlsplit(path).path.lstrip("/")).resolve()
        if not target.is_relative_to(self.directory.resolve()):
            raise ValueError(f"outside the site: {path}")
        return target

    def _resolve(self, path: str) -> Path | None:
        try:
            target = self._file_path(path)
        except ValueError:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _wait(self, path: str) -> None:
        prefixes = [p for p in self._delays if path.startswith(p)]
        if prefixes:
            delay = self._delays[max(prefixes, key=len)]
            if delay > 0:
                self._stopping.wait(delay)

    def _flaky_attempt(self, path: str) -> bool:
        """True while this path should still fail."""
        with self._log_lock:
            seen = self._flaky.get(path, 0)
            self._flaky[path] = seen + 1
            return seen < self.flaky_failures

    # what the column holds

    def list_paths(self) -> list[str]:
        """The column's list pages there are: index.html, index_1.html, …"""
        found = []
        while self._resolve(list_path(len(found))) is not None:
            found.append(list_path(len(found)))
        return found

    def document_paths(self, *, include_private: bool = False) -> list[str]:
        """Detail pages linked from the list pages (in list order)."""
        found: list[str] = []
        for list_page in self.list_paths():
            text = self.page_text(list_page)
            base = list_page.rsplit("/", 1)[0] + "/"
            for href in list_links(text):
                path = _join(base, html.unescape(href))
                if include_private or not path.startswith(PRIVATE_PREFIX):
                    found.append(path)
        return found

    def attachment_paths(self) -> list[str]:
        """Attachment files (P020…) beside the column's detail pages."""
        return sorted(
            "/" + p.relative_to(self.directory).as_posix()
            for p in self.directory.glob("zwgk/**/P020*")
        )

    def definition_toml(
        self, *, name: str = "sample-site", delay: float | None = 0.0, **extra: object
    ) -> str:
        """A source definition for this site (see definition_toml()).

        Zero delay unless asked: tests should not wait. ``delay=None`` keeps the
        politeness defaults of the settings.
        """
        return definition_toml(self.start_url, name=name, delay=delay, **extra)


def prepare_copy(directory: Path, *, reset: bool = False) -> bool:
    """Copy samples/site into ``directory`` unless a copy is there already.

    A copy the user edited (pages changed or deleted between two harvests) is kept;
    ``reset`` starts again from the shipped pages. Returns True when it copied.
    """
    if reset and directory.exists():
        shutil.rmtree(directory)
    if (directory / "robots.txt").exists():
        return False
    shutil.copytree(SAMPLE_SITE_DIR, directory, dirs_exist_ok=True)
    return True


def write_definition(path: Path, start_url: str, *, delay: float | None) -> Path:
    """Write the sample column's source definition to ``path`` (folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(definition_toml(start_url, delay=delay), encoding="utf-8")
    return path


_LIST_RE = re.compile(r'<ul class="list">(.*?)</ul>', re.S)


def list_links(page: str) -> list[str]:
    """The entries' hrefs of a list page (the column's <ul class="list">)."""
    match = _LIST_RE.search(page)
    return re.findall(r'<li><a href="([^"]+)"', match[1]) if match else []


def _join(base: str, href: str) -> str:
    parts: list[str] = []
    for part in (base + href).split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def definition_toml(
    start_url: str | Iterable[str],
    *,
    name: str = "sample-site",
    title: str = f"{SITE_NAME}·{COLUMN_NAME}",
    delay: float | None = None,
    **extra: object,
) -> str:
    """A source definition (TOML) for the sample column, in i18-sources' format.

    Written out in full (the trs family's pagination and link rules) rather than
    ``extends = "trs-column"``, so it reads alone. ``extra`` adds top-level keys
    (e.g. ``max_list_pages=5``); a ``delay`` of None leaves the politeness defaults
    (settings.PLANSITE_HARVEST_*) in force.
    """
    urls = [start_url] if isinstance(start_url, str) else list(start_url)
    lines = [
        "# The sample 政务公开 column (samples/site, a TRS WCM column) on loopback.",
        f"name = {_toml_value(name)}",
        f"title = {_toml_value(title)}",
        'cms = "trs"',
        "start_urls = " + _toml_value(urls),
    ]
    lines += [f"{key} = {_toml_value(value)}" for key, value in extra.items()]
    lines += [
        "",
        "[pagination]",
        '# createPageHTML(3, 0, "index", "html"): index.html, index_1.html, …',
        'kind = "trs"',
        "",
        "[links]",
        "document_regex = ['/t\\d{8}_\\d+\\.s?html?$']",
        "",
        "[selectors]",
        'content = ".TRS_Editor"',
    ]
    if delay is not None:
        lines += ["", "[politeness]", f"delay = {float(delay)}"]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
