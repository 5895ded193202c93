"""backup_archive and restore_archive, as real processes on machines of their own.

Each machine is a PLANSITE_VAR_DIR in tmp with its own database: a SQLite file,
or a PostgreSQL database created for the test (tests/processes.py). "Empty"
means no database file at all, or a database without tables.
"""

from __future__ import annotations

import json
import shutil
import stat
import tarfile
import time
from pathlib import Path

import pytest

from tests.conftest import copy_samples
from tests.processes import PROCESS_TIMEOUT, ProcessDatabases, manage, start

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

REPORTS_USED = 30
SEARCH_TERMS = ["乡村振兴", "平潭", "高质量发展", "人民政府", "就业", "量子纠缠"]

# Run in a process on one machine; writes what it holds as JSON.
DUMP = """
import json, os
from django.contrib.auth.models import User
from django.test import Client
from documents.models import Document, SourcePath, SourceTemplate
from search import services
from search.normalise import fold
from search.search_indexes import searchable_text
from search.services import SearchFilters, search_documents

docs = list(Document.objects.order_by("pk").values())
hits, scans = {}, {}
for term in json.loads(os.environ["DUMP_TERMS"]):
    page = search_documents(
        query=term, filters=SearchFilters(), sort="", page=1, page_size=100
    )
    hits[term] = [page.total, sorted(h.id for h in page.results)]
    scans[term] = sorted(
        d.pk for d in Document.objects.all() if fold(term) in fold(searchable_text(d))
    )
health = Client().get("/healthz", HTTP_HOST="localhost")
status = services.index_status()
result = {
    "documents": docs,
    "sources": list(SourcePath.objects.order_by("locator").values()),
    "templates": list(SourceTemplate.objects.order_by("source_key").values()),
    "users": list(User.objects.order_by("pk").values("pk", "username", "password")),
    "hits": hits,
    "scans": scans,
    "healthz": [health.status_code, health.json()],
    "index_ok": status.ok,
}
with open(os.environ["DUMP_TO"], "w", encoding="utf-8") as handle:
    json.dump(result, handle, ensure_ascii=False, default=str, sort_keys=True)
"""

# Edits two documents in each transaction, as an editor in the admin would, until
# the stop file appears; prints the time of each commit.
WRITER = """
import os, time
from pathlib import Path
from django.db import transaction
from documents.models import Document

first, last = Document.objects.order_by("pk")[0], Document.objects.order_by("-pk")[0]
stop = Path(os.environ["WRITER_STOP"])
print(f"editing {first.pk} {last.pk}", flush=True)
n = 0
while not stop.exists():
    n += 1
    with transaction.atomic():
        for doc in (first, last):
            Document.objects.filter(pk=doc.pk).update(title=f"{doc.title} #{n}")
    print(f"wrote {n} {time.time()}", flush=True)
    time.sleep(0.01)
"""


def _ok(done, *what: str) -> str:  # noqa: ANN001
    assert done.returncode == 0, (what, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def _dump(env: dict[str, str]) -> dict:
    target = Path(env["PLANSITE_VAR_DIR"]) / "dump.json"
    extra = {
        "DUMP_TO": str(target),
        "DUMP_TERMS": json.dumps(SEARCH_TERMS, ensure_ascii=False),
    }
    _ok(manage({**env, **extra}, "shell", "-c", DUMP), "dump")
    return json.loads(target.read_text(encoding="utf-8"))


def _with_cache(env: dict[str, str], source: dict[str, str]) -> dict[str, str]:
    """jieba's dictionary cache from another machine, so that a test does not
    spend its time building it again (it is not archive state)."""
    cache = Path(source["PLANSITE_VAR_DIR"]) / "cache"
    if cache.exists():
        shutil.copytree(
            cache, Path(env["PLANSITE_VAR_DIR"]) / "cache", dirs_exist_ok=True
        )
    return env


def _has_documents_table(databases: ProcessDatabases, env: dict[str, str]) -> bool:
    if "DATABASE_URL" not in env:
        path = Path(env["PLANSITE_VAR_DIR"]) / "plansite.sqlite3"
        if not path.exists():
            return False
    try:
        databases.count(env, "documents_document")
    except Exception:  # noqa: BLE001 - no such table, in either engine's words
        return False
    return True


@pytest.fixture(scope="module")
def plans(tmp_path_factory, seeds_dir: Path, corpus_dir: Path) -> Path:  # noqa: ANN001
    """Seeds, the Pingtan pages and 30 shortened national reports (one file each)."""
    folder = tmp_path_factory.mktemp("backup") / "plans"
    copy_samples(folder, seeds_dir, corpus_dir, reports=REPORTS_USED, chars=800)
    return folder


@pytest.fixture(scope="module")
def many(plans: Path) -> Path:
    """400 distinct reports, so that an import stores rows for several seconds."""
    folder = plans.parent / "many"
    folder.mkdir()
    reports = sorted((plans / "reports").glob("*.jsonl"))
    for number in range(400):
        record = json.loads(reports[number % len(reports)].read_text(encoding="utf-8"))
        record["title"] = f"{record.get('title', '')}（第{number}份）"
        record["content"] = f"第{number}份。" + record["content"]
        # Distinct documents by every identity: title, text and source URL.
        record["url"] = f"{record.get('url') or 'https://example.org/r'}?copy={number}"
        (folder / f"many_{number:03d}.jsonl").write_text(
            json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return folder


@pytest.fixture(scope="module")
def site(
    tmp_path_factory, plans: Path, process_databases: ProcessDatabases
) -> dict[str, str]:  # noqa: ANN001
    """A machine with the sample documents imported and an admin account."""
    env = process_databases.environment(tmp_path_factory.mktemp("site") / "var")
    _ok(manage(env, "import_plans", str(plans)), "import")
    account = {**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-test-password-4711"}
    _ok(
        manage(
            account,
            "createsuperuser",
            "--noinput",
            "--username",
            "chief",
            "--email",
            "c@example.org",
        ),
        "createsuperuser",
    )
    return env


@pytest.fixture(scope="module")
def archive(site: dict[str, str], tmp_path_factory) -> Path:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("archives")
    out = _ok(manage(site, "backup_archive", str(folder)), "backup")
    (path,) = folder.glob("plansite-*.tar")
    assert str(path) in out
    return path


def test_round_trip_onto_an_empty_machine(
    tmp_path: Path,
    site: dict[str, str],
    archive: Path,
    process_databases: ProcessDatabases,
) -> None:
    manifest = _manifest(archive)
    expected = _dump(site)
    assert manifest["documents"] == len(expected["documents"]) >= 40
    assert "0001_initial" in manifest["migrations"]["documents"]
    assert manifest["pipeline_version"] and manifest["app_version"]
    out = _ok(manage(site, "restore_archive", "--verify-only", str(archive)), "verify")
    assert "归档完好" in out

    empty = process_databases.empty_environment(tmp_path / "new-machine")
    assert not _has_documents_table(process_databases, empty)
    started = time.monotonic()
    out = _ok(
        manage(_with_cache(empty, site), "restore_archive", str(archive)), "restore"
    )
    print(
        f"restore + rebuild of {manifest['documents']} documents: {time.monotonic() - started:.1f} s"
    )
    assert f"已恢复：{manifest['documents']} 篇文档" in out
    assert f"已重建索引：{manifest['documents']} 篇文档" in out
    got = _dump(empty)

    for key in ("documents", "sources", "templates", "users", "hits", "scans"):
        assert got[key] == expected[key], key
    # Ids, titles, texts, metadata, field_sources and source paths came back.
    assert got["documents"][0]["field_sources"] and got["sources"]
    assert {s["document_id"] for s in got["sources"]} <= {
        d["id"] for d in got["documents"]
    }
    # The rebuilt index finds what a substring scan finds, as before.
    for term in SEARCH_TERMS:
        total, ids = got["hits"][term]
        assert ids == got["scans"][term] and total == len(ids), term
    assert sum(len(ids) for ids in got["scans"].values()) > 20
    assert got["index_ok"]
    assert got["healthz"] == [200, {"database": "ok", "index": "ok"}]


def _damaged(archive: Path, folder: Path) -> dict[str, Path]:
    """The archive with one byte of its database changed, and cut in half."""
    with tarfile.open(archive) as tar:
        member = next(m for m in tar if m.name.startswith("database."))
    flipped = folder / "flipped.tar"
    data = bytearray(archive.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    cut = folder / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return {"flipped": flipped, "cut": cut}


def test_damaged_archive_is_refused_and_nothing_changes(
    tmp_path: Path,
    site: dict[str, str],
    archive: Path,
    process_databases: ProcessDatabases,
) -> None:
    damaged = _damaged(archive, tmp_path)
    empty = process_databases.empty_environment(tmp_path / "new-machine")
    for name, path in damaged.items():
        for args in (["--verify-only"], [], ["--force"]):
            done = manage(empty, "restore_archive", *args, str(path))
            assert done.returncode != 0, (name, args)
            assert "损坏" in done.stderr or "不完整" in done.stderr, done.stderr[-500:]
            assert "Traceback" not in done.stderr
        assert not _has_documents_table(process_databases, empty), name


def test_restore_onto_documents_needs_force(
    tmp_path: Path,
    site: dict[str, str],
    archive: Path,
    plans: Path,
    process_databases: ProcessDatabases,
) -> None:
    other = _with_cache(process_databases.environment(tmp_path / "other"), site)
    _ok(manage(other, "import_plans", str(plans / "seeds")), "import")
    before = _dump(other)
    assert before["documents"]

    refused = manage(other, "restore_archive", str(archive))
    assert refused.returncode != 0
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    damaged = _damaged(archive, tmp_path)["flipped"]
    assert manage(other, "restore_archive", "--force", str(damaged)).returncode != 0
    assert _dump(other) == before

    _ok(manage(other, "restore_archive", "--force", str(archive)), "restore --force")
    got, expected = _dump(other), _dump(site)
    for key in ("documents", "sources", "templates", "users", "hits"):
        assert got[key] == expected[key], key
    assert got["index_ok"]


def test_backup_taken_while_an_import_and_edits_write(
    tmp_path: Path,
    site: dict[str, str],
    plans: Path,
    many: Path,
    process_databases: ProcessDatabases,
) -> None:
    busy = _with_cache(process_databases.environment(tmp_path / "busy"), site)
    _ok(manage(busy, "import_plans", str(plans / "seeds")), "import")
    stop = tmp_path / "stop-writing"
    writer = start({**busy, "WRITER_STOP": str(stop)}, "shell", "-c", WRITER)
    importer = start(busy, "import_plans", str(many), "--progress=log")
    backup_at = tmp_path / "during.tar"
    try:
        # Let both get going: the editor has committed and the import has
        # stored documents of its own.
        assert writer.stdout is not None and importer.stdout is not None
        # After the shell's own lines (models it imported).
        line = next(x for x in writer.stdout if x.startswith("editing "))
        edited = [int(pk) for pk in line.split()[1:]]
        for line in writer.stdout:
            if line.startswith("wrote 20 "):
                break
        imported = 0
        for line in importer.stdout:
            imported += line.startswith("imported ")
            if imported == 10:
                break
        began = time.time()
        out = _ok(manage(busy, "backup_archive", str(backup_at)), "backup")
        ended = time.time()
        assert importer.poll() is None, "the import was still running"
    finally:
        stop.touch()
        writer.wait(timeout=PROCESS_TIMEOUT)
        writes = [line.split() for line in writer.stdout.read().splitlines()]
        importer.wait(timeout=PROCESS_TIMEOUT)
    assert writer.returncode == 0, writes[-3:]
    # The editor kept committing while the backup ran.
    assert any(began < float(w[2]) < ended for w in writes if w[0] == "wrote")
    assert "已备份" in out

    _ok(manage(busy, "restore_archive", "--verify-only", str(backup_at)), "verify")
    manifest = _manifest(backup_at)
    final = process_databases.count(busy, "documents_document")
    assert 5 <= manifest["documents"] < final  # in the middle of the import

    empty = _with_cache(
        process_databases.empty_environment(tmp_path / "restored"), site
    )
    _ok(manage(empty, "restore_archive", str(backup_at)), "restore")
    got = _dump(empty)
    assert len(got["documents"]) == manifest["documents"]
    assert len(got["sources"]) == manifest["source_paths"]
    # The two titles each transaction changed carry the same edit: the copy
    # holds whole transactions.
    titles = {d["id"]: d["title"] for d in got["documents"]}
    first, last = titles[edited[0]], titles[edited[1]]
    edit = first.rsplit(" #", 1)[1]
    assert last.endswith(f" #{edit}"), (first, last)
    assert {s["document_id"] for s in got["sources"]} <= {
        d["id"] for d in got["documents"]
    }
    assert got["index_ok"]


def test_archive_of_an_older_schema_restores_and_migrates(
    tmp_path: Path,
    site: dict[str, str],
    plans: Path,
    process_databases: ProcessDatabases,
) -> None:
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    (latest,) = graph.leaf_nodes("documents")
    (previous,) = [p for p in graph.node_map[latest].parents if p[0] == "documents"]
    old = _with_cache(process_databases.environment(tmp_path / "old"), site)
    _ok(manage(old, "import_plans", str(plans / "seeds")), "import")
    documents = process_databases.count(old, "documents_document")
    _ok(manage(old, "migrate", "documents", previous[1]), "migrate back")
    _ok(manage(old, "backup_archive", str(tmp_path / "old.tar")), "backup")
    manifest = _manifest(tmp_path / "old.tar")
    assert latest[1] not in manifest["migrations"]["documents"]

    empty = _with_cache(process_databases.empty_environment(tmp_path / "new"), site)
    out = _ok(manage(empty, "restore_archive", str(tmp_path / "old.tar")), "restore")
    assert f"documents.{latest[1]}" in out
    got = _dump(empty)
    assert len(got["documents"]) == documents
    assert got["index_ok"]


@pytest.mark.postgres
def test_pg_dump_missing_or_older_than_the_server_is_refused_clearly(
    tmp_path: Path, site: dict[str, str], process_databases: ProcessDatabases
) -> None:
    if process_databases.vendor != "postgresql":
        pytest.skip("pg_dump is for PostgreSQL")
    missing = manage(
        {**site, "PLANSITE_PG_BINDIR": str(tmp_path)},
        "backup_archive",
        str(tmp_path / "a.tar"),
    )
    assert missing.returncode != 0
    assert "找不到 pg_dump" in missing.stderr and "Traceback" not in missing.stderr
    # A client of an old major version (what `pg_dump --version` prints there).
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    older = manage(
        {**site, "PLANSITE_PG_BINDIR": str(tmp_path)},
        "backup_archive",
        str(tmp_path / "b.tar"),
    )
    assert older.returncode != 0
    assert "主版本是 9，低于服务器" in older.stderr, older.stderr[-500:]
    assert not list(tmp_path.glob("*.tar"))


@pytest.mark.postgres
def test_sqlite_archive_onto_postgresql_is_refused(
    tmp_path: Path, site: dict[str, str], process_databases: ProcessDatabases
) -> None:
    if process_databases.vendor != "postgresql":
        pytest.skip("needs both engines")
    lite = {k: v for k, v in site.items() if k != "DATABASE_URL"}
    lite["PLANSITE_VAR_DIR"] = str(tmp_path / "lite")
    _ok(manage(lite, "migrate"), "migrate")
    _ok(manage(lite, "backup_archive", str(tmp_path / "lite.tar")), "backup")
    empty = process_databases.empty_environment(tmp_path / "pg")
    done = manage(empty, "restore_archive", str(tmp_path / "lite.tar"))
    assert done.returncode != 0
    assert "不支持跨引擎恢复" in done.stderr
    assert not _has_documents_table(process_databases, empty)
