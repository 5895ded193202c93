"""Current divisions after 2023, and old names that still find their division."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.gazetteer import (
    DATA_DIR,
    FormerPlace,
    Gazetteer,
    Place,
    default_gazetteer,
    read_former,
    read_places,
)
from documents.gazetteer.lineage import derive_former, level_counts
from documents.gazetteer.sync import sync_divisions
from documents.ingest.region import (
    RegionEvidence,
    division_for_code,
    index_division,
    resolve_region,
)
from documents.models import Division, Document


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return default_gazetteer()


def _path(gz: Gazetteer, place: Place) -> list[str]:
    return [p.name for p in gz.lineage(place).values()]


# New divisions ------------------------------------------------------------------


def test_toqiao_street_of_fengxian_is_found(gz: Gazetteer) -> None:
    # Set up in 2024 (沪府〔2024〕42号), after the 2023 statistical edition.
    found = {p.code: _path(gz, p) for p in gz.find_townships("头桥街道办事处")}
    assert found["310120A01"] == ["上海市", "上海市", "奉贤区", "头桥街道"]
    assert "520103028" in found  # Guiyang's 头桥街道 is still there


def test_toqiao_street_resolves_from_its_issuer() -> None:
    # The 发布单位 of a 2024 notice in shanghai-towns, as the page gives it.
    result = resolve_region(
        RegionEvidence(names=("上海市奉贤区人民政府头桥街道办事处",))
    )
    assert (result.province, result.county, result.township) == (
        "上海市",
        "奉贤区",
        "头桥街道",
    )
    assert result.division_code == "310120A01"
    assert not result.needs_review


def test_amendments_are_current_and_cite_their_basis() -> None:
    text = (DATA_DIR / "amendments.csv").read_text("utf-8")
    assert "沪府〔2024〕42号" in text
    codes = {place.code for place in read_places()}
    assert "310120A01" in codes and "310120102" in codes  # 奉城镇 stays


# Old names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "code", "now"),
    [
        ("孟津县", "410308", "孟津区"),  # 县 → 区, 2021, new code
        ("偃师市", "410307", "偃师区"),  # 县级市 → 区
        ("会理县", "513402", "会理市"),  # 县 → 县级市
        ("沙县", "350405", "沙县区"),  # 沙县 → 沙县区
    ],
)
def test_renamed_county_is_found_under_its_old_name(
    gz: Gazetteer, old: str, code: str, now: str
) -> None:
    assert [(p.code, p.name) for p in gz.find(old)] == [(code, now)]
    assert gz.get(code).current


@pytest.mark.parametrize(
    ("old", "code", "now"),
    [
        ("南牛乡", "130123106", "南牛镇"),  # 乡 → 镇 with a new code
        ("西龙门乡", "130129104", "西龙门镇"),
        ("黄金堤乡", "130425111", "黄金堤镇"),
    ],
)
def test_township_that_became_a_town_is_found(
    gz: Gazetteer, old: str, code: str, now: str
) -> None:
    assert [(p.code, p.name) for p in gz.find_townships(old + "人民政府")] == [
        (code, now)
    ]
    assert gz.is_former_name(old)
    assert not gz.is_former_name(now)


def test_old_name_in_the_issuer_resolves_with_a_note() -> None:
    result = resolve_region(
        RegionEvidence(names=("孟津县人民政府", "孟津县2020年重点工作实施方案"))
    )
    assert (result.city, result.county, result.division_code) == (
        "洛阳市",
        "孟津区",
        "410308",
    )
    assert "“孟津县”为旧区划名称" in result.note
    result = resolve_region(RegionEvidence(names=("南牛乡人民政府",)))
    assert (result.county, result.township) == ("正定县", "南牛镇")
    assert "“南牛乡”为旧区划名称" in result.note


def test_current_name_wins_over_an_old_one(gz: Gazetteer) -> None:
    # 东旺乡 of 河北安新县 is gone; 东旺乡 of 云南香格里拉市 is current.
    assert [p.code for p in gz.find_townships("东旺乡")] == ["533401206"]
    assert [row.place.code for row in gz.former_names("东旺乡")] == ["130634205"]
    assert not gz.is_former_name("东旺乡")
    result = resolve_region(RegionEvidence(names=("东旺乡人民政府",)))
    assert result.division_code == "533401206"
    assert "旧区划" not in result.note


def test_merged_township_goes_to_its_old_parent(gz: Gazetteer) -> None:
    # 大辛庄乡 (魏县) left the data; which township absorbed it is not in the data.
    (row,) = gz.former_names("大辛庄乡")
    assert row.change == "merged"
    assert [p.code for p in gz.find_townships("大辛庄乡")] == ["130434"]


def test_vanished_county_code_in_an_index_number_means_its_successor() -> None:
    # 索引号 and credit codes keep the code of their year: 350427 was 沙县.
    assert index_division("350427-2019-00012").code == "350405"
    assert division_for_code("350427000000").code == "350405"
    assert division_for_code("350405").code == "350405"


# Deriving the former layer --------------------------------------------------------


def _places(*rows: tuple[str, str, str, str | None]) -> list[Place]:
    return [Place(code, name, level, parent) for code, name, level, parent in rows]


def test_derive_former_by_code_and_by_name_within_the_parent() -> None:
    old = _places(
        ("41", "河南省", "province", None),
        ("4103", "洛阳市", "city", "41"),
        ("410322", "孟津县", "county", "4103"),
        ("410322100", "城关镇", "township", "410322"),
        ("410322200", "常袋乡", "township", "410322"),
        ("410322201", "小浪底乡", "township", "410322"),
        ("410302", "老城区", "county", "4103"),
        ("410302001", "西关街道", "township", "410302"),
        ("410302002", "旧街道", "township", "410302"),
    )
    new = _places(
        ("41", "河南省", "province", None),
        ("4103", "洛阳市", "city", "41"),
        ("410308", "孟津区", "county", "4103"),
        ("410308100", "城关镇", "township", "410308"),
        ("410308101", "常袋镇", "township", "410308"),
        ("410302", "老城区", "county", "4103"),
        ("410302001", "西关街道办事处", "township", "410302"),
    )
    rows = {row.place.code: row for row in derive_former(old, new)}
    got = {code: (row.successor_code, row.change) for code, row in rows.items()}
    assert got == {
        "410322": ("410308", "renamed"),  # 孟津县 → 孟津区
        "410322100": ("410308100", "recoded"),  # same name under the new code
        "410322200": ("410308101", "renamed"),  # 常袋乡 → 常袋镇
        "410322201": ("410308", "merged"),  # gone: its county's successor
        "410302001": ("410302001", "renamed"),  # same code, new name
        "410302002": ("410302", "merged"),
    }
    assert all(not row.place.current for row in rows.values())


def test_county_without_a_similar_name_goes_where_its_townships_went() -> None:
    old = _places(
        ("37", "山东省", "province", None),
        ("3712", "莱芜市", "city", "37"),
        ("371202", "莱城区", "county", "3712"),
        ("371202001", "凤城街道", "township", "371202"),
        ("371202002", "张家洼街道", "township", "371202"),
        ("371202003", "高庄街道", "township", "371202"),
    )
    new = _places(
        ("37", "山东省", "province", None),
        ("3701", "济南市", "city", "37"),
        ("370116", "莱芜区", "county", "3701"),
        ("370116001", "凤城街道", "township", "370116"),
        ("370116002", "张家洼街道", "township", "370116"),
        ("370116003", "高庄街道", "township", "370116"),
    )
    got = {row.place.code: row.successor_code for row in derive_former(old, new)}
    assert got["371202"] == "370116"
    assert got["3712"] == "3701"  # the city goes where its counties went
    assert got["371202001"] == "370116001"


def test_gazetteer_from_a_folder_with_former_and_amendments(tmp_path: Path) -> None:
    (tmp_path / "provinces.csv").write_text('code,name\n41,"河南省"\n', "utf-8")
    (tmp_path / "cities.csv").write_text(
        'code,name,provinceCode\n4103,"洛阳市",41\n', "utf-8"
    )
    (tmp_path / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n410308,"孟津区",4103,41\n', "utf-8"
    )
    (tmp_path / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n", "utf-8"
    )
    (tmp_path / "amendments.csv").write_text(
        "code,name,level,parentCode,since,basis,note\n"
        "410308A01,新设街道,township,410308,2025,某府〔2025〕1号,\n",
        "utf-8",
    )
    (tmp_path / "former.csv").write_text(
        "code,name,level,parentCode,successorCode,change\n"
        "410322,孟津县,county,4103,410308,renamed\n"
        "410322201,小浪底乡,township,410322,410322,merged\n",
        "utf-8",
    )
    gz = Gazetteer.from_csv_dir(tmp_path)
    assert [p.code for p in gz.find("孟津县")] == ["410308"]
    assert [p.code for p in gz.find_short("孟津")] == ["410308"]
    # The successor 410322 is itself former: the chain is followed.
    assert [p.code for p in gz.find_townships("小浪底乡")] == ["410308"]
    assert gz.current_for("410322").code == "410308"
    assert _path(gz, gz.get("410308A01")) == ["河南省", "洛阳市", "孟津区", "新设街道"]
    assert [row.change for row in read_former(tmp_path)] == ["renamed", "merged"]


def test_gazetteer_former_command_folds_an_older_edition(tmp_path: Path) -> None:
    previous, data = tmp_path / "previous", tmp_path / "data"
    for folder, county, township in (
        (previous, '410322,"孟津县"', '410322200,"常袋乡",410322'),
        (data, '410308,"孟津区"', '410308101,"常袋镇",410308'),
    ):
        folder.mkdir()
        (folder / "provinces.csv").write_text('code,name\n41,"河南省"\n', "utf-8")
        (folder / "cities.csv").write_text(
            'code,name,provinceCode\n4103,"洛阳市",41\n', "utf-8"
        )
        (folder / "areas.csv").write_text(
            f"code,name,cityCode,provinceCode\n{county},4103,41\n", "utf-8"
        )
        (folder / "streets.csv").write_text(
            f"code,name,areaCode,provinceCode,cityCode\n{township},41,4103\n", "utf-8"
        )
    out = StringIO()
    call_command(
        "gazetteer_former", csv_dir=previous, data_dir=data, stdout=out, verbosity=1
    )
    rows = {row.place.name: row.successor_code for row in read_former(data)}
    assert rows == {"孟津县": "410308", "常袋乡": "410308101"}
    assert "'township': 1" in out.getvalue()


# Counts recorded in SOURCE.md -------------------------------------------------------


def test_source_md_records_the_counts_by_level() -> None:
    counts = level_counts(read_places())
    print("gazetteer counts by level:", counts)
    source = (DATA_DIR / "SOURCE.md").read_text("utf-8")

    def recorded(label: str) -> int:
        match = re.search(rf"- {label}[^:]*: ([\d,]+)", source)
        assert match, label
        return int(match.group(1).replace(",", ""))

    assert recorded("provinces") == counts["province"]
    assert recorded("cities") == counts["city"]
    assert recorded("counties") == counts["county"]
    # SOURCE.md gives the edition's townships; the amendments come on top.
    amendments = sum(1 for line in (DATA_DIR / "amendments.csv").open()) - 1
    assert recorded("townships") + amendments == counts["township"]


# The reload migration -------------------------------------------------------------


@pytest.mark.django_db
def test_reload_keeps_a_vanished_code_that_documents_use() -> None:
    # An archive filed a 2019 plan under 沙县's 城关镇 before 沙县 became 沙县区.
    Division.objects.create(
        code="350427", name="沙县", level="county", parent_id="3504"
    )
    Division.objects.create(
        code="350427100", name="凤岗街道", level="township", parent_id="350427"
    )
    Division.objects.create(
        code="330282999", name="已撤销乡", level="township", parent_id="330282"
    )
    document = Document.objects.create(
        title="凤岗街道2019年工作计划",
        body="凤岗街道2019年工作计划正文",
        division_id="350427100",
        division_code="350427100",
        township="凤岗街道",
        county="沙县",
        city="三明市",
        province="福建省",
    )
    # An old archive also had 孟津区 under its former name.
    Division.objects.filter(code="410308").update(name="孟津县")

    touched = sync_divisions(Division.objects)

    assert touched == {"created": 0, "updated": 1, "former": 3}
    gone = {
        d.code: (d.current, d.successor_id)
        for d in Division.objects.filter(current=False)
    }
    assert gone == {
        "350427": (False, "350405"),  # 沙县 → 沙县区, from the former layer
        "350427100": (False, "350405"),  # its county's successor
        "330282999": (False, "330282"),  # nearest current ancestor
    }
    assert Division.objects.get(code="410308").name == "孟津区"
    document.refresh_from_db()
    assert document.division_id == "350427100"
    # A second run has nothing to do.
    assert sync_divisions(Division.objects) == {
        "created": 0,
        "updated": 0,
        "former": 0,
    }


@pytest.mark.django_db
def test_migration_loaded_the_amendments() -> None:
    street = Division.objects.get(code="310120A01")
    assert (street.name, street.parent_id, street.current) == (
        "头桥街道",
        "310120",
        True,
    )
    assert street.successor is None


def test_former_layer_rows_are_typed() -> None:
    rows = read_former()
    assert rows and all(isinstance(row, FormerPlace) for row in rows)
    assert {row.change for row in rows} <= {"renamed", "recoded", "merged"}
    current = {place.code for place in read_places()}
    # Every successor is a current division or another former code.
    former = {row.place.code for row in rows}
    assert all(
        row.successor_code in current | former for row in rows if row.successor_code
    )


@pytest.mark.django_db
def test_division_picker_offers_current_divisions_only(admin_client) -> None:  # noqa: ANN001
    Division.objects.create(
        code="350427", name="沙县", level="county", parent_id="3504"
    )
    sync_divisions(Division.objects)
    params = {
        "app_label": "documents",
        "model_name": "document",
        "field_name": "division",
    }
    found = admin_client.get("/admin/autocomplete/", {**params, "term": "沙县"}).json()
    ids = {row["id"] for row in found["results"]}
    assert "350405" in ids  # 沙县区 (and 长沙县, 英吉沙县 …)
    assert "350427" not in ids  # the former 沙县
    # The changelist still lists the former row, flagged.
    page = admin_client.get(
        "/admin/documents/division/", {"q": "350427", "current__exact": "0"}
    )
    assert "350427" in page.content.decode()
