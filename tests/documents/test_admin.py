"""The admin lists the records and lets every field be corrected."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.html import escape

from documents.models import Document
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(seeds_dir: Path) -> None:
    call_command("import_plans", str(seeds_dir), "--no-index", stdout=io.StringIO())


def test_changelist_shows_the_records(admin_client, imported) -> None:  # noqa: ANN001
    response = admin_client.get("/admin/documents/document/")
    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "东塍镇2020年工作计划",
        "店口镇2020年度政府工作报告",
        "2023年章镇镇政府主要工作安排和任务分解",
    ):
        assert title in page


def test_changelist_filters_by_level(admin_client, imported) -> None:  # noqa: ANN001
    page = admin_client.get("/admin/documents/document/", {"level": "township"})
    assert page.status_code == 200
    assert "东塍镇2020年工作计划" in page.content.decode()
    assert Document.objects.get(index_no="LH331082-074/2021-108413").level == "township"


def test_change_page_renders_every_field(admin_client, imported) -> None:  # noqa: ANN001
    doc = Document.objects.get(index_no="LH331082-074/2021-108413")
    response = admin_client.get(f"/admin/documents/document/{doc.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in (
        "index_no",
        "title",
        "issuer",
        "level",
        "issuer_is_department",
        "division",
        "doc_date",
        "publish_date",
        "plan_year",
        "category",
        "doc_number",
        "disclosure",
        "source_url",
        "body",
        "inferred",
        "needs_review",
    ):
        assert f'name="{name}"' in page, name
    # The verbatim original is shown, and is not a field of the form.
    assert 'name="original"' not in page
    assert escape(doc.original.splitlines()[0]) in page


def test_saving_the_form_keeps_the_original_verbatim(admin_client, imported) -> None:  # noqa: ANN001
    doc = Document.objects.get(index_no="LH331082-074/2021-108413")
    original, body = doc.original, doc.body
    assert "\n" in original and "\n" in body
    data = change_form_data(admin_client, doc, line_breaks="\r\n")
    data["title"] = doc.title + "（更正）"
    response = admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    doc.refresh_from_db()
    assert doc.title.endswith("（更正）")
    assert doc.original == original
    assert doc.body == body


def test_correcting_the_division_updates_the_region_names(
    admin_client, imported
) -> None:  # noqa: ANN001
    doc = Document.objects.get(layout="plain")  # seed 003: county only, inferred
    response = admin_client.get(f"/admin/documents/document/{doc.pk}/change/")
    form = response.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(
        {
            "division": "330282121",  # 周巷镇, 慈溪市
            "needs_review": "",
            "inferred": '["title", "plan_year", "region"]',
            "review_notes": "[]",
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "1",
            "sources-MIN_NUM_FORMS": "0",
            "sources-MAX_NUM_FORMS": "1000",
            "sources-0-id": str(doc.sources.get().pk),
            "sources-0-document": str(doc.pk),
        }
    )
    data.pop("needs_review")
    for key in ("doc_date", "publish_date", "publish_time", "plan_year"):
        data[key] = data.get(key) or ""
    response = admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    doc.refresh_from_db()
    assert (doc.township, doc.county, doc.city, doc.province) == (
        "周巷镇",
        "慈溪市",
        "宁波市",
        "浙江省",
    )
    assert doc.division_code == "330282121"
    assert "region" not in doc.inferred
    assert not doc.needs_review
