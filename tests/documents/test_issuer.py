"""Issuer, level, region and 成文日期 read from labels, signatures, titles and
meeting lines; never from a phrase of the running text."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.ingest.issuer import infer_issuer, issuer_from_title
from documents.ingest.normalise import normalise
from documents.ingest.pipeline import import_paths
from documents.ingest.records import RawRecord
from documents.ingest.signature import find_meeting_line, find_signature
from documents.models import Document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "issuer"


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        (
            "平潭综合实验区金井片区管理局2022年工作总结及2023年工作计划",
            "平潭综合实验区金井片区管理局",
        ),
        ("东塍镇2020年工作计划", "东塍镇"),
        ("桃源乡人民政府关于印发2022年工作要点的通知", "桃源乡人民政府"),
        # Never cut to 国务院.
        ("国务院办公厅关于印发全国深化“放管服”改革工作要点的通知", "国务院办公厅"),
        ("国务院关于印发2024年国务院立法工作计划的通知", "国务院"),
        ("山阳镇政府关于印发《山阳镇减量化补偿指导性意见》的通知", "山阳镇政府"),
        ("慈溪市人民政府办公室关于印发2023年工作要点的通知", "慈溪市人民政府办公室"),
        ("中共中央 国务院关于全面推进乡村振兴的意见", "中共中央"),
        ("2025年中华人民共和国国务院政府工作报告", "国务院"),
        (
            "第十一届全国人民代表大会第三次会议关于政府工作报告的决议",
            "全国人民代表大会",
        ),
    ],
)
def test_issuer_from_title(title: str, issuer: str) -> None:
    guess = issuer_from_title(title)
    assert guess is not None and guess.name == issuer


@pytest.mark.parametrize(
    "title",
    [
        "政府工作报告（2025）",
        "2023年章镇镇政府主要工作安排",
        "",
        "关于印发《洋泾街道关于临时停车场开业备案用地核查流程》的通知",
        # The State Council is the subject here, not the issuer.
        "关于贯彻落实国务院办公厅优化营商环境意见的实施方案",
        "经济开发区2023年工作计划",
    ],
)
def test_no_issuer_in_title(title: str) -> None:
    assert issuer_from_title(title) is None


def test_signature_outranks_title_and_meeting_line() -> None:
    text = "——2024年1月10日在慈溪市第十七届人民代表大会第四次会议上\n各位代表：\n"
    signed = text + "全市上下要努力奋斗。\n慈溪市人民政府办公室\n2024年1月20日"
    guess = infer_issuer(
        title="周巷镇2024年工作计划",
        title_derived=False,
        signature=find_signature(signed),
        meeting=find_meeting_line(signed),
    )
    assert guess.name == "慈溪市人民政府办公室"
    guess = infer_issuer(
        title="周巷镇2024年工作计划",
        title_derived=False,
        signature=None,
        meeting=find_meeting_line(text),
    )
    assert guess.name == "周巷镇"
    guess = infer_issuer(
        title="政府工作报告",
        title_derived=False,
        signature=None,
        meeting=find_meeting_line(text),
    )
    assert guess.name == "慈溪市人民政府"


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("政府工作报告", "浙江省人民政府"),
        ("浙江省人民代表大会常务委员会工作报告", "浙江省人民代表大会常务委员会"),
        ("浙江省高级人民法院工作报告", None),
    ],
)
def test_reports_read_at_the_same_congress(title: str, issuer: str | None) -> None:
    meeting = find_meeting_line(
        "——2024年1月23日在浙江省第十四届人民代表大会第二次会议上\n各位代表："
    )
    guess = infer_issuer(
        title=title, title_derived=False, signature=None, meeting=meeting
    )
    assert (guess.name if guess else None) == issuer


def _record(body: str, **fields: str) -> RawRecord:
    return RawRecord(original=body, layout="plain", body=body, fields=fields)


def test_speakers_government_in_running_text_is_not_the_issuer() -> None:
    # "我代表…人民政府" and "…镇人民政府" in the prose used to give the issuer.
    body = (
        "各位代表：\n现在，我代表东塍镇人民政府，向大会作工作报告。\n"
        "东塍镇人民政府认真执行镇人民代表大会的决议。东塍镇人民政府将坚持稳中求进。"
    )
    record = normalise(_record(body))
    assert record.issuer == ""
    assert "issuer" not in record.inferred
    assert record.level == ""


def test_labelled_issuer_beats_the_signature() -> None:
    body = "一、总体要求。坚持稳中求进。\n慈溪市人民政府办公室\n2023年2月1日"
    record = normalise(
        _record(body, title="周巷镇2023年工作计划", issuer="慈溪市周巷镇人民政府")
    )
    assert record.issuer == "慈溪市周巷镇人民政府"
    assert "issuer" not in record.inferred
    assert (record.level, record.department) == ("township", False)
    assert record.region.township == "周巷镇"
    # The date still comes from the signature, as an inference.
    assert record.doc_date == date(2023, 2, 1)
    assert "doc_date" in record.inferred


def test_labelled_doc_date_beats_the_signature() -> None:
    body = "一、总体要求。坚持稳中求进。\n东塍镇人民政府\n二〇二一年一月十三日"
    record = normalise(
        _record(body, title="东塍镇2021年工作计划", doc_date="2021-01-12")
    )
    assert record.doc_date == date(2021, 1, 12)
    assert "doc_date" not in record.inferred


def test_labelled_issuer_name_outranks_a_coarse_level_column() -> None:
    # corpus/shanghai-towns labels this street office's notice 区级 in its
    # Markdown and 街镇级 in its CSV: the organ's own name decides.
    record = normalise(
        _record(
            "各居民区、各相关单位：\n现将核查流程印发给你们，请遵照执行。",
            title="关于印发《洋泾街道临时停车场开业备案用地核查流程》的通知",
            issuer="上海市浦东新区人民政府洋泾街道办事处",
            level="区级",
        )
    )
    assert record.level == "township"
    assert record.region.township == "洋泾街道"
    assert any("区级" in note and "不符" in note for note in record.notes)


def test_labelled_level_from_a_record_file() -> None:
    record = normalise(
        _record(
            "各居民区：\n现将流程印发给你们。", title="关于印发流程的通知", level="市级"
        )
    )
    assert record.level == "city"
    record = normalise(
        _record(
            "各居民区：\n现将流程印发给你们。",
            title="上海市人民政府关于印发流程的通知",
            level="市级",
        )
    )
    assert record.level == "province"  # 上海市 is a municipality


# Whole imports of fixture files written after real documents ----------------------


@pytest.fixture
def imported(db: None) -> None:
    import_paths([FIXTURES])


def _by_title(part: str) -> Document:
    return Document.objects.get(title__contains=part)


def _region(doc: Document) -> tuple[str, str, str, str]:
    return (doc.province, doc.city, doc.county, doc.township)


def test_provincial_report_stays_at_the_province(imported: None) -> None:
    # The report names 千岛湖 (千岛湖镇, 淳安县), 天台山 (天台县), 普陀山 (普陀区) and
    # 西湖区域 (西湖区) again and again: none of them is where it comes from.
    doc = Document.objects.get(doc_date=date(2026, 1, 28))
    assert doc.issuer == "浙江省人民政府"
    assert (doc.level, doc.issuer_is_department) == ("province", False)
    assert _region(doc) == ("浙江省", "", "", "")
    assert doc.division_code == "33"
    assert "region" not in doc.inferred
    assert {"issuer", "doc_date"} <= set(doc.inferred)
    assert any("报告题注" in note for note in doc.review_notes)


def test_state_council_office_is_national_with_no_region(imported: None) -> None:
    doc = _by_title("国务院办公厅关于印发")
    assert doc.issuer == "国务院办公厅"
    assert (doc.level, doc.issuer_is_department) == ("national", True)
    # The text names 慈溪 often, and 安吉县 and 平潭综合实验区: still no county.
    assert _region(doc) == ("", "", "", "")
    assert doc.division_code == ""
    assert "region" not in doc.inferred
    assert not any("未能确定地区" in note for note in doc.review_notes)
    assert doc.doc_date == date(2023, 5, 10)
    assert "doc_date" in doc.inferred


def test_signature_and_credit_code_settle_a_shared_township(imported: None) -> None:
    doc = _by_title("周巷镇2022年工作要点")
    # 中共周巷镇委员会 and 周巷镇人民政府 sign together: the government issues it.
    assert doc.issuer == "周巷镇人民政府"
    assert doc.level == "township"
    # The 索引号's credit code (check digit wrong) is 孝昌县's, not 慈溪市's.
    assert _region(doc) == ("湖北省", "孝感市", "孝昌县", "周巷镇")
    assert doc.doc_date == date(2022, 1, 27)  # 二〇二二年一月二十七日


def test_speech_alone_names_no_issuer(imported: None) -> None:
    doc = Document.objects.get(source_file__endswith="speech_without_issuer.txt")
    assert doc.issuer == "" and doc.level == ""
    assert _region(doc) == ("", "", "", "")
    assert doc.needs_review


def test_record_file_levels_and_province_column(imported: None) -> None:
    report = Document.objects.get(doc_date=date(2025, 1, 14))
    assert report.issuer == "浙江省人民政府"
    assert report.level == "province"
    assert _region(report) == ("浙江省", "", "", "")
    shanyang = _by_title("山阳镇政府关于印发")
    assert shanyang.level == "township"
    # 山阳镇 is in Shanghai and elsewhere; the 上海市 column and issuer decide.
    assert _region(shanyang) == ("上海市", "上海市", "金山区", "山阳镇")
    national = _by_title("国务院关于印发2024年")
    assert (national.level, national.province) == ("national", "")
    # Only the 层级 column says the level: a district's notice, placed no lower
    # than what the evidence gives (上海市).
    district = _by_title("防汛防台")
    assert (district.issuer, district.level) == ("", "county")
    assert _region(district) == ("上海市", "上海市", "", "")


def test_export_reimports_with_the_level(imported: None, tmp_path: Path) -> None:
    before = {
        doc.title: (doc.issuer, doc.level, doc.issuer_is_department, _region(doc))
        for doc in Document.objects.all()
    }
    target = tmp_path / "export.csv"
    call_command(
        "export_plans", "--format", "csv", "-o", str(target), stderr=io.StringIO()
    )
    Document.objects.all().delete()
    import_paths([target])
    after = {
        doc.title: (doc.issuer, doc.level, doc.issuer_is_department, _region(doc))
        for doc in Document.objects.all()
    }
    assert after == before


def test_labelled_issuer_of_a_second_source_beats_an_inferred_one(
    db: None, tmp_path: Path
) -> None:
    body = (
        "一、总体要求。坚持稳中求进，推动高质量发展。\n"
        "二、主要任务。抓项目、促发展、惠民生。\n"
    )
    first = tmp_path / "a.txt"
    first.write_text(
        "索引号：113302820029791000/2023-000001\n东塍镇2023年工作计划\n" + body,
        encoding="utf-8",
    )
    second = tmp_path / "b.txt"
    second.write_text(
        "索引号：113302820029791000/2023-000001\n发文机关：慈溪市周巷镇人民政府\n"
        "周巷镇2023年工作计划\n" + body,
        encoding="utf-8",
    )
    import_paths([first])
    doc = Document.objects.get()
    assert doc.issuer == "东塍镇" and "issuer" in doc.inferred  # from the title
    import_paths([second])
    doc.refresh_from_db()
    assert doc.issuer == "慈溪市周巷镇人民政府"
    assert "issuer" not in doc.inferred
    assert doc.level == "township"
    assert any("发布机构（读取）取代了本记录的" in note for note in doc.review_notes)
