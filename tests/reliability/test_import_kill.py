"""Kill import_plans part way (SIGKILL), run it again, and get what one clean run gets.

Every run is a real `manage.py import_plans` process with its own
PLANSITE_VAR_DIR (Whoosh index in tmp) and its own database (a SQLite file, or
a PostgreSQL database cloned from the test database), never ./var.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
from pathlib import Path

import pytest

from tests.conftest import copy_samples
from tests.processes import PROCESS_TIMEOUT, ProcessDatabases, manage, start

# django_db: the test database is the template of the processes' databases.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

REPORTS_USED = 30
# Lines the command writes for each result (stderr is merged into stdout).
RESULT_LINE = re.compile(r"^(?:imported|updated|unchanged|拒绝 rejected) ")
SEARCH_TERMS = ["乡村振兴", "政府工作报告", "东塍镇", "平潭", "高质量发展"]

# Run in a fresh process against one var dir; writes its findings as JSON.
DUMP = """
import json, os
from documents.models import Document, SourcePath
from search import services
from search.services import SearchFilters, search_documents

def key(doc):
    return [doc["source_file"], doc["index_no"] or "", doc["content_hash"]]

docs = list(Document.objects.order_by("pk").values())
by_pk = {doc["id"]: key(doc) for doc in docs}
rows = [
    {k: v for k, v in doc.items() if k not in ("id", "imported_at", "updated_at")}
    for doc in docs
]
sources = sorted(
    [s.locator, s.file_hash, by_pk[s.document_id]] for s in SourcePath.objects.all()
)
hits = {}
for term in json.loads(os.environ["DUMP_TERMS"]):
    page = search_documents(
        query=term, filters=SearchFilters(), sort="", page=1, page_size=100
    )
    hits[term] = [page.total, sorted(by_pk.get(h.id, ["?", h.id]) for h in page.results)]
status = services.index_status()
result = {
    "rows": sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str)),
    "sources": sources,
    "indexed": sorted(by_pk.get(pk, ["orphan", pk]) for pk in services.indexed_fingerprints()),
    "hits": hits,
    "index_ok": status.ok,
    "status": [status.missing, status.stale, status.orphans],
}
with open(os.environ["DUMP_TO"], "w", encoding="utf-8") as handle:
    json.dump(result, handle, ensure_ascii=False, default=str, sort_keys=True)
"""


def _import(
    env: dict[str, str], source: Path, *, kill_after=None
) -> tuple[int, list[str]]:  # noqa: ANN001
    """Run import_plans; SIGKILL it once ``kill_after(lines)`` says so."""
    proc = start(env, "import_plans", str(source), "--progress=log")
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if kill_after is not None and kill_after(lines):
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=PROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    return proc.returncode, lines


def _dump(env: dict[str, str]) -> dict:
    target = Path(env["PLANSITE_VAR_DIR"]) / "dump.json"
    done = manage(
        {
            **env,
            "DUMP_TO": str(target),
            "DUMP_TERMS": json.dumps(SEARCH_TERMS, ensure_ascii=False),
        },
        "shell",
        "-c",
        DUMP,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(target.read_text(encoding="utf-8"))


def _results(lines: list[str]) -> list[str]:
    return [line for line in lines if RESULT_LINE.match(line)]


@pytest.fixture(scope="module")
def source(tmp_path_factory, seeds_dir: Path, corpus_dir: Path) -> Path:  # noqa: ANN001
    """About 45 files: seeds, Pingtan pages, single-report JSON files, a copy, bad files."""
    folder = tmp_path_factory.mktemp("kill") / "plans"
    copy_samples(folder, seeds_dir, corpus_dir, reports=REPORTS_USED, chars=600)
    seed = sorted((folder / "seeds").glob("*.txt"))[2]
    # The same page again, as GBK with CRLF: a second path to one document.
    (folder / "copy_gbk.txt").write_bytes(
        seed.read_text("utf-8").replace("\n", "\r\n").encode("gbk")
    )
    (folder / "bad").mkdir()
    (folder / "bad" / "empty.txt").write_bytes(b"")
    (folder / "bad" / "binary.bin").write_bytes(bytes(range(256)) * 16)
    return folder


def _environment(
    databases: ProcessDatabases, var_dir: Path, cache_from: dict | None = None
) -> dict[str, str]:
    env = databases.environment(var_dir)
    if cache_from is not None:
        cache = Path(cache_from["PLANSITE_VAR_DIR"]) / "cache"
        if cache.exists():
            # jieba's dictionary cache, so a run does not rebuild it.
            shutil.copytree(cache, var_dir / "cache", dirs_exist_ok=True)
    return env


def test_killed_import_rerun_matches_a_clean_run(
    tmp_path: Path, source: Path, process_databases: ProcessDatabases
) -> None:
    clean = _environment(process_databases, tmp_path / "clean")
    code, lines = _import(clean, source)
    assert code == 1, lines[-5:]  # two bad files
    total = len(_results(lines))
    assert total >= 40
    assert "拒绝 rejected 2" in lines[-2] + lines[-1], lines[-3:]
    expected = _dump(clean)
    assert expected["index_ok"], expected["status"]
    assert len(expected["rows"]) == total - 3  # two rejected, one copy

    killed = _environment(process_databases, tmp_path / "killed", cache_from=clean)
    # 1. Killed while importing files: some documents committed, none indexed.
    code, lines = _import(
        killed,
        source,
        kill_after=lambda seen: sum(x.startswith("imported ") for x in seen) >= 12,
    )
    assert code == -signal.SIGKILL
    stored = process_databases.count(killed, "documents_document")
    assert 12 <= stored < len(expected["rows"])

    # 2. Killed after the last file, while the search index is being written.
    code, lines = _import(
        killed, source, kill_after=lambda seen: len(_results(seen)) >= total
    )
    assert code == -signal.SIGKILL
    assert not any(line.startswith("导入 imported") for line in lines)

    # 3. Run to the end.
    code, lines = _import(killed, source)
    assert code == 1, lines[-5:]
    assert len(_results(lines)) == total
    assert "拒绝 rejected 2" in lines[-2] + lines[-1], lines[-3:]
    got = _dump(killed)

    assert got["rows"] == expected["rows"]
    assert got["sources"] == expected["sources"]
    assert got["index_ok"], got["status"]
    assert got["indexed"] == expected["indexed"]
    assert got["hits"] == expected["hits"]
    assert all(total for total, _ in expected["hits"].values())
