"""Every seed's record, checked field by field against the file by hand."""

from datetime import date, time
from pathlib import Path

import pytest

from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_docs(seeds_dir: Path) -> dict[str, Document]:
    summary = import_paths([seeds_dir])
    assert summary.count(Outcome.IMPORTED) == 5, summary.rejected
    docs = {}
    for doc in Document.objects.all():
        prefix = Path(doc.source_file).name[:3]
        docs[prefix] = doc
    return docs


def _chrome_free(body: str) -> None:
    for chrome in ("老年模式", "当前位置", "打印", "关闭", "浏览次数", "索引号", "|"):
        assert chrome not in body, chrome


def test_seed_000_value_list(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["000"]
    assert doc.index_no == "113302820029791000/2021-127594"
    assert doc.issuer == "周巷镇"
    assert (doc.township, doc.county, doc.city, doc.province) == (
        "周巷镇",
        "慈溪市",
        "宁波市",
        "浙江省",
    )
    assert doc.division_code == "330282121"
    assert doc.division_id == "330282121"
    assert doc.doc_date == date(2021, 1, 27)
    assert doc.publish_date == date(2021, 1, 27)
    assert doc.publish_time is None
    assert doc.disclosure == "主动公开"
    assert doc.category == "计划总结"
    assert doc.plan_year == 2021  # "2021年是“十四五”规划的开局之年"
    assert doc.title.startswith("周巷镇2021年工作计划") and "无原标题" in doc.title
    assert {"title", "plan_year"} <= set(doc.inferred)
    assert doc.needs_review
    assert doc.body.startswith("2021年是“十四五”规划的开局之年")
    _chrome_free(doc.body)
    assert doc.layout == "value_list"


def test_seed_001_pipe_table(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["001"]
    assert doc.index_no == "002590139/2023-74151"
    assert doc.title == "2023年章镇镇政府主要工作安排和任务分解"
    assert doc.issuer == "章镇镇"
    assert (doc.township, doc.county, doc.city, doc.province) == (
        "章镇镇",
        "上虞区",
        "绍兴市",
        "浙江省",
    )
    assert doc.division_code == "330604104"
    assert doc.doc_date is None
    assert doc.publish_date == date(2023, 6, 16)
    assert doc.publish_time == time(11, 8)
    assert doc.disclosure == "主动公开"
    assert doc.plan_year == 2023
    assert doc.category == ""
    assert doc.doc_number == ""
    assert doc.inferred == ["plan_year"]
    assert not doc.needs_review
    assert doc.body.startswith("2023年是全面贯彻落实党的二十大精神的开局之年")
    _chrome_free(doc.body)


def test_seed_002_markdown_table(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["002"]
    assert doc.index_no == "001008006002071/2020-144703"
    assert doc.title == "店口镇2020年度政府工作报告"
    assert doc.issuer == "店口镇"
    assert (doc.township, doc.county, doc.city, doc.province) == (
        "店口镇",
        "诸暨市",
        "绍兴市",
        "浙江省",
    )
    assert doc.division_code == "330681104"
    assert doc.doc_date == date(2020, 11, 4)
    assert doc.publish_date is None
    assert doc.category == "综合政务/政府工作"
    assert doc.plan_year == 2020
    assert not doc.needs_review
    assert doc.body.startswith("一、2019年工作回顾\n2019年,镇政府")
    _chrome_free(doc.body)


def test_seed_003_no_metadata(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["003"]
    assert doc.index_no is None
    # The text names 慈溪 only in running prose (建设美丽慈溪, 慈溪中学, 平安慈溪),
    # never as its own place (我市, a heading, a signature), and has no issuer:
    # issue 13 leaves the region empty and flags the record rather than guess.
    assert (doc.township, doc.county, doc.city, doc.province) == ("", "", "", "")
    assert doc.division_code == ""
    assert doc.issuer == "" and doc.level == ""
    # "谋划储备“十三五”时期重大项目": the last year of the 十二五 period.
    assert doc.plan_year == 2015
    assert doc.title.startswith("2015年工作计划") and "无原标题" in doc.title
    assert {"title", "plan_year"} <= set(doc.inferred)
    assert "region" not in doc.inferred
    assert doc.needs_review
    assert any("未能确定地区" in note for note in doc.review_notes)
    assert doc.doc_date is None and doc.publish_date is None
    assert doc.layout == "plain"
    assert doc.body.startswith("围绕上述目标要求,今年重点做好八个方面工作:")


def test_seed_004_page_dump(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["004"]
    assert doc.index_no == "LH331082-074/2021-108413"
    assert doc.title == "东塍镇2020年工作计划"
    assert doc.issuer == "东塍镇"
    assert (doc.township, doc.county, doc.city, doc.province) == (
        "东塍镇",
        "临海市",
        "台州市",
        "浙江省",
    )
    assert doc.division_code.startswith("331082")
    assert doc.doc_date == date(2021, 1, 13)
    assert doc.publish_date == date(2020, 2, 26)
    assert doc.publish_time == time(10, 48)
    assert doc.plan_year == 2020
    assert doc.disclosure == "主动公开"
    assert doc.doc_number == ""
    # The breadcrumb's 计划总结 is the site's section, not a 主题分类 (issue 13).
    assert doc.category == ""
    assert "category" not in doc.inferred
    _chrome_free(doc.body)
    assert doc.body.startswith(")聚焦高质量发展")
    assert doc.body.endswith("全力守护好人民群众的平安生活。")


def test_originals_are_verbatim(
    seed_docs: dict[str, Document], seeds_dir: Path
) -> None:
    for prefix, doc in seed_docs.items():
        path = next(seeds_dir.glob(f"{prefix}_*.txt"))
        assert doc.original == path.read_text("utf-8")
        assert doc.original_encoding == "utf-8"
