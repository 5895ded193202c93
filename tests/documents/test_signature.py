"""The signature block (落款), a work report's meeting line, and Chinese-numeral dates."""

from datetime import date

import pytest

from documents.ingest.dates import find_any_date, find_chinese_date
from documents.ingest.signature import (
    find_meeting_line,
    find_signature,
    heading_lines,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二〇二三年一月十日", date(2023, 1, 10)),
        ("二○二二年十二月三十一日", date(2022, 12, 31)),
        ("二〇二一年二月二十八日印发", date(2021, 2, 28)),
        ("二〇二〇年十月廿一日", date(2020, 10, 21)),
        ("二〇二三年二月三十日", None),  # no such day
        ("一九四八年十月一日", None),  # before the PRC
        ("二〇二三年", None),
    ],
)
def test_chinese_numeral_dates(text: str, value: date | None) -> None:
    assert find_chinese_date(text) == value


def test_either_numeral_form_first_wins() -> None:
    assert find_any_date("2023年1月10日") == date(2023, 1, 10)
    assert find_any_date("二〇二二年一月五日，2023年1月10日") == date(2022, 1, 5)


PLAN = "一、总体要求。坚持稳中求进。\n二、主要任务。抓项目、促发展。\n"


@pytest.mark.parametrize(
    ("tail", "organ", "day"),
    [
        (
            "慈溪市周巷镇人民政府\n2022年1月27日",
            "慈溪市周巷镇人民政府",
            date(2022, 1, 27),
        ),
        ("周巷镇人民政府\n二〇二二年一月二十七日", "周巷镇人民政府", date(2022, 1, 27)),
        # A seal note, a publication note and a distribution list after it.
        (
            "国务院办公厅\n2023年5月10日\n（此件公开发布）",
            "国务院办公厅",
            date(2023, 5, 10),
        ),
        (
            "东塍镇人民政府\n（印章）\n2021年1月13日\n抄送：临海市人民政府办公室。",
            None,  # the seal line breaks the block: no organ right above the date
            None,
        ),
        (
            "东塍镇人民政府\n2021年1月13日\n（印章）\n抄送：市委办，市府办。",
            "东塍镇人民政府",
            date(2021, 1, 13),
        ),
        # Joint signers: the government, not the party committee, issues the plan.
        (
            "中共周巷镇委员会　周巷镇人民政府\n二〇二二年一月二十七日",
            "周巷镇人民政府",
            date(2022, 1, 27),
        ),
        ("中共章镇镇委员会\n章镇镇人民政府\n2021年2月1日", "章镇镇人民政府", None),
        # The 版记 (distribution and printing lines) after the signature.
        (
            "慈溪市人民政府\n2023年1月10日\n（此件公开发布）\n"
            "抄送：市委各部门，市人大常委会办公室。\n"
            "慈溪市人民政府办公室 2023年1月11日印发",
            "慈溪市人民政府",
            date(2023, 1, 10),
        ),
        ("东塍镇人民政府\n2021年1月13日\n公开方式：主动公开", "东塍镇人民政府", None),
        # Organ and date on one line.
        ("平潭综合实验区管委会 2022年3月1日", "平潭综合实验区管委会", date(2022, 3, 1)),
    ],
)
def test_signature_block(tail: str, organ: str | None, day: date | None) -> None:
    signature = find_signature(PLAN + tail)
    if organ is None:
        assert signature is None
        return
    assert signature is not None and signature.organ == organ
    if day is not None:
        assert signature.date == day


@pytest.mark.parametrize(
    "tail",
    [
        # A sentence that ends with a date is not a signature.
        "全镇完成投资5亿元。\n2022年1月27日",
        # A dated heading inside the text, no organ.
        "（2022年1月27日）",
        "",
        # A closing call without a signature.
        "让我们团结一心，为建设美丽周巷而努力奋斗！",
    ],
)
def test_no_signature(tail: str) -> None:
    assert find_signature(PLAN + tail) is None


@pytest.mark.parametrize(
    ("text", "place", "national", "day"),
    [
        (
            "政府工作报告\n——2026年1月28日在浙江省第十四届人民代表大会第四次会议上\n"
            "浙江省省长 刘捷\n各位代表：",
            "浙江省",
            False,
            date(2026, 1, 28),
        ),
        (
            "政府工作报告\n——2025年3月5日在第十四届全国人民代表大会第三次会议上\n"
            "国务院总理 李强",
            "",
            True,
            date(2025, 3, 5),
        ),
        (
            "（1954年9月23日在中华人民共和国第一届全国人民代表大会第一次会议上）",
            "",
            True,
            date(1954, 9, 23),
        ),
        (
            "政府工作报告\n——二〇二四年一月二十二日在周巷镇第十八届人民代表大会第三次会议上",
            "周巷镇",
            False,
            date(2024, 1, 22),
        ),
        (
            "政府工作报告\n——2024年1月10日在慈溪市第十七届人民代表大会第四次会议上",
            "慈溪市",
            False,
            date(2024, 1, 10),
        ),
    ],
)
def test_meeting_line(text: str, place: str, national: bool, day: date) -> None:
    meeting = find_meeting_line(text)
    assert meeting is not None
    assert (meeting.place, meeting.national, meeting.date) == (place, national, day)
    assert meeting.issuer == ("国务院" if national else f"{place}人民政府")


@pytest.mark.parametrize(
    "text",
    [
        # A sentence of the report that names a congress in passing.
        "各位代表：\n过去一年，我们认真贯彻在第十四届全国人民代表大会第二次会议上"
        "确定的各项任务，经济社会发展取得新成效。",
        "各位代表：\n现在，我代表镇人民政府，向大会报告工作。",
        "",
    ],
)
def test_no_meeting_line(text: str) -> None:
    assert find_meeting_line(text) is None


def test_heading_lines_stop_at_prose() -> None:
    text = "慈溪市2015年工作计划\n各位代表：\n现在，我代表市人民政府作报告。\n附件"
    assert heading_lines(text) == ("慈溪市2015年工作计划", "各位代表：")
