"""A page of hits becomes the SearchResults haystack's own constructor makes
from Whoosh's stored fields, however the conversion is sped up."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.models import SearchResult
from haystack.utils.app_loading import haystack_get_model

from search.engine.conversion import search_results
from search.services import index_documents, remove_documents
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]


class Tagged(SearchResult):
    """A caller's own result class (haystack's result_class)."""


def _reference(searcher, unified, docnum: int, score: float, cls=SearchResult):  # noqa: ANN001
    """What conversion gave before it was sped up: Whoosh's stored fields,
    each converted by its haystack field, haystack's constructor."""
    stored = dict(searcher.stored_fields(docnum))
    app_label, model_name = stored.pop(DJANGO_CT).split(".")
    pk = stored.pop(DJANGO_ID)
    fields = unified.get_index(haystack_get_model(app_label, model_name)).fields
    values = {}
    for key, value in stored.items():
        field = fields.get(key)
        if field is None:
            values[key] = value
        elif field.field_type == "boolean":
            values[key] = value in (True, "true")
        else:
            values[key] = field.convert(value)
    return cls(app_label, model_name, pk, score, **values)


@pytest.fixture
def indexed(search_index):
    docs = [
        make_document(
            "甲镇计划",
            "全面推进乡村振兴。",
            township="甲镇",
            plan_year=2021,
            doc_date=datetime.date(2021, 3, 4),
            needs_review=True,
        ),
        make_document("乙乡总结", "乡村的振兴。", township="", plan_year=None),
        make_document(
            "丙街道",
            "美丽城镇。",
            county="某县",
            publish_date=datetime.date(2020, 1, 2),
        ),
        make_document("丁", "第二段。", township="丁镇", plan_year=2019),
    ]
    index_documents([d.pk for d in docs[:2]])
    index_documents([d.pk for d in docs[2:]])  # a second segment
    remove_documents([docs[1].pk])
    index_documents([docs[1].pk])  # back, in a third segment
    return search_index, docs


def test_results_equal_haystacks_own(indexed):
    backend, docs = indexed
    searcher, matcher = backend.searchers.current()
    unified = backend._unified()
    live = [
        n
        for n in range(searcher.doc_count_all())
        if not searcher.reader().is_deleted(n)
    ]
    assert len(live) == len(docs) and len(matcher.leaves) >= 2
    page = np.array(live[::-1], dtype=np.int64)
    scores = np.linspace(2.5, 0.5, len(page))
    for cls in (None, SearchResult, Tagged):
        results = search_results(
            matcher, page, scores, unified=unified, result_class=cls
        )
        assert len(results) == len(page)
        for docnum, score, result in zip(page, scores, results, strict=True):
            expected = _reference(
                searcher, unified, int(docnum), float(score), cls or SearchResult
            )
            assert type(result) is type(expected)
            made, wanted = dict(vars(result)), dict(vars(expected))
            # haystack's logger facade holds no state of its own: one serves all.
            log = made.pop("log")
            assert log.real_logger is wanted.pop("log").real_logger
            assert made == wanted, docnum
            assert result.get_additional_fields() == expected.get_additional_fields()
            assert matcher.stored_fields(int(docnum)) == searcher.stored_fields(
                int(docnum)
            )
    # Typed as the model's fields say.
    first = next(r for r in results if r.title == "甲镇计划")
    assert first.needs_review is True and first.plan_year == 2021
    assert first.doc_date.date() == datetime.date(2021, 3, 4)
    unscored = search_results(matcher, page[:1], None, unified=unified)
    assert unscored[0].score == 0


def test_stored_fields_of_a_document_number_out_of_range(indexed):
    backend, _ = indexed
    searcher, matcher = backend.searchers.current()
    with pytest.raises(KeyError):
        matcher.stored_fields(searcher.doc_count_all())
