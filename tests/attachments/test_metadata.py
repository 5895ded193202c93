"""Title, issuer, 成文日期 and 文号 read from an attachment's first page and 落款,
and the rule that the page's labelled value wins over the attachment's."""

from __future__ import annotations

import pytest

from documents.attachments.metadata import (
    WHERE_BANNER,
    WHERE_CAPTION,
    WHERE_COVER,
    WHERE_MEETING,
    WHERE_NAME,
    WHERE_NUMBER,
    WHERE_SIGNATURE,
    WHERE_TITLE,
    AttachmentFields,
    Found,
    apply_to_record,
    best_of,
    fields_from_attachment,
    reconcile,
    title_from_name,
)
from documents.attachments.result import Extraction, Method, PageText
from documents.ingest import review
from documents.ingest.normalise import normalise
from documents.ingest.records import RawRecord

# A township's 红头 notice as its DOCX reads: 份号 and 紧急程度, a joint banner,
# the 文号, a title over two lines, the 主送, the text, an 附件 line, a joint
# 落款 with the date in Chinese numerals, 此件公开发布, page number, and a 版记
# whose 抄送 wraps.
RED_HEADER = """\
000021
特急
中共周巷镇委员会
周巷镇人民政府文件
周委〔2023〕9号
中共周巷镇委员会 周巷镇人民政府
关于印发《周巷镇2023年工作计划》的通知
各村（社区）党组织、村（居）委会，镇级各部门、各单位：
　　现将《周巷镇2023年工作计划》印发给你们，请结合实际，认真抓好贯彻落实。
附件：周巷镇2023年工作计划
中共周巷镇委员会　　周巷镇人民政府
二〇二三年二月二十八日
（此件公开发布）
— 1 —
抄送：慈溪市委办公室，市政府办公室，市发改局，市财政局，
市农业农村局。
周巷镇党政办公室　　　　　　2023年3月1日印发
"""


def test_red_header_first_page() -> None:
    found = fields_from_attachment(RED_HEADER, name="周巷镇2023年工作计划.doc")
    assert found.title == Found(
        "中共周巷镇委员会 周巷镇人民政府关于印发《周巷镇2023年工作计划》的通知",
        WHERE_TITLE,
        "中共周巷镇委员会 周巷镇人民政府 / 关于印发《周巷镇2023年工作计划》的通知",
    )
    assert found.doc_number is not None
    assert (found.doc_number.value, found.doc_number.where) == (
        "周委〔2023〕9号",
        WHERE_NUMBER,
    )
    # The government among the joint signers, from the 落款, not the banner.
    assert found.issuer is not None
    assert (found.issuer.value, found.issuer.where) == (
        "周巷镇人民政府",
        WHERE_SIGNATURE,
    )
    assert found.doc_date is not None
    assert found.doc_date.value == "2023-02-28"
    assert found.doc_date.line == "二〇二三年二月二十八日"


def test_upward_document_with_signer_and_wrapped_title() -> None:
    text = """\
余杭区仁和街道办事处文件
仁街〔2022〕15号　　　　签发人：陈建
仁和街道办事处关于2022年度美丽乡村
建设资金安排的请示
区人民政府：
为推进我街道美丽乡村建设，现将2022年度资金安排请示如下。
妥否，请批示。
杭州市余杭区人民政府仁和街道办事处
2022年4月18日
（联系人：王某，电话：0571-00000000）
"""
    found = fields_from_attachment(text)
    assert found.doc_number and found.doc_number.value == "仁街〔2022〕15号"
    assert found.title and (
        found.title.value == "仁和街道办事处关于2022年度美丽乡村建设资金安排的请示"
    )
    assert found.issuer and found.issuer.value == "杭州市余杭区人民政府仁和街道办事处"
    assert found.doc_date and found.doc_date.value == "2022-04-18"


def test_plan_without_header_dated_under_its_title() -> None:
    text = """\
附件2
古美路街道2024年工作要点
（2024年2月20日）
一、总体要求
2024年是实现“十四五”规划目标任务的关键一年。
"""
    found = fields_from_attachment(text, name="附件2.docx")
    assert found.title and found.title.value == "古美路街道2024年工作要点"
    assert found.doc_date and (found.doc_date.value, found.doc_date.where) == (
        "2024-02-20",
        WHERE_CAPTION,
    )
    assert found.doc_number is None


def test_work_report_meeting_line_gives_issuer_and_date() -> None:
    text = """\
政府工作报告
——2023年1月10日在店口镇第十八届人民代表大会第三次会议上
店口镇镇长　张华
各位代表：
现在，我代表镇人民政府，向大会报告工作，请予审议。
"""
    found = fields_from_attachment(text)
    assert found.title and found.title.value == "政府工作报告"
    assert found.issuer and (found.issuer.value, found.issuer.where) == (
        "店口镇人民政府",
        WHERE_MEETING,
    )
    assert found.doc_date and found.doc_date.value == "2023-01-10"


def test_seal_only_signature_takes_the_issuer_from_the_banner() -> None:
    text = """\
临浦镇人民政府文件
临政发〔2022〕33号
临浦镇人民政府关于做好2022年防汛防台工作的通知
各村（社区）、镇属各单位：
为切实做好今年防汛防台工作，现就有关事项通知如下。
2022年5月9日
（此件公开发布）
"""
    found = fields_from_attachment(text)
    assert found.issuer and (found.issuer.value, found.issuer.where) == (
        "临浦镇人民政府",
        WHERE_BANNER,
    )
    assert found.doc_date and found.doc_date.value == "2022-05-09"


def test_notice_cover_signature_before_the_plan() -> None:
    text = """\
塘桥街道办事处文件
浦塘府〔2024〕3号
关于印发《塘桥街道2024年城市更新工作计划》的通知
各居民区、街道各部门：
现将《塘桥街道2024年城市更新工作计划》印发给你们，请认真贯彻执行。
上海市浦东新区人民政府塘桥街道办事处
2024年1月22日
塘桥街道2024年城市更新工作计划
为推进城市有机更新，提升城区品质，制定本计划。
一、目标任务
全年完成旧住房更新改造5万平方米。
"""
    found = fields_from_attachment(text)
    assert found.title and found.title.value.startswith("关于印发《塘桥街道")
    assert found.doc_date and (found.doc_date.value, found.doc_date.where) == (
        "2024-01-22",
        WHERE_COVER,
    )
    assert found.issuer and found.issuer.value == "上海市浦东新区人民政府塘桥街道办事处"


def test_letter_spaced_banner_and_pdf_spacing() -> None:
    # As a PDF text layer or OCR gives it: spaced banner, digits spaced off.
    text = """\
瓜 沥 镇 人 民 政 府 文 件
瓜政发〔2021〕18 号
瓜沥镇人民政府关于印发瓜沥镇 2021 年
民生实事项目计划的通知
各村（社区）、镇级各部门：
现将计划印发给你们，请认真组织实施。
二〇二一年三月十二日
"""
    found = fields_from_attachment(text)
    assert found.title and (
        found.title.value == "瓜沥镇人民政府关于印发瓜沥镇2021年民生实事项目计划的通知"
    )
    assert found.doc_number and found.doc_number.value == "瓜政发〔2021〕18号"
    assert found.issuer and found.issuer.value == "瓜沥镇人民政府"


def test_file_name_is_the_title_when_the_page_gives_none() -> None:
    text = "一、指导思想\n以习近平新时代中国特色社会主义思想为指导。\n二、重点任务\n"
    found = fields_from_attachment(
        text, name="附件1：洋泾街道2023年社区治理工作计划（定稿）.docx"
    )
    assert found.title == Found(
        "洋泾街道2023年社区治理工作计划",
        WHERE_NAME,
        "附件1：洋泾街道2023年社区治理工作计划（定稿）.docx",
    )
    assert fields_from_attachment(text, name="附件1.docx").title is None


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("XX镇2023年工作计划.docx", ""),  # too few Chinese characters to be sure
        ("周巷镇2023年工作计划.docx", "周巷镇2023年工作计划"),
        ("附件2-1 店口镇重点工作任务分解表.xlsx", "店口镇重点工作任务分解表"),
        ("2. 周巷镇2023年工作计划(1).pdf", "周巷镇2023年工作计划"),
        ("P020230305123456.pdf", ""),
        ("附件.doc", ""),
        ("下载.pdf", ""),
    ],
)
def test_title_from_name(name: str, title: str) -> None:
    assert title_from_name(name) == title


def test_page_numbers_of_an_extraction() -> None:
    first = (
        "周巷镇人民政府文件\n周政发〔2023〕5号\n周巷镇2023年工作计划\n一、总体要求\n"
    )
    second = "全年工作。\n周巷镇人民政府\n2023年3月5日\n— 2 —\n"
    extraction = Extraction(
        text=first + second,
        method=Method.PDF_TEXT,
        pages=[
            PageText(1, 0, len(first), Method.PDF_TEXT),
            PageText(2, len(first), len(first) + len(second), Method.PDF_TEXT),
        ],
    )
    found = fields_from_attachment(extraction, name="a.pdf")
    assert found.title and found.title.page == 1
    assert found.doc_date and found.doc_date.page == 2
    assert found.issuer and found.issuer.page == 2


def test_an_empty_text_says_nothing() -> None:
    assert not fields_from_attachment("", name="scan.pdf")
    assert not fields_from_attachment("\n— 1 —\n")


# ------------------------------------------------------------ page vs attachment


def _found() -> AttachmentFields:
    return fields_from_attachment(RED_HEADER, name="周巷镇2023年工作计划.doc")


def _page(**fields: str) -> RawRecord:
    record = RawRecord(original="page.html", layout="html", body="附件下载")
    for name, value in fields.items():
        record.offer(name, value, label="label", rank=0)
    return record


def test_missing_page_metadata_is_filled_and_marked_inferred() -> None:
    record = _page(title="周巷镇2023年工作计划")
    notes = apply_to_record(record, _found())
    assert record.fields["issuer"] == "周巷镇人民政府"
    assert record.fields["doc_date"] == "2023-02-28"
    assert record.fields["doc_number"] == "周委〔2023〕9号"
    # The page's title stays: the attachment's 印发通知 title contains it.
    assert record.fields["title"] == "周巷镇2023年工作计划"
    assert {"issuer", "doc_date", "doc_number"} <= record.stated_inferred
    assert "title" not in record.stated_inferred
    assert "成文日期取自附件《周巷镇2023年工作计划.doc》落款：2023年2月28日" in notes
    assert review.SOURCES_DIFFER not in notes

    normalised = normalise(record)
    assert normalised.issuer == "周巷镇人民政府"
    assert str(normalised.doc_date) == "2023-02-28"
    assert normalised.doc_number == "周委〔2023〕9号"
    assert {"issuer", "doc_date", "doc_number"} <= set(normalised.inferred)
    assert review.SOURCES_DIFFER not in normalised.notes


def test_page_label_wins_and_the_disagreement_is_a_review_note() -> None:
    record = _page(
        title="周巷镇2023年工作计划",
        issuer="周巷镇人民政府",
        doc_date="2023-03-01",
        doc_number="周委〔2023〕9号",
    )
    notes = apply_to_record(record, _found())
    assert record.fields["doc_date"] == "2023-03-01"
    assert "doc_date" not in record.stated_inferred
    assert notes == [
        "页面的成文日期“2023-03-01”与附件《周巷镇2023年工作计划.doc》落款的"
        "“2023年2月28日”不一致，采用页面的值",
        review.SOURCES_DIFFER,
    ]
    normalised = normalise(record)
    assert str(normalised.doc_date) == "2023-03-01"
    assert "doc_date" not in normalised.inferred
    assert normalised.needs_review
    assert review.SOURCES_DIFFER in normalised.notes


def test_the_same_value_written_differently_is_no_disagreement() -> None:
    page = _page(
        title="中共周巷镇委员会周巷镇人民政府关于印发周巷镇2023年工作计划的通知",
        issuer="慈溪市周巷镇人民政府",
        doc_date="2023年2月28日",
        doc_number="周委[2023]第9号",
    )
    offers, notes = reconcile(page, _found())
    assert offers == [] and notes == []


def test_a_positional_page_value_yields_to_the_signature() -> None:
    record = _page()
    record.offer("doc_date", "2023-03-02")
    record.positional.add("doc_date")
    notes = apply_to_record(record, _found())
    assert record.fields["doc_date"] == "2023-02-28"
    assert "doc_date" not in record.positional
    assert "doc_date" in record.stated_inferred
    assert review.SOURCES_DIFFER in notes


def test_a_lone_attachment_gives_everything() -> None:
    record = RawRecord(original="plan.docx", layout="attachment", body="")
    offers, notes = reconcile(None, _found())
    assert [offer.name for offer in offers] == [
        "title",
        "issuer",
        "doc_date",
        "doc_number",
    ]
    apply_to_record(record, _found())
    normalised = normalise(record)
    assert normalised.title.endswith("关于印发《周巷镇2023年工作计划》的通知")
    assert normalised.plan_year == 2023
    assert "title" in normalised.inferred


def test_best_of_prefers_the_attachment_the_page_title_names() -> None:
    table = fields_from_attachment("", name="附件2：重点任务分解表清单.xlsx")
    plan = _found()
    assert best_of([table, plan], page_title="周巷镇2023年工作计划") is plan
    assert best_of([table], page_title="") is table
    assert best_of([AttachmentFields()]) is None


def test_a_banner_wrapped_over_two_lines_is_one_organ() -> None:
    text = """\
上海市奉贤区人民政府奉浦街道
办事处文件
奉浦街办〔2025〕8号
关于印发《奉浦街道小型建设工程项目管理实施办法》的通知
各科室、中心、村居：
现印发给你们，请认真贯彻执行。
"""
    found = fields_from_attachment(text)
    assert found.issuer and (found.issuer.value, found.issuer.where) == (
        "上海市奉贤区人民政府奉浦街道办事处",
        WHERE_BANNER,
    )


def test_values_read_from_a_scan_are_weak_and_flagged() -> None:
    text = "临浦镇人民政府文件\n临政发〔2022〕33号\n临浦镇2022年工作计划\n全年工作。\n"
    text += "临浦镇人民政府\n2022年5月9日\n"
    scan = Extraction(
        text=text,
        method=Method.OCR,
        pages=[PageText(1, 0, len(text), Method.OCR, confidence=81.0)],
    )
    found = fields_from_attachment(scan, name="扫描件.pdf")
    assert found.doc_date and found.by_ocr(found.doc_date)
    record = RawRecord(original="plan.pdf", layout="attachment", body="")
    notes = apply_to_record(record, found)
    assert "成文日期取自附件《扫描件.pdf》第1页落款（OCR识别）：2022年5月9日" in notes
    normalised = normalise(record)
    assert {"title", "issuer", "doc_date"} <= normalised.weak
    assert normalised.needs_review
    assert review.weak_reason("doc_date") in normalised.notes
    # The same text from a text layer is not weak.
    found = fields_from_attachment(text, name="a.docx")
    record = RawRecord(original="plan.docx", layout="attachment", body="")
    apply_to_record(record, found)
    assert "doc_date" not in normalise(record).weak


def test_seal_only_date_before_a_wrapped_distribution_record() -> None:
    text = """\
临浦镇人民政府文件
临政发〔2022〕33号
临浦镇人民政府关于做好2022年防汛防台工作的通知
各村（社区）、镇属各单位：
为切实做好今年防汛防台工作，现就有关事项通知如下。
二〇二二年五月九日
（此件公开发布）
抄送：区应急管理局，区水利局，
区农业农村局。
临浦镇党政办公室　　　　2022年5月10日印发
"""
    found = fields_from_attachment(text)
    assert found.doc_date and found.doc_date.value == "2022-05-09"
    assert found.issuer and found.issuer.value == "临浦镇人民政府"


def test_an_issuer_under_a_source_label_yields_to_the_signature() -> None:
    record = _page(title="周巷镇2023年工作计划")
    record.offer("issuer", "慈溪市人民政府", label="来源", rank=7)
    notes = apply_to_record(record, _found())
    assert record.fields["issuer"] == "周巷镇人民政府"
    assert notes[0] == (
        "页面的发布机构“慈溪市人民政府”（记于“来源”，是信息来源）与附件"
        "《周巷镇2023年工作计划.doc》落款的“周巷镇人民政府”不一致，采用附件的值"
    )
    assert review.SOURCES_DIFFER in notes
    # Under 发布机构 the page's value stands.
    record = _page(title="周巷镇2023年工作计划")
    record.offer("issuer", "慈溪市人民政府", label="发布机构", rank=0)
    apply_to_record(record, _found())
    assert record.fields["issuer"] == "慈溪市人民政府"


def test_full_width_digits() -> None:
    text = "周巷镇人民政府文件\n周政发〔２０２３〕５号\n周巷镇２０２３年工作计划\n"
    text += "全年工作。\n周巷镇人民政府\n２０２３年３月５日\n"
    found = fields_from_attachment(text)
    assert found.doc_number and found.doc_number.value == "周政发〔2023〕5号"
    assert found.title and found.title.value == "周巷镇2023年工作计划"
    assert found.doc_date and found.doc_date.value == "2023-03-05"


def test_a_page_date_that_is_no_date_yields_to_the_signature() -> None:
    record = _page(title="周巷镇2023年工作计划", doc_date="2023年")
    notes = apply_to_record(record, _found())
    assert record.fields["doc_date"] == "2023-02-28"
    assert "（不是可识别的日期）" in notes[0]
    assert str(normalise(record).doc_date) == "2023-02-28"
