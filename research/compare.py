"""Compare 2-5 townships or counties: documents per year and characteristic words."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from django.core.cache import cache as django_cache
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from documents.selectors import place_exists, place_level_of, similar_place_names
from documents.texts import searchable_text
from research.corpus import iter_documents
from search.normalise import Form, fold
from search.query import Unit
from search.selection import matching_documents
from search.services import SearchFilters
from search.tokenizer import cut_for_search

MIN_PLACES = 2
MAX_PLACES = 5
TOP_WORDS = 20
# A word must occur this often in a place to be called characteristic of it.
MIN_COUNT = 3
# jieba segments about 0.1-0.6 M chars a second, so a place's words come from
# its newest documents up to these limits, and each document's from its start.
MAX_WORD_DOCUMENTS = 100
MAX_WORD_CHARS = 150_000
MAX_DOCUMENT_CHARS = 20_000
CACHE_SECONDS = 60 * 60
STOP_WORDS_PATH = Path(__file__).resolve().parent / "stopwords.txt"
CJK_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两半几第")
# 三个, 五年, 十项: a numeral and a measure word is a number too.
MEASURE_WORDS = frozenset("个年月日次项批条家名位种届期是大点")


class Level(TextChoices):
    TOWNSHIP = "township", _("乡镇街道")
    COUNTY = "county", _("区县")

    @classmethod
    def parse(cls, value: str | None) -> Level | None:
        """The level named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


@dataclass(frozen=True)
class UnknownPlace:
    """A name given to compare that has no documents at the chosen level."""

    name: str
    level: Level
    # The level it does have documents at (a county's name given as a
    # township), or None; and names at the chosen level it may mean.
    found_at: Level | None
    suggestions: list[str]

    def message(self) -> str:
        text = _("没有找到名为“%(name)s”的%(level)s（须与地区页上的名称一致）。") % {
            "name": self.name,
            "level": self.level.label,
        }
        if self.suggestions:
            text += _("您要找的是不是：%(names)s？") % {
                "names": "、".join(self.suggestions)
            }
        if self.found_at is not None:
            text += _("“%(name)s”是%(other)s，请把比较层级改为“%(other)s”。") % {
                "name": self.name,
                "other": self.found_at.label,
            }
        return str(text)


def unknown_places(*, level: Level, places: list[str]) -> list[UnknownPlace]:
    """The names that no document has at ``level``: a comparison with them
    would show 0 documents and G² 0.0 without saying why."""
    unknown = []
    for name in places:
        if place_exists(level=level.value, name=name):
            continue
        other = Level.parse(place_level_of(name))
        unknown.append(
            UnknownPlace(
                name=name,
                level=level,
                found_at=other if other is not level else None,
                suggestions=similar_place_names(level=level.value, name=name),
            )
        )
    return unknown


@cache
def stop_words() -> frozenset[str]:
    """The words in research/stopwords.txt (lines starting with # are comments)."""
    lines = STOP_WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        word for line in lines if not line.startswith("#") for word in line.split()
    )


def is_content_word(word: str) -> bool:
    """Not a stop word, a single character, punctuation or a number."""
    if len(word) < 2 or fold(word) in stop_words():
        return False
    if any(ch.isdigit() for ch in word) or not any(ch.isalpha() for ch in word):
        return False
    if all(ch in CJK_NUMERALS for ch in word):
        return False
    head, last = word[:-1], word[-1]
    return not (all(ch in CJK_NUMERALS for ch in head) and last in MEASURE_WORDS)


def document_words(document: Document) -> Counter[str]:
    """Content-word counts of a document's title and the start of its text
    (body, then attachments: documents/texts.py)."""
    stamp = document.updated_at.timestamp() if document.updated_at else 0
    key = f"research:words:{document.pk}:{stamp}"
    cached = django_cache.get(key)
    if cached is not None:
        return Counter(cached)
    text = searchable_text(document)[: len(document.title) + 1 + MAX_DOCUMENT_CHARS]
    words = Counter(
        fold(token.text)
        for token in cut_for_search(text, subwords=False)
        if is_content_word(token.text)
    )
    django_cache.set(key, dict(words), CACHE_SECONDS)
    return words


@dataclass(frozen=True)
class Keyword:
    word: str
    count: int
    per_10k: float
    # Dunning's log-likelihood (G²) against the other places together.
    score: float


@dataclass(frozen=True)
class PlaceProfile:
    name: str
    documents: int
    years: dict[int | None, int]
    words_from: int
    tokens: int
    keywords: list[Keyword]


@dataclass(frozen=True)
class Comparison:
    query: str
    level: Level
    years: list[int]
    places: list[PlaceProfile]

    @property
    def partial(self) -> bool:
        """Whether some place's words came from only part of its documents."""
        return any(place.words_from < place.documents for place in self.places)


def log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """G² for a word seen a times in c tokens here and b times in d tokens elsewhere."""
    total = c + d
    if not total or not (a + b):
        return 0.0
    expected_here = c * (a + b) / total
    expected_there = d * (a + b) / total
    score = 0.0
    if a:
        score += a * math.log(a / expected_here)
    if b:
        score += b * math.log(b / expected_there)
    return 2 * score


def _place_words(ids: list[int]) -> tuple[Counter[str], int]:
    """Word counts of the first documents (newest first) within the limits."""
    words: Counter[str] = Counter()
    read = 0
    chars = 0
    fields = ("title", "body", "updated_at")
    for document in iter_documents(ids[:MAX_WORD_DOCUMENTS], fields=fields):
        # The body and the attachments: the characters document_words reads.
        text_chars = len(searchable_text(document)) - len(document.title) - 1
        size = min(text_chars, MAX_DOCUMENT_CHARS)
        if read and chars + size > MAX_WORD_CHARS:
            break
        words.update(document_words(document))
        chars += size
        read += 1
    return words, read


def _keywords(mine: Counter[str], others: Counter[str], *, top: int) -> list[Keyword]:
    here = sum(mine.values())
    there = sum(others.values())
    found = []
    for word, count in mine.items():
        if count < MIN_COUNT:
            continue
        elsewhere = others.get(word, 0)
        if there and count / here <= elsewhere / there:
            # Used less here than elsewhere: not what sets this place apart.
            continue
        score = log_likelihood(count, elsewhere, here, there) if there else 0.0
        per_10k = round(count / here * 10_000, 2)
        found.append(Keyword(word, count, per_10k, round(score, 2)))
    # Without other places to compare with, the most frequent words.
    found.sort(key=lambda k: (-k.score, -k.count, k.word))
    return found[:top]


def compare(
    *,
    query: str,
    filters: SearchFilters,
    level: Level,
    places: list[str],
    top: int = TOP_WORDS,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> Comparison:
    """Each place's matching documents per plan year and its most
    characteristic words against the other places.

    An empty query compares the places' whole records. Raises
    search.query.QueryError.
    """
    names = list(dict.fromkeys(p for p in places if p))[:MAX_PLACES]
    found: list[tuple[str, list[int], Counter[int | None]]] = []
    for name in names:
        narrowed = replace(filters, **{level.value: name})
        matches = matching_documents(
            query=query, filters=narrowed, sort="newest", form=form, near=near
        )
        years: Counter[int | None] = Counter(m.plan_year for m in matches)
        found.append((name, [m.id for m in matches], years))
    words = {name: _place_words(ids) for name, ids, _ in found}
    profiles = []
    for name, ids, years in found:
        mine, read = words[name]
        others: Counter[str] = Counter()
        for other, (counts, _read) in words.items():
            if other != name:
                others.update(counts)
        profiles.append(
            PlaceProfile(
                name=name,
                documents=len(ids),
                years=dict(years),
                words_from=read,
                tokens=sum(mine.values()),
                keywords=_keywords(mine, others, top=top),
            )
        )
    all_years = sorted({y for _, _, years in found for y in years if y is not None})
    return Comparison(query=query, level=level, years=all_years, places=profiles)
