"""Document kinds (documents/kinds.py): the browse filter and the importer agree."""

from __future__ import annotations

import pytest

from documents import kinds
from documents.ingest import infer
from documents.ingest.extract.text_page import TITLE_WORDS
from documents.ingest.fingerprint import content_hash
from documents.models import Document
from documents.selectors import DocumentKind

TITLES = {
    "东塍镇2021年工作计划": DocumentKind.PLAN,
    "东塍镇2022年工作要点": DocumentKind.PLAN,
    "2020年工作总结及2021年工作打算": DocumentKind.PLAN,
    "2021年政府工作报告": DocumentKind.REPORT,
    "东塍镇2020年工作总结": DocumentKind.REPORT,
    "关于印发某某办法的通知": DocumentKind.OTHER,
}


@pytest.mark.django_db
def test_the_kind_filter_sorts_titles_by_their_words() -> None:
    for title in TITLES:
        body = f"{title}的正文。"
        Document.objects.create(
            title=title, body=body, original=body, content_hash=content_hash(body)
        )
    for kind in DocumentKind:
        found = Document.objects.filter(kind.condition()).values_list(
            "title", flat=True
        )
        assert set(found) == {t for t, k in TITLES.items() if k is kind}, kind


def test_a_plan_or_report_is_for_a_year_and_looks_like_a_title() -> None:
    for title, kind in TITLES.items():
        assert infer.expects_plan_year(title) is (kind is not DocumentKind.OTHER)
        assert TITLE_WORDS.search(title)
    for word in kinds.YEARLY_WORDS:
        assert infer.expects_plan_year(f"某镇{word}")
    assert not infer.expects_plan_year("关于印发某某办法的通知")


def test_the_planned_year_follows_a_plan_word() -> None:
    guess = infer.plan_year_from_title("2020年工作总结和2021年工作思路")
    assert guess is not None and guess.value == 2021
