"""An admin edit made while another process holds the index's write lock is never
lost: not when the lock is held for long, and not when the web process that
made the edit dies before the lock is free.

Real processes throughout: one holds Whoosh's lock (as a bulk import does while
it indexes), one is the web process that serves the admin and is killed, and
then the next import, or a restarted web process, finishes the work.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.processes import ProcessDatabases, manage, start

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

HOLD_LOCK = """
import time
from haystack import connections
backend = connections["default"].get_backend()
backend.setup()
writer = backend.index.writer()
print("held", flush=True)
time.sleep(600)
"""

# The web process: an editor saves the change form in the admin, then the
# process lives on (its background thread waiting for the lock) until killed.
EDIT_IN_ADMIN = """
import os, time
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment
from documents.models import Document
from search.models import PendingIndexWrite
from tests.admin_forms import change_form_data

setup_test_environment()
User.objects.filter(username="editor").exists() or User.objects.create_superuser(
    "editor", "editor@example.org", "a-long-password-1"
)
client = Client()
client.force_login(User.objects.get(username="editor"))
doc = Document.objects.get(index_no=os.environ["EDIT_INDEX_NO"])
data = change_form_data(client, doc, line_breaks="\\r\\n")
data["body"] = doc.body + os.environ["EDIT_APPEND"]
started = time.monotonic()
response = client.post(f"/admin/documents/document/{doc.pk}/change/", data)
print("status", response.status_code, round(time.monotonic() - started, 1), flush=True)
print("queued", PendingIndexWrite.objects.count(), flush=True)
time.sleep(600)
"""

# What a search and the database say afterwards.
LOOK = """
import json, os
from search.models import PendingIndexWrite
from search.services import SearchFilters, index_status, search_documents

found = {}
for term in json.loads(os.environ["LOOK_FOR"]):
    page = search_documents(
        query=term, filters=SearchFilters(), sort="", page=1, page_size=100
    )
    found[term] = sorted(hit.id for hit in page.results)
status = index_status()
print(json.dumps({
    "found": found,
    "queued": PendingIndexWrite.objects.count(),
    "stale": status.stale,
    "ok": status.ok,
}))
"""

NEW_PLAN = """索引号：ZZ330282-077/2024-000077
发布机构：周巷镇
成文日期：2024年2月3日
周巷镇2024年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展。
"""
EDITED = "002590139/2023-74151"


def _wait_for(proc, prefix: str) -> list[str]:  # noqa: ANN001
    """Lines the process prints up to and including the one starting with prefix."""
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith(prefix):
            return lines
    raise AssertionError(f"process ended without {prefix!r}: {lines[-20:]}")


def _kill(proc) -> None:  # noqa: ANN001
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


def _look(env: dict[str, str], *terms: str) -> dict:
    done = manage(
        {**env, "LOOK_FOR": json.dumps(terms, ensure_ascii=False)}, "shell", "-c", LOOK
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _edit_in_admin(env: dict[str, str], append: str) -> tuple[list[str], float]:
    """Save an edit in a web process, then kill it (its index write may still
    be waiting); the process's lines, and the seconds the save took."""
    web = start(
        {**env, "EDIT_INDEX_NO": EDITED, "EDIT_APPEND": append},
        "shell",
        "-c",
        EDIT_IN_ADMIN,
    )
    try:
        lines = _wait_for(web, "queued")
    finally:
        _kill(web)
    status = next(line for line in lines if line.startswith("status")).split()
    assert status[1] == "302", lines[-30:]
    return lines, float(status[2])


def _edit_while_locked(env: dict[str, str], append: str) -> None:
    """Hold the lock in one process, edit in another, kill both."""
    holder = start(env, "shell", "-c", HOLD_LOCK)
    try:
        _wait_for(holder, "held")
        lines, seconds = _edit_in_admin(env, append)
    finally:
        _kill(holder)
    # Saved and redirected at once: the editor neither waits nor sees an error.
    assert seconds < 10, lines
    assert lines[-1] == "queued 1", lines[-30:]


def test_edits_survive_the_web_process_dying_while_an_import_holds_the_lock(
    tmp_path: Path, seeds_dir: Path, process_databases: ProcessDatabases
) -> None:
    env = process_databases.environment(tmp_path / "var")
    env["PLANSITE_ALLOWED_HOSTS"] = "testserver"
    env["PLANSITE_SEARCH_EDIT_WAIT"] = "0.2"
    done = manage(env, "import_plans", str(seeds_dir))
    assert done.returncode == 0, done.stderr[-3000:]

    # 1. The next import (of something else) finishes the dead process's edit.
    _edit_while_locked(env, "\n第一次修改：建设深海养殖基地。")
    before = _look(env, "深海养殖")
    assert before["found"] == {"深海养殖": []}
    assert before["queued"] == 1 and len(before["stale"]) == 1
    check = manage(env, "check_index")
    assert check.returncode == 1
    assert "等待索引更新" in check.stdout and "过期" in check.stdout
    new_file = tmp_path / "new" / "plan.txt"
    new_file.parent.mkdir()
    new_file.write_text(NEW_PLAN, encoding="utf-8")
    done = manage(env, "import_plans", str(new_file.parent))
    assert done.returncode == 0, done.stderr[-3000:]
    after = _look(env, "深海养殖", "周巷镇2024年")
    assert after["queued"] == 0 and after["ok"], after
    assert after["found"]["深海养殖"] == before["stale"]
    assert len(after["found"]["周巷镇2024年"]) == 1

    # 2. A restarted web process finishes it (its warm-up, as gunicorn runs it).
    _edit_while_locked(env, "\n第二次修改：建设量子通信网络。")
    assert _look(env, "量子通信")["found"] == {"量子通信": []}
    done = manage(env, "shell", "-c", "from search.warmup import warm_up\nwarm_up()")
    assert done.returncode == 0, done.stderr[-3000:]
    final = _look(env, "量子通信", "深海养殖")
    assert final["queued"] == 0 and final["ok"], final
    assert final["found"]["量子通信"] == after["found"]["深海养殖"]
    assert final["found"]["深海养殖"] == after["found"]["深海养殖"]
    assert manage(env, "check_index").returncode == 0


HOLD_WRITE_TRANSACTION = """
import time
from django.db import transaction
from documents.models import Document

# As an import does: one short transaction after another, each a read, a write
# and a commit, for a few seconds.
first = Document.objects.order_by("pk")[0].pk
print("writing", flush=True)
stop = time.monotonic() + 4
while time.monotonic() < stop:
    with transaction.atomic():
        title = Document.objects.get(pk=first).title
        Document.objects.filter(pk=first).update(title=title)
print("committed", flush=True)
"""


def test_an_admin_save_and_an_import_wait_for_each_other(
    tmp_path: Path, seeds_dir: Path, process_databases: ProcessDatabases
) -> None:
    """On SQLite a transaction that read first and then asked for the write
    lock while another process was committing failed at once ("database is
    locked": a 500 for the editor, or a failed import). Both wait now."""
    env = process_databases.environment(tmp_path / "var")
    env["PLANSITE_ALLOWED_HOSTS"] = "testserver"
    done = manage(env, "import_plans", str(seeds_dir), "--no-index")
    assert done.returncode == 0, done.stderr[-3000:]
    writer = start(env, "shell", "-c", HOLD_WRITE_TRANSACTION)
    try:
        _wait_for(writer, "writing")
        _edit_in_admin(env, "\n第三次修改。")  # a 302, not a 500
        _wait_for(writer, "committed")  # nor a failed import
    finally:
        _kill(writer)
