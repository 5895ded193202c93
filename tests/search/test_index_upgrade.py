"""An index written by an earlier release is found outdated and rebuilt, never misread.

The fixture was written by the code before issue 15 (tests/search/fixtures/
index_before_issue15/make_index.py): its table of contents names the codec by
that code's module path. Until issue 17 such an index opened as it was; issue
17 changed what the index holds (traditional characters and full-width digits
and letters folded, the variants field: SCHEMA_VERSION 2), so now it must be
rebuilt, and the rebuilt index finds what a scan finds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.engines import current_engine
from search.errors import IndexOutdated
from search.query import parse_query
from search.request import SearchFilters, SearchRequest
from search.services import rebuild_index
from tests.conftest import ENGINE, search_connection, whoosh_options
from tests.search.conftest import make_document

FIXTURE = Path(__file__).parent / "fixtures" / "index_before_issue15"
TERMS = ["乡村振兴", "基层治理", "村", "数字经济"]


@pytest.mark.search
@pytest.mark.django_db(transaction=True)
def test_an_index_of_an_earlier_release_is_rebuilt_not_misread(settings, tmp_path):
    shutil.copytree(FIXTURE / "whoosh_index", tmp_path / "whoosh_index")
    documents = json.loads((FIXTURE / "documents.json").read_text(encoding="utf-8"))
    ids = {d["id"]: make_document(d["title"], d["body"]).pk for d in documents}
    with search_connection(settings, whoosh_options(ENGINE, tmp_path)):
        engine = current_engine()
        assert engine.needs_rebuild()
        request = SearchRequest(node=parse_query(TERMS[0]), filters=SearchFilters())
        with pytest.raises(IndexOutdated):
            engine.find(request)
        assert rebuild_index() == len(documents)
        for term in TERMS:
            expected = sorted(
                ids[d["id"]]
                for d in documents
                if term in d["title"] or term in d["body"]
            )
            found = current_engine().find(
                SearchRequest(node=parse_query(term), filters=SearchFilters())
            )
            assert sorted(int(r.pk) for r in found.results) == expected, term
            assert found.total == len(expected)
