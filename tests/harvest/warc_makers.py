"""Real WARC and WACZ files for the import tests, written with warcio's WARCWriter."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass
class Capture:
    """One request + response pair (or a revisit) to write."""

    url: str
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    status: str = "200 OK"
    date: str = "2026-12-01T08:00:00Z"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Write a revisit record pointing at this payload digest instead.
    revisit_of: str = ""
    # WARC-Truncated's value: the capturing tool stopped reading (its size cap).
    truncated: str = ""


def write_warc(path: Path, captures: Sequence[Capture], *, gzip: bool = True) -> Path:
    """A WARC file: warcinfo, then a request and a response record per capture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        writer.write_record(
            writer.create_warcinfo_record(path.name, {"software": "plansite tests"})
        )
        for capture in captures:
            parts = urlsplit(capture.url)
            request = writer.create_warc_record(
                capture.url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET {parts.path or '/'} HTTP/1.1",
                    [("Host", parts.netloc), ("User-Agent", "plansite-test")],
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": capture.date},
            )
            http = StatusAndHeaders(
                capture.status,
                [
                    ("Content-Type", capture.content_type),
                    ("Content-Length", str(len(capture.body))),
                    *capture.headers,
                ],
                protocol="HTTP/1.1",
            )
            if capture.revisit_of:
                response = writer.create_revisit_record(
                    capture.url,
                    digest=capture.revisit_of,
                    refers_to_uri=capture.url,
                    refers_to_date=capture.date,
                    http_headers=http,
                )
                response.rec_headers.replace_header("WARC-Date", capture.date)
            else:
                response = writer.create_warc_record(
                    capture.url,
                    "response",
                    payload=io.BytesIO(capture.body),
                    http_headers=http,
                    warc_headers_dict={
                        "WARC-Date": capture.date,
                        **(
                            {"WARC-Truncated": capture.truncated}
                            if capture.truncated
                            else {}
                        ),
                    },
                )
            writer.write_record(request)
            writer.write_record(response)
    return path


def write_wacz(path: Path, warc: Path) -> Path:
    """A WACZ (a ZIP): archive/<warc> stored, as the spec asks, with its datapackage."""
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.write(warc, f"archive/{warc.name}", compress_type=zipfile.ZIP_STORED)
        bundle.writestr(
            "pages/pages.jsonl", json.dumps({"format": "json-pages-1.0"}) + "\n"
        )
        bundle.writestr(
            "datapackage.json",
            json.dumps(
                {
                    "profile": "data-package",
                    "wacz_version": "1.1.1",
                    "resources": [{"name": warc.name, "path": f"archive/{warc.name}"}],
                }
            ),
        )
    return path


def payload_digest(capture_body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for a body (sha1, base32)."""
    import base64
    import hashlib

    return "sha1:" + base64.b32encode(hashlib.sha1(capture_body).digest()).decode()


def detail_page(
    fixture: str, *, links: Sequence[tuple[str, str]] = (), extra: str = ""
) -> bytes:
    """A real detail page (tests/fixtures/unseen) with attachment links added."""
    html = (FIXTURES / "unseen" / fixture).read_bytes().decode("utf-8")
    anchors = "".join(
        f'<p>附件：<a href="{href}">{text}</a></p>' for href, text in links
    )
    marker = "</body>"
    assert marker in html
    return html.replace(marker, extra + anchors + marker, 1).encode("utf-8")


def trs_list_page(entries: Sequence[tuple[str, str, str]], *, total: int) -> bytes:
    """A TRS WCM 政务公开 column's list page: <ul> of link + date, createPageHTML.

    The structure of TRS list templates (ul.list li a + span date, the
    createPageHTML(pages, current, "index", "html") script, "共N条").
    """
    items = "\n".join(
        f'<li><a href="{href}" target="_blank" title="{title}">{title}</a>'
        f"<span>{date}</span></li>"
        for href, title, date in entries
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>计划总结--某某镇人民政府</title>
<meta name="ColumnName" content="计划总结"></head>
<body>
<div class="head"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="./">计划总结</a></div>
<div class="list"><ul>
{items}
</ul></div>
<div class="page"><script>
var currentPage = 0; var countPage = 3;
createPageHTML(countPage, currentPage, "index", "html");
</script>共{total}条</div>
<div class="foot"><p>主办单位：某某镇人民政府 地址：某某镇人民路1号 邮编：300000</p>
<p>网站标识码：1201000001 备案号：津ICP备00000000号</p></div>
</body></html>""".encode()


def hanweb_list_page(entries: Sequence[tuple[str, str, str]]) -> bytes:
    """A Hanweb (大汉) 信息公开 list: a table, 索引号/标题/日期 per row."""
    rows = "\n".join(
        f"<tr><td>11120000MB00000000/{date[:4]}-{n:05d}</td>"
        f'<td><a href="{href}" target="_blank">{title}</a></td><td>{date}</td></tr>'
        for n, (href, title, date) in enumerate(entries, start=1)
    )
    return f"""<html><head><meta charset="utf-8"><title>信息公开目录</title></head>
<body><div class="nav"><a href="/">网站首页</a><a href="/col/col1/">政务公开</a></div>
<table class="xxgk_list"><tr><th>索引号</th><th>名称</th><th>生成日期</th></tr>
{rows}
</table>
<div class="pagination">共 {len(entries)} 条 <a href="?pageIndex=2">下一页</a></div>
</body></html>""".encode()
