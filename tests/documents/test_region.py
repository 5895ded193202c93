"""Region resolution: names, index numbers and text, and when to give up."""

import json
from pathlib import Path

import pytest

from documents.gazetteer import Gazetteer, Place, default_gazetteer
from documents.ingest.region import (
    RegionEvidence,
    RegionResult,
    division_for_code,
    index_division,
    resolve_region,
)

ZHOUXIANG_INDEX = "113302820029791000/2021-127594"  # credit code of a 慈溪 organ


def _resolve(**kwargs: object) -> RegionResult:
    return resolve_region(RegionEvidence(**kwargs))


def _names(result: RegionResult) -> tuple[str, str, str, str]:
    return (result.province, result.city, result.county, result.township)


def _assert_unknown(result: RegionResult) -> None:
    assert result.place is None
    assert _names(result) == ("", "", "", "")
    assert result.division_code == ""
    assert result.needs_review


# Names in the metadata -------------------------------------------------------------


def test_unique_township_resolves_directly() -> None:
    result = _resolve(names=("东塍镇",))
    assert _names(result) == ("浙江省", "台州市", "临海市", "东塍镇")
    assert result.division_code.startswith("331082")
    assert result.place is not None and result.place.level == "township"
    assert not result.inferred and not result.needs_review


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("章镇镇人民政府", "330604104"),
        ("店口镇2020年度政府工作报告", "330681104"),
        ("2023年章镇镇政府主要工作安排和任务分解", "330604104"),
        ("北京市东城区东华门街道办事处", "110101001"),
    ],
)
def test_township_found_inside_a_longer_name(name: str, code: str) -> None:
    result = _resolve(names=(name,))
    assert result.division_code == code
    assert not result.needs_review


@pytest.mark.parametrize(
    "title",
    [
        "关于加快发展乡村产业的通知",  # 发展乡 is a township
        "提高城镇化水平工作方案",  # 高城镇 too
        "宜居乡村建设行动方案",  # and 宜居乡
        "综合保税区2023年工作要点",  # 保税区 is a township-level unit
    ],
)
def test_township_names_across_word_boundaries_are_ignored(title: str) -> None:
    _assert_unknown(_resolve(names=(title,)))


def test_generic_unit_after_a_county_is_not_a_township() -> None:
    result = _resolve(names=("慈溪市林业局",))  # 林业局 is a township elsewhere
    assert (result.county, result.township) == ("慈溪市", "")
    assert not result.needs_review


def test_party_committee_names_its_township() -> None:
    result = _resolve(names=("中共周巷镇委员会",), index_no=ZHOUXIANG_INDEX)
    assert result.division_code == "330282121"


def test_issuer_comes_before_breadcrumb_noise() -> None:
    names = ("东塍镇", "计划总结", "镇(街道)信息公开", "部门、街道信息公开", "首页")
    assert _resolve(names=names).division_code == "331082101"


# 周巷镇: in 慈溪 (Zhejiang) and in 孝昌 (Hubei) ------------------------------------


def test_same_name_resolved_by_credit_code_in_index() -> None:
    result = _resolve(names=("周巷镇",), index_no=ZHOUXIANG_INDEX)
    assert _names(result) == ("浙江省", "宁波市", "慈溪市", "周巷镇")
    assert result.division_code == "330282121"
    assert not result.needs_review and not result.inferred
    assert "周巷镇 同名 2 处" in result.note and "330282" in result.note


def test_same_name_resolved_by_letter_prefixed_index() -> None:
    result = _resolve(names=("周巷镇",), index_no="XG420921-001/2021-000001")
    assert _names(result) == ("湖北省", "孝感市", "孝昌县", "周巷镇")
    assert result.division_code == "420921102"


def test_same_name_resolved_by_stated_code() -> None:
    result = _resolve(names=("周巷镇",), division_code="420921102000")
    assert result.division_code == "420921102"


def test_same_name_resolved_by_county_in_metadata() -> None:
    result = _resolve(names=("慈溪市周巷镇人民政府",))
    assert result.division_code == "330282121"


@pytest.mark.parametrize(
    ("text", "code", "word"),
    [
        ("推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。", "330282121", "慈溪"),
        ("在孝昌县委、县政府的坚强领导下，全镇上下……", "420921102", "孝昌"),
        ("落实孝感市委部署，推进全镇各项工作。", "420921102", "孝感"),
    ],
)
def test_same_name_resolved_by_text(text: str, code: str, word: str) -> None:
    result = _resolve(names=("周巷镇", "周巷镇2022年工作计划"), text=text)
    assert result.division_code == code
    assert not result.inferred  # the township itself was named in the metadata
    assert word in result.note


def test_same_name_without_evidence_is_left_empty() -> None:
    result = _resolve(
        names=("周巷镇", "周巷镇2022年工作计划"),
        text="坚持稳中求进，推动全镇经济社会高质量发展，切实保障和改善民生。",
    )
    _assert_unknown(result)
    assert "周巷镇" in result.note and "2 处" in result.note
    assert "慈溪市" in result.note and "孝昌县" in result.note


def test_text_naming_both_candidates_does_not_decide() -> None:
    text = "学习慈溪经验，对接孝昌县，共谋发展。"
    _assert_unknown(_resolve(names=("周巷镇",), text=text))


# Index numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index_no", "code"),
    [
        (ZHOUXIANG_INDEX, "330282"),
        ("LH331082-074/2021-108413", "331082"),
        ("ZZ330282-001/2022-000001", "330282"),
        ("330282-001/2022-000001", "330282"),
        ("AB330200-001/2022-1", "3302"),  # a city code padded with 00
        ("AB110100-001/2022-1", "11"),  # Beijing's 市辖区 means Beijing
    ],
)
def test_index_numbers_with_a_division_code(index_no: str, code: str) -> None:
    place = index_division(index_no)
    assert place is not None and place.code == code


@pytest.mark.parametrize(
    "index_no",
    [
        "002590139/2023-74151",
        "001008006002071/2020-144703",
        "PZ00101-2500-2016-00006",
        "1A3302820029791001/2021-127594",  # no such organ type
        "113399990029791001/2021-127594",  # no such division
        "AB999999-001/2022-1",  # no such county
        "AB3302821-001/2022-1",  # seven digits
        "",
        None,
    ],
)
def test_index_numbers_without_a_division_code(index_no: str | None) -> None:
    assert index_division(index_no) is None
    # …so they cannot settle 周巷镇 either.
    _assert_unknown(_resolve(names=("周巷镇",), index_no=index_no))


def test_credit_code_with_a_failing_check_digit() -> None:
    # Issue 13: real sites publish codes whose check digit does not verify. The
    # structure (organ type 11, a county the gazetteer knows) still names 慈溪市;
    # this test used to assert that such a code names nothing.
    index_no = "113302820029791001/2021-127594"
    assert index_division(index_no).code == "330282"
    result = _resolve(names=("周巷镇",), index_no=index_no)
    assert (result.county, result.township) == ("慈溪市", "周巷镇")
    assert "校验位不符" in result.note


@pytest.mark.parametrize(
    ("index_no", "county"),
    [
        ("11330282002627896N/2021-00005", "慈溪市"),  # check digit holds
        ("11330282002627896X/2021-00005", "慈溪市"),  # check digit fails
        ("11420921MB01234566/2022-00031", "孝昌县"),
        ("11420921MB0123456X/2022-00031", "孝昌县"),
    ],
)
def test_credit_code_settles_a_township_shared_by_two_counties(
    index_no: str, county: str
) -> None:
    # 周巷镇 is a township of 慈溪市 (Zhejiang) and of 孝昌县 (Hubei).
    assert len(default_gazetteer().find_townships("周巷镇")) == 2
    result = _resolve(names=("周巷镇人民政府",), index_no=index_no)
    assert (result.county, result.township) == (county, "周巷镇")
    assert not result.inferred


def test_index_code_alone_gives_the_county() -> None:
    result = _resolve(names=("2021年工作计划",), index_no=ZHOUXIANG_INDEX)
    assert _names(result) == ("浙江省", "宁波市", "慈溪市", "")
    assert result.division_code == "330282"
    assert not result.inferred


def test_index_code_outranks_a_unique_township_that_contradicts_it() -> None:
    # A bare name that disagrees with the code is not taken: the county stays.
    result = _resolve(names=("东塍镇",), index_no=ZHOUXIANG_INDEX)
    assert (result.county, result.township) == ("慈溪市", "")
    assert result.division_code == "330282"
    assert result.needs_review
    assert "东塍镇" in result.note and "不符" in result.note


# 街道办事处: the office of a 街道, and a name the gazetteer also holds ---------------
# The data has 新华街道 27 times and one 新华街道办事处 (阿拉善左旗), 南环街道 once and
# one 南环街道办事处 (阿拉善左旗); an issuer's office must not pick the latter.

XINHUA_HUADU_INDEX = "11440114MB2C33331A/2021-00011"  # credit code, 440114 花都区


@pytest.mark.parametrize(
    "names", [("新华街道办事处",), ("南环街道办事处",), ("新华街道办事处", "新华街道")]
)
def test_office_of_a_shared_street_name_is_ambiguous(names: tuple[str, ...]) -> None:
    result = _resolve(names=names)
    _assert_unknown(result)
    assert "同名" in result.note


def test_office_of_a_street_settled_by_the_index_code() -> None:
    result = _resolve(names=("新华街道办事处",), index_no=XINHUA_HUADU_INDEX)
    assert _names(result) == ("广东省", "广州市", "花都区", "新华街道")
    assert result.division_code == "440114001"
    assert not result.needs_review and not result.inferred


def test_office_of_a_street_settled_by_the_district_in_the_issuer() -> None:
    result = _resolve(names=("广州市花都区新华街道办事处",))
    assert _names(result) == ("广东省", "广州市", "花都区", "新华街道")
    assert not result.needs_review


def test_street_office_named_in_the_data_still_resolves_with_its_county() -> None:
    result = _resolve(names=("阿拉善左旗新华街道办事处",))
    assert (result.county, result.township) == ("阿拉善左旗", "新华街道办事处")


# Townships named only in the body ----------------------------------------------------

SHAOBO_TEXT = (
    "2022年是关键之年。邵伯镇将坚持稳中求进。依托古镇和运河文化，打造扬州市江都区"
    "文旅融合示范镇。建设平安邵伯镇。"
)


# Issue 13: body mentions alone suggest a region only where the text names its own
# place (我镇, 全镇, 本街道 beside the name, or the name in its heading or signature
# lines). Counting mentions in running prose used to place this text in 邵伯镇.
SHAOBO_OWN_TEXT = SHAOBO_TEXT + "全镇上下要团结一心，把邵伯镇建设得更好。"


def test_township_in_running_text_alone_is_not_taken() -> None:
    _assert_unknown(_resolve(text=SHAOBO_TEXT))


def test_township_the_text_calls_its_own() -> None:
    result = _resolve(text=SHAOBO_OWN_TEXT)
    assert _names(result) == ("江苏省", "扬州市", "江都区", "邵伯镇")
    assert result.inferred and result.needs_review
    assert "邵伯镇" in result.note


def test_township_named_in_the_heading_lines() -> None:
    text = "邵伯镇2022年工作计划\n2022年是关键之年。要坚持稳中求进。"
    result = _resolve(text=text)
    assert result.township == "邵伯镇"
    assert result.inferred and result.needs_review


def test_shared_township_in_the_text_needs_its_own_county() -> None:
    # 周巷镇 is in 慈溪市 and in 孝昌县; 孝感 (the Hubei one's city) is named.
    text = "全镇上下齐心，周巷镇要发展。落实孝感市委部署。"
    result = _resolve(text=text)
    assert (result.county, result.township) == ("孝昌县", "周巷镇")
    assert result.inferred and result.needs_review
    _assert_unknown(_resolve(text="全镇上下齐心，周巷镇要发展。"))


def test_township_named_once_in_the_text_is_not_enough() -> None:
    _assert_unknown(_resolve(text="邵伯镇将坚持稳中求进，打造扬州市江都区示范镇。"))


def test_county_from_the_index_refined_by_a_township_in_the_text() -> None:
    result = _resolve(
        names=("2022年工作计划",),
        index_no="AB321012-001/2022-1",
        text="邵伯镇将坚持稳中求进。我镇要建设平安邵伯镇。",
    )
    assert (result.county, result.township) == ("江都区", "邵伯镇")
    assert result.inferred and result.needs_review
    # Named in passing, the township is not the issuer's: the county stays.
    result = _resolve(
        names=("2022年工作计划",),
        index_no="AB321012-001/2022-1",
        text="邵伯镇将坚持稳中求进。建设平安邵伯镇。",
    )
    assert (result.county, result.township) == ("江都区", "")
    assert not result.inferred


def test_stated_codes_are_normalised() -> None:
    assert division_for_code("330282000000").code == "330282"
    assert division_for_code("330282121000").code == "330282121"
    assert division_for_code("330200000000").code == "3302"
    assert division_for_code("110100000000").code == "11"  # not the 市辖区 row
    assert division_for_code("12345") is None
    assert division_for_code("abc") is None


# Generic names ---------------------------------------------------------------------


def _county_with_one(name: str) -> Place:
    gz = default_gazetteer()
    for place in gz.find(name):
        siblings = [p for p in gz.find(name) if p.parent_code == place.parent_code]
        if len(siblings) == 1:
            return place
    raise AssertionError(name)


def test_generic_township_name_needs_evidence() -> None:
    result = _resolve(names=("城关镇",))
    _assert_unknown(result)
    assert "88 处" in result.note

    township = _county_with_one("城关镇")
    index_no = f"AB{township.parent_code}-001/2022-000001"
    result = _resolve(names=("城关镇",), index_no=index_no)
    assert result.division_code == township.code
    assert not result.needs_review


def test_generic_name_against_another_county_falls_back_to_the_county() -> None:
    result = _resolve(names=("城关镇",), index_no=ZHOUXIANG_INDEX)  # 慈溪 has none
    assert (result.county, result.township) == ("慈溪市", "")
    assert result.needs_review


@pytest.mark.parametrize(
    "names",
    [
        ("镇(街道)信息公开", "街道", "农场", "首页"),
        ("关于印发2021年工作要点的通知",),
        ("2025年中华人民共和国国务院政府工作报告", "国务院"),
        ("平安建设工作计划", "乡村振兴"),
        ("中国平潭",),  # a short name not at the start
    ],
)
def test_no_place_named(names: tuple[str, ...]) -> None:
    result = _resolve(names=names, text="坚持稳中求进，推动高质量发展。")
    _assert_unknown(result)
    assert result.note == "未能确定地区"


# Counties and municipalities ------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "平潭综合实验区苏平片区管理局",
        "平潭综合实验区党工委管委会办公室",
        "平潭县人民政府",
    ],
)
def test_county_named_in_metadata(name: str) -> None:
    result = _resolve(names=(name,))
    assert _names(result) == ("福建省", "福州市", "平潭县", "")
    assert result.division_code == "350128"
    assert not result.inferred


def test_municipality_district() -> None:
    result = _resolve(names=("北京市朝阳区人民政府",))
    assert _names(result) == ("北京市", "北京市", "朝阳区", "")
    assert result.division_code == "110105"


def test_shared_district_name_settled_by_text() -> None:
    # 朝阳区 is in Beijing and in Changchun.
    _assert_unknown(_resolve(names=("朝阳区人民政府",)))
    result = _resolve(names=("朝阳区人民政府",), text="为首都北京的发展作出新贡献。")
    assert result.division_code == "110105"
    assert result.city == "北京市"


def test_province_issuer_is_not_refined_by_text() -> None:
    # Issue 13: a provincial government's document belongs to the province.
    text = "慈溪要……。我市将……。建设美丽慈溪。"
    result = _resolve(names=("浙江省人民政府",), text=text, cap="province")
    assert _names(result) == ("浙江省", "", "", "")
    assert not result.inferred
    # Without a level, a county named in passing does not refine it either.
    result = _resolve(names=("浙江省",), text="慈溪要……。慈溪将……。建设美丽慈溪。")
    assert _names(result) == ("浙江省", "", "", "")


def test_region_is_cut_to_the_issuers_level() -> None:
    result = _resolve(names=("慈溪市周巷镇",), cap="county")
    assert _names(result) == ("浙江省", "宁波市", "慈溪市", "")
    assert "慈溪市" in result.note
    _assert_unknown(_resolve(names=("慈溪市周巷镇",), cap="national"))


# Text only -------------------------------------------------------------------------


CIXI_TEXT = (
    "围绕目标要求，建设美丽慈溪。完成慈溪中学迁建，办好中国慈溪越窑青瓷文化节，"
    "融入宁波都市区。"
)


def test_text_only_county_needs_the_text_to_call_it_its_own() -> None:
    # Issue 13 (seed 003): mentions in running prose no longer place a document.
    _assert_unknown(_resolve(text=CIXI_TEXT))
    result = _resolve(text=CIXI_TEXT + "我市将全面推进慈溪新一轮发展。")
    assert _names(result) == ("浙江省", "宁波市", "慈溪市", "")
    assert result.division_code == "330282"
    assert result.inferred and result.needs_review
    assert "慈溪" in result.note


def test_county_named_in_the_signature_lines() -> None:
    result = _resolve(
        text="要努力奋斗。", own_lines=("慈溪市人民政府", "2016年1月10日")
    )
    assert result.county == "慈溪市"
    assert result.inferred


def test_a_name_inside_a_longer_name_is_not_a_mention() -> None:
    # 天台 is 天台县's short name; 天台山 is a mountain, 天台山路 a road.
    text = "全市要打造天台山文化旅游区，建设天台山路。我市推进天台山景区提升。"
    _assert_unknown(_resolve(text=text))


def test_text_with_two_counties_is_not_inferred() -> None:
    text = "慈溪与余姚携手。慈溪、余姚两地共建。"
    _assert_unknown(_resolve(text=text))


def test_two_bare_mentions_are_not_enough() -> None:
    _assert_unknown(_resolve(text="慈溪如何发展？慈溪要发展。"))


def test_common_words_are_not_places() -> None:
    text = (
        "推进乡村振兴，促进共同富裕，深化平安建设，践行绿水青山就是金山银山，"
        "加强公安基层基础，发展合作社，维护和平稳定。" * 3
    )
    _assert_unknown(_resolve(text=text))


def test_national_reports_get_no_region(corpus_dir: Path) -> None:
    path = corpus_dir / "national-reports" / "government_work_reports.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            report = json.loads(line)
            result = _resolve(names=(report["title"],), text=report["content"])
            assert result.place is None, (report["title"], result.note)


def test_other_gazetteer_can_be_passed() -> None:
    gz = Gazetteer(
        [
            Place("33", "浙江省", "province", None),
            Place("3302", "宁波市", "city", "33"),
            Place("330282", "慈溪市", "county", "3302"),
            Place("330282121", "周巷镇", "township", "330282"),
        ]
    )
    result = resolve_region(RegionEvidence(names=("周巷镇",)), gz)
    assert result.division_code == "330282121"
    assert result.note == ""
