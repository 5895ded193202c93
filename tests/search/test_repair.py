"""search/repair.py: inspect_index() and repair_index(), the services behind check_index."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Document
from search.repair import repair_index
from search.services import index_documents, remove_documents
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def test_a_dry_run_reports_and_a_repair_brings_the_index_in_step(search_index):
    docs = [make_document(f"文档{i}", f"乡村振兴第{i}号") for i in range(4)]
    index_documents([d.pk for d in docs[:3]])
    remove_documents([docs[1].pk])
    Document.objects.filter(pk=docs[2].pk).update(body="改过的正文")
    orphan = docs[0].pk
    Document.objects.filter(pk=orphan).delete()

    check = repair_index(dry_run=True)
    assert not check.ok and check.damage is None and check.rebuilt is None
    assert check.found.missing == [docs[1].pk, docs[3].pk]
    assert check.found.stale == [docs[2].pk]
    assert check.found.orphans == [orphan]
    assert repair_index(dry_run=True).found == check.found  # nothing changed

    repaired = repair_index()
    assert repaired.reindexed == 3 and repaired.removed == 1
    assert repair_index(dry_run=True).ok


def test_a_damaged_index_is_rebuilt_and_kept_in_quarantine(search_index):
    doc = make_document("损坏", "乡村振兴")
    index_documents([doc.pk])
    for toc in Path(search_index.path).glob("_MAIN_*.toc"):
        toc.write_bytes(b"not a pickle")
    check = repair_index(dry_run=True)
    assert check.damage and check.rebuilt is None and not check.ok
    repaired = repair_index()
    assert repaired.damage and repaired.rebuilt == 1
    assert repaired.still_damaged is None
    assert (repaired.quarantine / "whoosh_index").is_dir()
    assert repair_index(dry_run=True).ok


def test_check_index_reports_the_damage_before_a_repair_that_fails(
    search_index, monkeypatch
):
    """The diagnosis is on the screen before the rebuild, which can take
    minutes, and stays there when the rebuild fails."""
    doc = make_document("损坏", "乡村振兴")
    index_documents([doc.pk])
    for toc in Path(search_index.path).glob("_MAIN_*.toc"):
        toc.write_bytes(b"not a pickle")

    def disk_full(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("search.repair.rebuild_index", disk_full)
    out = io.StringIO()
    with pytest.raises(OSError):
        call_command("check_index", "--repair", stdout=out)
    assert "检索索引已损坏：" in out.getvalue()
