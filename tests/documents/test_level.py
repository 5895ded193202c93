"""The level of government an issuer belongs to, from its name and from 层级 labels."""

import pytest

from documents.ingest.level import Level, issuer_level, level_from_label
from documents.models import Document


def test_one_registry_of_levels() -> None:
    assert Level is Document.Level
    assert Document.Level.parse("county") == Document.Level.COUNTY
    assert Document.Level.parse("区级") is None
    assert Document.Level.parse(None) is None


@pytest.mark.parametrize(
    ("name", "level", "department"),
    [
        # National organs: no place before them.
        ("国务院", Level.NATIONAL, False),
        ("国务院办公厅", Level.NATIONAL, True),
        ("全国人民代表大会常务委员会", Level.NATIONAL, False),
        ("中共中央", Level.NATIONAL, False),
        ("国家发展和改革委员会", Level.NATIONAL, True),
        ("国家税务总局", Level.NATIONAL, True),
        ("财政部", Level.NATIONAL, True),
        ("生态环境部", Level.NATIONAL, True),
        ("中华人民共和国海关总署", Level.NATIONAL, True),
        # Provinces; municipalities are provinces, their districts counties.
        ("浙江省人民政府", Level.PROVINCE, False),
        ("浙江省人民政府办公厅", Level.PROVINCE, True),
        ("浙江省发展和改革委员会", Level.PROVINCE, True),
        ("中共浙江省委", Level.PROVINCE, False),
        ("北京市人民政府", Level.PROVINCE, False),
        ("北京市朝阳区人民政府", Level.COUNTY, False),
        ("上海市奉贤区发展和改革委员会", Level.COUNTY, True),
        # Cities and counties.
        ("宁波市人民政府", Level.CITY, False),
        ("宁波市教育局", Level.CITY, True),
        ("慈溪市人民政府", Level.COUNTY, False),
        ("慈溪市人民政府办公室", Level.COUNTY, True),
        ("临海市人大常委会", Level.COUNTY, False),
        ("平潭综合实验区管委会", Level.COUNTY, False),
        # Townships and streets, also ones the gazetteer does not hold.
        ("东塍镇人民政府", Level.TOWNSHIP, False),
        ("慈溪市周巷镇人民政府", Level.TOWNSHIP, False),
        ("中共周巷镇委员会", Level.TOWNSHIP, False),
        ("上海市金山区山阳镇人民政府", Level.TOWNSHIP, False),
        ("上海市浦东新区人民政府洋泾街道办事处", Level.TOWNSHIP, False),
        ("上海市奉贤区人民政府头桥街道办事处", Level.TOWNSHIP, False),
        ("新华街道办事处", Level.TOWNSHIP, False),
        ("东塍镇农业农村办公室", Level.TOWNSHIP, True),
    ],
)
def test_issuer_level(name: str, level: Level, department: bool) -> None:
    found = issuer_level(name)
    assert found is not None
    assert (found.level, found.department) == (level, department)


def test_issuer_level_names_the_place() -> None:
    found = issuer_level("上海市金山区山阳镇人民政府")
    assert [p.name for p in found.places] == ["山阳镇"]
    found = issuer_level("周巷镇人民政府")
    assert {p.parent_code for p in found.places} == {"330282", "420921"}


@pytest.mark.parametrize(
    "name",
    ["中国平潭", "办公室", "", "某某有限公司", "经济开发区", "宣传部", "人民武装部"],
)
def test_names_that_say_no_level(name: str) -> None:
    assert issuer_level(name) is None


@pytest.mark.parametrize(
    ("value", "municipality", "level"),
    [
        ("国家级", False, Level.NATIONAL),
        ("省级", False, Level.PROVINCE),
        ("市级", False, Level.CITY),
        ("市级", True, Level.PROVINCE),  # 上海市's own documents
        ("区级", True, Level.COUNTY),
        ("区县级", False, Level.COUNTY),
        ("县级", False, Level.COUNTY),
        ("街镇级", True, Level.TOWNSHIP),
        ("乡镇级", False, Level.TOWNSHIP),
        ("township", False, Level.TOWNSHIP),
        ("其他", False, None),
        ("", False, None),
    ],
)
def test_level_from_label(value: str, municipality: bool, level: Level | None) -> None:
    assert level_from_label(value, municipality=municipality) == level
