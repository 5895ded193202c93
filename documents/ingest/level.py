"""The level of government an issuing organ belongs to, read from its name.

An organ's name starts with its place (浙江省, 慈溪市周巷镇) and goes on with what it
is: 人民政府, 人大常委会 or 办事处 are that place's government; 局, 委员会, 办公室, 厅,
部 or 中心 are a department of it. National organs carry no place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.gazetteer.loader import TOWNSHIP, Gazetteer, Place, default_gazetteer
from documents.models import Document

Level = Document.Level

# National organs: the State Council and its offices, the NPC, the Party Centre,
# 国家…局/委, and ministries (…部) or 总局/总署 with no place before them.
_NATIONAL = re.compile(
    r"^(?:中华人民共和国|中共中央|中央|国务院|全国人民代表大会|全国人大|全国政协|"
    r"最高人民法院|最高人民检察院|国家[\u4e00-\u9fff]{1,16}(?:局|委员会|委|署|院|部|办公室|中心))"
)
_NATIONAL_GOVERNMENT = re.compile(
    r"^(?:中华人民共和国)?(?:国务院|中央人民政府|全国人民代表大会(?:常务委员会)?|全国人大"
    r"(?:常委会)?|中共中央)$"
)
_MINISTRY = re.compile(r"^[\u4e00-\u9fff]{2,10}(?:部|总局|总署)$")
# Party departments exist at every level: a bare 宣传部 (a site's own) is not national.
_LOCAL_DEPARTMENT = re.compile(r"(?:宣传|组织|统战|统一战线工作|武装|联络|政法)部$")
# What makes a name the place's own government (or congress, or party committee).
_GOVERNMENT = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,6}(?:实验区|开发区|新区|管理区))?(?:人民政府|政府|人大常委会|人民代表大会(?:常务委员会)?|人大|办事处|"
    r"人民政府办事处|党委|党工委|委员会|委|管委会|管理委员会|党工委管委会)?$"
)
# …and what makes it a department of it.
_DEPARTMENT = re.compile(
    r"(?:局|委员会|委|办公室|办公厅|办|厅|部|中心|署|所|站|处|队|院|馆|会|科)$"
)
# Township-level names the gazetteer may not hold yet (a new 街道): the structure says.
_TOWNSHIP_NAME = re.compile(
    r"^[\u4e00-\u9fff]{1,10}?(?:镇|乡|街道|苏木)(?=人民政府|政府|办事处|党委|$)"
)
_LEVEL_OF_PLACE = {
    "province": Level.PROVINCE,
    "city": Level.CITY,
    "county": Level.COUNTY,
    TOWNSHIP: Level.TOWNSHIP,
}
_LONGEST_NAME = 20


@dataclass(frozen=True)
class IssuerLevel:
    """An organ's level, whether it is a department, and the place it names."""

    level: Level
    department: bool
    places: tuple[Place, ...] = ()
    # The place's name as written in the organ's name (慈溪市, 周巷镇).
    place_name: str = ""


def issuer_level(name: str, gazetteer: Gazetteer | None = None) -> IssuerLevel | None:
    """The level of the organ called ``name``, or None when the name does not say."""
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return None
    if _NATIONAL.match(name):
        return IssuerLevel(Level.NATIONAL, not _NATIONAL_GOVERNMENT.match(name))
    party = name.startswith("中共")
    rest = name[2:] if party else name
    places, rest = _place_prefix(rest, gz)
    if not places:
        if _MINISTRY.match(name) and not _LOCAL_DEPARTMENT.search(name):
            return IssuerLevel(Level.NATIONAL, True)
        township = _TOWNSHIP_NAME.match(rest)
        if township is None:
            return None
        written, rest = township.group(0), rest[township.end() :]
        level = Level.TOWNSHIP
    else:
        written = places[0].name
        level = _LEVEL_OF_PLACE[places[0].level]
        # A township the gazetteer does not hold yet, under a known county
        # (上海市奉贤区人民政府头桥街道办事处).
        township = _TOWNSHIP_NAME.match(re.sub(r"^人民政府", "", rest))
        if level != Level.TOWNSHIP and township is not None:
            written = township.group(0)
            rest = re.sub(r"^人民政府", "", rest)[township.end() :]
            level = Level.TOWNSHIP
    department = not _GOVERNMENT.match(rest) and bool(_DEPARTMENT.search(rest))
    return IssuerLevel(level, department, places, written)


def _place_prefix(name: str, gz: Gazetteer) -> tuple[tuple[Place, ...], str]:
    """The most specific place a name starts with (浙江省宁波市慈溪市…), and the rest.

    Places may be chained, with 人民政府 between them
    (上海市奉贤区人民政府头桥街道办事处).
    Returns the candidates for the last place read (a name can be shared).
    """
    found: tuple[Place, ...] = ()
    position = 0
    while position < len(name):
        step = _place_at(name, position, gz, within=found)
        if step is None and found and name.startswith("人民政府", position):
            step = _place_at(name, position + 4, gz, within=found)
            if step is not None:
                position += 4
        if step is None:
            break
        found, size = step
        position += size
    return found, name[position:]


def _place_at(
    name: str, start: int, gz: Gazetteer, *, within: tuple[Place, ...]
) -> tuple[tuple[Place, ...], int] | None:
    for end in range(min(len(name), start + _LONGEST_NAME), start + 1, -1):
        word = name[start:end]
        places = [
            p
            for p in (*gz.find(word), *gz.find_townships(word))
            if not p.is_pseudo
            and (p.level != TOWNSHIP or word.endswith(("镇", "乡", "街道", "苏木")))
        ]
        if not places and start == 0 and len(name) - end >= 2:
            # A short name where the organ's name starts (平潭综合实验区), with an
            # organ's name after it: 公安局 is a bare department, not 公安县's 局.
            places = [p for p in gz.find_short(word) if not p.is_pseudo]
        if within:
            inside = [p for p in places if any(gz.contains(w, p) for w in within)]
            places = inside
        if places:
            unique = tuple(dict.fromkeys(places))
            # A name shared by two levels (吉林省/吉林市) means the higher one.
            top = min(unique, key=lambda p: _DEPTH[p.level]).level
            return tuple(p for p in unique if p.level == top), end - start
    return None


_DEPTH = {"province": 0, "city": 1, "county": 2, TOWNSHIP: 3}

# 层级 columns of record files: 国家级, 省级, 市级, 区级, 县级, 街镇级, 乡镇级 …
_LABELLED = (
    (re.compile(r"国家|中央|全国|国务院"), Level.NATIONAL),
    (re.compile(r"街|镇|乡|苏木"), Level.TOWNSHIP),
    (re.compile(r"县|区|旗"), Level.COUNTY),
    (re.compile(r"地|市|州|盟"), Level.CITY),
    (re.compile(r"省|自治区"), Level.PROVINCE),
)


def level_from_label(value: str | None, *, municipality: bool = False) -> Level | None:
    """The level a record file's 层级 column states, or None.

    In Beijing, Tianjin, Shanghai and Chongqing 市级 is the municipality: the
    province level.
    """
    value = (value or "").strip()
    parsed = Level.parse(value)
    if parsed is not None:
        return parsed
    for pattern, level in _LABELLED:
        if pattern.search(value):
            if level == Level.CITY and municipality:
                return Level.PROVINCE
            return level
    return None


def level_of_place(place: Place) -> Level:
    """The level of a gazetteer place."""
    return _LEVEL_OF_PLACE[place.level]
