"""check_index and search_plans, through call_command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search.services import index_documents, index_status
from tests.search.conftest import make_document

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
    assert data["results"][0]["id"] == docs[0].pk
    assert data["results"][0]["snippets"] == [
        "甲 推进<mark>美丽城镇</mark>建设&lt;script&gt;"
    ]
    assert data["facets"]["township"] == [["周巷镇", 1]]


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
