"""check_index and search_plans, through call_command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search.services import index_documents, index_status
from tests.search.conftest import make_document, segment_sizes

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture
def docs(search_index):
    rows = [
        make_document(
            "甲", "推进美丽城镇建设<script>", township="周巷镇", plan_year=2021
        ),
        make_document("乙", "垃圾分类", township="桃源乡", plan_year=2022),
    ]
    index_documents([d.pk for d in rows])
    return rows


def test_check_index_passes_when_consistent(docs):
    out = StringIO()
    call_command("check_index", stdout=out)
    assert "一致" in out.getvalue()


def test_check_index_exits_1_and_fix_repairs(docs):
    extra = make_document("丙", "未索引")
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("check_index", stdout=out)
    assert excinfo.value.returncode == 1
    assert f"[{extra.pk}]" in out.getvalue()
    call_command("check_index", "--fix", stdout=StringIO())
    assert index_status().ok


def test_check_index_repair_folds_small_segments_left_behind(docs, search_index):
    for n in range(3):
        # Edits whose background fold never ran: four small segments.
        index_documents([make_document(f"补{n}", "编辑后的小段").pk], fold_limit=0)
    before = len(segment_sizes(search_index))
    out = StringIO()
    call_command("check_index", "--repair", stdout=out)
    assert "已合并小索引段" in out.getvalue()
    assert len(segment_sizes(search_index)) < before
    assert index_status().ok


def test_search_plans_json(docs):
    out = StringIO()
    call_command(
        "search_plans",
        "美丽城镇",
        "--year-from",
        "2020",
        "--json",
        "--snippets",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["total"] == 1
    row = data["results"][0]
    assert row["id"] == docs[0].pk
    assert row["snippet_html"] == "推进<mark>美丽城镇</mark>建设&lt;script&gt;"
    assert (
        row["url"] == f"/documents/{docs[0].pk}/?q=%E7%BE%8E%E4%B8%BD%E5%9F%8E%E9%95%87"
    )
    assert data["facets"]["township"] == [{"value": "周巷镇", "count": 1}]


def test_search_plans_answers_as_the_api_does(docs, client):
    out = StringIO()
    call_command("search_plans", "美丽城镇 OR 垃圾分类", "--json", stdout=out)
    cli = json.loads(out.getvalue())
    api = client.get("/api/search", {"q": "美丽城镇 OR 垃圾分类"}).json()
    assert cli["results"] == api["results"]
    assert cli["facets"] == api["facets"]
    # One builder: every field, not only results and facets.
    assert cli == api
    assert cli["query"] == "美丽城镇 OR 垃圾分类"
    assert set(cli["terms"]) == {"美丽城镇", "垃圾分类"}


def test_search_plans_mends_parameters_as_the_site_does(docs):
    out, err = StringIO(), StringIO()
    call_command(
        "search_plans",
        "垃圾分类 OR 美丽城镇",
        "--year-from",
        "2025",
        "--year-to",
        "2000",
        "--page",
        "9",
        stdout=out,
        stderr=err,
    )
    assert out.getvalue().startswith("共 2 篇（第 1/1 页）")
    assert "对调" in err.getvalue() and "最后一页" in err.getvalue()


def test_search_plans_text_and_filters(docs):
    out = StringIO()
    call_command(
        "search_plans", "垃圾分类 OR 美丽城镇", "--township", "桃源乡", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("共 1 篇")
    assert lines[1].startswith(f"{docs[1].pk}\t2022\t桃源乡\t乙")


def test_search_plans_bad_query_is_a_command_error(docs):
    with pytest.raises(CommandError, match="运算符"):
        call_command("search_plans", "AND OR", stdout=StringIO())
