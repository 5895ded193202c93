"""Inference of plan year, kind and derived titles from titles and text."""

import pytest

from documents.ingest import infer


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("东塍镇2020年工作计划", 2020),
        ("店口镇2020年度政府工作报告", 2020),
        ("海坛片区管理局2022工作计划", 2022),
        ("政府工作报告（2025）", 2025),
        ("平潭综合实验区金井片区管理局2022年工作总结及2023年工作计划", 2023),
        ("2019年工作总结和2020年工作思路", 2020),
        ("1954年中华人民共和国国务院政府工作报告", 1954),
    ],
)
def test_plan_year_from_title(title: str, year: int) -> None:
    guess = infer.plan_year_from_title(title)
    assert guess is not None and guess.value == year


@pytest.mark.parametrize("title", ["关于政府工作报告的决议", "", "第12345号通知"])
def test_no_plan_year_in_title(title: str) -> None:
    assert infer.plan_year_from_title(title) is None


@pytest.mark.parametrize(
    ("body", "doc_year", "year"),
    [
        ("2021年是“十四五”规划的开局之年，也是本届政府收官之年。", None, 2021),
        ("今年重点工作如下。谋划储备“十三五”时期重大项目。", None, 2015),
        ("今年是十三五收官之年。", None, 2020),
        ("2019年，全镇实现生产总值增长。2020年是全面建成小康社会之年。", 2020, 2020),
    ],
)
def test_plan_year_from_text(body: str, doc_year: int | None, year: int) -> None:
    guess = infer.plan_year_from_text(body, doc_year=doc_year)
    assert guess is not None and guess.value == year


def test_text_year_far_from_document_date_is_not_taken() -> None:
    assert (
        infer.plan_year_from_text("2008年是改革开放三十周年。", doc_year=2021) is None
    )


def test_derived_title_says_it_was_derived() -> None:
    title = infer.derived_title(
        place="慈溪市", year=2015, kind=infer.KIND_PLAN, body=""
    )
    assert title.startswith("慈溪市2015年工作计划")
    assert "无原标题" in title
    anonymous = infer.derived_title(
        place="", year=None, kind=infer.KIND_PLAN, body="围绕 目标"
    )
    assert anonymous.startswith("围绕目标") and "无原标题" in anonymous


def test_document_kind() -> None:
    assert (
        infer.document_kind("", "各位代表：现在我代表镇人民政府", "")
        == infer.KIND_REPORT
    )
    assert infer.document_kind("", "全年完成", "工作总结") == infer.KIND_SUMMARY
    assert infer.document_kind("", "今年重点做好", "计划总结") == infer.KIND_PLAN


SUMMARY = "2020年，全镇较好完成了全年各项目标任务。三、2021年工作打算。2021年，我们将继续努力。"


@pytest.mark.parametrize(("doc_year", "year"), [(2021, 2020), (None, 2020)])
def test_a_summary_is_for_the_year_it_reviews(doc_year: int | None, year: int) -> None:
    guess = infer.plan_year_from_text(SUMMARY, doc_year=doc_year, summary=True)
    assert guess is not None and guess.value == year
    assert "总结" in guess.how


def test_a_plan_with_tied_years_is_for_the_later_one() -> None:
    guess = infer.plan_year_from_text(SUMMARY, doc_year=2021)
    assert guess is not None and guess.value == 2021


def test_a_summary_with_one_year_stated_needs_no_tie_break() -> None:
    body = (
        "2020年，全镇较好完成了任务。2020年，全镇还完成了……。2021年，我们将继续努力。"
    )
    guess = infer.plan_year_from_text(body, doc_year=2021, summary=True)
    assert guess is not None and guess.value == 2020


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("头桥街道建设用地减量化工作实施方案（2025年—2027年）", 2025),
        ("某县国民经济和社会发展第十四个五年规划（2021-2025年）", 2021),
        ("某镇2019年至2021年农村人居环境整治三年行动计划", 2019),
        ("2022年工作总结及2023年工作计划", 2023),
    ],
)
def test_a_plan_for_a_period_is_for_its_first_year(title: str, year: int) -> None:
    guess = infer.plan_year_from_title(title)
    assert guess is not None and guess.value == year


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("周巷镇2024年工作计划", True),
        ("店口镇2020年度政府工作报告", True),
        ("大堰乡2020年工作总结", True),
        ("农业农村工作要点", True),
        ("关于印发《周巷镇村级小型工程建设项目管理办法》的通知", False),
        ("七宝镇限额以下小型建设工程管理的实施意见", False),
        ("", True),
    ],
)
def test_which_documents_are_for_a_year(title: str, expected: bool) -> None:
    assert infer.expects_plan_year(title) is expected
