"""Stage 6: which division a document comes from, from its metadata, 索引号 and text."""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from documents.gazetteer.loader import (
    CITY,
    COUNTY,
    PROVINCE,
    TOWNSHIP,
    Gazetteer,
    Place,
    default_gazetteer,
    short_name,
    township_key,
)
from documents.ingest.signature import heading_lines

logger = logging.getLogger(__name__)

UNKNOWN_NOTE = "未能确定地区"


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

# How organisations end, so that "城南人民政府" still names 城南 exactly.
_ORG_SUFFIX = re.compile(
    r"(?:人民政府|政府|党委|党工委|管理委员会|管委会|办事处|委员会|人大|办公室)+$"
)
# A township name inside a longer string counts after these (2023年章镇镇, 关于…,
# 中共…镇委员会) or after another place name; elsewhere 发展乡村 would name 发展乡.
_LEAD_INS = ("年", "年度", "关于", "印发", "转发", "中共")
# …and not when its last character starts a common word: 宜居乡村, 提高城镇化.
_RUN_ONS = frozenset(
    {"乡村", "乡镇", "乡土", "乡贤", "乡风", "乡愁", "乡亲", "乡情", "乡里", "乡野"}
    | {"乡间", "镇化", "镇村", "镇街", "镇乡"}
)
# Other township-level units (开发区, 林业局, 综合保税区) are often generic phrases;
# they only count when a whole metadata string is that name. Beijing's 地区, and named
# 办事处 and 农场 of four or more characters, are specific enough.
_TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "苏木")
_NAMED_UNIT_SUFFIXES = ("地区", "办事处", "农场", "林场")
# Unified social credit codes (GB 32100-2015): 18 characters with a check digit, and
# characters 3-8 the registering authority's division code.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"^[{_CREDIT_CHARS}]{{18}}$")
# Sites also publish codes whose check digit does not verify (typed by hand). Such
# a code is still read when its structure is an organ's: a registering authority
# (1 机构编制, 5 民政, 9 工商, A, N, Y), an organ type (1 机关, 2 事业单位, 3 群团,
# 9 other), then six digits that the gazetteer knows as a division.
_CREDIT_STRUCTURE = re.compile(r"^[1-9ANY][1239](\d{6})")
# Site-specific index numbers that lead with a code: LH331082-074, ZZ330282-001.
_LETTERS_CODE = re.compile(r"^[A-Za-z]{1,6}(\d{6})(?:[-_.]|$)")
_BARE_CODE = re.compile(r"^(\d{6})(?:[-_.]|$)")
# Bodies beyond this add nothing but time: place references cluster early.
_TEXT_LIMIT = 30_000
_LEVEL_DEPTH = {PROVINCE: 0, CITY: 1, COUNTY: 2, TOWNSHIP: 3}
# After a place's short name, these continue a longer proper noun: a mountain, a
# water, an island, a road or a bridge, a company or a school (天台山, 千岛湖,
# 慈溪中学).
_NOUN_HEADS = (
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
_SUFFIX_RUN_ONS = frozenset({"市场", "区域", "县域"})
# How a text refers to its own place: 我镇, 本县, 全区, 我街道.
_SELF_REFERENCE = re.compile(r"[我本全](街道|镇|乡|县|区|市|旗|州|省)")
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


@dataclass(frozen=True)
class RegionEvidence:
    """What a document says about where it comes from."""

    # Metadata strings that may name the issuing place, best first: issuer,
    # breadcrumb parts, title.
    names: Sequence[str] = ()
    index_no: str | None = None
    # Body text, searched for county, city and province names.
    text: str = ""
    # A division code stated outright (区划代码 columns in exports).
    division_code: str = ""
    # The issuer's level (Document.Level): the region is never below it.
    cap: str = ""
    # Lines of the text that name its author: its opening heading lines and its
    # signature. A place named there refers to the issuer itself.
    own_lines: Sequence[str] = ()


@dataclass(frozen=True)
class RegionResult:
    """The resolved division, its names by level, and how sure we are."""

    place: Place | None
    township: str
    county: str
    city: str
    province: str
    division_code: str
    inferred: bool
    needs_review: bool
    note: str

    @classmethod
    def unknown(cls, note: str = UNKNOWN_NOTE) -> RegionResult:
        """An empty result that asks for review."""
        return cls(None, "", "", "", "", "", False, True, note)


def resolve_region(
    evidence: RegionEvidence, gazetteer: Gazetteer | None = None
) -> RegionResult:
    """The most specific division the evidence supports, never a silent guess."""
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    return _Resolver(evidence, gz).resolve()


def index_division(
    index_no: str | None, gazetteer: Gazetteer | None = None
) -> Place | None:
    """The county, city or province whose code an index number carries, if any."""
    if not index_no:
        return None
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    head = re.split(r"[/／]", index_no.strip(), maxsplit=1)[0].strip()
    code = None
    if _CREDIT_CODE.match(head) and _CREDIT_STRUCTURE.match(head):
        code = head[2:8]
    else:
        match = _LETTERS_CODE.match(head) or _BARE_CODE.match(head)
        if match:
            code = match.group(1)
    return _six_digit_place(code, gz) if code else None


def credit_code_verifies(index_no: str | None) -> bool:
    """True when the index number starts with a credit code whose check digit holds."""
    head = re.split(r"[/／]", (index_no or "").strip(), maxsplit=1)[0].strip()
    return bool(_CREDIT_CODE.match(head)) and _credit_check_ok(head)


def division_for_code(code: str, gazetteer: Gazetteer | None = None) -> Place | None:
    """The place for a stated code, padded (330282000000) or not (330282121)."""
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    code = code.strip()
    if not code.isdigit():
        return None
    # Statistical codes pad every level with zeros to 12 digits.
    for length in (12, 9, 6, 4, 2):
        if len(code) >= length and not code[length:].strip("0"):
            place = gz.get(code[:length])
            if place is not None:
                # 1101 (北京市市辖区) means the municipality itself.
                return gz.get(code[:2]) if place.is_pseudo else place
    return None


def _is_township_name(name: str, gz: Gazetteer) -> bool:
    # Two-character names are only trusted when they are clearly a 镇 or 乡 (张镇);
    # 街道, 城南 and 农场 are also what breadcrumbs and titles call other things.
    if len(name) < 3 and not name.endswith(("镇", "乡")):
        return False
    return bool(gz.find_townships(name))


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _credit_check_ok(code: str) -> bool:
    total = sum(
        _CREDIT_CHARS.index(char) * weight
        for char, weight in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def _six_digit_place(code: str, gz: Gazetteer) -> Place | None:
    place = gz.get(code)
    if place is not None and place.level == COUNTY:
        return place
    if code.endswith("0000"):
        return gz.get(code[:2])
    if code.endswith("00"):
        city = gz.get(code[:4])
        if city is not None:
            # 110100 is Beijing's 市辖区: the municipality is what it means.
            return gz.get(code[:2]) if city.is_pseudo else city
    return None


# Lexicon and scanning --------------------------------------------------------------

_AREA, _SHORT, _TOWN = "area", "short", "township"


class _Lexicon:
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
                    self.kinds.setdefault(place.name, _TOWN)
                named_unit = len(place.name) >= 4 and place.name.endswith(
                    _NAMED_UNIT_SUFFIXES
                )
                if not (place.name.endswith(_TOWNSHIP_SUFFIXES) or named_unit):
                    self.whole_only.add(place.name)
                continue
            # An area reading wins: 东城区 the district, not a township of that name.
            self.kinds[place.name] = _AREA
            self.area_places.setdefault(place.name, []).append(place)
            alias = short_name(place)
            if len(place.name) <= 2 or (alias and alias in COMMON_WORDS):
                self.weak.add(place.name)
            if alias and alias not in COMMON_WORDS:
                if self.kinds.get(alias) != _AREA:
                    self.kinds[alias] = _SHORT
                    self.weak.add(alias)
                self.area_places.setdefault(alias, []).append(place)
        by_first: dict[str, set[int]] = {}
        for word in self.kinds:
            by_first.setdefault(word[0], set()).add(len(word))
        self._lengths = {
            char: tuple(sorted(sizes, reverse=True)) for char, sizes in by_first.items()
        }

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


def _at_boundary(text: str, start: int, end: int, kind: str) -> bool:
    """False where a name match is the start of a longer proper noun."""
    if kind == _SHORT and text.startswith(_NOUN_HEADS, end):
        return False
    return text[end - 1 : end + 1] not in _SUFFIX_RUN_ONS


def _place_suffix(place: Place) -> str:
    """What a text calls its own place: 镇 for 周巷镇, 街道 for 新华街道."""
    if place.name.endswith("街道"):
        return "街道"
    return place.name[-1]


@functools.lru_cache(maxsize=4)
def _lexicon(gz: Gazetteer) -> _Lexicon:
    return _Lexicon(gz)


# Resolution ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clue:
    """Places one piece of evidence allows, and how to describe it in a note."""

    label: str
    places: tuple[Place, ...]

    @property
    def depth(self) -> int:
        return max(_LEVEL_DEPTH[p.level] for p in self.places)


class _Resolver:
    def __init__(self, evidence: RegionEvidence, gz: Gazetteer) -> None:
        self.evidence = evidence
        self.gz = gz
        self.lex = _lexicon(gz)
        self._mentions: Counter[str] | None = None
        self._text_townships: Counter[str] | None = None
        self.townships: list[str] = []
        self.clues: list[_Clue] = []
        self._read_codes()
        self._read_names()

    # Evidence -----------------------------------------------------------------

    def _read_codes(self) -> None:
        stated = self.evidence.division_code
        place = division_for_code(stated, self.gz) if stated else None
        if place is not None:
            self.clues.append(_Clue(f"区划代码 {place.code}", (place,)))
        index_no = self.evidence.index_no
        place = index_division(index_no, self.gz)
        if place is not None:
            label = f"索引号中的区划代码 {place.code}"
            if _CREDIT_CODE.match(index_no.split("/")[0].strip()) and not (
                credit_code_verifies(index_no)
            ):
                label += "（校验位不符）"
            self.clues.append(_Clue(label, (place,)))

    def _read_names(self) -> None:
        for raw in self.evidence.names:
            name = (raw or "").strip()
            if not name:
                continue
            # 庆北办事处 is a township's name; 章镇镇人民政府 is 章镇镇's government.
            whole = next(
                (
                    candidate
                    for candidate in (name, _ORG_SUFFIX.sub("", name))
                    if candidate in self.lex.area_places
                    or _is_township_name(candidate, self.gz)
                ),
                None,
            )
            if whole in self.lex.area_places:
                self._add_area(whole)
                continue
            if whole is not None:
                self._add_township(whole)
                continue
            chain_end = 0
            for start, end, word in self.lex.scan(name):
                if self.lex.kinds[word] == _TOWN:
                    if self._township_fits(name, start, end, chain_end):
                        self._add_township(word)
                        chain_end = end
                elif not _at_boundary(name, start, end, self.lex.kinds[word]):
                    continue
                elif word not in self.lex.weak or start == chain_end:
                    # A short name counts only where the string starts with it, or
                    # right after another place name (浙江慈溪…): 平潭综合实验区, yes;
                    # 中国平潭, no.
                    self._add_area(word)
                    chain_end = end

    def _township_fits(self, name: str, start: int, end: int, chain_end: int) -> bool:
        word = name[start:end]
        if word in self.lex.whole_only or name[end - 1 : end + 1] in _RUN_ONS:
            return False
        return (
            start == chain_end
            or not _is_han(name[start - 1])
            or name[:start].endswith(_LEAD_INS)
        )

    def _add_township(self, name: str) -> None:
        # 新华街道办事处 (the issuer) and 新华街道 (the title) name one township.
        key = township_key(name)
        if key not in self.townships:
            self.townships.append(key)

    def _add_area(self, word: str) -> None:
        places = self.lex.area_places[word]
        # 海南, 吉林: a name shared by levels means the higher one.
        top = min(_LEVEL_DEPTH[p.level] for p in places)
        places = tuple(p for p in places if _LEVEL_DEPTH[p.level] == top)
        label = f"发布信息中的“{word}”"
        if all(clue.label != label for clue in self.clues):
            self.clues.append(_Clue(label, places))

    @property
    def mentions(self) -> Counter[str]:
        """Area names in the body text, with how often each appears."""
        if self._mentions is None:
            text = "\n".join((self.evidence.text[:_TEXT_LIMIT], *self.own_lines))
            # Weak full names (城区, 和县, 新城区) are everyday words in prose.
            self._mentions = Counter(
                word
                for start, end, word in self.lex.scan(text)
                if (
                    self.lex.kinds[word] == _SHORT
                    or (self.lex.kinds[word] == _AREA and word not in self.lex.weak)
                )
                and _at_boundary(text, start, end, self.lex.kinds[word])
            )
        return self._mentions

    @property
    def text_townships(self) -> Counter[str]:
        """Township names in the body text (3+ characters), with their counts."""
        if self._text_townships is None:
            text = "\n".join((self.evidence.text[:_TEXT_LIMIT], *self.own_lines))
            self._text_townships = Counter(
                township_key(word)
                for start, end, word in self.lex.scan(text)
                if self.lex.kinds[word] == _TOWN
                and word not in self.lex.whole_only
                and text[end - 1 : end + 1] not in _RUN_ONS
            )
        return self._text_townships

    def _mentioned(self, place: Place) -> int:
        alias = short_name(place)
        count = self.mentions[place.name]
        if alias and alias not in COMMON_WORDS:
            count += self.mentions[alias]
        return count

    # Steps --------------------------------------------------------------------

    def resolve(self) -> RegionResult:
        """The region, never below the issuer's level."""
        if self.evidence.cap == "national":
            return RegionResult.unknown("全国性文件，无地方区划")
        result = self._resolve()
        depth = _LEVEL_DEPTH.get(self.evidence.cap)
        if result.place is None or depth is None:
            return result
        if _LEVEL_DEPTH[result.place.level] <= depth:
            return result
        lineage = self.gz.lineage(result.place)
        level = next(k for k, v in _LEVEL_DEPTH.items() if v == depth)
        above = lineage.get(level)
        if above is None or above.is_pseudo:
            return RegionResult.unknown(
                f"{result.note}；与发布机构层级不符".lstrip("；")
            )
        note = "；".join(
            n
            for n in (result.note, f"发布机构为{above.name}一级，地区归入{above.name}")
            if n
        )
        return self._result(
            above, needs_review=result.needs_review, note=note, inferred=result.inferred
        )

    def _resolve(self) -> RegionResult:
        township_note = ""
        if self.townships:
            # Only the first (best-placed) township name is trusted.
            result, township_note = self._township(self.townships[0])
            if result is not None:
                return result
        result = self._area(township_note)
        if result is not None:
            return result
        if not self.townships:
            # With a township named but unresolved, its candidates' counties were
            # already looked for in the text; another county would contradict it.
            result = self._text_only(within=None, prefix="")
            if result is None:
                result = self._text_township(within=None, prefix="")
            if result is not None:
                return result
        return RegionResult.unknown(township_note or UNKNOWN_NOTE)

    def _township(self, name: str) -> tuple[RegionResult | None, str]:
        candidates = self.gz.find_townships(name)
        total = len(candidates)
        used: list[str] = []
        conflicts: list[str] = []
        for clue in self.clues:
            kept = [t for t in candidates if self._within(t, clue.places)]
            if not kept:
                conflicts.append(clue.label)
            elif len(kept) < len(candidates):
                used.append(clue.label)
                candidates = kept
        weak = False
        if len(candidates) > 1:
            candidates, label, weak = self._narrow_by_text(candidates)
            if label:
                used.append(label)
        if conflicts:
            # A division code or a county named in the metadata outranks a bare
            # township name that disagrees with it: keep the area, flag the name.
            if total > 1:
                return None, f"{name} 同名 {total} 处，均与{'、'.join(conflicts)} 不符"
            return None, f"{name} 与{'、'.join(conflicts)} 不符，未采用"
        if len(candidates) == 1:
            notes = []
            if total > 1:
                notes.append(f"{name} 同名 {total} 处，依{'、'.join(used)} 确定")
            return (
                self._result(candidates[0], needs_review=weak, note="；".join(notes)),
                "",
            )
        shared = self._common_ancestor(candidates)
        where = self._describe(candidates)
        note = f"{name} 同名 {len(candidates)} 处（{where}），无法确定"
        if shared is not None and not self.clues:
            return self._result(shared, needs_review=True, note=note), ""
        return None, note

    def _area(self, township_note: str) -> RegionResult | None:
        if not self.clues:
            return None
        # The most specific clue leads; stated codes and metadata come before the
        # index number at the same depth because self.clues keeps that order.
        ordered = sorted(self.clues, key=lambda c: -c.depth)
        lead = ordered[0]
        candidates = [p for p in lead.places if _LEVEL_DEPTH[p.level] == lead.depth]
        used: list[str] = []
        conflicts: list[str] = []
        for clue in ordered[1:]:
            kept = [p for p in candidates if self._within(p, clue.places)]
            if not kept:
                conflicts.append(clue.label)
            elif len(kept) < len(candidates):
                used.append(clue.label)
                candidates = kept
        weak = False
        if len(candidates) > 1:
            candidates, label, weak = self._narrow_by_text(candidates)
            if label:
                used.append(label)
        notes = [township_note] if township_note else []
        if len(candidates) != 1:
            where = self._describe(candidates)
            notes.append(f"{lead.label} 对应 {len(candidates)} 处（{where}），无法确定")
            shared = self._common_ancestor(candidates)
            if shared is None:
                return RegionResult.unknown("；".join(notes))
            return self._result(shared, needs_review=True, note="；".join(notes))
        place = candidates[0]
        if conflicts:
            notes.append(f"{lead.label} 与{'、'.join(conflicts)} 不符")
        elif used:
            notes.append(f"依{'、'.join([lead.label, *used])} 确定")
        if place.level in (PROVINCE, CITY):
            refined = self._text_only(within=place, prefix="；".join(notes))
            if refined is not None:
                return refined
        if place.level in (CITY, COUNTY) and not self.townships:
            refined = self._text_township(within=place, prefix="；".join(notes))
            if refined is not None:
                return refined
        return self._result(
            place,
            needs_review=bool(conflicts or township_note) or weak,
            note="；".join(notes),
        )

    def _text_only(self, within: Place | None, prefix: str) -> RegionResult | None:
        """The one county the body names as the issuer's own, as a flagged inference.

        Body mentions alone are the weakest evidence: a county counts only where
        the text refers to itself by it (我市, 本县 in the same sentence, or the name
        in its heading or signature lines), and only when it is the only one.
        """
        found: dict[tuple[Place, ...], str] = {}
        for word in self.mentions:
            places = self.lex.area_places[word]
            # 海南, 朝阳: a name that is also a province or city means that first.
            if any(p.level != COUNTY for p in places):
                continue
            if within is not None:
                places = [p for p in places if self.gz.contains(within, p)]
            if places and self._refers_to_issuer(word, places):
                key = tuple(sorted(places, key=lambda p: p.code))
                found.setdefault(key, word)
        if len(found) != 1:
            return None
        (key, word), *_ = found.items()
        candidates = list(key)
        if len(candidates) > 1:
            candidates = [p for p in candidates if self._ancestor_mentions(p)]
        if len(candidates) != 1:
            return None
        place = candidates[0]
        path = "".join(dict.fromkeys(p.name for p in self.gz.lineage(place).values()))
        note = "；".join(
            n for n in (prefix, f"正文以“{word}”自称（本地提及），推断为{path}") if n
        )
        refined = self._text_township(within=place, prefix=note)
        if refined is not None:
            return refined
        return self._result(place, inferred=True, needs_review=True, note=note)

    def _text_township(self, within: Place | None, prefix: str) -> RegionResult | None:
        """The township the body names as the issuer's own (我镇, 本街道 beside it).

        Without ``within`` (an area already read), a shared name needs its county
        or city named in the text too.
        """
        names = [
            name
            for name in self.text_townships
            if self._refers_to_issuer(name, self.gz.find_townships(name))
        ]
        if len(names) != 1:
            return None
        name = names[0]
        candidates = self.gz.find_townships(name)
        confirm = ""
        if within is not None:
            candidates = [t for t in candidates if self.gz.contains(within, t)]
            confirm = within.name
        elif len(candidates) > 1:
            confirmed = []
            for township in candidates:
                lineage = self.gz.lineage(township)
                named = [
                    lineage[level]
                    for level in (COUNTY, CITY)
                    if level in lineage and self._mentioned(lineage[level])
                ]
                if named:
                    confirmed.append((township, named[0].name))
            candidates = [t for t, _ in confirmed]
            confirm = confirmed[0][1] if len(confirmed) == 1 else ""
        if len(candidates) != 1:
            return None
        place = candidates[0]
        path = "".join(dict.fromkeys(p.name for p in self.gz.lineage(place).values()))
        also = f"，且提及其所在的“{confirm}”" if confirm else ""
        note = f"正文以“{name}”自称（本地提及）{also}，推断为{path}"
        return self._result(
            place,
            inferred=True,
            needs_review=True,
            note="；".join(n for n in (prefix, note) if n),
        )

    def _refers_to_issuer(self, word: str, places: Sequence[Place]) -> bool:
        """True where the text names ``word`` as its own place."""
        if not places:
            return False
        if any(self._named_in(line, word) for line in self.own_lines):
            return True
        suffixes = {_place_suffix(p) for p in places}
        return any(
            selves & suffixes and self._named_in(sentence, word)
            for sentence, selves in self.self_sentences
        )

    @staticmethod
    def _named_in(text: str, word: str) -> bool:
        kind = _SHORT if not word.endswith(("市", "县", "区", "旗")) else _AREA
        start = text.find(word)
        while start >= 0:
            if _at_boundary(text, start, start + len(word), kind):
                return True
            start = text.find(word, start + 1)
        return False

    @functools.cached_property
    def own_lines(self) -> tuple[str, ...]:
        """The text's heading lines and the signature lines the caller found."""
        return (*heading_lines(self.evidence.text), *self.evidence.own_lines)

    @functools.cached_property
    def self_sentences(self) -> list[tuple[str, set[str]]]:
        """Sentences in which the text speaks of its own place (全镇, 我县)."""
        text = self.evidence.text[:_TEXT_LIMIT]
        found = []
        for sentence in _SENTENCE_END.split(text):
            selves = {m.group(1) for m in _SELF_REFERENCE.finditer(sentence)}
            if selves:
                found.append((sentence, selves))
        return found

    def _narrow_by_text(self, candidates: list[Place]) -> tuple[list[Place], str, bool]:
        """Keep the one candidate whose county, city or province the text names."""
        for level in (COUNTY, CITY, PROVINCE):
            scores = []
            for candidate in candidates:
                above = self.gz.lineage(candidate).get(level)
                scores.append(self._mentioned(above) if above is not None else 0)
            if len(set(scores)) == 1:
                continue  # Same name or nothing at this level (朝阳区 ×2): look higher.
            named = [c for c, s in zip(candidates, scores, strict=True) if s > 0]
            if len(named) == 1:
                above = self.gz.lineage(named[0])[level]
                alias = short_name(above)
                word = alias if alias and self.mentions[alias] else above.name
                # Only the province named is thin evidence when places share names.
                return named, f"正文提及的“{word}”", level == PROVINCE
            break  # Several of them named: the text does not decide.
        return candidates, "", False

    # Helpers ------------------------------------------------------------------

    def _within(self, place: Place, allowed: Sequence[Place]) -> bool:
        return any(
            self.gz.contains(other, place) or self.gz.contains(place, other)
            for other in allowed
        )

    def _ancestor_mentions(self, place: Place) -> int:
        lineage = self.gz.lineage(place)
        return sum(
            self._mentioned(lineage[level])
            for level in (CITY, PROVINCE)
            if level in lineage and lineage[level] is not place
        )

    def _common_ancestor(self, places: Sequence[Place]) -> Place | None:
        if not places:
            return None
        shared: Place | None = None
        lineages = [self.gz.lineage(p) for p in places]
        for level in (PROVINCE, CITY, COUNTY):
            codes = {lin[level].code if level in lin else None for lin in lineages}
            if len(codes) != 1 or None in codes:
                break
            shared = lineages[0][level]
        return shared

    def _describe(self, places: Sequence[Place], limit: int = 3) -> str:
        parts = []
        for place in places[:limit]:
            lineage = self.gz.lineage(place)
            levels = (PROVINCE, COUNTY) if place.level == TOWNSHIP else (PROVINCE, CITY)
            names = dict.fromkeys(lineage[k].name for k in levels if k in lineage)
            parts.append("".join(names))
        more = "等" if len(places) > limit else ""
        return "、".join(parts) + more

    def _result(
        self, place: Place, *, needs_review: bool, note: str, inferred: bool = False
    ) -> RegionResult:
        lineage = self.gz.lineage(place)

        def name(level: str) -> str:
            return lineage[level].name if level in lineage else ""

        return RegionResult(
            place=place,
            township=name(TOWNSHIP),
            county=name(COUNTY),
            city=name(CITY),
            province=name(PROVINCE),
            division_code=place.code,
            inferred=inferred,
            needs_review=needs_review,
            note=note,
        )
