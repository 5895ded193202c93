"""One document from two sources, merged field by field, in either order."""

import html
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.ingest.fingerprint import bare_text, has_markup, text_key
from documents.ingest.merge import Candidate, best
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "merge"
ORDERS = pytest.mark.parametrize("reverse", [False, True], ids=["a-b", "b-a"])

# The merged fields: the same whichever source came first.
MERGED = (
    "index_no",
    "title",
    "issuer",
    "province",
    "city",
    "county",
    "township",
    "division_code",
    "doc_date",
    "publish_date",
    "publish_time",
    "plan_year",
    "category",
    "doc_number",
    "source_url",
    "inferred",
    "needs_review",
    "review_missing",
)


def _import(names: tuple[str, ...], reverse: bool) -> Document:
    for name in reversed(names) if reverse else names:
        import_paths([FIXTURES / name])
    assert Document.objects.count() == 1
    return Document.objects.get()


def _merged(doc: Document) -> dict:
    values = {name: getattr(doc, name) for name in MERGED}
    values["how"] = {k: v.get("how") for k, v in doc.field_sources.items()}
    return values


def _both_orders(names: tuple[str, str]) -> tuple[dict, dict]:
    first = _merged(_import(names, reverse=False))
    Document.objects.all().delete()
    SourcePath.objects.all().delete()
    second = _merged(_import(names, reverse=True))
    return first, second


PAIR_INFERRED = ("zhouxiang_inferred.txt", "zhouxiang_labelled.txt")
# A scraped text that kept the page's entities, and a clean copy of it.
PAIR_MARKUP = ("zhangzhen_scraped.txt", "zhangzhen_clean.txt")
# A CMS export with HTML in its content field (cleaned when it is read).
PAIR_CMS = ("zhangzhen_cms.jsonl", "zhangzhen_clean.txt")
PAIR_NEAR = ("dongcheng_site.txt", "dongcheng_mirror.txt")


@ORDERS
def test_a_labelled_issuer_beats_an_inferred_one(reverse: bool) -> None:
    doc = _import(PAIR_INFERRED, reverse)
    # The inferred name (from the title) is longer; the label still wins.
    assert doc.issuer == "周巷镇人民政府"
    assert doc.field_sources["issuer"] == {
        "source": "zhouxiang_labelled.txt",  # the label of a file imported alone
        "how": "read",
    }
    assert "issuer" not in doc.inferred
    # Values only one source has are taken from it.
    assert str(doc.publish_date) == "2022-02-05" and doc.category == "计划总结"
    # A label settling an inference is no disagreement.
    assert not any("不一致" in note for note in doc.review_notes)
    assert not doc.needs_review
    assert SourcePath.objects.filter(document=doc).count() == 2


@ORDERS
def test_clean_text_beats_markup(reverse: bool) -> None:
    doc = _import(PAIR_MARKUP, reverse)
    assert not has_markup(doc.body)
    assert "全力扩大有效投资" in doc.body
    assert doc.field_sources["body"]["source"] == "zhangzhen_clean.txt"
    assert doc.original.startswith("发布机构：上虞区章镇镇人民政府")
    assert "&nbsp;" not in doc.original
    # The markup is the only difference: not a disagreement.
    assert not doc.needs_review


def test_the_markup_copy_really_has_markup() -> None:
    import_paths([FIXTURES / PAIR_MARKUP[0]])
    doc = Document.objects.get()
    assert has_markup(doc.body)  # what the clean copy must replace
    assert doc.text_key == text_key(
        (FIXTURES / PAIR_MARKUP[1]).read_text("utf-8").split("\n", 3)[3]
    )


@ORDERS
def test_html_in_a_record_field_is_read_as_the_clean_copys_text(
    reverse: bool,
) -> None:
    # Since record fields are turned into text when read, the CMS export's body
    # is the clean copy's text: one document, no markup, in either order.
    doc = _import(PAIR_CMS, reverse)
    assert not has_markup(doc.body)
    assert "全力扩大有效投资" in doc.body
    # Only the export has the page's address.
    assert doc.source_url.startswith("http://www.shangyu.gov.cn/")
    assert doc.field_sources["source_url"]["source"] == "zhangzhen_cms.jsonl#L1"
    assert not doc.needs_review


@ORDERS
def test_nearly_the_same_text_is_one_document(reverse: bool) -> None:
    doc = _import(PAIR_NEAR, reverse)
    keys = {s.values["text_key"] for s in SourcePath.objects.all()}
    assert len(keys) == 2  # not the same text: found as a near copy
    assert doc.issuer == "临海市东塍镇人民政府"  # labelled on the site only
    assert str(doc.doc_date) == "2021-03-02"
    assert doc.township == "东塍镇"


def test_same_title_different_text_is_not_merged() -> None:
    import_paths([FIXTURES / "plan_2023_dayan.txt", FIXTURES / "plan_2023_shihu.txt"])
    docs = Document.objects.filter(title="2023年工作计划")
    assert docs.count() == 2
    assert {d.issuer for d in docs} == {"大堰镇人民政府", "石湖荡镇人民政府"}
    for doc in docs:
        assert doc.sources.count() == 1


@pytest.mark.parametrize("pair", [PAIR_INFERRED, PAIR_MARKUP, PAIR_NEAR])
def test_either_order_gives_the_same_record(pair: tuple[str, str]) -> None:
    first, second = _both_orders(pair)
    assert first == second


@pytest.mark.parametrize("pair", [PAIR_INFERRED, PAIR_MARKUP, PAIR_NEAR])
def test_reimporting_changes_nothing(pair: tuple[str, str]) -> None:
    doc = _import(pair, reverse=False)
    before = (_merged(doc), doc.review_notes, doc.field_sources, doc.updated_at)
    again = import_paths([FIXTURES / name for name in pair])
    assert again.count(Outcome.UNCHANGED) == 2
    doc.refresh_from_db()
    assert (_merged(doc), doc.review_notes, doc.field_sources, doc.updated_at) == (
        before
    )


def test_a_changed_source_is_merged_again(tmp_path: Path) -> None:
    # The labelled copy loses its label: the record falls back to the inference.
    for name in PAIR_INFERRED:
        (tmp_path / name).write_text((FIXTURES / name).read_text("utf-8"), "utf-8")
    import_paths([tmp_path])
    labelled = tmp_path / PAIR_INFERRED[1]
    labelled.write_text(
        labelled.read_text("utf-8").replace("发布机构：周巷镇人民政府\n", ""), "utf-8"
    )
    summary = import_paths([labelled])
    assert summary.count(Outcome.UPDATED) == 1
    doc = Document.objects.get()
    assert doc.issuer == "慈溪市周巷镇人民政府"
    assert doc.field_sources["issuer"]["how"] == "inferred"
    assert "issuer" in doc.inferred


def test_the_document_page_shows_each_fields_source(client) -> None:  # noqa: ANN001
    doc = _import(PAIR_INFERRED, reverse=False)
    page = client.get(doc.get_absolute_url()).content.decode()
    assert "字段来源" in page
    block = page[page.index('class="provenance"') :]
    block = block[: block.index("</details>")]
    assert "zhouxiang_labelled.txt" in block
    assert "zhouxiang_inferred.txt" in block
    row = block[block.index("发布机构") :]
    row = row[: row.index("</tr>")]
    assert "zhouxiang_labelled.txt" in row and "读取" in row


def test_markup_in_a_metadata_value_loses_to_clean_text() -> None:
    marked = Candidate("/a", "a", "周巷镇2022年工作计划&nbsp;", "read")
    clean = Candidate("/b", "b", "周巷镇2022年工作计划", "read")
    assert best("title", [marked, clean]) is clean
    assert best("title", [clean, marked]) is clean


def test_ties_are_broken_by_the_source_not_the_order() -> None:
    a = Candidate("/x/a.txt", "a", "2022-02-03", "read")
    b = Candidate("/x/b.txt", "b", "2022-02-04", "read")
    assert best("doc_date", [a, b]) is best("doc_date", [b, a]) is a
    weak = Candidate("/x/0.txt", "0", "2022-01-01", "weak")
    assert best("doc_date", [weak, b]) is b


def test_short_texts_alike_in_form_are_not_one_document(tmp_path: Path) -> None:
    # Attachment-only pages: the same four characters say nothing about identity.
    (tmp_path / "a.txt").write_text(
        "发布机构：大堰镇人民政府\n大堰镇2023年财政预算公开\n详见附件。\n", "utf-8"
    )
    (tmp_path / "b.txt").write_text(
        "发布机构：石湖荡镇人民政府\n石湖荡镇2023年部门决算公开\n详见附件.\n", "utf-8"
    )
    import_paths([tmp_path])
    assert Document.objects.count() == 2


def _plan_body(place: str, n: int) -> str:
    return (
        f"2023年，{place}将坚持稳中求进工作总基调，全年实施重点项目{n}个，"
        f"完成固定资产投资{n * 3}亿元，新增城镇就业{n * 40}人，"
        f"新建农村公路{n + 5}公里，完成老旧小区改造{n % 7 + 1}个。"
    )


def test_a_near_copy_is_found_among_many_documents_of_its_title(
    tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    from documents.ingest import store

    # 60 townships in other counties publish a "2023年工作计划" of their own.
    for n in range(60):
        Document.objects.create(
            title="2023年工作计划",
            body=_plan_body(f"第{n}镇", n),
            original="-",
            content_hash=f"h{n}",
            division_code=f"{110101 + n}001",
            province="北京市",
        )
    (tmp_path / "site.txt").write_text(
        "发布机构：临海市东塍镇人民政府\n2023年工作计划\n"
        + _plan_body("东塍镇", 3)
        + "\n扫一扫在手机打开当前页\n",
        "utf-8",
    )
    import_paths([tmp_path / "site.txt"])
    compared = []
    real = store.similarity
    monkeypatch.setattr(
        store, "similarity", lambda a, b: compared.append(1) or real(a, b)
    )
    (tmp_path / "mirror.txt").write_text(
        "发布机构：临海市东塍镇人民政府\n2023年工作计划\n"
        + _plan_body("东塍镇", 3).replace("，", ", ")
        + "另附重点项目表。\n",
        "utf-8",
    )
    import_paths([tmp_path / "mirror.txt"])
    assert Document.objects.filter(sources__isnull=False).distinct().count() == 1
    assert len(compared) == 1  # only the same-county candidate was read


def test_the_text_source_read_again_keeps_what_the_copy_added(tmp_path: Path) -> None:
    for name in PAIR_INFERRED:
        (tmp_path / name).write_text((FIXTURES / name).read_text("utf-8"), "utf-8")
    import_paths([tmp_path])
    first = tmp_path / PAIR_INFERRED[0]
    first.write_text(first.read_text("utf-8") + "四、其他。另行通知。\n", "utf-8")
    import_paths([first])
    doc = Document.objects.get()
    assert "另行通知" in doc.body
    assert doc.issuer == "周巷镇人民政府"  # still the copy's label
    assert any(
        n.startswith("另一来源") and PAIR_INFERRED[1] in n for n in doc.review_notes
    )


@given(st.text().filter(lambda text: "<" not in text))
def test_bare_text_keeps_exactly_the_letters_and_digits(text: str) -> None:
    # The regex stands for the plain definition, which was too slow for imports
    # (tags, which it also drops, need a "<").
    normalised = unicodedata.normalize("NFKC", html.unescape(text))
    assert bare_text(text) == "".join(ch for ch in normalised if ch.isalnum())
