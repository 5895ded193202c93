"""Matcher.bm25 scores every hit as Whoosh's own BM25F scorer does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search.services import remove_documents
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path):
    import_samples(seeds_dir, corpus_dir)
    return search_index


def whoosh_scores(searcher, field: str, word: str, size: int) -> np.ndarray:
    out = np.zeros(size)
    for hit in searcher.search(wq.Term(field, word), limit=None):
        out[hit.docnum] = hit.score
    return out


@pytest.mark.parametrize("word", ["发展", "乡村", "振兴", "平潭", "不在索引里的词"])
def test_scores_are_whooshs(archive, word) -> None:
    from documents.models import Document

    # A deleted document: its slot is never asked for.
    remove_documents([Document.objects.order_by("pk").first().pk])
    searcher, matcher = archive._current()
    field = archive.content_field_name
    docs = matcher.match(wq.Every())
    size = searcher.doc_count_all()
    expected = whoosh_scores(searcher, field, word, size)[docs]
    got = matcher.bm25(docs, field, [word])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # Any order of the documents (a page) scores the same.
    shuffled = np.random.default_rng(0).permutation(len(docs))
    np.testing.assert_array_equal(
        matcher.bm25(docs[shuffled], field, [word]), got[shuffled]
    )
