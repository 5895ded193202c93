"""Hard-wrapped text is rejoined into paragraphs; other text is left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from documents.ingest.pipeline import import_paths
from documents.ingest.rewrap import is_hard_wrapped, rejoin
from documents.models import Document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chrome"


def test_wiki_link_breaks_are_joined() -> None:
    # Wikisource's text breaks around a link ("所作的\n政府工作报告\n。会议").
    lines = [
        "第十二届全国人民代表大会第三次会议听取和审议了国务院总理李克强所作的",
        "政府工作报告",
        "。会议充分肯定国务院过去一年的工作，决定批准这个报告。",
        "会议号召，全国各族人民紧密团结，为实现全年目标任务而努力奋斗。",
    ]
    assert rejoin(lines) == [
        "第十二届全国人民代表大会第三次会议听取和审议了国务院总理李克强所作的"
        "政府工作报告。会议充分肯定国务院过去一年的工作，决定批准这个报告。",
        lines[3],
    ]


def test_headings_lists_and_signatures_stay_paragraphs() -> None:
    lines = (FIXTURES / "hard_wrapped.txt").read_text("utf-8").splitlines()[3:]
    paragraphs = rejoin(lines)
    for own in (
        "各位代表：",
        "一、2022年工作回顾",
        "（一）产业转型稳步推进",
        "（二）乡村振兴扎实开展",
        "二、2023年工作安排",
        "第一章 保障措施",
        "东塍镇人民政府",
        "2023年1月12日",
    ):
        assert own in paragraphs
    assert "1. 加快项目建设。全年计划实施重点项目30个，完成投资15亿元。" in paragraphs
    assert "第一条 各村（社区）要严格落实主体责任，确保各项任务按期完成。" in paragraphs
    assert all(not p.startswith(("，", "。", "、")) for p in paragraphs)


def test_paragraph_text_is_not_hard_wrapped() -> None:
    lines = [
        "一、主要目标",
        "全镇地区生产总值增长6%，一般公共预算收入增长5%。",
        "（一）抓好项目建设",
        "全年实施重点项目30个，完成投资15亿元。",
        "东塍镇人民政府",
        "2023年1月12日",
    ]
    assert not is_hard_wrapped(lines)
    assert rejoin(lines) == lines


@pytest.mark.django_db
def test_an_imported_hard_wrapped_report_reads_as_paragraphs(tmp_path: Path) -> None:
    source = FIXTURES / "hard_wrapped.txt"
    folder = tmp_path / "ocr"
    folder.mkdir()
    (folder / source.name).write_bytes(source.read_bytes())

    import_paths([folder])

    document = Document.objects.get()
    # A phrase across a line break is found by a plain substring scan.
    assert "一般公共预算收入完成2.3亿元，圆满完成全年目标任务。" in document.body
    assert "推进“最多跑一次”改革向基层延伸。" in document.body
    assert "请予审议，并请列席人员提出意见。" in document.body
    lines = document.body.split("\n")
    assert "二、2023年工作安排" in lines and "第一章 保障措施" in lines
    assert lines[-2:] == ["东塍镇人民政府", "2023年1月12日"]
    # The original is kept as it was read.
    assert document.original == source.read_text("utf-8")


@pytest.mark.django_db
def test_national_reports_broken_around_links_are_joined(
    tmp_path: Path, corpus_dir: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    lines = (
        corpus_dir / "national-reports" / "government_work_reports.jsonl"
    ).read_text(encoding="utf-8")
    broken = [
        line
        for line in lines.splitlines()
        if "所作的\n政府工作报告\n。" in json.loads(line)["content"]
    ]
    assert broken
    (folder / "reports.jsonl").write_text("\n".join(broken) + "\n", encoding="utf-8")

    import_paths([folder])

    bodies = list(Document.objects.values_list("body", flat=True))
    assert len(bodies) == len(broken)
    assert all("所作的政府工作报告。会议" in body for body in bodies)


def test_forms_and_tables_are_not_hard_wrapped() -> None:
    lines = [
        "联 系 人：洋泾街道社区平安办公室",
        "联系电话：58851234",
        "联系时间：工作日（8:30-17:00）",
        "序号 | 项目名称 | 责任单位 | 完成时限",
        "1 | 老旧小区加装电梯 | 房管办 | 2024年12月",
        "2 | 雨污混接改造 | 城建中心 | 2024年10月",
        "申请单位（盖章）",
    ]
    assert not is_hard_wrapped(lines)
    assert rejoin(lines) == lines


def test_one_break_around_a_link_is_joined_in_paragraph_text() -> None:
    lines = [
        "会议充分肯定国务院过去一年的工作。",
        "第十三届全国人民代表大会第二次会议听取和审议了国务院总理李克强所作的",
        "政府工作报告",
        "。会议同意报告提出的目标任务，决定批准这个报告。",
        "一、总体要求",
    ]
    assert not is_hard_wrapped(lines)
    assert rejoin(lines) == [
        lines[0],
        lines[1] + lines[2] + lines[3],
        "一、总体要求",
    ]
