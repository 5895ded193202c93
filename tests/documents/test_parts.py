"""How a long text is cut into parts (documents/parts.py)."""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest

from documents.parts import hit_url, parse_part, split_parts
from search.highlight import find_spans


def _check(text: str, spans, *, max_chars: int, max_marks: int):  # noqa: ANN001
    parts = split_parts(text, spans, max_chars=max_chars, max_marks=max_marks)
    # The parts, with the line breaks between them, are the text.
    pieces = [text[p.start : p.end] for p in parts.parts]
    gaps = [text[a.end : b.start] for a, b in pairwise(parts.parts)]
    assert all(gap in ("", "\n") for gap in gaps)
    assert (
        "".join(piece + gap for piece, gap in zip(pieces, [*gaps, ""], strict=True))
        == text
    )
    for part in parts.parts:
        assert part.end - part.start <= max_chars
        inside = [s for s in spans if part.start <= s[0] and s[1] <= part.end]
        assert len(inside) == part.hits <= max_marks
        # No hit is cut in two.
        assert not [s for s in spans if s[0] < part.end < s[1]]
    assert sum(p.hits for p in parts.parts) == parts.total_hits == len(spans)
    return parts


def test_paragraphs_are_kept_whole() -> None:
    text = "\n".join(f"第{i}段，发展的成效。" * 3 for i in range(50))
    parts = _check(text, [], max_chars=200, max_marks=10)
    assert parts.paged
    assert all(text[p.end] == "\n" for p in parts.parts[:-1])


def test_a_long_paragraph_is_cut_after_a_sentence_and_never_in_a_hit() -> None:
    text = "推进乡村振兴，巩固成果。" * 500  # one paragraph, no line break
    spans = find_spans(text, ["乡村振兴", "成果。推进"])
    parts = _check(text, spans, max_chars=100, max_marks=1000)
    assert len(parts) > 10


def test_many_hits_make_more_parts() -> None:
    text = "\n".join("的的的的的的的的的的" for _ in range(100))
    spans = find_spans(text, ["的"])
    parts = _check(text, spans, max_chars=10_000, max_marks=25)
    assert len(parts) >= 40
    for hit in (1, 25, 26, 500, 1000):
        part = parts.of_hit(hit)
        assert part.first_hit <= hit <= part.last_hit


def test_within_the_limits_it_is_one_part() -> None:
    text = "短文。\n第二段。"
    parts = _check(text, find_spans(text, ["段"]), max_chars=100, max_marks=5)
    assert not parts.paged and parts.get(1).end == len(text)
    assert hit_url("/documents/1/", {"q": "段"}, hit=1, parts=parts) == (
        "/documents/1/?q=%E6%AE%B5#hit-1"
    )


def test_hit_links_name_the_part() -> None:
    text = "\n".join("的" * 10 for _ in range(10))
    parts = split_parts(text, find_spans(text, ["的"]), max_chars=1000, max_marks=20)
    url = hit_url("/documents/7/", {"q": "的"}, hit=95, parts=parts)
    link = urlsplit(url)
    assert link.fragment == "hit-95"
    assert parse_qs(link.query) == {"q": ["的"], "part": ["5"]}


@pytest.mark.parametrize(
    ("value", "number", "changed"),
    [
        (None, None, False),
        ("", None, False),
        ("3", 3, False),
        ("0", 1, True),
        ("11", 10, True),
        ("x", None, True),
        ("３", None, True),
        ("1" * 100, 10, True),
    ],
)
def test_parse_part(value, number, changed) -> None:  # noqa: ANN001
    got, message = parse_part(value, 10)
    assert got == number
    assert bool(message) == changed
