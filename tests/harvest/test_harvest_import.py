"""The harvest imports what it captured: the sample 政务公开 column end to end,
then again after a page changed and one disappeared."""

from __future__ import annotations

import pytest

from documents.harvest.crawl import harvest
from documents.harvest.definitions import load_source
from documents.models import Availability, Capture, Document, HarvestUrl, SourcePath

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def definition(sample_site, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.WARC_DIR = tmp_path / "var" / "warc"
    path = tmp_path / "sample-site.toml"
    path.write_text(
        sample_site.definition_toml(delay=0.0, drop_after_runs=2), encoding="utf-8"
    )
    return path


def test_harvest_imports_then_follows_change_and_deletion(sample_site, definition):
    source = load_source(str(definition))
    first = harvest(source)

    pages = sample_site.document_paths()
    assert (first.listed, first.stated_total, first.captured) == (12, 12, 11)
    assert first.failures == {"robots.txt 不允许 (disallowed by robots.txt)": 1}
    assert first.imported == 11 and len(first.changed_ids) == 11
    assert Document.objects.count() == 11
    for path in pages:
        row = HarvestUrl.objects.get(url=sample_site.url_for(path))
        assert row.document is not None, path
        doc = row.document
        assert doc.availability == Availability.ONLINE
        assert doc.first_seen == doc.last_seen == row.last_seen
        assert SourcePath.objects.filter(locator=row.url, document=doc).exists()
        assert Capture.objects.get(url=row).document_id == doc.pk
    # The attachments came along, into the attachments' store.
    attached = HarvestUrl.objects.filter(kind="attachment")
    assert attached.count() == len(sample_site.attachment_paths())
    with_files = [d for d in Document.objects.all() if d.attachments.exists()]
    assert sum(d.attachments.count() for d in with_files) == attached.count()

    # Nothing changed: nothing fetched whole again, nothing imported.
    sample_site.clear_requests()
    second = harvest(source)
    assert (second.captured, second.unchanged, second.imported) == (0, 11, 0)
    for path in pages:
        assert [r.status for r in sample_site.requests_for(path)] == [304], path
    assert Document.objects.count() == 11

    # A new entry on the list: only it is fetched whole and imported.
    sample_site.clear_requests()
    added = sample_site.add_document(
        "示例镇2025年安全生产工作计划", date="2025-03-01", serial=500001
    )
    newer = harvest(source)
    assert (newer.listed, newer.stated_total) == (13, 13)
    assert (newer.captured, newer.unchanged, newer.imported) == (1, 11, 1)
    assert [r.status for r in sample_site.requests_for(added)] == [200]
    assert Document.objects.count() == 12
    pages = [p for p in pages if p != added]

    # One page changes, one disappears.
    changed, deleted = pages[1], pages[2]
    text = sample_site.page_text(changed)
    sample_site.change_page(
        changed,
        text.replace(
            '<div class="TRS_Editor">',
            '<div class="TRS_Editor">\n<p style="text-indent: 2em;">'
            "补充：今年新增重点项目三项，均已开工。</p>",
            1,
        ),
    )
    sample_site.delete_page(deleted)
    changed_doc = HarvestUrl.objects.get(url=sample_site.url_for(changed)).document
    deleted_row = HarvestUrl.objects.get(url=sample_site.url_for(deleted))
    seen = deleted_row.document.last_seen

    third = harvest(source)
    assert (third.captured, third.unchanged, third.withdrawn) == (1, 10, 1)
    assert third.imported == 1 and third.changed_ids == [changed_doc.pk]
    changed_doc.refresh_from_db()
    assert "新增重点项目三项" in changed_doc.body
    # A new version, dated by the capture, beside the first one.
    versions = list(changed_doc.versions.order_by("number"))
    assert len(versions) == 2
    assert "新增重点项目三项" in versions[1].text
    assert "新增重点项目三项" not in versions[0].text
    assert versions[1].recorded_at == changed_doc.last_seen
    assert Document.objects.count() == 12
    gone = Document.objects.get(pk=deleted_row.document_id)
    assert gone.availability == Availability.WITHDRAWN
    assert gone.last_seen == seen and gone.withdrawn_at is not None
