"""Field search (标题:, 发文机关:, 文号:, 索引号:) finds exactly what a scan of the
field finds (search/textmatch.py over documents/texts.py searchable_fields),
in the folded and the exact form, on plansite's engine and on another one."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.models import Document
from documents.texts import searchable_fields
from search.normalise import Form
from search.query import SEARCH_FIELDS, Term, parse_query
from search.services import SearchFilters, index_documents, search_documents
from search.textmatch import matches
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

# (title, body, issuer, doc_number, index_no): terms of one field occur in
# other fields and in bodies too, so a field query that searched the full
# text would be caught.
ROWS = [
    (
        "关于推进乡村振兴的实施意见",
        "各乡镇：推进产业发展。",
        "浙江省人民政府",
        "浙政发〔2021〕8号",
        "002482410/2021-00008",
    ),
    ("2022年政府工作报告", "乡村振兴取得新进展。各级人民政府部署。", "国务院", "", ""),
    (
        "桃源乡人民政府工作计划",
        "发文机关：浙江省人民政府",
        "桃源乡人民政府",
        "桃政〔2023〕1号",
        "LH331082-074/2021-108413",
    ),
    ("憲法草案的說明", "１９５５年的报告", "全国人民代表大会", "", "（1955）001"),
    (
        "ＧＤＰ增长目标",
        "GDP 增长 5.5%",
        "国家统计局",
        "国统字［2020］12号",
        "11100000000013127D/2020-00012",
    ),
    (
        "美丽城镇建设行动方案",
        "浙政发〔2021〕8号文件精神",
        "温岭市人民政府",
        "温政办发〔2021〕30号",
        "002590139/2023-74151",
    ),
    ("水利工作要点", "水", "水利局", "水发 [2019] 3 号", "2019-3"),
]


@pytest.fixture
def archive(any_engine_index) -> list[Document]:
    documents = [
        make_document(
            title, body, issuer=issuer, doc_number=number, index_no=index_no or None
        )
        for title, body, issuer, number, index_no in ROWS
    ]
    assert index_documents([d.pk for d in documents]) == len(documents)
    return documents


def _hits(query: str, form: Form = Form.FOLDED) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="", page=1, page_size=100, form=form
    )
    assert page.total == len(page.results)
    return {hit.id for hit in page.results}


def _scan(query: str, form: Form = Form.FOLDED) -> set[int]:
    node = parse_query(query, form=form)
    return {
        document.pk
        for document in Document.objects.all()
        if matches(searchable_fields(document), node)
    }


def test_a_field_term_searches_that_field_only(archive) -> None:
    by_title = {d.title: d.pk for d in archive}
    # 乡村振兴 is in a title and in another document's body.
    assert _hits("标题:乡村振兴") == {by_title["关于推进乡村振兴的实施意见"]}
    assert len(_hits("乡村振兴")) == 2
    # 浙江省人民政府 issues one document and is named in another's body.
    assert _hits("发文机关:浙江省人民政府") == {by_title["关于推进乡村振兴的实施意见"]}
    assert _hits("issuer：浙江省人民政府") == _hits("发文机关:浙江省人民政府")
    # 浙政发〔2021〕8号 is one document's 文号 and cited in another's body.
    assert _hits("文号:浙政发〔2021〕8号") == {by_title["关于推进乡村振兴的实施意见"]}
    assert _hits("索引号:LH331082") == {by_title["桃源乡人民政府工作计划"]}
    # One character, a quoted phrase with its space, an exclusion, OR.
    assert _hits("标题:水") == {by_title["水利工作要点"]}
    assert _hits('文号: "[2019] 3"') == {by_title["水利工作要点"]}
    # 人民政府 in the text of a document no 人民政府 issued (only in its body).
    excluded = _hits("人民政府 -发文机关:人民政府")
    assert excluded == _scan("人民政府 -发文机关:人民政府")
    assert excluded == {by_title["2022年政府工作报告"]}
    assert _hits("标题:计划 OR 标题:方案") == {
        by_title["桃源乡人民政府工作计划"],
        by_title["美丽城镇建设行动方案"],
    }
    # ASCII case is folded in fields too; a field without the term finds nothing.
    assert _hits("标题:gdp") == _hits("标题:GDP") == _scan("标题:GDP")
    assert _hits("索引号:不存在") == set()


def test_field_queries_in_both_forms_agree_with_the_scan(archive) -> None:
    queries = [
        "标题:憲法",
        "标题:宪法",
        "标题:ＧＤＰ",
        "标题:gdp",
        "索引号:（1955）",
        "索引号:(1955)",
        "文号:［2020］",
        "文号:[2020]",
        "标题:说明",
        "标题:說明",
    ]
    for form in Form:
        for query in queries:
            assert _hits(query, form) == _scan(query, form), (query, form)


def _field_substrings() -> list[tuple[str, str]]:
    """(field, substring) drawn from every field value of ROWS, and from
    their neighbours (a substring that is no field's)."""
    rng = random.Random(17)
    out = []
    names = ("title", "", "issuer", "doc_number", "index_no")
    for row in ROWS:
        for name, value in zip(names, row, strict=True):
            if not name or not value:
                continue
            for _ in range(6):
                start = rng.randrange(len(value))
                end = rng.randrange(start + 1, min(len(value), start + 8) + 1)
                piece = value[start:end].strip()
                if piece and '"' not in piece:
                    out.append((rng.choice(SEARCH_FIELDS), piece))
                    out.append((name, piece))
    return out


SUBSTRINGS = _field_substrings()


def _query(field: str, piece: str) -> str:
    prefix = {
        "title": "标题",
        "issuer": "发文机关",
        "doc_number": "文号",
        "index_no": "索引号",
    }
    return f'{prefix[field]}:"{piece}"'


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    pair=st.sampled_from(SUBSTRINGS),
    form=st.sampled_from(list(Form)),
    other=st.sampled_from(SUBSTRINGS + [("", "")]),
)
def test_random_field_substrings_find_what_the_scan_finds(archive, pair, form, other):
    query = _query(*pair)
    if other[1]:
        query += " " + _query(*other)
    node = parse_query(query, form=form)
    assert node is not None and all(
        isinstance(c, Term) and c.field for c in node.clauses
    )
    assert _hits(query, form) == _scan(query, form), (query, form)
