"""Record files nobody wrote a rule for: unnamed columns, HTML in fields, fields of
any size, index CSVs of Markdown files, and Markdown front matter."""

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.ingest.errors import RejectedInput
from documents.ingest.extract.columns import infer_roles
from documents.ingest.extract.front_matter import extract_front_matter
from documents.ingest.extract.markup import markup_to_text
from documents.ingest.layouts import extract_records
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document

pytestmark = pytest.mark.django_db

RECORDS = Path(__file__).resolve().parent.parent / "fixtures" / "records"
INDEX_TOWNS = RECORDS / "index_towns"
FRONT_MATTER_KEYS = ("标题:", "文号:", "发布单位:", "发布日期:", "层级:", "类型:")
FRONT_MATTER_KEYS += ("分类:", "状态:", "官方链接:", "著作权法", "---")


def _records(path: Path) -> list:
    outcomes = list(extract_records(path.read_text("utf-8"), filename=path.name))
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    return [o.record for o in outcomes]


# --- columns known by their content ------------------------------------------


def test_csv_body_column_of_an_unseen_name_is_found_by_content() -> None:
    first, second, third = _records(RECORDS / "huzhou_full_text.csv")
    assert first.body.startswith("2023年是全面贯彻落实党的二十大精神的开局之年。")
    assert first.body.splitlines()[1] == "一、主要预期目标"
    assert "（四）办好民生实事" in first.body
    # Chinese-named columns through the label table, level and type kept raw.
    assert first.fields["title"] == "新市镇2023年工作计划"
    assert first.fields["issuer"] == "德清县新市镇人民政府"
    assert first.fields["doc_number"] == "新政发〔2023〕3号"
    assert first.fields["category"] == "计划总结"
    assert first.fields["level"] == "乡镇级"
    assert first.fields["doc_type"] == "工作计划"
    # Unnamed columns read by their values, and marked as such.
    assert first.fields["publish_date"] == "2023-02-08"
    assert third.fields["publish_date"] == "2022年12月28日"
    assert first.fields["index_no"] == "113305210025911234/2023-00012"
    assert {"publish_date", "index_no"} <= first.positional
    assert first.region_names == {
        "province": "浙江省",
        "city": "湖州市",
        "county": "德清县",
        "township": "新市镇",
    }
    assert second.region_names["county"] == "安吉县"
    assert any("full_text" in note for note in first.notes)


def test_csv_unseen_columns_end_to_end() -> None:
    summary = import_paths([RECORDS / "huzhou_full_text.csv"])
    assert summary.count(Outcome.IMPORTED) == 3, summary.rejected
    doc = Document.objects.get(index_no="113305210025911234/2023-00012")
    assert doc.title == "新市镇2023年工作计划"
    assert doc.publish_date == date(2023, 2, 8)
    assert doc.plan_year == 2023
    assert "publish_date" in doc.inferred and "index_no" in doc.inferred
    assert doc.body.count("\n") == 7


def test_jsonl_unseen_body_key_and_date_key(tmp_path: Path) -> None:
    rows = [
        {
            "标题": f"{town}2024年工作要点",
            "wenben": f"2024年，{town}将坚持稳中求进工作总基调。\n一、抓好项目建设。"
            f"全年实施重点项目{n}个，完成固定资产投资{n * 3}亿元，确保项目早开工早见效。",
            "fabu_shijian": f"2024-0{n}-15 10:00",
        }
        for n, town in ((1, "新市镇"), (2, "孝丰镇"))
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    first, second = _records(path)
    assert first.body.startswith("2024年，新市镇将坚持稳中求进工作总基调。")
    assert second.fields["publish_date"] == "2024-02-15 10:00"
    assert "publish_date" in second.positional


def test_csv_without_any_text_column_is_still_rejected() -> None:
    text = "标题,发布日期,编号\n某镇2021年工作计划,2021-01-01,7\n某镇2021年工作总结,2021-12-30,8\n"
    with pytest.raises(RejectedInput, match="没有正文列"):
        list(extract_records(text, filename="x.csv"))


def test_two_long_text_columns_of_like_length_are_not_guessed() -> None:
    body = "全镇地区生产总值增长百分之六，一般公共预算收入增长百分之五，城乡居民收入稳步增长。"
    text = f"标题,summary_a,summary_b\n某镇计划,{body},{body}再加几字\n"
    with pytest.raises(RejectedInput, match="没有正文列"):
        list(extract_records(text, filename="x.csv"))


# --- HTML inside fields ------------------------------------------------------


def test_html_in_jsonl_body_and_title_becomes_clean_text() -> None:
    path = RECORDS / "kunshan_cms_html.jsonl"
    summary = import_paths([path])
    assert summary.count(Outcome.IMPORTED) == 2, summary.rejected
    doc = Document.objects.get(title="花桥镇2024年工作要点")
    assert doc.body.splitlines()[:2] == [
        "2024年是实施“十四五”规划的关键一年。花桥镇将坚持稳中求进工作总基调，"
        "全力打造长三角一体化发展示范区。",
        "一、主要预期目标",
    ]
    # <br/> splits paragraphs; table cells stay on their row's line.
    assert "（二）壮大现代服务业。新增金融外包企业20家，建成数字经济产业园二期。" in (
        doc.body.splitlines()
    )
    assert "新增就业岗位 3000个" in doc.body.splitlines()
    for markup in ("<", "style", "&nbsp;", "class=", "_hmt", "TRS_Editor", "\xa0"):
        assert markup not in doc.body, markup
    assert (doc.township, doc.county) == ("花桥镇", "昆山市")
    # The original keeps the record as written.
    line = path.read_text("utf-8").splitlines()[0]
    assert doc.original == line and "<p style=" in doc.original
    other = Document.objects.get(title="千灯镇2024年工作要点")
    assert "顾炎武文化旅游节·第十届" in other.body
    assert "新建养老服务综合体1家，改造农贸市场2个。" in other.body


def test_html_in_csv_cells_of_a_cms_export() -> None:
    text = (
        "标题,发布机构,content\n"
        "\"<font color='#333'>新市镇2023年工作计划</font>\","
        '"新市镇人民政府&nbsp;",'
        "\"<p style='text-indent:2em'>一、总体要求。坚持稳中求进。</p>"
        "<table><tr><td class='xl66'>指标</td><td class='xl66'>增长6%</td></tr>"
        '</table>"\n'
    )
    (outcome,) = list(extract_records(text, filename="cms.csv"))
    record = outcome.record
    assert record.fields["title"] == "新市镇2023年工作计划"
    assert record.fields["issuer"] == "新市镇人民政府"
    assert record.body == "一、总体要求。坚持稳中求进。\n指标 增长6%"
    assert "<td class='xl66'>" in record.original


def test_markup_to_text_keeps_book_title_brackets_and_plain_text() -> None:
    plain = "关于印发<上海市建筑装饰装修工程管理实施办法>的通知\n第二行 x<5"
    assert markup_to_text(plain) == plain
    assert markup_to_text("中共&nbsp;中央&amp;国务院") == "中共\xa0中央&国务院"
    assert markup_to_text("<p>甲</p><p>乙<br>丙</p>") == "甲\n乙\n丙"


# --- fields of any size ------------------------------------------------------


def _long_body(size: int) -> str:
    lines = []
    n = 0
    while sum(map(len, lines)) + len(lines) < size:
        n += 1
        lines.append(
            f"（{n}）第{n}项重点任务：推进城乡融合发展，完成投资{n * 3 + 7}亿元，"
            f"新建道路{n % 17 + 2}公里，改造老旧小区{n % 9 + 1}个，确保按期完成。"
        )
    return "\n".join(lines)


def test_a_csv_field_of_over_200000_characters_is_one_record(tmp_path: Path) -> None:
    body = _long_body(210_000)
    assert len(body) > 200_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["标题", "发布日期", "正文"])
        writer.writerow(["新市镇2023年重点项目计划", "2023-02-08", body])
        writer.writerow(
            ["新市镇2023年工作要点", "2023-02-09", "一、稳增长。全年增长百分之六。"]
        )
    summary = import_paths([path])
    assert summary.count(Outcome.IMPORTED) == 2, summary.rejected
    assert Document.objects.count() == 2
    assert Document.objects.get(title="新市镇2023年重点项目计划").body == body


def test_the_document_size_limit_applies_to_one_record(
    tmp_path: Path, settings
) -> None:
    body = _long_body(200_000)
    settings.PLANSITE_MAX_DOCUMENT_BYTES = 300_000  # Under the record's ~600 KB.
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["标题", "正文"])
        writer.writerow(["新市镇2023年重点项目计划", body])
    summary = import_paths([path])
    assert [r.outcome for r in summary.results] == [Outcome.REJECTED]
    assert "记录过大" in summary.results[0].reason
    assert Document.objects.count() == 0


def _write_document(path: Path, body: str) -> None:
    path.write_text(
        "标题：新市镇2023年重点项目建设计划\n"
        "索引号：113305210025911234/2023-00099\n"
        "发布机构：德清县新市镇人民政府\n"
        "成文日期：2023-02-06\n"
        "发布日期：2023-02-10\n"
        "文号：新政发〔2023〕9号\n"
        "主题分类：计划总结\n\n" + body + "\n",
        encoding="utf-8",
    )


def _snapshot(doc: Document) -> tuple:
    return (
        doc.index_no,
        doc.title,
        doc.issuer,
        doc.doc_date,
        doc.publish_date,
        doc.plan_year,
        doc.category,
        doc.doc_number,
        doc.township,
        doc.county,
        doc.body,
        sorted(doc.inferred),
        doc.needs_review,
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_of_a_200000_character_document_reimports_the_same(
    tmp_path: Path, fmt: str
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    _write_document(source / "plan.txt", _long_body(205_000))
    summary = import_paths([source])
    assert summary.count(Outcome.IMPORTED) == 1, summary.rejected
    (doc,) = Document.objects.all()
    assert len(doc.body) > 200_000
    before = _snapshot(doc)
    target = tmp_path / f"export.{fmt}"
    call_command(
        "export_plans", "--format", fmt, "-o", str(target), stderr=io.StringIO()
    )
    Document.objects.all().delete()
    summary = import_paths([target])
    assert summary.count(Outcome.IMPORTED) == 1, summary.rejected
    assert len(summary.results) == 1
    (again,) = Document.objects.all()
    assert _snapshot(again) == before


# --- index CSVs and Markdown front matter -------------------------------------


def _by_town() -> dict[str, Document]:
    return {doc.township: doc for doc in Document.objects.all()}


def test_index_csv_and_its_markdown_files_are_one_document_each() -> None:
    summary = import_paths([INDEX_TOWNS])
    assert summary.count(Outcome.IMPORTED) == 3, summary.rejected
    # The row whose file is missing is reported, not imported.
    (missing,) = summary.rejected
    assert missing.locator.endswith("gov_docs_index.csv#R5")
    assert "找不到" in missing.reason and "亭林镇" in missing.reason
    docs = _by_town()
    assert set(docs) == {"朱泾镇", "泗泾镇", "南翔镇"}
    for doc in docs.values():
        assert doc.layout == "markdown"
        assert not any(key in doc.body for key in FRONT_MATTER_KEYS), doc.body[:200]
        assert not doc.body.startswith(doc.title)
        assert "docs/" not in doc.body
        assert doc.original.startswith("---\n")

    zhujing = docs["朱泾镇"]
    assert zhujing.doc_number == "金朱府〔2023〕12号"
    assert zhujing.issuer == "上海市金山区朱泾镇人民政府"
    assert zhujing.category == "工程建设管理"
    assert zhujing.source_url.endswith("businessId=0081i20230616-zj01&siteId=0081")
    assert zhujing.body.startswith("各村（居）委、镇属各单位、机关各部门：")
    assert "第一章 总则" in zhujing.body.splitlines()
    assert any("来源平台" in note for note in zhujing.review_notes)

    # The CSV names the full title; the source cut the file name short.
    sijing = docs["泗泾镇"]
    assert sijing.title.endswith("（试行）》的通知")
    assert sijing.publish_date == date(2024, 3, 11)
    assert any("前缀" in note for note in sijing.review_notes)
    # The front matter's 层级 is kept; the row's differing one is noted.
    assert any("层级“街镇级”与文件不同" in n for n in sijing.review_notes)

    # The file lacks 分类: the row gives it. Its dates differ: the file wins.
    nanxiang = docs["南翔镇"]
    assert nanxiang.category == "房屋与住房"
    assert nanxiang.publish_date == date(2024, 5, 20)
    assert any("2024-05-21" in note for note in nanxiang.review_notes)


def test_index_import_again_and_in_any_order_changes_nothing() -> None:
    import_paths([INDEX_TOWNS])
    before = {d.pk: _snapshot(d) for d in Document.objects.all()}
    again = import_paths([INDEX_TOWNS])
    assert again.count(Outcome.UNCHANGED) == 3
    assert again.count(Outcome.IMPORTED) == again.count(Outcome.UPDATED) == 0
    csv_first = import_paths([INDEX_TOWNS / "gov_docs_index.csv", INDEX_TOWNS / "docs"])
    assert csv_first.count(Outcome.UNCHANGED) == 3
    assert csv_first.count(Outcome.IMPORTED) == 0
    assert {d.pk: _snapshot(d) for d in Document.objects.all()} == before


def test_index_listed_after_its_files_joins_them(tmp_path: Path) -> None:
    folder = tmp_path / "towns"
    shutil.copytree(INDEX_TOWNS, folder)
    summary = import_paths([folder / "docs", folder / "gov_docs_index.csv"])
    assert summary.count(Outcome.IMPORTED) == 3, summary.rejected
    assert Document.objects.count() == 3
    assert _by_town()["南翔镇"].category == "房屋与住房"


def test_files_imported_without_their_index_still_join_it(tmp_path: Path) -> None:
    folder = tmp_path / "towns"
    shutil.copytree(INDEX_TOWNS, folder)
    summary = import_paths([folder / "docs" / "房屋与住房"])
    assert summary.count(Outcome.IMPORTED) == 2, summary.rejected
    assert not summary.rejected  # Rows of files not listed are not imported.
    assert _by_town()["南翔镇"].category == "房屋与住房"
    before = {d.pk: _snapshot(d) for d in Document.objects.all()}
    for paths in ([folder / "docs"], [folder], [folder / "gov_docs_index.csv"]):
        summary = import_paths(paths)
        assert summary.count(Outcome.UPDATED) == 0, paths
        assert summary.count(Outcome.IMPORTED) == (1 if paths[0].name == "docs" else 0)
        now = {d.pk: _snapshot(d) for d in Document.objects.all()}
        assert {pk: now[pk] for pk in before} == before
        before = now
    assert Document.objects.count() == 3


def test_files_imported_before_their_index_are_joined_not_copied(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "towns"
    (folder / "docs").mkdir(parents=True)
    shutil.copytree(INDEX_TOWNS / "docs", folder / "docs" / "docs")
    import_paths([folder / "docs"])
    assert _by_town()["南翔镇"].category == ""
    shutil.copy(INDEX_TOWNS / "gov_docs_index.csv", folder / "docs")
    summary = import_paths([folder / "docs" / "gov_docs_index.csv"])
    assert summary.count(Outcome.IMPORTED) == 0, summary.results
    assert summary.count(Outcome.UPDATED) == 3
    assert Document.objects.count() == 3
    assert _by_town()["南翔镇"].category == "房屋与住房"


def test_an_index_read_alone_is_rejected_with_a_reason() -> None:
    text = (INDEX_TOWNS / "gov_docs_index.csv").read_text("utf-8")
    with pytest.raises(RejectedInput, match="索引表"):
        list(extract_records(text, filename="gov_docs_index.csv"))


def test_front_matter_that_is_not_valid_yaml_is_read_line_by_line() -> None:
    text = (
        "---\n"
        "标题：关于印发《张堰镇河长制工作方案》的通知\n"
        "发文机关: 上海市金山区张堰镇人民政府\n"
        "发布日期: 2019-04-02\n"
        "官方链接: https://www.jinshan.gov.cn/zy/20190402/a.html?x=1:2\n"
        "关键词:\n"
        "  - 河长制\n"
        "  - 水环境\n"
        "---\n"
        "# 关于印发《张堰镇河长制工作方案》的通知\n\n"
        "> 编者按：本方案自2019年4月起施行。\n\n"
        "各村（居）委：现将《张堰镇河长制工作方案》印发给你们。\n"
    )
    record = extract_front_matter(text)
    assert record.fields["title"] == "关于印发《张堰镇河长制工作方案》的通知"
    assert record.fields["issuer"] == "上海市金山区张堰镇人民政府"
    assert record.fields["source_url"].endswith("a.html?x=1:2")
    # A quote after the heading is not the note about the copy: it is text.
    assert record.body.splitlines() == [
        "> 编者按：本方案自2019年4月起施行。",
        "各村（居）委：现将《张堰镇河长制工作方案》印发给你们。",
    ]
    assert record.original == text


def test_the_shanghai_towns_corpus_is_44_documents(corpus_dir: Path) -> None:
    folder = corpus_dir / "shanghai-towns"
    with (folder / "gov_docs_selected.csv").open(encoding="utf-8") as handle:
        rows = {row["标题"]: row for row in csv.DictReader(handle)}
    summary = import_paths([folder])
    assert summary.count(Outcome.IMPORTED) == 44, summary.rejected
    assert not summary.rejected
    assert Document.objects.count() == 44
    for doc in Document.objects.all():
        row = rows[doc.title]
        assert doc.layout == "markdown"
        assert doc.doc_number == ("" if row["文号"] == "-" else row["文号"])
        assert doc.issuer == row["发布单位"]
        assert doc.category == row["分类"]
        if row["发布日期"]:
            assert doc.publish_date == date.fromisoformat(row["发布日期"])
        for key in FRONT_MATTER_KEYS:
            assert key not in doc.body, (doc.title, key)
        assert not doc.body.startswith("# ") and "docs/" not in doc.body
    again = import_paths([folder])
    assert again.count(Outcome.UNCHANGED) == 44
    assert Document.objects.count() == 44


# --- column roles from values --------------------------------------------------


def test_two_date_columns_earlier_is_written_later_is_published() -> None:
    rows = [
        {"d1": f"2023-0{m}-10", "d2": f"2023年{m}月1{m}日", "pos": town}
        for m, town in ((2, "德清县"), (3, "安吉县"), (4, "长兴县"))
    ]
    roles = infer_roles(rows, ["d1", "d2", "pos"], taken=set())
    assert roles.fields == {"d1": "doc_date", "d2": "publish_date"}
    assert roles.places == {"pos": "county"}
    assert roles.body is None
    # A labelled 发布日期 leaves the one date column to be 成文日期.
    roles = infer_roles(rows, ["d1"], taken={"publish_date"})
    assert roles.fields == {"d1": "doc_date"}


def test_values_that_are_not_codes_dates_or_places_are_not_taken() -> None:
    rows = [
        {"n": str(i), "who": name, "code": f"A{i}", "tel": f"0572-842123{i}"}
        for i, name in enumerate(["张三", "李四", "王五"], start=1)
    ]
    roles = infer_roles(rows, ["n", "who", "code", "tel"], taken=set())
    assert roles.fields == {} and roles.places == {} and roles.body is None


def test_jsonl_rows_that_name_text_files_make_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "towns"
    shutil.copytree(INDEX_TOWNS / "docs", folder / "docs")
    lines = [
        {"title": "南翔镇住宅小区物业服务考核办法", "category": "房屋与住房",
         "file": "docs/房屋与住房/南翔镇住宅小区物业服务考核办法.md"},
    ]  # fmt: skip
    (folder / "index.jsonl").write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines), "utf-8"
    )
    summary = import_paths([folder])
    assert summary.count(Outcome.IMPORTED) == 3, summary.rejected
    assert _by_town()["南翔镇"].category == "房屋与住房"


def test_a_first_line_that_quotes_the_title_stays_text() -> None:
    text = (
        "---\n标题: 朱泾镇小型建设工程项目管理办法\n---\n"
        "现将《朱泾镇小型建设工程项目管理办法》印发给你们，请认真贯彻执行。\n"
    )
    record = extract_front_matter(text)
    assert record.body.startswith("现将《朱泾镇小型建设工程项目管理办法》印发给你们")
