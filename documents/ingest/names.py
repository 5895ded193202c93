"""Place names as they appear in metadata strings and in running text.

A lexicon of every gazetteer name for longest-first scans, and the rules that make
a match a mention: a name boundary (天台山 is a mountain, not 天台县) and the ways
a text names its own place (我镇, 本县, 全区).
"""

from __future__ import annotations

import functools
import re

from documents.gazetteer.loader import TOWNSHIP, Gazetteer, Place, short_name


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short names that are also ordinary words, or that turn up across word boundaries in
# government prose (人民|和政府 → 和政, 投|资中 → 资中, 高水|平安 → 平安). Read from the
# short-name hits in the national work reports and from jieba's non-place words. A
# document naming such a county in full (和政县) still counts; only the bare short name
# is ignored, and full names built on them (新城区, 老城区, 港口区) are treated as
# weakly as short names. Not exhaustive, which is why text-only regions are flagged.
COMMON_WORDS = _words(
    "七星 万安 万年 三元 三江 三河 三门 上城 东方 东风 中原 中方 中站 丰满 "
    "乐业 云和 互助 五华 仁和 会同 修水 元宝 光明 公安 六合 共和 兴业 兴和 "
    "兴国 凤凰 前进 前锋 南和 南岸 南部 博爱 友好 友谊 双城 双桥 合作 同仁 "
    "同德 同心 名山 向阳 和平 和政 和顺 回民 城东 城中 城关 城北 城厢 城西 "
    "增城 复兴 大丰 大关 大兴 大化 大同 大名 大城 大安 大新 大方 大理 大田 "
    "大观 大通 天涯 太和 太平 太湖 安宁 安定 安居 安康 安新 宏伟 定远 富民 "
    "富裕 小店 小金 工农 市中 市北 市南 平原 平和 平安 平定 平房 延长 建华 "
    "建安 建平 开平 惠农 惠民 扬中 振兴 政和 新乐 新乡 新兴 新华 新和 新城 "
    "新安 新市 新干 新平 新建 新星 新民 方正 无为 杂多 来安 来宾 武功 比如 "
    "民乐 民勤 民和 民权 永和 江北 江南 江口 江城 江山 江海 河东 河口 河西 "
    "泰和 洞口 海口 海棠 海港 清新 清水 温泉 港口 湖口 灯塔 爱民 界首 白云 "
    "白杨 石门 红旗 老城 芙蓉 荣昌 莲花 融安 裕民 西和 解放 资中 资兴 "
    "资源 运河 通道 金安 金山 金平 金水 长子 长寿 长治 青山 高台 高平 高明 "
    "高要 麒麟 龙凤"
)

# …and not when its last character starts a common word: 宜居乡村, 提高城镇化.
RUN_ONS = frozenset(
    {"乡村", "乡镇", "乡土", "乡贤", "乡风", "乡愁", "乡亲", "乡情", "乡里", "乡野"}
    | {"乡间", "镇化", "镇村", "镇街", "镇乡"}
)
# Other township-level units (开发区, 林业局, 综合保税区) are often generic phrases;
# they only count when a whole metadata string is that name. Beijing's 地区, and named
# 办事处 and 农场 of four or more characters, are specific enough.
TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "苏木")
NAMED_UNIT_SUFFIXES = ("地区", "办事处", "农场", "林场")
# After a place's short name, these continue a longer proper noun: a mountain, a
# water, an island, a road or a bridge, a company or a school (天台山, 千岛湖,
# 慈溪中学).
NOUN_HEADS = (
    *"山岭峰岛屿湖江河溪海湾港泉潭洲峡塘渠路街巷桥寺庙塔村寨",
    "公司",
    "集团",
    "大学",
    "学院",
    "中学",
    "小学",
    "医院",
    "银行",
    "景区",
    "机场",
    "水库",
    "大道",
    "广场",
)
# A full name whose suffix starts a word: 慈溪市场 is a market, 西湖区域 an area.
SUFFIX_RUN_ONS = frozenset({"市场", "区域", "县域"})
# How a text refers to its own place: 我镇, 本县, 全区, 我街道.
SELF_REFERENCE = re.compile(r"[我本全](街道|镇|乡|县|区|市|旗|州|省)")
SENTENCE_END = re.compile(r"[。！？；!?;\n]")


AREA, SHORT, TOWN = "area", "short", "township"


class Lexicon:
    """Every matchable name, for longest-first substring scans."""

    def __init__(self, gz: Gazetteer) -> None:
        self.kinds: dict[str, str] = {}
        self.area_places: dict[str, list[Place]] = {}
        # Names only trusted at the start of a metadata string, never in prose.
        self.weak: set[str] = set()
        # Township names only trusted as a whole metadata string.
        self.whole_only: set[str] = set()
        for place in gz.places():
            if place.is_pseudo:
                continue
            if place.level == TOWNSHIP:
                # Two-character township names (街道, 城南, 农场) are common words.
                if len(place.name) >= 3:
                    self.kinds.setdefault(place.name, TOWN)
                named_unit = len(place.name) >= 4 and place.name.endswith(
                    NAMED_UNIT_SUFFIXES
                )
                if not (place.name.endswith(TOWNSHIP_SUFFIXES) or named_unit):
                    self.whole_only.add(place.name)
                continue
            # An area reading wins: 东城区 the district, not a township of that name.
            self.kinds[place.name] = AREA
            self.area_places.setdefault(place.name, []).append(place)
            alias = short_name(place)
            if len(place.name) <= 2 or (alias and alias in COMMON_WORDS):
                self.weak.add(place.name)
            if alias and alias not in COMMON_WORDS:
                if self.kinds.get(alias) != AREA:
                    self.kinds[alias] = SHORT
                    self.weak.add(alias)
                self.area_places.setdefault(alias, []).append(place)
        self._add_former(gz)
        by_first: dict[str, set[int]] = {}
        for word in self.kinds:
            by_first.setdefault(word[0], set()).add(len(word))
        self._lengths = {
            char: tuple(sorted(sizes, reverse=True)) for char, sizes in by_first.items()
        }

    def _add_former(self, gz: Gazetteer) -> None:
        """Old names, matched as their current successors; current names win."""
        for row in gz.former_places():
            place = row.place
            if place.is_pseudo or place.name in self.kinds:
                continue
            if place.level == TOWNSHIP:
                if len(place.name) >= 3 and gz.find_townships(place.name):
                    self.kinds[place.name] = TOWN
                    if not place.name.endswith(TOWNSHIP_SUFFIXES):
                        self.whole_only.add(place.name)
                continue
            successors = gz.find(place.name)
            if not successors:
                continue
            self.kinds[place.name] = AREA
            self.area_places[place.name] = successors
            alias = short_name(place)
            if len(place.name) <= 2 or (alias and alias in COMMON_WORDS):
                self.weak.add(place.name)
            if alias and alias not in COMMON_WORDS and alias not in self.kinds:
                self.kinds[alias] = SHORT
                self.weak.add(alias)
                self.area_places[alias] = gz.find_short(alias)

    def scan(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping matches, longer names first, in text order."""
        found = []
        for start, char in enumerate(text):
            for size in self._lengths.get(char, ()):
                word = text[start : start + size]
                if len(word) == size and word in self.kinds:
                    found.append((start, start + size, word))
        found.sort(key=lambda m: (m[0] - m[1], m[0]))
        taken = bytearray(len(text))
        kept = []
        for start, end, word in found:
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                kept.append((start, end, word))
        kept.sort()
        return kept


def at_boundary(text: str, start: int, end: int, kind: str) -> bool:
    """False where a name match is the start of a longer proper noun."""
    if kind == SHORT and text.startswith(NOUN_HEADS, end):
        return False
    return text[end - 1 : end + 1] not in SUFFIX_RUN_ONS


def place_suffix(place: Place) -> str:
    """What a text calls its own place: 镇 for 周巷镇, 街道 for 新华街道."""
    if place.name.endswith("街道"):
        return "街道"
    return place.name[-1]


@functools.lru_cache(maxsize=4)
def lexicon(gz: Gazetteer) -> Lexicon:
    return Lexicon(gz)
