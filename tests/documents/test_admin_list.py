"""The admin says whose it is, keeps long titles to one line and shows 待复核
as a warning."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from documents.citation import ARCHIVE_NAME
from documents.ingest.fingerprint import content_hash
from documents.models import Document

pytestmark = pytest.mark.django_db

LONG_TITLE = (
    "关于印发《临海市东塍镇2021年国民经济和社会发展计划执行情况与2022年"
    "国民经济和社会发展计划草案》及重点项目安排的通知"
)


def _document(title: str, *, needs_review: bool) -> Document:
    body = f"{title}正文。"
    return Document.objects.create(
        title=title,
        body=body,
        original=body,
        content_hash=content_hash(body),
        needs_review=needs_review,
    )


class _Cells(HTMLParser):
    """The changelist's cells: (css class, text, title attribute, img srcs)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self._cell: dict | None = None
        self.site_name = ""
        self._in_site_name = False
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {k: v or "" for k, v in attrs}
        if (
            tag in ("td", "th")
            and self._cell is None
            and "field-" in values.get("class", "")
        ):
            self._cell = {
                "class": values["class"],
                "text": "",
                "titles": [],
                "imgs": [],
            }
        elif self._cell is not None:
            if values.get("title"):
                self._cell["titles"].append(values["title"])
            if tag == "img":
                self._cell["imgs"].append(values.get("src", ""))
        if values.get("id") == "site-name":
            self._in_site_name = True
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None
        if tag == "div":
            self._in_site_name = False
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_site_name:
            self.site_name += data
        if self._in_title:
            self.title += data


def _changelist(admin_client, url: str = "/admin/documents/document/") -> _Cells:  # noqa: ANN001
    response = admin_client.get(url)
    assert response.status_code == 200
    parser = _Cells()
    parser.feed(response.content.decode())
    return parser


def test_the_header_names_the_site_not_django(admin_client) -> None:  # noqa: ANN001
    page = _changelist(admin_client, "/admin/")
    assert ARCHIVE_NAME in page.site_name
    assert "Django" not in page.site_name and "Django" not in page.title
    assert ARCHIVE_NAME in page.title


def test_a_long_title_is_one_line_with_the_whole_on_hover(admin_client) -> None:  # noqa: ANN001
    _document(LONG_TITLE, needs_review=False)
    _document("短标题", needs_review=False)
    cells = [
        c for c in _changelist(admin_client).cells if "field-short_title" in c["class"]
    ]
    by_text = {c["text"].strip(): c for c in cells}
    assert "短标题" in by_text and by_text["短标题"]["titles"] == []
    (long_cell,) = [c for c in cells if c["text"].strip() != "短标题"]
    assert long_cell["titles"] == [LONG_TITLE]
    assert long_cell["text"].strip().endswith("…")
    assert len(long_cell["text"].strip()) <= 40
    assert LONG_TITLE.startswith(long_cell["text"].strip()[:-1])


@pytest.mark.parametrize(
    "url", ["/admin/documents/document/", "/admin/documents/reviewitem/"]
)
def test_needs_review_is_a_warning_not_a_tick(admin_client, url: str) -> None:  # noqa: ANN001
    _document("待复核的文档", needs_review=True)
    _document("已复核的文档", needs_review=False)
    page = _changelist(admin_client, url)
    all_imgs = [src for c in page.cells for src in c["imgs"]]
    assert not any("icon-yes" in src for src in all_imgs)
    if url.endswith("/document/"):
        flags = [c for c in page.cells if "field-review_flag" in c["class"]]
        texts = sorted(c["text"].strip() for c in flags)
        assert texts == ["-", "待复核"]  # not flagged: the empty value
        (flagged,) = [c for c in flags if c["text"].strip() != "-"]
        assert any("icon-alert" in src for src in flagged["imgs"])
