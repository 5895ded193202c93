"""An index written by an earlier release is never misread.

The fixture was written by the code before issue 15 (tests/search/fixtures/
index_before_issue15/make_index.py): its table of contents names the codec by
that code's module path. Until issue 17 such an index opened and found what a
scan finds; issue 17 changed what the index holds (folded forms, the variants,
bounds and field grams: SCHEMA_VERSION 2), so it is now reported outdated and
rebuilt (check_index --repair, or the rebuild the README's make run does)
rather than read with the wrong meaning. This test was changed deliberately.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.engines import current_engine
from search.errors import IndexOutdated
from search.query import parse_query
from search.request import SearchFilters, SearchRequest
from tests.conftest import ENGINE, search_connection, whoosh_options

FIXTURE = Path(__file__).parent / "fixtures" / "index_before_issue15"


@pytest.mark.search
@pytest.mark.parametrize("term", ["乡村振兴", "基层治理", "村", "数字经济"])
def test_an_index_of_an_older_schema_is_reported_outdated_not_misread(
    settings, tmp_path, term
):
    shutil.copytree(FIXTURE / "whoosh_index", tmp_path / "whoosh_index")
    with search_connection(settings, whoosh_options(ENGINE, tmp_path)):
        engine = current_engine()
        assert engine.needs_rebuild()
        with pytest.raises(IndexOutdated):
            engine.find(SearchRequest(node=parse_query(term), filters=SearchFilters()))
