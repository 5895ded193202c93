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
# Divisions set up after the statistical edition the CSVs reflect (see SOURCE.md).
AMENDMENTS_FILE = "amendments.csv"
# Names and codes the divisions had in an older edition (see lineage.py).
FORMER_FILE = "former.csv"

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
    # False for a division that was renamed, merged or abolished (the former layer).
    current: bool = True

    @property
    def is_pseudo(self) -> bool:
        """True for grouping rows such as 市辖区 that are not real cities."""
        return self.level == CITY and self.name in PSEUDO_CITY_NAMES


def read_places(path: Path = DATA_DIR) -> Iterator[Place]:
    """Every current division: the four CSVs, provinces first, then the amendments."""
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
    yield from read_amendments(path)


def read_amendments(path: Path = DATA_DIR) -> Iterator[Place]:
    """Divisions set up after the statistical edition, each with its legal basis.

    Parents come before children (ordered by level), so bulk inserts never refer
    forward. A missing file means no amendments.
    """
    file = path / AMENDMENTS_FILE
    if not file.exists():
        return
    with file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    places = [
        Place(
            code=row["code"].strip(),
            name=row["name"].strip(),
            level=row["level"].strip(),
            parent_code=row["parentCode"].strip() or None,
        )
        for row in rows
    ]
    yield from sorted(places, key=lambda place: LEVELS.index(place.level))


@dataclass(frozen=True)
class FormerPlace:
    """A division under a name or code it no longer has, and where it went.

    ``successor_code`` is the current division it now is or belongs to: itself for a
    rename that kept the code, the division that absorbed it, or, where the data
    cannot tell which one, its former parent. None when nothing survives.
    """

    place: Place
    successor_code: str | None
    change: str  # one of CHANGES


RENAMED, RECODED, MERGED = "renamed", "recoded", "merged"
CHANGES = (RENAMED, RECODED, MERGED)
_FORMER_COLUMNS = ("code", "name", "level", "parentCode", "successorCode", "change")


def read_former(path: Path = DATA_DIR) -> list[FormerPlace]:
    """The former layer: old names and vanished codes (see lineage.py)."""
    file = path / FORMER_FILE
    if not file.exists():
        return []
    with file.open(encoding="utf-8", newline="") as handle:
        return [
            FormerPlace(
                place=Place(
                    code=row["code"].strip(),
                    name=row["name"].strip(),
                    level=row["level"].strip(),
                    parent_code=row["parentCode"].strip() or None,
                    current=False,
                ),
                successor_code=row["successorCode"].strip() or None,
                change=row["change"].strip(),
            )
            for row in csv.DictReader(handle)
        ]


def write_former(path: Path, rows: Iterable[FormerPlace]) -> int:
    """Write the former layer as CSV, by code; returns how many rows."""
    ordered = sorted(rows, key=lambda row: (row.place.code, row.place.name))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_FORMER_COLUMNS)
        for row in ordered:
            place = row.place
            writer.writerow(
                (
                    place.code,
                    place.name,
                    place.level,
                    place.parent_code or "",
                    row.successor_code or "",
                    row.change,
                )
            )
    return len(ordered)


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
    """Places indexed by code, by exact name and by short name.

    Current divisions answer every lookup. Former names (renamed, recoded or merged
    divisions) answer only where no current division matches, and then give the
    current division they became or now belong to.
    """

    def __init__(
        self, places: Iterable[Place], former: Iterable[FormerPlace] = ()
    ) -> None:
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
        self._former: list[FormerPlace] = []
        self._former_by_code: dict[str, FormerPlace] = {}
        self._former_by_name: dict[str, list[FormerPlace]] = defaultdict(list)
        self._former_by_short: dict[str, list[FormerPlace]] = defaultdict(list)
        self._former_by_key: dict[str, list[FormerPlace]] = defaultdict(list)
        for row in former:
            place = row.place
            self._former.append(row)
            if place.code not in self._by_code:
                self._former_by_code.setdefault(place.code, row)
            self._former_by_name[place.name].append(row)
            if place.level == TOWNSHIP:
                self._former_by_key[township_key(place.name)].append(row)
            alias = short_name(place)
            if alias:
                self._former_by_short[alias].append(row)

    @classmethod
    def from_csv_dir(cls, path: Path = DATA_DIR) -> Gazetteer:
        """Load the current CSVs, the amendments and the former layer found in path."""
        return cls(read_places(path), read_former(path))

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Place | None:
        """The current place with this code, if any."""
        return self._by_code.get(code)

    def current_for(self, code: str) -> Place | None:
        """The current place for a code, following a vanished code to its successor.

        Codes inside older 索引号 and credit codes keep the division of their year.
        """
        place = self._by_code.get(code)
        if place is not None:
            return place
        row = self._former_by_code.get(code)
        return self.successor(row) if row is not None else None

    def successor(self, row: FormerPlace) -> Place | None:
        """The current place a former one became or now belongs to."""
        code = row.successor_code
        seen: set[str] = set()
        # A successor may itself have gone in a later edition: follow the chain.
        while code and code not in seen:
            seen.add(code)
            place = self._by_code.get(code)
            if place is not None:
                return place
            later = self._former_by_code.get(code)
            code = later.successor_code if later is not None else None
        return None

    def find(self, name: str) -> list[Place]:
        """Places of any level named name; a former name gives its successors."""
        found = self._by_name.get(name)
        if found:
            return list(found)
        return self._successors(self._former_by_name.get(name, ()))

    def find_townships(self, name: str) -> list[Place]:
        """Townships named name, however the office is spelt (see township_key).

        A former township name gives the township it became, or the county it lay
        in where the data cannot say which township absorbed it.
        """
        key = township_key(name)
        found = self._townships_by_key.get(key)
        if found:
            return list(found)
        return self._successors(self._former_by_key.get(key, ()))

    def find_short(self, alias: str) -> list[Place]:
        """Provinces, cities and counties whose short name is alias (慈溪 → 慈溪市)."""
        found = self._by_short.get(alias)
        if found:
            return list(found)
        return self._successors(self._former_by_short.get(alias, ()))

    def former_names(self, name: str) -> list[FormerPlace]:
        """Former divisions by this exact name or township key, current or not."""
        rows = self._former_by_name.get(name) or self._former_by_key.get(
            township_key(name), []
        )
        return list(rows)

    def is_former_name(self, name: str) -> bool:
        """True when name matches no current division but a former one."""
        if self._by_name.get(name) or self._by_short.get(name):
            return False
        if self._townships_by_key.get(township_key(name)):
            return False
        return bool(
            self._former_by_name.get(name)
            or self._former_by_short.get(name)
            or self._former_by_key.get(township_key(name))
        )

    def former_places(self) -> Iterator[FormerPlace]:
        """Every row of the former layer this gazetteer holds."""
        return iter(self._former)

    def _successors(self, rows: Iterable[FormerPlace]) -> list[Place]:
        found: dict[str, Place] = {}
        for row in rows:
            place = self.successor(row)
            if place is not None:
                found.setdefault(place.code, place)
        return list(found.values())

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
