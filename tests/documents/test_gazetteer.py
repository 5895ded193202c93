"""The vendored gazetteer: loading, names, lineage, and the data migration."""

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection

from documents.gazetteer import (
    Gazetteer,
    Place,
    default_gazetteer,
    read_places,
    short_name,
    township_key,
)
from documents.models import Division


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return default_gazetteer()


def _names(lineage: dict[str, Place]) -> dict[str, str]:
    return {level: place.name for level, place in lineage.items()}


def test_counts_per_level(gz: Gazetteer) -> None:
    counts = {
        level: sum(1 for _ in gz.places(level))
        for level in ("province", "city", "county", "township")
    }
    # 2023 statistical codes (41,352 townships) plus one amendment, 头桥街道 (2024).
    assert counts == {"province": 31, "city": 342, "county": 2978, "township": 41353}
    assert len(gz) == sum(counts.values())


def test_default_gazetteer_is_loaded_once() -> None:
    assert default_gazetteer() is default_gazetteer()


def test_get_and_find(gz: Gazetteer) -> None:
    place = gz.get("330282121")
    assert place == Place("330282121", "周巷镇", "township", "330282")
    assert gz.get("999999") is None
    assert sorted(p.code for p in gz.find("周巷镇")) == ["330282121", "420921102"]
    assert len(gz.find("城关镇")) == 88
    assert [p.code for p in gz.find("慈溪市")] == ["330282"]
    assert gz.find("慈溪") == []  # find() is exact; short names are separate
    assert [p.code for p in gz.find_short("慈溪")] == ["330282"]


def test_lineage_of_a_township(gz: Gazetteer) -> None:
    lineage = gz.lineage(gz.get("330282121"))
    assert _names(lineage) == {
        "province": "浙江省",
        "city": "宁波市",
        "county": "慈溪市",
        "township": "周巷镇",
    }
    assert [p.code for p in lineage.values()] == ["33", "3302", "330282", "330282121"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Municipality districts sit under 市辖区 / 县: the city is the municipality.
        (
            "110101001",
            {
                "province": "北京市",
                "city": "北京市",
                "county": "东城区",
                "township": "东华门街道",
            },
        ),
        ("500229", {"province": "重庆市", "city": "重庆市", "county": "城口县"}),
        ("1101", {"province": "北京市", "city": "北京市"}),
        # Counties directly under a province have no city at all.
        ("429004", {"province": "湖北省", "county": "仙桃市"}),
        ("659001", {"province": "新疆维吾尔自治区", "county": "石河子市"}),
        ("33", {"province": "浙江省"}),
    ],
)
def test_lineage_skips_pseudo_cities(
    gz: Gazetteer, code: str, expected: dict[str, str]
) -> None:
    assert _names(gz.lineage(gz.get(code))) == expected


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("慈溪市", "county", "慈溪"),
        ("上虞区", "county", "上虞"),
        ("平潭县", "county", "平潭"),
        ("湘西土家族苗族自治州", "city", "湘西"),
        ("伊犁哈萨克自治州", "city", "伊犁"),
        ("元江哈尼族彝族傣族自治县", "county", "元江"),
        ("广西壮族自治区", "province", "广西"),
        ("内蒙古自治区", "province", "内蒙古"),
        ("阿克苏地区", "city", "阿克苏"),
        ("城区", "county", None),  # one character left
        ("和县", "county", None),
        ("周巷镇", "township", None),  # township names keep their suffix
        ("市辖区", "city", None),
    ],
)
def test_short_name(name: str, level: str, expected: str | None) -> None:
    assert short_name(Place("0", name, level, None)) == expected


def test_dictionary_names(gz: Gazetteer) -> None:
    names = gz.dictionary_names()
    assert {"周巷镇", "东塍镇", "慈溪市", "宁波市", "平潭县", "东华门街道"} <= names
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    assert "浙江省" not in names  # provinces are not asked for
    assert len(names) > 35_000


def test_gazetteer_from_other_places() -> None:
    # A parent missing from the data ends the lineage instead of failing.
    places = [
        Place("33", "浙江省", "province", None),
        Place("330282", "慈溪市", "county", "3302"),
        Place("330282121", "周巷镇", "township", "330282"),
    ]
    gz = Gazetteer(places)
    assert _names(gz.lineage(gz.get("330282121"))) == {
        "county": "慈溪市",
        "township": "周巷镇",
    }
    assert [p.code for p in gz.places("township")] == ["330282121"]


def test_from_csv_dir(tmp_path: Path) -> None:
    (tmp_path / "provinces.csv").write_text('code,name\n33,"浙江省"\n', "utf-8")
    (tmp_path / "cities.csv").write_text(
        'code,name,provinceCode\n3302,"宁波市",33\n', "utf-8"
    )
    (tmp_path / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n330282,"慈溪市",3302,33\n', "utf-8"
    )
    (tmp_path / "streets.csv").write_text(
        'code,name,areaCode,provinceCode,cityCode\n330282121,"周巷镇",330282,33,3302\n',
        "utf-8",
    )
    gz = Gazetteer.from_csv_dir(tmp_path)
    assert len(gz) == 4
    assert list(gz.lineage(gz.get("330282121"))) == [
        "province",
        "city",
        "county",
        "township",
    ]
    assert [p.level for p in read_places(tmp_path)] == [
        "province",
        "city",
        "county",
        "township",
    ]


@pytest.mark.django_db
def test_migration_loaded_the_gazetteer() -> None:
    assert Division.objects.filter(level="township").count() == 41353
    assert Division.objects.count() == 31 + 342 + 2978 + 41353
    assert not Division.objects.filter(current=False).exists()
    chain = []
    node = Division.objects.get(code="330282121")
    while node is not None:
        chain.append(node.code)
        node = node.parent
    assert chain == ["330282121", "330282", "3302", "33"]
    assert Division.objects.get(code="110101").parent_id == "1101"
    assert not Division.objects.filter(level="province", parent__isnull=False).exists()
    assert not Division.objects.exclude(level="province").filter(parent=None).exists()


@pytest.mark.django_db
def test_migration_reverses_and_reloads() -> None:
    migration = importlib.import_module("documents.migrations.0002_load_gazetteer")
    editor = SimpleNamespace(connection=connection)
    migration.unload_divisions(global_apps, editor)
    assert not Division.objects.exists()
    migration.load_divisions(global_apps, editor)
    assert Division.objects.filter(level="township").count() == 41353


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("新华街道办事处", "新华街道"),
        ("章镇镇人民政府", "章镇镇"),
        ("新华街道", "新华街道"),
        ("庆北办事处", "庆北办事处"),  # a township called 办事处, not a 街道's office
    ],
)
def test_township_key(name: str, key: str) -> None:
    assert township_key(name) == key


def test_find_townships_spelt_with_or_without_the_office(gz: Gazetteer) -> None:
    plain = {p.code for p in gz.find("新华街道")}
    office = {p.code for p in gz.find("新华街道办事处")}
    assert len(plain) == 27 and len(office) == 1
    found = {p.code for p in gz.find_townships("新华街道办事处")}
    assert found == plain | office == {p.code for p in gz.find_townships("新华街道")}
    assert gz.find_townships("慈溪市") == []  # counties are not townships
