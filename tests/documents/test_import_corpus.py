"""The importer end to end on the sample corpora."""

import json
from datetime import date
from pathlib import Path

import pytest

from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document

pytestmark = pytest.mark.django_db


def test_pingtan_corpus(corpus_dir: Path) -> None:
    summary = import_paths([corpus_dir / "pingtan"])
    assert summary.count(Outcome.IMPORTED) == 6, summary.rejected
    notice = Document.objects.get(index_no="PZ00101-2500-2016-00006")
    assert notice.doc_date == date(2016, 2, 5)
    assert notice.doc_number == "岚综管综〔2016〕20号"
    assert notice.plan_year == 2016
    assert notice.source_url.endswith("t20160206_59755.htm")
    # 发布机构 and 发文机关 say 中国平潭, the site's name; the title names the body.
    assert notice.issuer == "平潭综合实验区管委会"
    assert "issuer" in notice.inferred
    assert any("中国平潭" in note for note in notice.review_notes)
    plan = Document.objects.get(
        title="平潭综合实验区金井片区管理局2022年工作总结及2023年工作计划"
    )
    assert plan.plan_year == 2023
    for doc in Document.objects.all():
        assert doc.province in ("福建省", ""), doc.title
        if doc.province:
            assert doc.county == "平潭县"


def test_national_reports(corpus_dir: Path) -> None:
    path = corpus_dir / "national-reports" / "government_work_reports.jsonl"
    summary = import_paths([path])
    assert summary.count(Outcome.IMPORTED) == 72, summary.rejected
    report = Document.objects.get(title="2025年中华人民共和国国务院政府工作报告")
    assert report.plan_year == 2025
    assert report.issuer == "国务院"
    assert report.province == "" and report.township == ""
    assert report.source_url.startswith("https://zh.wikisource.org/")
    # The traditional-character 1954 report keeps its text as written.
    old = Document.objects.get(plan_year=1954)
    assert old.body
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    expected = sum(1 for row in rows if row["title"].endswith("关于政府工作报告的决议"))
    resolutions = Document.objects.filter(title__endswith="关于政府工作报告的决议")
    assert resolutions.count() == expected == 20
    assert all(r.issuer == "全国人民代表大会" for r in resolutions)
    # Wikisource's licence notice closes 65 of the texts; it stays in the original.
    licensed = Document.objects.filter(original__contains="公有领域")
    assert licensed.count() == 65
    for doc in licensed:
        assert "公有领域" not in doc.body and "Public domain" not in doc.body
        assert not doc.body.endswith(("false", "法律", "、"))
