"""A damaged search index: 503s (never 500s), a repair that heals, a rebuild that works.

A real index on disk, built by importing the seeds and the Pingtan pages, is
damaged the ways a disk, an operator or a killed process damage it; the pages
that need it answer 503 (JSON under /api/), /healthz says so, the browse and
document pages keep working; `check_index` reports it and `--repair` rebuilds
from the database, after which search finds what a substring scan finds.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from haystack import connections

from bench.index_damage import (
    DAMAGES,
    kill_a_writer,
    overwrite_block,
    truncate_segment,
)
from documents.models import Document
from tests.conftest import committed_archive

pytestmark = [pytest.mark.search, pytest.mark.django_db]

TERM = "乡村振兴"
SEARCH_PAGES = (
    f"/search/?q={TERM}",
    f"/api/search?q={TERM}",
    f"/research/kwic/?q={TERM}",
    f"/api/kwic?q={TERM}",
    f"/research/trend/?q={TERM}",
)


@pytest.fixture(scope="module")
def pristine(
    django_db_setup,
    django_db_blocker,
    tmp_path_factory: pytest.TempPathFactory,
    seeds_dir: Path,
    corpus_dir: Path,
) -> Iterator[Path]:
    """The samples imported (and indexed) once; a copy of their sound index."""
    index_dir = tmp_path_factory.mktemp("damage") / "whoosh_index"
    with committed_archive(index_dir, django_db_blocker, seeds_dir, corpus_dir):
        copy = index_dir.with_name("pristine")
        shutil.copytree(index_dir, copy)
        yield copy


@pytest.fixture
def live(pristine: Path, settings, tmp_path: Path) -> Path:  # noqa: ANN001
    """The live index folder, restored to the sound copy, in a fresh backend."""
    folder = Path(connections["default"].get_backend().path)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(pristine, folder)
    settings.VAR_DIR = tmp_path / "var"
    # A waiting writer would hide a lock never released: fail fast instead.
    settings.SEARCH_WRITE_WAIT = 5.0
    connections.reload("default")
    return folder


def _scan(term: str) -> set[int]:
    return {d.pk for d in Document.objects.all() if term in f"{d.title}\n{d.body}"}


def _found(client: Client, term: str) -> set[int]:
    response = client.get("/api/search", {"q": term, "page_size": 100})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == len(body["results"])
    return {row["id"] for row in body["results"]}


def _unharmed_pages() -> list[str]:
    doc = Document.objects.order_by("pk").first()
    return ["/", "/documents/", f"/documents/{doc.pk}/", "/regions/", "/years/"]


def _assert_unavailable(client: Client) -> None:
    for url in SEARCH_PAGES:
        response = client.get(url)
        assert response.status_code == 503, url
        text = response.content.decode()
        assert "check_index --repair" in text, url
        if url.startswith("/api/"):
            assert response["Content-Type"] == "application/json", url
            assert json.loads(text)["index"] == "damaged"
        else:
            assert "检索暂不可用" in text, url
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"database": "ok", "index": "unavailable"}
    for url in _unharmed_pages():
        assert client.get(url).status_code == 200, url


def _check_index(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_index", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return error.returncode, f"{out.getvalue()}{error}"
    return 0, out.getvalue()


@pytest.mark.parametrize("kind", list(DAMAGES))
def test_damage_answers_503_then_repair_heals(kind: str, live: Path) -> None:
    client = Client()
    expected = _scan(TERM)
    assert expected
    # A searcher opened before the damage, as a running web process has.
    assert _found(client, TERM) == expected

    DAMAGES[kind](live)

    _assert_unavailable(client)
    # Asked again, still 503 (the damage is remembered, not a 500 the 2nd time).
    assert client.get(SEARCH_PAGES[0]).status_code == 503
    code, report = _check_index()
    assert code == 1
    assert "检索索引已损坏" in report

    # The repair runs elsewhere (another thread: another backend, as another
    # process would); this one recovers without a restart.
    outcome: dict[str, tuple[int, str]] = {}
    repair = threading.Thread(
        target=lambda: outcome.setdefault("repair", _check_index("--repair"))
    )
    repair.start()
    repair.join()
    code, report = outcome["repair"]
    assert code == 0, report
    assert f"已重建索引：{Document.objects.count()} 篇文档" in report

    assert _found(client, TERM) == expected
    assert client.get("/healthz").status_code == 200
    assert _check_index() == (0, "索引与数据库一致。\n")
    # The damaged index is kept for diagnosis (one copy).
    kept = Path(settings.VAR_DIR) / "index-quarantine"
    assert [p.name for p in kept.iterdir()] == [live.name]


@pytest.mark.parametrize("kind", [*DAMAGES, "killed-writer"])
def test_rebuild_index_never_reads_the_old_index(kind: str, live: Path) -> None:
    client = Client()
    if kind == "killed-writer":
        kill_a_writer(live)
    else:
        DAMAGES[kind](live)

    call_command("rebuild_index", "--noinput", stdout=StringIO())

    assert _found(client, TERM) == _scan(TERM)
    assert client.get("/healthz").status_code == 200
    assert _check_index() == (0, "索引与数据库一致。\n")
    # Built beside the live folder and swapped in: nothing is left over.
    assert sorted(p.name for p in live.parent.iterdir() if p.name != "pristine") == [
        live.name
    ]


def test_a_writer_killed_holding_the_lock_blocks_nothing(live: Path) -> None:
    client = Client()
    kill_a_writer(live)

    assert _found(client, TERM) == _scan(TERM)
    assert client.get("/healthz").status_code == 200
    # Writers take the lock at once (SEARCH_WRITE_WAIT is 5 s here).
    doc = Document.objects.order_by("pk").first()
    doc.body += "\n建设第九十九号深海试验场。"
    doc.save()
    call_command("check_index", "--repair", stdout=StringIO())
    assert _found(client, "第九十九号深海试验场") == {doc.pk}


def test_damage_is_logged_once_with_its_cause(live: Path, caplog) -> None:  # noqa: ANN001
    client = Client()
    truncate_segment(live)
    with caplog.at_level("ERROR", logger="search.engine.reading"):
        for _ in range(3):
            assert client.get(SEARCH_PAGES[0]).status_code == 503
            assert client.get("/healthz").status_code == 503
    records = [r for r in caplog.records if r.name == "search.engine.reading"]
    assert len(records) == 1
    assert "damaged" in records[0].getMessage()
    assert records[0].exc_info is None


def test_a_bug_while_reading_stays_a_500(live: Path, monkeypatch) -> None:  # noqa: ANN001
    """Only what damaged storage raises becomes a 503: a bug is not hidden."""
    from search.engine.matching import Matcher

    def broken(self, q):  # noqa: ANN001, ANN202
        raise TypeError("a bug in the matcher")

    monkeypatch.setattr(Matcher, "match", broken)
    client = Client(raise_request_exception=False)
    assert client.get(SEARCH_PAGES[0]).status_code == 500


def test_an_import_into_a_damaged_index_stores_its_documents_and_says_how_to_repair(
    live: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "plan.txt").write_text(
        "某某镇2024年工作计划\n\n一、建设第七十七号深海试验场。\n", encoding="utf-8"
    )
    overwrite_block(live)

    with pytest.raises(CommandError) as raised:
        call_command("import_plans", str(folder), stdout=StringIO(), stderr=StringIO())

    assert "check_index --repair" in str(raised.value)
    assert "Traceback" not in str(raised.value)
    stored = [d.pk for d in Document.objects.all() if "第七十七号深海试验场" in d.body]
    assert len(stored) == 1
    assert _check_index("--repair")[0] == 0
    assert _found(Client(), "第七十七号深海试验场") == set(stored)


@pytest.mark.parametrize("kind", ["emptied-toc", "deleted-folder"])
def test_an_admin_edit_with_a_damaged_index_is_saved_and_waits_for_the_repair(
    kind: str,
    live: Path,
    caplog,  # noqa: ANN001
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    from django.db import transaction

    from search.models import PendingIndexWrite
    from search.upkeep import sync_index_after_edit

    DAMAGES[kind](live)
    doc = Document.objects.order_by("pk").first()
    with (
        caplog.at_level("WARNING"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        doc.body += "\n建设第八十八号深海试验场。"
        doc.save()
        sync_index_after_edit([doc.pk])

    # Saved, queued, one warning with the fix; no traceback, and no rebuild of
    # the whole index inside the editor's request.
    assert "第八十八号深海试验场" in Document.objects.get(pk=doc.pk).body
    assert PendingIndexWrite.objects.filter(document_id=doc.pk).exists()
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert any("check_index --repair" in r.getMessage() for r in caplog.records)
    if kind == "deleted-folder":
        assert not live.exists()

    assert _check_index("--repair")[0] == 0
    assert not PendingIndexWrite.objects.exists()
    assert _found(Client(), "第八十八号深海试验场") == {doc.pk}
