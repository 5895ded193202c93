"""Issuer and 成文日期 where the end of the text does not give them: the cover of a
notice that carries its attachment, a signature run into a flattened text, a 来源
line, a department's short name and a bare place as the labelled issuer."""

from datetime import date
from pathlib import Path

import pytest

from documents.ingest.chrome import trim_tail
from documents.ingest.decode import decode_bytes
from documents.ingest.issuer import complete_department, government_of_place
from documents.ingest.layouts import extract_records
from documents.ingest.normalise import NormalisedRecord, normalise
from documents.ingest.pipeline import import_paths
from documents.ingest.records import RawRecord
from documents.ingest.signature import (
    find_cover_signature,
    find_meeting_line,
    find_signature,
)
from documents.models import Document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "signature"

pytestmark = pytest.mark.django_db


def _read(name: str) -> NormalisedRecord:
    path = FIXTURES / name
    decoded = decode_bytes(path.read_bytes())
    (outcome,) = list(extract_records(decoded.text, filename=path.name))
    assert outcome.record is not None
    return normalise(outcome.record)


def test_cover_with_a_bare_date_line_gives_the_doc_date() -> None:
    record = _read("cover_bare_date.md")
    assert record.doc_date == date(2024, 6, 3)
    assert "doc_date" in record.inferred
    assert any("印发通知的落款" in note for note in record.notes)
    # The labelled issuer stays.
    assert record.issuer == "上海市金山区朱泾镇人民政府"


def test_cover_signature_gives_issuer_and_date() -> None:
    record = _read("cover_organ_date.txt")
    assert record.doc_date == date(2025, 3, 14)
    assert record.issuer == "上海市浦东新区人民政府洋泾街道办事处"
    assert record.level == "township"


def test_end_signature_wins_over_the_cover() -> None:
    text = (
        "各村：\n现将《工作方案》印发给你们，请认真贯彻执行。\n2024年6月3日\n"
        "工作方案\n一、目标。全年完成改造12处。\n朱泾镇人民政府\n2024年5月30日"
    )
    signature = find_signature(text) or find_cover_signature(text)
    assert signature is not None and signature.date == date(2024, 5, 30)


@pytest.mark.parametrize(
    "text",
    [
        # A dated heading of a report, with no cover that issues anything.
        "各位代表：\n现在我向大会报告工作，请予审议。\n2024年6月3日\n一、过去一年的工作",
        # The date ends a sentence-less heading block, not a cover.
        "朱泾镇2024年工作计划\n2024年6月3日\n一、总体要求",
        # A date line that is the end of the text is the end signature's business.
        "各村：\n现将方案印发给你们，请认真贯彻执行。\n2024年6月3日",
    ],
)
def test_no_cover_signature(text: str) -> None:
    assert find_cover_signature(text) is None


def test_signature_run_into_a_flattened_text() -> None:
    record = _read("police_flat.txt")
    assert record.doc_date == date(2024, 6, 12)
    # 发布机构: 区公安局, completed from the signature's full name.
    assert record.issuer == "福州市长乐区公安局"
    assert (record.level, record.department) == ("county", True)
    assert any("区公安局" in note and "补全" in note for note in record.notes)


def test_run_in_date_without_an_organ_is_not_a_signature() -> None:
    text = (
        "检查工作于2024年6月12日" + "开展，共检查企业4家，发现问题3处，均已整改。" * 3
    )
    assert find_signature(text + "截至2024年6月12日") is None
    # Words before the date that are no place's organ (检查组 of no place).
    assert find_signature(text + "整改情况由检查组复核完成于2024年6月12日") is None


def test_source_label_gives_way_to_the_signature() -> None:
    record = _read("source_newspaper.txt")
    assert record.issuer == "昆明市五华区人民政府办公室"
    assert "issuer" in record.inferred
    assert any("云南日报" in note for note in record.notes)
    assert record.doc_date == date(2025, 3, 3)


def test_publishing_organ_label_keeps_its_value() -> None:
    body = "各街道：\n现将要点印发给你们。\n昆明市五华区人民政府办公室\n2025年3月3日"
    raw = RawRecord(original=body, layout="plain", body=body)
    raw.offer("issuer", "五华区发展和改革局", label="发布机构")
    record = normalise(raw)
    assert record.issuer == "五华区发展和改革局"
    assert "issuer" not in record.inferred


def test_short_department_completed_from_the_sites_government() -> None:
    body = "按照年度计划，区公安局开展“双随机”抽查。检查对象6家，均无问题。"
    raw = RawRecord(original=body, layout="plain", body=body)
    raw.offer("issuer", "区公安局", label="发布机构")
    raw.offer("issuer", "平潭综合实验区党工委管委会", label="来源", rank=5)
    record = normalise(raw)
    # The source calls itself 平潭综合实验区, not the gazetteer's 平潭县.
    assert record.issuer == "平潭综合实验区公安局"
    assert any("补全" in note for note in record.notes)


@pytest.mark.parametrize(
    ("name", "evidence", "full"),
    [
        ("区公安局", ["平潭综合实验区党工委管委会"], "平潭综合实验区公安局"),
        ("公安局", ["慈溪市人民政府"], "慈溪市公安局"),
        (
            "县财政局",
            ["龙游县人民政府办公室", "衢州市龙游县人民政府"],
            "衢州市龙游县财政局",
        ),
        # 区 means a district's: a county's government does not own it.
        ("区公安局", ["龙游县人民政府"], None),
        # Nothing names the government: keep it as read.
        ("区公安局", [], None),
        # Already a full name.
        ("慈溪市公安局", ["宁波市人民政府"], None),
    ],
)
def test_complete_department(name: str, evidence: list[str], full: str | None) -> None:
    guess = complete_department(name, evidence)
    assert (guess.name if guess else None) == full


def test_a_province_as_the_issuer_of_its_work_report() -> None:
    body = "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。"
    raw = RawRecord(original=body, layout="plain", body=body)
    raw.offer("title", "2026年陕西省政府工作报告", label="标题")
    raw.offer("issuer", "陕西省", label="发布机构")
    record = normalise(raw)
    assert record.issuer == "陕西省人民政府"
    assert (record.level, record.department) == ("province", False)
    assert any("地名" in note for note in record.notes)
    # Not a work report: a place stays as read.
    assert government_of_place("陕西省", title="陕西省统计公报", meeting=None) is None


def test_cover_notice_imports_with_its_doc_date() -> None:
    import_paths([FIXTURES / "cover_bare_date.md"])
    doc = Document.objects.get()
    assert doc.doc_date == date(2024, 6, 3)
    assert doc.publish_date == date(2024, 6, 12)


def test_cover_signature_after_an_attachment_list() -> None:
    text = (
        "竖新镇关于进一步加强农村集体资产租赁管理工作的通知\n"
        "各村（居）民委员会、集体经济组织：\n"
        "为加强我镇农村集体资产租赁管理，现将有关事项通知如下，请认真贯彻执行。\n"
        "附件：\n1、竖新镇农村集体资产租赁管理工作方案\n2、农村集体资产租赁合同\n"
        "上海市崇明区竖新镇人民政府\n2025年1月6日\n"
        "竖新镇农村集体资产租赁管理工作方案\n一、适用范围\n"
        "本方案适用于镇、村、组三级集体经济组织。"
    )
    signature = find_cover_signature(text)
    assert signature is not None
    assert signature.organs == ("上海市崇明区竖新镇人民政府",)
    assert signature.date == date(2025, 1, 6)


def test_signed_attachment_list_at_the_end_is_not_page_chrome() -> None:
    paragraphs = [
        "第十四条 本办法自2025年2月17日起实施，试行1年。",
        "附件：",
        "1、《月浦镇限额以下小型建设工程备案告知书》",
        "2、《宝山区限额以下建设工程安全生产告知书》",
        "上海市宝山区月浦镇人民政府",
        "2025年2月17日",
    ]
    assert trim_tail(paragraphs) == paragraphs
    # A page's related-files list under 附件 is still the page's foot.
    foot = [*paragraphs[:4], "下载次数：12"]
    assert trim_tail(foot) == paragraphs[:1]


def test_source_label_naming_the_same_organ_more_fully_stays() -> None:
    body = "一、经济运行平稳。全年地区生产总值增长5%。"
    raw = RawRecord(original=body, layout="plain", body=body)
    raw.offer("title", "虎门镇2022年工作总结", label="标题")
    raw.offer("issuer", "虎门镇人民政府", label="来源")
    record = normalise(raw)
    assert record.issuer == "虎门镇人民政府"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        (
            "浙江省第十四届人民代表大会第四次会议关于浙江省人民政府工作报告的决议\n"
            "（2026年1月30日浙江省第十四届人民代表大会第四次会议通过）\n"
            "浙江省第十四届人民代表大会第四次会议听取和审议了省长所作的政府工作报告。",
            date(2026, 1, 30),
        ),
        (
            "中华人民共和国全国人民代表大会和地方各级人民代表大会选举法\n"
            "（1979年7月1日第五届全国人民代表大会第二次会议通过）",
            date(1979, 7, 1),
        ),
        # A sentence that says a meeting adopted something is not the 题注.
        ("各位代表：\n本报告于2026年1月30日经大会审议通过，现予公布。", None),
    ],
)
def test_adoption_line_gives_the_doc_date(text: str, day: date | None) -> None:
    record = normalise(RawRecord(original=text, layout="plain", body=text))
    assert record.doc_date == day


def test_meeting_line_in_traditional_characters() -> None:
    text = (
        "政府工作报告\n1957年6月26日在第一届全国人民代表大会第四次會議上\n周恩来\n"
        "各位代表：\n从第一届全国人民代表大会第三次會議閉幕以来，已經整整一年了。"
    )
    meeting = find_meeting_line(text)
    assert meeting is not None
    assert (meeting.national, meeting.date) == (True, date(1957, 6, 26))


def test_bare_department_is_no_place_of_a_look_alike_name() -> None:
    # 公安 is the short name of 公安县 (湖北): a bare 公安局 is not that county's.
    body = "按照年度计划开展“双随机”抽查。检查对象6家，均无问题。"
    raw = RawRecord(original=body, layout="plain", body=body)
    raw.offer("issuer", "公安局", label="发布机构")
    record = normalise(raw)
    assert record.issuer == "公安局"  # nothing names its government: as read
    assert record.level == ""
    assert record.region is None or record.region.county != "公安县"


def test_short_department_completed_from_the_sites_own_name() -> None:
    # 发布机构 区交通运输局 on a site whose <meta name="SiteName"> is its government.
    record = _read("site_department.html")
    assert record.issuer == "平潭综合实验区交通运输局"
    assert (record.level, record.department) == ("county", True)
    assert any("补全" in note for note in record.notes)
