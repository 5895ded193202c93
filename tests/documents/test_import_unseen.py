"""Inputs the importer had never seen (an audit's 50 files), checked field by field.

The files are in tests/fixtures/unseen (see the README there). The 50 MB file of
the audit is not kept: tests/reliability/test_bad_files.py writes its own.
"""

from datetime import date, time
from pathlib import Path

import pytest

from documents.ingest.decode import decode_bytes
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath

pytestmark = pytest.mark.django_db

UNSEEN = Path(__file__).resolve().parent.parent / "fixtures" / "unseen"

FIELDS = (
    "index_no",
    "title",
    "issuer",
    "township",
    "county",
    "city",
    "province",
    "doc_date",
    "publish_date",
    "publish_time",
    "plan_year",
    "category",
    "doc_number",
    "disclosure",
    "needs_review",
    "inferred",
)
# What each file (or record) must give, in the order of FIELDS.
EXPECTED = {
    "01_jinfeng_hanweb.html": (
        "014101398/2023-00012",
        "锦丰镇2023年工作计划",
        "锦丰镇人民政府",
        "锦丰镇",
        "张家港市",
        "苏州市",
        "江苏省",
        "2023-02-10",
        "2023-02-13",
        None,
        2023,
        "综合政务\\计划总结",
        "锦政发〔2023〕5号",
        "",
        False,
        ["plan_year"],
    ),
    "02_humen_meta_only.html": (
        None,
        "虎门镇2022年工作总结",
        "虎门镇人民政府",
        "虎门镇",
        "东莞市",
        "东莞市",
        "广东省",
        None,
        "2023-01-05",
        "09:30",
        2022,
        "",  # <meta ColumnName> is the site's section, not a 主题分类
        "",
        "",
        False,
        ["plan_year"],
    ),
    "03_pitong_trs_editor.html": (
        "11510117MB0A123455/2021-00087",
        "郫筒街道2021年工作要点",
        "郫筒街道办事处",
        "郫筒街道",
        "郫都区",
        "成都市",
        "四川省",
        "2021-03-02",
        "2021-03-05",
        "10:12",
        2021,
        "综合政务",
        "郫筒办发〔2021〕9号",
        "",
        False,
        ["plan_year"],
    ),
    "04_zhouxiang_xiaochang_gbk.html": (
        "11420921MB1234567P/2022-00031",
        "周巷镇2022年工作计划",
        "周巷镇人民政府",
        "周巷镇",
        "孝昌县",
        "孝感市",
        "湖北省",
        "2022-01-27",
        None,
        None,
        2022,
        "计划总结",
        "周政发〔2022〕3号",
        "主动公开",
        False,
        ["plan_year"],
    ),
    "05_chengguan_ambiguous.txt": (
        None,
        "城关镇2021年工作计划",
        "城关镇人民政府",
        "",
        "",
        "",
        "",
        None,
        "2021-02-20",
        None,
        2021,
        "",
        "",
        "主动公开",
        True,
        ["plan_year"],
    ),
    "06_chengguan_tangyin.txt": (
        None,
        "城关镇2022年政府工作计划",
        "城关镇人民政府",
        "城关镇",
        "汤阴县",
        "安阳市",
        "河南省",
        None,
        "2022-02-08",
        None,
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "07_xinhua_pipe_nocolon.txt": (
        "007519498/2022-00015",
        "新华街道2022年工作计划",
        "广州市花都区新华街道办事处",
        "新华街道",
        "花都区",
        "广州市",
        "广东省",
        "2022-01-27",
        "2022-01-28",
        None,
        2022,
        "计划总结",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "08_xinhua_spacing_ambiguous.txt": (
        "XH-2023-0007",
        "新华街道2023年工作要点",
        "新华街道办事处",
        "",
        "",
        "",
        "",
        "2023-01-09",
        "2023-01-10",
        "15:02",
        2023,
        "计划总结",
        "",
        "主动公开",
        True,
        ["plan_year"],
    ),
    "09_csv_chinese_headers.csv#R2": (
        "11320583014160001X/2021-00008",
        "花桥镇2021年工作计划",
        "昆山市花桥镇人民政府",
        "花桥镇",
        "昆山市",
        "苏州市",
        "江苏省",
        "2021-01-27",
        "2021-01-29",
        None,
        2021,
        "计划总结",
        "花政发〔2021〕2号",
        "",
        False,
        ["plan_year"],
    ),
    "09_csv_chinese_headers.csv#R3": (
        None,
        "周庄镇2022年工作要点",
        "江阴市周庄镇人民政府",
        "周庄镇",
        "江阴市",
        "无锡市",
        "江苏省",
        "2022-01-27",
        "2022-02-03",
        None,
        2022,
        "计划总结",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "09_csv_chinese_headers.csv#R4": (
        None,
        "沙溪镇2020年工作总结",
        "太仓市沙溪镇人民政府",
        "沙溪镇",
        "太仓市",
        "苏州市",
        "江苏省",
        "2021-01-06",
        "2021-01-08",
        None,
        2020,
        "计划总结",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "10_csv_english_headers.csv#R2": (
        "11440606MB2C11111/2022-000123",
        "乐从镇2022年工作计划",
        "佛山市顺德区乐从镇人民政府",
        "乐从镇",
        "顺德区",
        "佛山市",
        "广东省",
        None,
        "2022-02-14",
        "10:20",
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "10_csv_english_headers.csv#R3": (
        None,
        "容桂街道2023年工作要点",
        "佛山市顺德区容桂街道办事处",
        "容桂街道",
        "顺德区",
        "佛山市",
        "广东省",
        None,
        "2023-03-01",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "11_csv_gbk.csv#R2": (
        None,
        "兰陵镇2021年工作计划",
        "兰陵县兰陵镇人民政府",
        "兰陵镇",
        "兰陵县",
        "临沂市",
        "山东省",
        "2021-01-20",
        None,
        None,
        2021,
        "",
        "",
        "主动公开",
        False,
        ["plan_year"],
    ),
    "11_csv_gbk.csv#R3": (
        None,
        "红岩乡2022年工作计划",
        "华蓥市红岩乡人民政府",
        "红岩乡",
        "华蓥市",
        "广安市",
        "四川省",
        "2022-01-12",
        None,
        None,
        2022,
        "",
        "",
        "主动公开",
        False,
        ["plan_year"],
    ),
    "12_jsonl_varied_keys.jsonl#L1": (
        None,
        "樟木头镇2022年工作计划",
        "樟木头镇人民政府",
        "樟木头镇",
        "东莞市",
        "东莞市",
        "广东省",
        None,
        "2021-12-30",
        "16:20",
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "12_jsonl_varied_keys.jsonl#L2": (
        None,
        "石龙镇2022年工作要点",
        "东莞市石龙镇人民政府",
        "石龙镇",
        "东莞市",
        "东莞市",
        "广东省",
        None,
        "2022-01-10",
        None,
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "12_jsonl_varied_keys.jsonl#L3": (
        "11320214MB1A00001/2023-00003",
        "梅村街道2023年工作计划",
        "无锡市新吴区梅村街道办事处",
        "梅村街道",
        "新吴区",
        "无锡市",
        "江苏省",
        None,
        "2023-01-31",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "13_dup_hongshan_a.txt": (
        None,
        "鸿山街道2022年工作计划",
        "鸿山街道办事处",
        "鸿山街道",
        "新吴区",
        "无锡市",
        "江苏省",
        None,
        "2022-01-18",
        None,
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "14_dayan_xiang_summary_kv.txt": (
        "11420528MB123456X/2021-00002",
        "大堰乡2020年工作总结",
        "长阳土家族自治县大堰乡人民政府",
        "大堰乡",
        "长阳土家族自治县",
        "宜昌市",
        "湖北省",
        "2021-01-07",
        "2021-01-08",
        "09:15",
        2020,
        "综合政务",  # the page's 主题分类; 栏目: 计划总结 is the site's section
        "",
        "",
        False,
        ["plan_year"],
    ),
    "15_liubu_plan_published_dec.html": (
        "11370112004233210M/2020-00456",
        "2021年工作计划",
        "柳埠街道办事处",
        "柳埠街道",
        "历城区",
        "济南市",
        "山东省",
        "2020-12-25",
        "2020-12-28",
        None,
        2021,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "16_hongyan_xiang_pagedump.txt": (
        None,
        "红岩乡2021年工作总结和2022年工作计划",
        "华蓥市红岩乡人民政府",
        "红岩乡",
        "华蓥市",
        "广安市",
        "四川省",
        None,
        "2022-01-05",
        "17:41",
        2022,
        "",  # the breadcrumb names the site's section, not a 主题分类
        "",
        "",
        False,
        ["plan_year"],
    ),
    "17_wenzu_kv_flattened.txt": (
        "ZQ370114-03/2022-00019",
        "文祖街道2022年工作计划",
        "文祖街道办事处",
        "文祖街道",
        "章丘区",
        "济南市",
        "山东省",
        "2022-02-15",
        "2022-02-16",
        "11:08",
        2022,
        "综合政务",  # the page's 主题分类; 栏目 is the site's section
        "文祖办发〔2022〕4号",
        "",
        False,
        ["plan_year"],
    ),
    "19_shaobo_nometa.txt": (
        None,
        "邵伯镇2022年工作计划（无原标题，据正文拟）",
        "",
        "邵伯镇",
        "江都区",
        "扬州市",
        "江苏省",
        None,
        None,
        None,
        2022,
        "",
        "",
        "",
        True,
        ["plan_year", "region", "title"],
    ),
    "20_beijiao_combined.txt": (
        "11440606MB2C22222/2022-000011",
        "北滘镇2021年工作总结暨2022年工作计划",
        "佛山市顺德区北滘镇人民政府",
        "北滘镇",
        "顺德区",
        "佛山市",
        "广东省",
        "2022-01-10",
        None,
        None,
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "21_shezhu_h1_logo.html": (
        None,
        "社渚镇2021年工作计划",
        "社渚镇",
        "社渚镇",
        "溧阳市",
        "常州市",
        "江苏省",
        None,
        "2021-02-03",
        None,
        2021,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "22_shihudang_nocolon_table.html": (
        "SH0117-16-2021-000021",
        "石湖荡镇2021年工作计划",
        "松江区石湖荡镇人民政府",
        "石湖荡镇",
        "松江区",
        "上海市",
        "上海市",
        "2021-01-19",
        "2021-01-20",
        None,
        2021,
        "综合政务",
        "沪松石府〔2021〕3号",
        "",
        False,
        ["plan_year"],
    ),
    "23_lecong_label_nextline.txt": (
        "11440606MB2C11111/2021-000045",
        "乐从镇2021年工作计划",
        "佛山市顺德区乐从镇人民政府",
        "乐从镇",
        "顺德区",
        "佛山市",
        "广东省",
        "2021-01-25",
        None,
        None,
        2021,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "24_jsonl_year_key.jsonl#L1": (
        None,
        "樟木头镇2020年工作总结",
        "樟木头镇",
        "樟木头镇",
        "东莞市",
        "东莞市",
        "广东省",
        None,
        None,
        None,
        2020,
        "",
        "",
        "",
        True,  # no 成文日期 and no 发布日期 (issue 13: flagged)
        ["issuer"],
    ),
    "24_jsonl_year_key.jsonl#L2": (
        None,
        "周巷镇2021年工作计划",
        "周巷镇",
        "周巷镇",
        "慈溪市",
        "宁波市",
        "浙江省",
        None,
        None,
        None,
        2021,
        "",
        "",
        "",
        True,  # no 成文日期 and no 发布日期 (issue 13: flagged)
        ["issuer", "plan_year"],
    ),
    "25_lanling_gb2312_td.html": (
        None,
        "兰陵镇2023年工作计划",
        "兰陵县兰陵镇人民政府",
        "兰陵镇",
        "兰陵县",
        "临沂市",
        "山东省",
        None,
        "2023-02-01",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "26_shaobo_gb18030_flatline.txt": (
        "11321012MB0000001A/2021-00005",
        "邵伯镇2021年工作计划",
        "江都区邵伯镇人民政府",
        "邵伯镇",
        "江都区",
        "扬州市",
        "江苏省",
        "2021-01-27",
        None,
        None,
        2021,
        "",
        "",
        "主动公开",
        False,
        ["plan_year"],
    ),
    "27_zhouxiang_text_xiaochang.txt": (
        None,
        "周巷镇2023年工作计划",
        "周巷镇",
        "周巷镇",
        "孝昌县",
        "孝感市",
        "湖北省",
        None,
        "2023-02-01",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "28_beijiao_utf16.txt": (
        None,
        "北滘镇2023年工作计划",
        "北滘镇人民政府",
        "北滘镇",
        "顺德区",
        "佛山市",
        "广东省",
        None,
        "2023-01-30",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "29_xinhua_banshichu_code.txt": (
        "11440114MB2C33331A/2021-00011",
        "新华街道2021年工作计划",
        "新华街道办事处",
        "新华街道",
        "花都区",
        "广州市",
        "广东省",
        "2021-01-18",
        None,
        None,
        2021,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "30_div_paragraphs_trs.html": (
        None,
        "北滘镇2022年工作要点",
        "北滘镇人民政府",
        "北滘镇",
        "顺德区",
        "佛山市",
        "广东省",
        None,
        "2022-01-21",
        "08:45",
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "31_summary_noyear_title.txt": (
        None,
        "花桥镇工作总结",
        "昆山市花桥镇人民政府",
        "花桥镇",
        "昆山市",
        "苏州市",
        "江苏省",
        None,
        "2021-01-12",
        "10:30",
        2020,
        "",
        "",
        "",
        True,
        ["plan_year"],
    ),
    "32_hanweb_td_br_layout.html": (
        None,
        "锦丰镇2021年工作计划",
        "锦丰镇",
        "锦丰镇",
        "张家港市",
        "苏州市",
        "江苏省",
        None,
        "2021-01-22",
        None,
        2021,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "33_value_list_xinhua.txt": (
        "11440114MB2C444410/2020-00004",
        "新华街道2020年工作计划（无原标题，据正文拟）",
        "新华街道办事处",
        "新华街道",
        "花都区",
        "广州市",
        "广东省",
        "2020-01-05",
        "2020-01-06",
        None,
        2020,
        "计划总结",
        "",
        "主动公开",
        True,
        ["category", "doc_date", "plan_year", "publish_date", "title"],
    ),
    "34_trs_tools_inside_container.html": (
        None,
        "梅村街道2022年工作计划",
        "梅村街道办事处",
        "梅村街道",
        "新吴区",
        "无锡市",
        "江苏省",
        None,
        "2022-01-25",
        "09:00",
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "35_pagedump_chrome_variants.txt": (
        None,
        "社渚镇2022年工作计划",
        "社渚镇人民政府",
        "社渚镇",
        "溧阳市",
        "常州市",
        "江苏省",
        None,
        "2022-02-09",
        None,
        2022,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "36_meta_table_inside_content.html": (
        "113202810142000010/2023-00009",
        "周庄镇2023年工作计划",
        "周庄镇人民政府",
        "周庄镇",
        "江阴市",
        "无锡市",
        "江苏省",
        "2023-01-16",
        "2023-01-18",
        None,
        2023,
        "综合政务",
        "周政发〔2023〕1号",
        "",
        False,
        ["plan_year"],
    ),
    "37_tab_separated_labels.txt": (
        "11440606MB2C11111/2023-000012",
        "乐从镇2023年工作计划",
        "佛山市顺德区乐从镇人民政府",
        "乐从镇",
        "顺德区",
        "佛山市",
        "广东省",
        "2023-01-28",
        "2023-01-30",
        None,
        2023,
        "计划总结",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "38_xinhua_full_issuer.txt": (
        None,
        "新华街道2023年工作计划",
        "广州市花都区新华街道办事处",
        "新华街道",
        "花都区",
        "广州市",
        "广东省",
        None,
        "2023-02-02",
        None,
        2023,
        "",
        "",
        "",
        False,
        ["plan_year"],
    ),
    "h04_truncated_gbk.txt": (
        None,
        "马桥镇2022年工作计划",
        "马桥镇",
        "",
        "",
        "",
        "",
        None,
        "2022-01-05",
        None,
        2022,
        "",
        "",
        "",
        True,
        ["issuer", "plan_year"],
    ),
}
# Every file here that is not a document, and why.
REJECTED = {
    "18_chrome_only.html": "没有正文",
    "h10_chrome_long_footer.html": "没有正文",
    "h01_empty.txt": "空文件",
    # An image is read as a lone attachment (OCR); it holds no Chinese text.
    "h02_image.png": "中文文字太少",
    "h02b_image_named.txt": "NUL",
    "h05_nul_bytes.txt": "NUL",
    "h05b_nul_bytes_clean.txt": "NUL",
    "h07_cp1252_junk.txt": "没有中文",
    "h08_js_redirect.html": "没有中文",
    "h09_csv_no_body_col.csv": "没有正文列",
}
CHROME = (
    "老年模式",
    "关怀模式",
    "当前位置",
    "位置：",
    "打印",
    "关闭",
    "浏览",
    "字号",
    "字体",
    "阅读量",
    "点击量",
    "分享",
    "微信",
    "QQ空间",
    "扫一扫",
    "上一篇",
    "下一篇",
    "相关文件",
    "主办",
    "ICP",
    "找错",
    "网站首页",
    "索引号",
    "索 引 号",
    "发布时间",
    "来源：",
    "|",
)


def _label(doc: Document) -> str:
    return Path(doc.source_file).name


def _row(doc: Document) -> tuple:
    values = []
    for name in FIELDS:
        value = getattr(doc, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, time):
            value = value.strftime("%H:%M")
        values.append(value)
    return tuple(values)


@pytest.fixture
def unseen() -> dict[str, Document]:
    summary = import_paths([UNSEEN])
    rejected = {Path(r.locator).name: r.reason for r in summary.rejected}
    assert set(rejected) == set(REJECTED), rejected
    for name, reason in REJECTED.items():
        assert reason in rejected[name], (name, rejected[name])
    return {_label(doc): doc for doc in Document.objects.all()}


def test_every_record_field_by_field(unseen: dict[str, Document]) -> None:
    # 01b and 13b are copies of 01 and 13a: stored once, under the first path.
    assert set(unseen) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = dict(zip(FIELDS, _row(unseen[name]), strict=True))
        assert got == dict(zip(FIELDS, expected, strict=True)), name


def test_bodies_are_whole_and_free_of_chrome(unseen: dict[str, Document]) -> None:
    for name, doc in unseen.items():
        first, last = doc.body.split("\n")[0], doc.body.split("\n")[-1]
        summary = "工作总结如下" in doc.body
        if summary:
            assert first.startswith(f"{doc.body[:4]}年，在上级党委政府的坚强领导下"), (
                name
            )
            assert last.endswith("各项事业再上新台阶。"), name
        else:
            assert "年是全面贯彻落实党的二十大精神的关键之年" in first, name
            # h04 is cut in half on purpose.
            truncated = name == "h04_truncated_gbk.txt"
            assert truncated or last.endswith("各项目标任务圆满完成。"), (name, last)
        for chrome in CHROME:
            assert chrome not in doc.body, (name, chrome)
        # Headings stand on their own lines, also where the page was flattened.
        lines = doc.body.split("\n")
        assert ("一、主要预期目标" in lines) or ("二、存在的问题" in lines), name


def test_originals_are_verbatim(unseen: dict[str, Document]) -> None:
    for name, doc in unseen.items():
        if "#" in name:
            continue
        assert doc.original == decode_bytes((UNSEEN / name).read_bytes()).text, name
    assert "\r\n" in unseen["23_lecong_label_nextline.txt"].original
    assert unseen["04_zhouxiang_xiaochang_gbk.html"].original_encoding == "gb18030"
    assert unseen["28_beijiao_utf16.txt"].original_encoding == "utf-16"


def test_div_paragraphs_are_the_whole_body(unseen: dict[str, Document]) -> None:
    doc = unseen["30_div_paragraphs_trs.html"]
    assert len(doc.body.split("\n")) == 12
    assert "深化与佛山市顺德区职业技术学院的校地合作。" in doc.body
    assert len(doc.body) > 800


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("01_jinfeng_hanweb.html", "html"),
        ("07_xinhua_pipe_nocolon.txt", "labelled"),
        ("19_shaobo_nometa.txt", "plain"),
        ("33_value_list_xinhua.txt", "value_list"),
        ("10_csv_english_headers.csv#R2", "csv"),
        ("12_jsonl_varied_keys.jsonl#L2", "jsonl"),
    ],
)
def test_layouts(unseen: dict[str, Document], name: str, layout: str) -> None:
    assert unseen[name].layout == layout


def test_no_metadata_file_gets_a_derived_title_and_the_place(
    unseen: dict[str, Document],
) -> None:
    doc = unseen["19_shaobo_nometa.txt"]
    assert "无原标题" in doc.title and doc.title.startswith("邵伯镇")
    assert any("邵伯镇" in n and "江都区" in n for n in doc.review_notes)


def test_ambiguous_street_offices_are_left_empty(unseen: dict[str, Document]) -> None:
    for name in ("05_chengguan_ambiguous.txt", "08_xinhua_spacing_ambiguous.txt"):
        doc = unseen[name]
        assert doc.division_code == "" and doc.needs_review, name
        assert any("同名" in n for n in doc.review_notes), name
    for name in (
        "07_xinhua_pipe_nocolon.txt",
        "29_xinhua_banshichu_code.txt",
        "33_value_list_xinhua.txt",
        "38_xinhua_full_issuer.txt",
    ):
        assert unseen[name].division_code == "440114001", name


def test_a_place_name_column_is_not_a_category(
    unseen: dict[str, Document],
) -> None:
    doc = unseen["15_liubu_plan_published_dec.html"]
    # <meta ColumnName content="柳埠街道">: a site's section is never a category.
    assert doc.category == ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("01_jinfeng_hanweb.html", "01b_jinfeng_copy.txt"),
        ("01b_jinfeng_copy.txt", "01_jinfeng_hanweb.html"),
        ("13_dup_hongshan_a.txt", "13_dup_hongshan_b_copy.txt"),
        ("13_dup_hongshan_b_copy.txt", "13_dup_hongshan_a.txt"),
    ],
)
def test_a_copy_never_replaces_the_first(first: str, second: str) -> None:
    import_paths([UNSEEN / first])
    doc = Document.objects.get()
    before = {name: getattr(doc, name) for name in ("original", "layout", "body")}
    summary = import_paths([UNSEEN / second])
    assert Document.objects.count() == 1
    doc.refresh_from_db()
    assert {name: getattr(doc, name) for name in before} == before
    assert doc.source_file.endswith(first)
    assert SourcePath.objects.filter(document=doc).count() == 2
    if first.startswith("01"):
        # Only the HTML page has the publish date: it is filled, whichever came
        # first, and the fill is noted when it came from the copy.
        assert doc.publish_date == date(2023, 2, 13)
        if first == "01b_jinfeng_copy.txt":
            assert summary.count(Outcome.UPDATED) == 1
            assert any("补充" in n and second in n for n in doc.review_notes)
    else:
        assert summary.count(Outcome.UNCHANGED) == 1
        assert doc.category == ""  # b's breadcrumb ends in a place, not a category
    again = import_paths([UNSEEN / first, UNSEEN / second])
    assert again.count(Outcome.UNCHANGED) == 2
