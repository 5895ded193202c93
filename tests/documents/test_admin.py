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
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "attachments-MIN_NUM_FORMS": "0",
            "attachments-MAX_NUM_FORMS": "1000",
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


REVIEW_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "review"


@pytest.fixture
def review_set() -> dict[str, Document]:
    from documents.ingest.pipeline import import_paths

    import_paths([REVIEW_FIXTURES])
    return {Path(doc.source_file).name: doc for doc in Document.objects.all()}


def test_review_queue_lists_flagged_records_most_missing_first(
    admin_client, review_set
) -> None:  # noqa: ANN001
    response = admin_client.get("/admin/documents/reviewitem/")
    assert response.status_code == 200
    listed = [doc.pk for doc in response.context["cl"].result_list]
    flagged = [d for d in review_set.values() if d.needs_review]
    assert sorted(listed) == sorted(d.pk for d in flagged)
    # complete.txt and national.txt are not flagged: not in the queue.
    for name in ("complete.txt", "national.txt"):
        assert review_set[name].pk not in listed
    missing = [Document.objects.get(pk=pk).review_missing for pk in listed]
    assert missing == sorted(missing, reverse=True)
    assert listed[0] == review_set["weak_region.txt"].pk  # lacks 3 fields
    assert missing[0] == 3 and missing[-1] == 0  # date_order.txt lacks none
    # Each row says why.
    page = response.content.decode()
    for reason in ("缺少发布机构", "成文日期晚于发布日期", "缺少地区（非全国性文件）"):
        assert reason in page


def test_saving_in_the_admin_recounts_and_records_the_correction(
    admin_client, review_set
) -> None:  # noqa: ANN001
    doc = review_set["no_dates.txt"]
    assert doc.review_missing == 2
    data = change_form_data(admin_client, doc)
    data["publish_date"] = "2024-01-05"
    response = admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    doc.refresh_from_db()
    assert doc.review_missing == 1
    assert doc.field_sources["publish_date"] == {"source": "admin", "how": "admin"}
    assert doc.field_sources["issuer"]["how"] == "read"  # untouched fields keep theirs
    page = admin_client.get(f"/admin/documents/document/{doc.pk}/change/")
    assert "人工修改" in page.content.decode()


def test_a_correction_outranks_the_sources_on_reimport(
    admin_client, tmp_path: Path
) -> None:  # noqa: ANN001
    from documents.ingest.pipeline import import_paths

    source = tmp_path / "no_dates.txt"
    source.write_text((REVIEW_FIXTURES / "no_dates.txt").read_text("utf-8"), "utf-8")
    import_paths([source])
    doc = Document.objects.get()
    data = change_form_data(admin_client, doc)
    data["issuer"] = "慈溪市周巷镇人民政府办公室"
    admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    # The source changes (another paragraph): its text follows, the correction stays.
    source.write_text(source.read_text("utf-8") + "四、补充内容。\n", "utf-8")
    import_paths([source])
    doc.refresh_from_db()
    assert "补充内容" in doc.body
    assert doc.issuer == "慈溪市周巷镇人民政府办公室"


def test_review_queue_filters_by_reason(admin_client, review_set) -> None:  # noqa: ANN001
    from documents.ingest import review

    response = admin_client.get(
        "/admin/documents/reviewitem/", {"reason": review.NO_ISSUER}
    )
    assert response.status_code == 200
    listed = {doc.pk for doc in response.context["cl"].result_list}
    assert listed == {
        review_set["no_issuer.txt"].pk,
        review_set["weak_region.txt"].pk,
    }
    # An unknown reason is ignored.
    response = admin_client.get("/admin/documents/reviewitem/", {"reason": "x"})
    assert response.status_code == 200
    flagged = sum(doc.needs_review for doc in review_set.values())
    assert len(response.context["cl"].result_list) == flagged


def test_a_reviewers_decision_stands_when_a_copy_arrives(
    admin_client, tmp_path: Path
) -> None:  # noqa: ANN001
    from documents.ingest.pipeline import import_paths

    text = (REVIEW_FIXTURES / "no_dates.txt").read_text("utf-8")
    (tmp_path / "a.txt").write_text(text, "utf-8")
    import_paths([tmp_path / "a.txt"])
    doc = Document.objects.get()
    assert doc.needs_review
    data = change_form_data(admin_client, doc)
    data.pop("needs_review")  # the reviewer unticks 待复核
    response = admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert response.status_code == 302
    # A copy with another labelled issuer: the sources now disagree.
    (tmp_path / "b.txt").write_text(
        text.replace("慈溪市周巷镇人民政府", "慈溪市周巷镇人民政府办公室"), "utf-8"
    )
    import_paths([tmp_path / "b.txt"])
    doc.refresh_from_db()
    assert doc.sources.count() == 2
    assert doc.issuer == "慈溪市周巷镇人民政府办公室"  # the fuller labelled name
    assert not doc.needs_review
