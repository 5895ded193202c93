"""A query that is exactly a 索引号 or 文号 finds that document first, whatever
its form (full-width characters, spaces, 〔〕 against [] or ()); the count of
results stays the substring scan's."""

from __future__ import annotations

from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from documents.models import Document
from documents.numbers import number_key
from documents.texts import searchable_fields
from search.query import parse_query
from search.services import index_documents
from search.textmatch import matches
from tests.search.conftest import make_document

DOC_NUMBER = "浙政发〔2021〕8号"
INDEX_NO = "LH331082-074/2021-108413"


@pytest.mark.parametrize(
    "typed",
    [
        "浙政发[2021]8号",
        "浙政发（2021）8号",
        "浙政发(２０２１)８号",
        "浙政发 〔2021〕 8 号",
        "浙政发﹝2021﹞8号",
        "浙政发【2021】8号",
        "“浙政发〔2021〕8号”",
    ],
)
def test_every_form_of_a_number_has_its_key(typed: str) -> None:
    assert number_key(typed) == number_key(DOC_NUMBER)


def test_different_numbers_have_different_keys() -> None:
    assert number_key("浙政发〔2021〕8号") != number_key("浙政发〔2021〕9号")
    assert number_key("浙政发〔2021〕8号") != number_key("浙政办发〔2021〕8号")
    assert number_key("lh331082－074／2021—108413") == number_key(INDEX_NO)


@pytest.mark.django_db
def test_every_save_keeps_the_keys() -> None:
    document = make_document("甲", "正文", doc_number="浙政发 [2021] 8号")
    assert document.doc_number_key == number_key(DOC_NUMBER)
    assert document.index_no_key == ""
    document.index_no = "ｌｈ331082-074/2021-108413"
    document.save(update_fields=["index_no"])
    document.refresh_from_db()
    assert document.index_no_key == number_key(INDEX_NO)
    (created,) = Document.objects.bulk_create(
        [Document(title="乙", body="正文", content_hash="b", doc_number=DOC_NUMBER)]
    )
    assert Document.objects.get(pk=created.pk).doc_number_key == number_key(DOC_NUMBER)


@pytest.fixture
def archive(search_index) -> dict[str, Document]:
    documents = {
        "numbered": make_document(
            "关于推进乡村振兴的实施意见",
            "各乡镇：推进产业发展。",
            issuer="浙江省人民政府",
            province="浙江省",
            doc_number=DOC_NUMBER,
            index_no=INDEX_NO,
            plan_year=2021,
        ),
        # Cites the number in its body, in the form it was written.
        "citing": make_document(
            "贯彻落实意见", "根据浙政发〔2021〕8号文件精神。", province="浙江省"
        ),
        "citing again": make_document(
            "再次贯彻", "重申浙政发〔2021〕8号。", province="浙江省"
        ),
        "other": make_document(
            "另一份意见", "无关。", doc_number="浙政发〔2021〕9号", province="浙江省"
        ),
    }
    index_documents([d.pk for d in documents.values()])
    return documents


def _scan(query: str) -> set[int]:
    node = parse_query(query)
    return {d.pk for d in Document.objects.all() if matches(searchable_fields(d), node)}


@pytest.mark.django_db
@pytest.mark.search
@pytest.mark.parametrize(
    "typed",
    [
        DOC_NUMBER,
        "浙政发[2021]8号",
        "浙政发（２０２１）８号",
        "浙政发 〔2021〕 8号",
        "文号:浙政发(2021)8号",
        INDEX_NO,
        "ｌｈ３３１０８２－０７４／２０２１－１０８４１３",
        "索引号: LH331082 - 074/2021-108413",
    ],
)
def test_a_typed_number_finds_its_document_first(client, archive, typed) -> None:
    data = client.get("/api/search", {"q": typed}).json()
    assert [row["id"] for row in data["identified"]] == [archive["numbered"].pk]
    # The count is the text search's, whatever the identified document.
    assert data["total"] == len(_scan(typed))
    assert {row["id"] for row in data["results"]} == _scan(typed)
    page = BeautifulSoup(client.get("/search/", {"q": typed}).content, "html.parser")
    first = page.select("article.hit")[0]
    assert "编号相符" in first.get_text()
    assert first.select_one("h2 a")["href"].startswith(
        f"/documents/{archive['numbered'].pk}/"
    )
    out = StringIO()
    call_command("search_plans", typed, stdout=out)
    assert out.getvalue().startswith(f"编号相符\t{archive['numbered'].pk}\t")


@pytest.mark.django_db
@pytest.mark.search
@pytest.mark.parametrize(
    ("typed", "params"),
    [
        ("浙政发[2021]", {}),  # part of a number is no number
        ("2021", {}),
        ("浙政发〔2021〕8号 -水", {}),
        ("浙政发〔2021〕8号 OR 乡村", {}),
        ("标题:浙政发〔2021〕8号", {}),
        ("索引号:浙政发〔2021〕8号", {}),  # it is a 文号, not a 索引号
        (DOC_NUMBER, {"province": "江苏省"}),  # the filters still apply
        (DOC_NUMBER, {"year_from": "2022"}),
        (DOC_NUMBER, {"page": "2", "page_size": "1"}),  # the first page only
    ],
)
def test_what_is_not_one_number_identifies_nothing(
    client, archive, typed, params
) -> None:
    data = client.get("/api/search", {"q": typed, **params}).json()
    assert data["identified"] == []


@pytest.mark.django_db
@pytest.mark.search
def test_the_filters_that_keep_it_keep_it(client, archive) -> None:
    data = client.get(
        "/api/search",
        {"q": DOC_NUMBER, "province": "浙江省", "year_from": 2020, "year_to": 2021},
    ).json()
    assert [row["id"] for row in data["identified"]] == [archive["numbered"].pk]
