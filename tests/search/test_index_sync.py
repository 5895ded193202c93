"""The index follows the database: bulk on import, at once on admin edits and deletes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Document
from search.services import SearchFilters, index_status, search_documents

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def hits(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="relevance", page=1, page_size=100
    )
    return {hit.id for hit in page.results}


def test_import_indexes_in_bulk(search_index, seeds_dir: Path) -> None:
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    assert index_status().ok
    assert hits("专精特新") == {
        d.pk for d in Document.objects.all() if "专精特新" in d.body
    }


def test_admin_edit_and_delete_update_the_index(
    admin_client, search_index, seeds_dir: Path
) -> None:
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    doc = Document.objects.get(index_no="002590139/2023-74151")
    assert doc.pk not in hits("量子计算试验场")
    response = admin_client.get(f"/admin/documents/document/{doc.pk}/change/")
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    data["body"] = doc.body + "\n建设量子计算试验场。"
    data["inferred"] = '["plan_year"]'
    data["review_notes"] = "[]"
    inline = {
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "1",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-id": str(doc.sources.get().pk),
        "sources-0-document": str(doc.pk),
    }
    response = admin_client.post(
        f"/admin/documents/document/{doc.pk}/change/", {**data, **inline}
    )
    assert response.status_code == 302
    assert hits("量子计算试验场") == {doc.pk}
    assert index_status().ok

    response = admin_client.post(
        f"/admin/documents/document/{doc.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert hits("量子计算试验场") == set()
    assert index_status().ok
