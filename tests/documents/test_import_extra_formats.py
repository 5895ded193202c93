"""Formats the samples lack, from files in tests/fixtures/extra, imported end to end."""

from datetime import date, time
from pathlib import Path

import pytest

from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document

pytestmark = pytest.mark.django_db

EXTRA = Path(__file__).resolve().parent.parent / "fixtures" / "extra"


@pytest.fixture
def imported() -> None:
    summary = import_paths([EXTRA])
    assert summary.count(Outcome.IMPORTED) == 4, summary.rejected


def test_gbk_html_page_with_table_and_meta(imported) -> None:  # noqa: ANN001
    doc = Document.objects.get(layout="html")
    assert doc.original_encoding == "gb18030"
    assert doc.index_no == "11361024002590139H/2022-00012"
    assert doc.title == "桃源乡2022年工作要点"
    assert doc.issuer == "桃源乡人民政府"
    assert doc.doc_date == date(2022, 3, 1)
    assert doc.publish_date == date(2022, 3, 4) and doc.publish_time == time(9, 30)
    assert doc.category == "综合政务/其他"  # 主题分类 beats <meta ColumnName>
    assert doc.doc_number == "桃政〔2022〕5号"
    assert doc.disclosure == "主动公开"
    # 桃源乡 exists in three provinces; the credit code in the index number says 崇仁县.
    assert (doc.township, doc.county, doc.province) == ("桃源乡", "崇仁县", "江西省")
    assert doc.body.splitlines()[0].startswith("2022年是党的二十大召开之年")
    for chrome in ("老年模式", "字号", "打印", "分享", "_hmt", "索 引 号"):
        assert chrome not in doc.body
    assert "<meta" in doc.original


def test_bom_crlf_page_dump_with_chinese_dates(imported) -> None:  # noqa: ANN001
    doc = Document.objects.get(index_no="113302820029791000/2022-100001")
    assert doc.original_encoding == "utf-8-sig"
    assert "\r\n" in doc.original
    assert doc.doc_date == date(2022, 1, 20)  # 2022年1月20日
    assert doc.publish_date == date(2022, 1, 25)  # 2022.01.25
    assert doc.title == "周巷镇2022年政府工作计划"
    assert doc.division_code == "330282121"
    assert not doc.needs_review
    assert doc.body.startswith("2022年是“十四五”规划实施的关键之年")
    assert "浏览次数" not in doc.body and "\r" not in doc.body


def test_csv_rows_and_a_conflicting_division_code(imported) -> None:  # noqa: ANN001
    rows = Document.objects.filter(layout="csv").order_by("index_no")
    assert [r.title for r in rows] == ["梅林镇2019年工作计划", "梅林镇2019年工作总结"]
    plan = rows[0]
    assert plan.publish_date == date(2019, 1, 27)  # 2019/1/27
    assert rows[1].publish_date == date(2019, 12, 30)  # 2019.12.30
    assert plan.body == (
        "一、总体目标。全年实现地区生产总值增长百分之七。\n"
        "二、重点工作。深入推进三改一拆，全面完成小城镇环境综合整治。"
    )
    # No 梅林镇 lies in 330108 (滨江区): the township is left empty and flagged.
    assert plan.township == ""
    assert plan.needs_review
    assert any("不符" in note for note in plan.review_notes)
    assert plan.source_file.endswith("exported_rows.csv#R2")
