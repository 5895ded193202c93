"""The /documents/ filter menus: every count is what choosing it lists, under the
other chosen filters, and the place suggestions are narrowed by the chosen place."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from html import unescape

import pytest

from documents.models import Document

pytestmark = [pytest.mark.django_db]

PLACES = {
    "浙江省": {"临海市": ["东塍镇", "汇溪镇"], "诸暨市": ["店口镇"]},
    "福建省": {"平潭县": ["潭城镇", ""]},
    "上海市": {"奉贤区": ["庄行镇", "南桥镇"]},
}
KINDS = {
    "plan": "{}{}年工作计划",
    "report": "{}{}年工作总结",
    "other": "关于{}{}的通知",
}
CATEGORIES = ["", "综合政务", "农业"]
COUNT = re.compile(r"共 (\d+) 篇")
OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


@dataclass(frozen=True)
class Row:
    province: str
    county: str
    township: str
    year: int | None
    category: str
    kind: str
    national: bool = False


@pytest.fixture
def rows() -> list[Row]:
    rng = random.Random(17)
    made = []
    for _number in range(70):
        province = rng.choice(list(PLACES))
        county = rng.choice(list(PLACES[province]))
        township = rng.choice(PLACES[province][county])
        year = rng.choice([None, 2019, 2020, 2020, 2021, 2022])
        made.append(
            Row(
                province,
                county,
                township,
                year,
                rng.choice(CATEGORIES),
                rng.choice(list(KINDS)),
            )
        )
    made += [Row("", "", "", 2020, "综合政务", "report", national=True)] * 2
    for number, row in enumerate(made):
        place = row.township or row.county or "国务院"
        title = KINDS[row.kind].format(place, row.year or "某")
        body = f"{title}的正文 {number}。"
        Document.objects.create(
            title=title,
            body=body,
            original=body,
            content_hash=str(number),
            province=row.province,
            county=row.county,
            township=row.township,
            plan_year=row.year,
            category=row.category,
            level=Document.Level.NATIONAL if row.national else "",
        )
    return made


def keep(row: Row, chosen: dict[str, str], leave_out: tuple[str, ...] = ()) -> bool:
    """The truth, written apart from the selectors: does the row pass the
    chosen filters, less those in ``leave_out``?"""
    for name, value in chosen.items():
        if name in leave_out:
            continue
        if name == "province":
            ok = row.national if value == "全国" else row.province == value
        elif name == "year":
            ok = row.year is None if value == "unknown" else row.year == int(value)
        else:
            ok = getattr(row, name) == value
        if not ok:
            return False
    return True


def page(client, params: dict[str, str]) -> str:  # noqa: ANN001
    response = client.get("/documents/", params)
    assert response.status_code == 200
    return response.content.decode()


def menu(html: str, name: str) -> dict[str, tuple[int, bool]]:
    """value -> (count, selected) of a filter menu's choices."""
    block = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
    out = {}
    for value, selected, label in OPTION.findall(block):
        found = re.search(r"\((\d+)\)$", unescape(label))
        if value and found:
            out[unescape(value)] = (int(found.group(1)), bool(selected))
    return out


def suggestions(html: str, list_id: str) -> set[str]:
    block = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html).group(1)
    return {unescape(v) for v in re.findall(r'<option value="([^"]*)">', block)}


COMBINATIONS = [
    {"province": "浙江省", "year": "2020"},
    {"province": "福建省"},
    {"year": "2020", "category": "综合政务"},
    {"province": "上海市", "kind": "plan"},
    {"county": "临海市", "year": "unknown"},
    {"province": "浙江省", "county": "诸暨市", "category": "农业"},
    {"province": "全国"},
    {"township": "庄行镇", "kind": "report", "year": "2021"},
    {},
]


@pytest.mark.parametrize("chosen", COMBINATIONS, ids=lambda c: "+".join(c) or "none")
def test_each_menu_count_is_what_choosing_it_lists(client, rows, chosen) -> None:
    html = page(client, chosen)
    listed = int(COUNT.search(html).group(1))
    assert listed == sum(keep(row, chosen) for row in rows)
    for name, attribute in (
        ("province", "province"),
        ("year", "year"),
        ("category", "category"),
    ):
        counts = menu(html, name)
        truth: dict[str, int] = {}
        for row in rows:
            if not keep(row, chosen, leave_out=(name,)):
                continue
            value = getattr(row, attribute)
            if name == "province" and row.national:
                value = "全国"
            if name == "year" and value is None:
                value = "unknown"
            if value not in ("", None):
                truth[str(value)] = truth.get(str(value), 0) + 1
        shown = {value: n for value, (n, _selected) in counts.items() if n}
        assert shown == truth, name
        for value, (n, selected) in counts.items():
            if selected:
                # The chosen value's count is the list's length.
                assert n == listed, (name, value)
    # Choosing a counted value lists that many (checked through the page).
    for value, (n, _selected) in list(menu(html, "year").items())[:3]:
        again = page(client, {**chosen, "year": value})
        assert int(COUNT.search(again).group(1)) == n, value


def test_the_reported_case_zhejiang_2020(client, rows) -> None:
    html = page(client, {"province": "浙江省", "year": "2020"})
    listed = int(COUNT.search(html).group(1))
    assert menu(html, "year")["2020"] == (listed, True)
    assert menu(html, "province")["浙江省"] == (listed, True)


def test_place_suggestions_are_narrowed_by_the_chosen_province(client, rows) -> None:
    everywhere = page(client, {})
    assert suggestions(everywhere, "county-names") == {
        county for counties in PLACES.values() for county in counties
    }
    for province, counties in PLACES.items():
        html = page(client, {"province": province})
        assert suggestions(html, "county-names") == set(counties)
        assert suggestions(html, "township-names") == {
            township for towns in counties.values() for township in towns if township
        }
    html = page(client, {"province": "浙江省", "county": "临海市"})
    assert suggestions(html, "township-names") == {"东塍镇", "汇溪镇"}
    # Another province's county is not suggested, whatever the county box says.
    html = page(client, {"province": "福建省", "county": "临海市"})
    assert suggestions(html, "county-names") == {"平潭县"}


def test_a_chosen_value_with_no_documents_stays_a_choice(client, rows) -> None:
    html = page(client, {"province": "福建省", "year": "unknown", "kind": "other"})
    if int(COUNT.search(html).group(1)) == 0:
        assert 'value="unknown" selected' in html
    html = page(client, {"province": "上海市", "county": "临海市"})
    assert int(COUNT.search(html).group(1)) == 0
    assert menu(html, "province")["上海市"] == (0, True)


@pytest.mark.search
def test_a_one_year_chip_says_the_year_once(client, search_index) -> None:
    response = client.get("/search/", {"q": "计划", "year_from": 2022, "year_to": 2022})
    html = response.content.decode()
    assert "2022–2022" not in html
    assert re.search(r'class="chip"[^>]*aria-label="取消筛选：2022 年度">2022 ×', html)
    response = client.get("/search/", {"q": "计划", "year_from": 2020, "year_to": 2022})
    assert ">2020–2022 ×<" in response.content.decode()
    response = client.get("/search/", {"q": "计划", "year_to": 2022})
    assert ">…–2022 ×<" in response.content.decode()


def test_year_span_says_one_year_once() -> None:
    from documents.templatetags.archive import year_span

    assert year_span(2022, 2022) == "2022"
    assert year_span(2020, 2022) == "2020–2022"
    assert year_span(2020, None) == "2020–…"
    assert year_span(None, 2022) == "…–2022"


def test_a_one_year_archive_says_its_year_once_on_the_home_page(client) -> None:
    Document.objects.create(title="一篇", body="正文", original="正文", plan_year=2022)
    html = client.get("/").content.decode()
    assert "<dd>2022</dd>" in html and "2022–2022" not in html
