"""search/engines.py: the interface every engine answers, capabilities declared."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from search.engines import Capability, SearchEngine, StockEngine, current_engine
from search.query import parse_query
from search.services import (
    SearchFilters,
    fold_segments,
    folds_due,
    index_damage,
    index_documents,
    index_missing,
    index_status,
    matching_columns,
    rebuild_index,
    remove_documents,
    search_documents,
    unchecked_segments,
)
from search.similar import similar_document_ids
from tests.conftest import STOCK_ENGINE, search_connection, whoosh_options
from tests.search.conftest import make_document

ROOT = Path(__file__).resolve().parents[2]
CALLERS = ("search/services.py", "search/similar.py", "search/health.py")


@pytest.mark.parametrize("path", CALLERS)
def test_callers_do_not_probe_engines_for_methods(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    probes = [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "hasattr"
    ]
    assert probes == []


def test_every_protocol_method_is_on_both_engines() -> None:
    from search.backend import PlansiteWhooshBackend

    methods = {
        name
        for name, value in vars(SearchEngine).items()
        if callable(value) and not name.startswith("_")
    }
    assert "more_like_ids" in methods and "needs_rebuild" in methods
    for engine in (PlansiteWhooshBackend, StockEngine):
        assert all(callable(getattr(engine, name, None)) for name in methods)
    assert PlansiteWhooshBackend.capabilities == frozenset(Capability)
    assert StockEngine.capabilities == frozenset()


@pytest.mark.django_db
@pytest.mark.search
def test_plansites_engine_is_the_interface_itself(search_index) -> None:
    assert current_engine() is search_index


@pytest.mark.django_db
@pytest.mark.search
def test_the_stock_engine_answers_through_the_fallbacks(settings, tmp_path) -> None:
    with search_connection(settings, whoosh_options(STOCK_ENGINE, tmp_path)):
        engine = current_engine()
        assert isinstance(engine, StockEngine)
        docs = [make_document(f"文档{i}", f"乡村振兴第{i}号") for i in range(3)]
        assert rebuild_index(procs=2) == 3
        assert not index_missing() and not folds_due() and fold_segments() == 0
        assert index_damage(full=True) is None and unchecked_segments() == 0
        assert index_status().ok
        node = parse_query("乡村振兴")
        columns = matching_columns(
            node=node, filters=SearchFilters(), sort="", fields=("django_id",)
        )
        assert columns is None  # the callers read the result set instead
        assert similar_document_ids(document=docs[0]) == []
        assert remove_documents([docs[0].pk]) == 1
        assert index_status().missing == [docs[0].pk]
        assert index_documents([docs[0].pk]) == 1
        assert index_status().ok


@pytest.mark.django_db
@pytest.mark.search
def test_the_query_tree_reaches_plansites_engine_unprinted(search_index, monkeypatch):
    docs = [
        make_document(f"文档{i}", f"乡村振兴第{i}号", plan_year=2020 + i)
        for i in range(3)
    ]
    index_documents([d.pk for d in docs])

    def no_parser(*args, **kwargs):
        raise AssertionError("a query string was parsed")

    monkeypatch.setattr(search_index, "parse", no_parser)
    monkeypatch.setattr("search.query.to_query_string", no_parser)
    monkeypatch.setattr("search.haystack_query.to_query_string", no_parser)
    filters = SearchFilters(year_from=2021)
    page = search_documents(
        query="乡村振兴 -第2号", filters=filters, sort="", page=1, page_size=10
    )
    assert [hit.id for hit in page.results] == [docs[1].pk]
    columns = matching_columns(
        node=parse_query("振兴"), filters=filters, sort="oldest", fields=("django_id",)
    )
    assert columns == {"django_id": [str(docs[1].pk), str(docs[2].pk)]}
