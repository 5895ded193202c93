"""A query tree over plain text: which documents match and which occurrences count.

This is the definition the engines are held to, written as a plain scan:
property tests compare every engine with it, and whatever shows or counts
hits on a text it has (highlights, snippets, KWIC, trend, export counts)
asks it which occurrences qualify. Offsets are in the original text (every
fold keeps them).

A document is a mapping of field -> text: "" is the full text (title, body
and attachments joined by newlines, documents/texts.py), the others are the
metadata fields of search.query.SEARCH_FIELDS.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

from search.normalise import Form, fold
from search.query import (
    PARAGRAPH_ENDS,
    SENTENCE_ENDS,
    Near,
    Node,
    Not,
    Or,
    Term,
    Unit,
)

FULL_TEXT = ""


@dataclass(frozen=True, order=True)
class Hit:
    """One occurrence: [start, end) in the original text, and its term."""

    start: int
    end: int
    term: str


def starts(haystack: str, needle: str) -> list[int]:
    """Every start of ``needle`` in ``haystack`` (both folded), overlaps included."""
    found: list[int] = []
    if not needle:
        return found
    at = haystack.find(needle)
    while at != -1:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def boundaries(text: str, unit: Unit) -> list[int]:
    """Offsets of the characters that end a sentence or a paragraph."""
    ends = SENTENCE_ENDS if unit is Unit.SENTENCE else PARAGRAPH_ENDS
    return [i for i, ch in enumerate(text) if ch in ends]


def unit_of(bounds: Sequence[int], start: int, end: int) -> int | None:
    """The sentence/paragraph number of [start, end), None if it spans two.

    A boundary character belongs to the unit it ends.
    """
    first = bisect_left(bounds, start)
    last = bisect_left(bounds, end - 1)
    return first if first == last else None


class _Folded:
    """One text folded once, its terms' occurrences computed once each."""

    def __init__(self, text: str, form: Form) -> None:
        self.text = text
        self.folded = fold(text, form)
        self.form = form
        self._starts: dict[str, list[int]] = {}
        self._bounds: dict[Unit, list[int]] = {}

    def occurrences(self, term: str) -> list[int]:
        needle = fold(term, self.form)
        found = self._starts.get(needle)
        if found is None:
            found = self._starts[needle] = starts(self.folded, needle)
        return found

    def bounds(self, unit: Unit) -> list[int]:
        found = self._bounds.get(unit)
        if found is None:
            found = self._bounds[unit] = boundaries(self.text, unit)
        return found


def _near_hits(text: _Folded, near: Near) -> list[Hit]:
    """The occurrences of ``near``'s terms that satisfy it (none: no match)."""
    spans = [
        [(s, s + len(term.text)) for s in text.occurrences(term.text)]
        for term in near.terms
    ]
    if any(not found for found in spans):
        return []
    chosen: set[Hit] = set()
    if near.unit is Unit.CHARS:
        (first, second), (one, other) = near.terms, spans
        for a, b in product(one, other):
            if a == b:
                continue  # one occurrence is not two
            gap = max(b[0] - a[1], a[0] - b[1])
            if gap <= near.distance:
                chosen.add(Hit(a[0], a[1], first.text))
                chosen.add(Hit(b[0], b[1], second.text))
        return sorted(chosen)
    bounds = text.bounds(near.unit)
    # unit number -> each term's occurrences inside that unit
    by_unit: dict[int, list[list[tuple[int, int]]]] = {}
    for index, found in enumerate(spans):
        for span in found:
            unit = unit_of(bounds, *span)
            if unit is not None:
                by_unit.setdefault(unit, [[] for _ in near.terms])[index].append(span)
    for members in by_unit.values():
        if _distinct_choice(members):
            for term, found in zip(near.terms, members, strict=True):
                chosen.update(Hit(s, e, term.text) for s, e in found)
    return sorted(chosen)


def _distinct_choice(members: list[list[tuple[int, int]]]) -> bool:
    """Whether each term can take an occurrence of its own (no span twice)."""
    if any(not found for found in members):
        return False
    used: set[tuple[int, int]] = set()

    def assign(i: int) -> bool:
        if i == len(members):
            return True
        for span in members[i]:
            if span not in used:
                used.add(span)
                if assign(i + 1):
                    return True
                used.discard(span)
        return False

    return assign(0)


def _term_hits(fields: Mapping[str, _Folded], term: Term) -> list[Hit]:
    text = fields.get(term.field)
    if text is None:
        return []
    return [Hit(s, s + len(term.text), term.text) for s in text.occurrences(term.text)]


def _prepared(fields: Mapping[str, str], form: Form) -> dict[str, _Folded]:
    return {name: _Folded(value or "", form) for name, value in fields.items()}


def _clause_hits(fields: Mapping[str, _Folded], clause) -> dict[str, list[Hit]]:  # noqa: ANN001
    """field -> the clause's qualifying hits (empty: the clause fails)."""
    if isinstance(clause, Term):
        found = _term_hits(fields, clause)
        return {clause.field: found} if found else {}
    if isinstance(clause, Or):
        out: dict[str, list[Hit]] = {}
        for term in clause.terms:
            for hit in _term_hits(fields, term):
                out.setdefault(term.field, []).append(hit)
        return out
    if isinstance(clause, Near):
        text = fields.get(FULL_TEXT)
        found = _near_hits(text, clause) if text is not None else []
        return {FULL_TEXT: found} if found else {}
    raise TypeError(f"not a positive clause: {clause!r}")


def document_hits(fields: Mapping[str, str], node: Node) -> dict[str, list[Hit]] | None:
    """field -> the occurrences that count, in text order; None: no match.

    Every positive clause must hold and no excluded term may occur. The
    occurrences are those of plain and OR terms, and the qualifying ones of
    proximity clauses (an occurrence of 产业 outside any sentence with
    乡村振兴 does not count for 乡村振兴 /s 产业).
    """
    prepared = _prepared(fields, node.form)
    out: dict[str, set[Hit]] = {}
    for clause in node.clauses:
        if isinstance(clause, Not):
            if _term_hits(prepared, clause.term):
                return None
            continue
        found = _clause_hits(prepared, clause)
        if not found:
            return None
        for field, hits in found.items():
            out.setdefault(field, set()).update(hits)
    return {field: sorted(hits) for field, hits in out.items()}


def matches(fields: Mapping[str, str], node: Node | None) -> bool:
    """Whether a document with these fields matches ``node`` (None: everything)."""
    return node is None or document_hits(fields, node) is not None


def text_hits(text: str, node: Node | None, *, field: str = FULL_TEXT) -> list[Hit]:
    """The occurrences in one text (a field's, or a part of the full text)
    that count for ``node``, whether or not the whole document matches.

    For a part of the full text (the body, an attachment) proximity is
    judged within the part: parts are separate paragraphs, so no sentence or
    paragraph spans two, and /N across parts is at least a newline apart,
    which only matters for the rare pair split by a part boundary.
    """
    return _hits_in(text, node, field, first_of_near=False)


def counted_hits(text: str, node: Node | None, *, field: str = FULL_TEXT) -> list[Hit]:
    """The occurrences a concordance lists and a trend counts for ``node``:
    every occurrence of a plain or OR term, and the qualifying occurrences of
    the first term of a proximity clause (乡村振兴 /s 产业: each 乡村振兴 that
    has an 产业 in its sentence), judged within ``text`` as text_hits does.
    """
    return _hits_in(text, node, field, first_of_near=True)


def _hits_in(
    text: str, node: Node | None, field: str, *, first_of_near: bool
) -> list[Hit]:
    """text_hits (``first_of_near`` off) and counted_hits (on: of a
    proximity clause, the first term's qualifying occurrences only)."""
    if node is None:
        return []
    prepared = {field: _Folded(text, node.form)}
    out: set[Hit] = set()
    for clause in node.clauses:
        if isinstance(clause, Not):
            continue
        if isinstance(clause, Near) and field != FULL_TEXT:
            continue
        for found_field, hits in _clause_hits(prepared, clause).items():
            if found_field != field:
                continue
            if first_of_near and isinstance(clause, Near):
                first = clause.terms[0].text
                hits = [h for h in hits if h.term == first]
            out.update(hits)
    return sorted(out)


def counted_terms(node: Node | None) -> list[str]:
    """The distinct term strings counted_hits counts, in query order (one per
    folded form: "GDP OR gdp" is one term)."""
    if node is None:
        return []
    found: dict[str, str] = {}
    for clause in node.clauses:
        if isinstance(clause, Term):
            terms: tuple[Term, ...] = (clause,)
        elif isinstance(clause, Or):
            terms = clause.terms
        elif isinstance(clause, Near):
            terms = clause.terms[:1]
        else:
            continue
        for term in terms:
            found.setdefault(fold(term.text, node.form), term.text)
    return list(found.values())
