"""An index written by an earlier release: it opens when it holds what the
code reads (schema version 1), and is refused for a rebuild when it does not.

The fixture was written by the code before issue 15 (tests/search/fixtures/
index_before_issue15/make_index.py): its table of contents names the codec by
that code's module path. Issue 17 added index fields (schema version 2:
sentence and paragraph ends for proximity), so since then it must be rebuilt.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.engine.schema import SCHEMA_VERSION
from search.engines import current_engine
from search.errors import IndexOutdated
from search.query import parse_query
from search.request import SearchFilters, SearchRequest
from tests.conftest import ENGINE, search_connection, whoosh_options

FIXTURE = Path(__file__).parent / "fixtures" / "index_before_issue15"


@pytest.mark.search
@pytest.mark.parametrize("term", ["乡村振兴", "基层治理", "村", "数字经济"])
def test_an_index_of_the_release_before_opens_and_finds_what_a_scan_finds(
    settings, tmp_path, term
):
    shutil.copytree(FIXTURE / "whoosh_index", tmp_path / "whoosh_index")
    documents = json.loads((FIXTURE / "documents.json").read_text(encoding="utf-8"))
    expected = sorted(
        d["id"] for d in documents if term in d["title"] or term in d["body"]
    )
    request = SearchRequest(node=parse_query(term), filters=SearchFilters())
    with search_connection(settings, whoosh_options(ENGINE, tmp_path)):
        engine = current_engine()
        if SCHEMA_VERSION > 1:
            # Read as it is, it would lack the new fields: it is refused.
            assert engine.needs_rebuild()
            with pytest.raises(IndexOutdated):
                engine.find(request)
            return
        found = engine.find(request)
    assert sorted(int(r.pk) for r in found.results) == expected
    assert found.total == len(expected)
