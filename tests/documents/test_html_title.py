"""A page's title: <title>, <meta ArticleTitle> or the heading, chosen by evidence."""

from __future__ import annotations

from pathlib import Path
from string import Template

from documents.ingest.extract.html_page import extract_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html_title"
TITLE = "福州市长乐区文体和旅游局2024年工作计划"


def _trs_page(article_meta: str) -> str:
    page = Template((FIXTURES / "column_title_trs.html").read_text("utf-8"))
    return page.substitute(article_meta=article_meta)


def test_a_column_name_in_title_loses_to_the_article_title_meta() -> None:
    # <title> is "计划总结_福州市长乐区人民政府" on every page of the column.
    record = extract_html(_trs_page(f'<meta name="ArticleTitle" content="{TITLE}"/>'))
    assert record.fields["title"] == TITLE
    # <meta ColumnName> is the site's section, never the 主题分类.
    assert "category" not in record.fields


def test_a_column_name_in_title_loses_to_the_heading_without_meta() -> None:
    # No ArticleTitle: the column name is known from the breadcrumb's links.
    page = _trs_page("").replace('<meta name="ColumnName" content="计划总结"/>', "")
    record = extract_html(page.replace('content="计划总结"', 'content=""'))
    assert record.fields["title"] == TITLE
    assert "计划总结" not in record.body.split("\n")


def test_a_title_that_is_right_is_kept_on_another_layout() -> None:
    page = (FIXTURES / "own_title_hanweb.html").read_text("utf-8")
    record = extract_html(page)
    assert record.fields["title"] == "船寮镇2024年工作计划"


def test_a_breadcrumb_ending_in_the_pages_title_does_not_discredit_it() -> None:
    # No heading element: the breadcrumb's last link (to the article itself) and
    # a sidebar list titled like a document must not unseat <title>.
    page = (FIXTURES / "own_title_hanweb.html").read_text("utf-8")
    page = page.replace('<h1 class="tit">船寮镇2024年工作计划</h1>', "")
    page = page.replace(
        '<div class="title">通知公告</div>',
        '<div class="title">关于做好2024年春耕备耕工作的通知</div>',
    )
    record = extract_html(page)
    assert record.fields["title"] == "船寮镇2024年工作计划"


def test_a_title_named_like_a_column_but_not_linked_as_one_is_kept() -> None:
    # "工作计划" alone is a poor title, but nothing on the page says it is a
    # column: without that evidence <title> is not overruled.
    page = (FIXTURES / "own_title_hanweb.html").read_text("utf-8")
    page = page.replace("<title>船寮镇2024年工作计划_", "<title>工作计划_")
    page = page.replace('<h1 class="tit">船寮镇2024年工作计划</h1>', "")
    record = extract_html(page)
    assert record.fields["title"] == "工作计划"
