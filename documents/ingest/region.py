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
from documents.ingest.codes import (
    credit_code_verifies,
    division_for_code,
    index_division,
    is_credit_code,
)
from documents.ingest.names import (
    AREA,
    COMMON_WORDS,
    RUN_ONS,
    SELF_REFERENCE,
    SENTENCE_END,
    SHORT,
    TOWN,
    at_boundary,
    lexicon,
    place_suffix,
)
from documents.ingest.signature import heading_lines

logger = logging.getLogger(__name__)

# Callers (and tests) import these from here.
__all__ = [
    "COMMON_WORDS",
    "RegionEvidence",
    "RegionResult",
    "division_for_code",
    "index_division",
    "resolve_region",
]

UNKNOWN_NOTE = "未能确定地区"


# How organisations end, so that "城南人民政府" still names 城南 exactly.
_ORG_SUFFIX = re.compile(
    r"(?:人民政府|政府|党委|党工委|管理委员会|管委会|办事处|委员会|人大|办公室)+$"
)
# A township name inside a longer string counts after these (2023年章镇镇, 关于…,
# 中共…镇委员会) or after another place name; elsewhere 发展乡村 would name 发展乡.
_LEAD_INS = ("年", "年度", "关于", "印发", "转发", "中共")
# A district government's name before one of its street offices.
_DISTRICT_ORGANS = frozenset({"人民政府", "政府"})
# Bodies beyond this add nothing but time: place references cluster early.
_TEXT_LIMIT = 30_000
_LEVEL_DEPTH = {PROVINCE: 0, CITY: 1, COUNTY: 2, TOWNSHIP: 3}


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


def _is_township_name(name: str, gz: Gazetteer) -> bool:
    # Two-character names are only trusted when they are clearly a 镇 or 乡 (张镇);
    # 街道, 城南 and 农场 are also what breadcrumbs and titles call other things.
    if len(name) < 3 and not name.endswith(("镇", "乡")):
        return False
    return bool(gz.find_townships(name))


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


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
        self.lex = lexicon(gz)
        self._mentions: Counter[str] | None = None
        self._text_townships: Counter[str] | None = None
        self.townships: list[str] = []
        self.clues: list[_Clue] = []
        # Old division names the metadata used (南牛乡 for today's 南牛镇).
        self.former_used: list[str] = []
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
            if is_credit_code(index_no) and not credit_code_verifies(index_no):
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
                if self.lex.kinds[word] == TOWN:
                    if self._township_fits(name, start, end, chain_end):
                        self._add_township(word)
                        chain_end = end
                elif not at_boundary(name, start, end, self.lex.kinds[word]):
                    continue
                elif word not in self.lex.weak or start == chain_end:
                    # A short name counts only where the string starts with it, or
                    # right after another place name (浙江慈溪…): 平潭综合实验区, yes;
                    # 中国平潭, no.
                    self._add_area(word)
                    chain_end = end

    def _township_fits(self, name: str, start: int, end: int, chain_end: int) -> bool:
        word = name[start:end]
        if word in self.lex.whole_only or name[end - 1 : end + 1] in RUN_ONS:
            return False
        return (
            start == chain_end
            or not _is_han(name[start - 1])
            or name[:start].endswith(_LEAD_INS)
            # 上海市奉贤区人民政府头桥街道办事处: a street office under its district.
            or (chain_end > 0 and name[chain_end:start] in _DISTRICT_ORGANS)
        )

    def _add_township(self, name: str) -> None:
        # 新华街道办事处 (the issuer) and 新华街道 (the title) name one township.
        key = township_key(name)
        if key not in self.townships:
            self.townships.append(key)
            self._note_former(key)

    def _add_area(self, word: str) -> None:
        places = self.lex.area_places[word]
        # 海南, 吉林: a name shared by levels means the higher one.
        top = min(_LEVEL_DEPTH[p.level] for p in places)
        places = tuple(p for p in places if _LEVEL_DEPTH[p.level] == top)
        label = f"发布信息中的“{word}”"
        if all(clue.label != label for clue in self.clues):
            self.clues.append(_Clue(label, places))
            self._note_former(word)

    def _note_former(self, name: str) -> None:
        if self.gz.is_former_name(name) and name not in self.former_used:
            self.former_used.append(name)

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
                    self.lex.kinds[word] == SHORT
                    or (self.lex.kinds[word] == AREA and word not in self.lex.weak)
                )
                and at_boundary(text, start, end, self.lex.kinds[word])
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
                if self.lex.kinds[word] == TOWN
                and word not in self.lex.whole_only
                and text[end - 1 : end + 1] not in RUN_ONS
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
        suffixes = {place_suffix(p) for p in places}
        return any(
            selves & suffixes and self._named_in(sentence, word)
            for sentence, selves in self.self_sentences
        )

    @staticmethod
    def _named_in(text: str, word: str) -> bool:
        kind = SHORT if not word.endswith(("市", "县", "区", "旗")) else AREA
        start = text.find(word)
        while start >= 0:
            if at_boundary(text, start, start + len(word), kind):
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
        for sentence in SENTENCE_END.split(text):
            selves = {m.group(1) for m in SELF_REFERENCE.finditer(sentence)}
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
        if self.former_used:
            path = "".join(dict.fromkeys(p.name for p in lineage.values()))
            old = "、".join(f"“{name}”" for name in self.former_used)
            former = f"{old}为旧区划名称，按现行区划归入{path}"
            note = "；".join(n for n in (note, former) if n)

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
