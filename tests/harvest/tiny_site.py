"""A small TRS-style 政务公开 column on 127.0.0.1 for the crawl tests: pages that
can change or vanish between runs, ETags, a robots.txt, a request log, and an
optional delay per response (a slow site to kill a harvest on)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COLUMN = "/zwgk/jhzj/"

LIST_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>计划总结_政务公开_某某镇人民政府</title></head>
<body>
<div class="header"><a href="../../index.html">首页</a></div>
<div class="xxgk_list"><ul class="list">
{items}
</ul></div>
<div class="page">
<script language="JavaScript">
var currentPage = {current};
var countPage = {pages}
createPageHTML(countPage, currentPage, "index", "html");
</script>
<span>共{total}条</span>
</div>
</body></html>
"""

ITEM = (
    '<li><a href="{href}" target="_blank" title="{title}">{title}</a>'
    "<span>{date}</span></li>"
)

DETAIL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<table class="xxgk_table">
  <tr><td>索引号：</td><td>11000000MB0000000X/2023-{number:05d}</td>
      <td>分类：</td><td>计划总结</td></tr>
  <tr><td>发布机构：</td><td>某某镇人民政府</td><td>成文日期：</td><td>{date}</td></tr>
  <tr><td>名称：</td><td colspan="3">{title}</td></tr>
</table>
<div class="TRS_Editor">
<h1>{title}</h1>
{body}
{attachments}
</div>
</body></html>
"""


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"


@dataclass
class TinySite:
    """The column's documents; ``pages`` holds every path the server answers."""

    documents: int = 6
    per_page: int = 4
    delay: float = 0.0
    pages: dict[str, Page] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)  # document paths, newest first
    titles: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # answered 500
    base: str = ""
    attachment: bytes = b""

    def build(self) -> None:
        self.pages["/robots.txt"] = Page(
            b"User-agent: *\nDisallow: /private/\n", "text/plain"
        )
        for n in range(1, self.documents + 1):
            path = f"{COLUMN}2023{n:02d}/t2023{n:02d}05_{100000 + n}.html"
            title = f"某某镇2023年第{n}项工作计划"
            self.titles[path] = title
            self.listed.append(path)
            attachments = ""
            if n == 1 and self.attachment:
                name = f"P0202301{n:02d}123456789012.docx"
                attachments = (
                    f'<p>附件：<a href="./{name}">1.重点项目计划表.docx</a></p>'
                )
                self.pages[path.rsplit("/", 1)[0] + "/" + name] = Page(
                    self.attachment,
                    "application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document",
                )
            self.set_detail(
                path,
                body=f"<p>第{n}项工作的总体要求是稳中求进。</p>",
                attachments=attachments,
            )
        self.rebuild_lists()

    def set_detail(self, path: str, *, body: str, attachments: str = "") -> None:
        n = self.listed.index(path) + 1 if path in self.listed else 0
        html = DETAIL_PAGE.format(
            title=self.titles[path],
            number=n,
            date=f"2023年{n:02d}月05日",
            body=body,
            attachments=attachments,
        )
        self.pages[path] = Page(html.encode("utf-8"))

    def change(self, path: str, text: str) -> None:
        """Change a document's body text (its attachments go)."""
        self.set_detail(path, body=f"<p>{text}</p>")

    def delete(self, path: str) -> None:
        """The page answers 404 and leaves the list."""
        del self.pages[path]
        self.listed.remove(path)
        self.rebuild_lists()

    def unlist(self, path: str) -> None:
        """The page stays online but no list shows it any more."""
        self.listed.remove(path)
        self.rebuild_lists()

    def rebuild_lists(self) -> None:
        for key in [k for k in self.pages if k.startswith(COLUMN + "index")]:
            del self.pages[key]
        chunks = [
            self.listed[i : i + self.per_page]
            for i in range(0, max(len(self.listed), 1), self.per_page)
        ]
        for number, chunk in enumerate(chunks):
            items = "\n".join(
                ITEM.format(
                    # Relative, as TRS lists link their own column's pages.
                    href="./" + p.removeprefix(COLUMN) if p.startswith(COLUMN) else p,
                    title=self.titles[p],
                    date="2023-01-05",
                )
                for p in chunk
            )
            html = LIST_PAGE.format(
                items=items, current=number, pages=len(chunks), total=len(self.listed)
            )
            name = "index.html" if number == 0 else f"index_{number}.html"
            self.pages[COLUMN + name] = Page(html.encode("utf-8"))

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def start_url(self) -> str:
        return self.url(COLUMN + "index.html")

    def fetched(self, path: str) -> int:
        """GETs of ``path`` that were answered with a body (not 304)."""
        return self.requests.count(f"200 {path}")

    def definition(self, folder: Path, *, name: str = "tiny") -> Path:
        """A source definition file for this site (extends trs-column)."""
        path = folder / f"{name}.toml"
        path.write_text(
            f'extends = "trs-column"\nname = "{name}"\ntitle = "某某镇计划总结"\n'
            f'start_urls = ["{self.start_url}"]\ndrop_after_runs = 2\n\n'
            "[politeness]\ndelay = 0\nretries = 0\ntimeout = 5\n",
            encoding="utf-8",
        )
        return path


def _handler(site: TinySite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            if site.delay:
                time.sleep(site.delay)
            path = self.path.split("?", 1)[0]
            page = site.pages.get(path)
            if path in site.failing:
                site.requests.append(f"500 {path}")
                self._answer(500, b"<html>500</html>", "text/html")
                return
            if page is None:
                site.requests.append(f"404 {path}")
                self._answer(404, b"<html>404 Not Found</html>", "text/html")
                return
            etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                site.requests.append(f"304 {path}")
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            site.requests.append(f"200 {path}")
            self._answer(200, page.body, page.content_type, etag=etag)

        def _answer(self, code: int, body: bytes, kind: str, etag: str = "") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(site: TinySite) -> Iterator[TinySite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
