"""The backup holds the attachment store: a restore gives the originals byte for
byte and their texts without extracting anything again.

Real processes on machines of their own (tests/processes.py), as in
tests/plansite/test_backup.py.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from tests.attachments.makers import MadeFiles, write_zip
from tests.processes import ProcessDatabases, manage

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"

# Run on a machine: its attachment rows, and each stored original's bytes' hash.
DUMP = """
import hashlib, json, os
from documents.attachments import store
from documents.models import Attachment
rows = list(Attachment.objects.order_by("pk").values())
files = {}
for row in rows:
    if store.exists(row["sha256"]):
        with store.open_original(row["sha256"]) as handle:
            files[row["sha256"]] = hashlib.sha256(handle.read()).hexdigest()
with open(os.environ["DUMP_TO"], "w", encoding="utf-8") as handle:
    json.dump({"rows": rows, "files": files}, handle, ensure_ascii=False, default=str)
"""


def _ok(done, what: str) -> str:  # noqa: ANN001
    assert done.returncode == 0, f"{what}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _dump(env: dict[str, str], target: Path) -> dict:
    _ok(manage({**env, "DUMP_TO": str(target)}, "shell", "-c", DUMP), "dump")
    return json.loads(target.read_text(encoding="utf-8"))


def test_restore_gives_the_originals_and_texts_without_extracting(
    tmp_path: Path, made: MadeFiles, process_databases: ProcessDatabases
) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "page.txt").write_text(PAGE, encoding="utf-8")
    shutil.copyfile(made.path("doc0", "docx"), _folder(plans / "page") / "计划.docx")
    shutil.copyfile(made.path("doc1", "pdf"), plans / "page" / "附件2.pdf")
    write_zip(plans / "page" / "包.zip", {"a/表.docx": made.path("doc2", "docx")})
    shutil.copyfile(made.path("doc2", "pdf"), plans / "单独.pdf")

    site = process_databases.environment(tmp_path / "site")
    _ok(manage(site, "import_plans", "--no-index", str(plans)), "import")
    before = _dump(site, tmp_path / "before.json")
    assert len(before["rows"]) == 5  # a DOCX, a PDF, a zip and its member, a lone PDF
    assert all(r["status"] == "extracted" for r in before["rows"])

    out = _ok(manage(site, "backup_archive", str(tmp_path)), "backup")
    (archive,) = tmp_path.glob("plansite-*.tar")
    assert str(archive) in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    originals = {r["sha256"] for r in before["rows"]}
    assert {f"attachments/{sha}" for sha in originals} <= set(names)

    # A new machine on which no converter can run: an extraction has 16 MB of memory.
    empty = process_databases.empty_environment(tmp_path / "new")
    empty["PLANSITE_EXTRACT_MEMORY_BYTES"] = str(16 * 1024 * 1024)
    out = _ok(manage(empty, "restore_archive", str(archive)), "restore")
    assert f"{len(originals)} 个附件原件" in out
    after = _dump(empty, tmp_path / "after.json")

    assert after["rows"] == before["rows"]  # the texts, as extracted, and when
    assert after["files"] == {sha: sha for sha in originals}  # byte for byte
    # The same bytes on a new page take the stored text: nothing is read again.
    more = tmp_path / "more"
    more.mkdir()
    (more / "other.txt").write_text(PAGE.replace("东塍镇", "店口镇"), encoding="utf-8")
    shutil.copyfile(made.path("doc1", "pdf"), _folder(more / "other") / "x.pdf")
    # …while bytes never read before cannot be read here (the proof of the above).
    shutil.copyfile(made.path("doc0", "pdf"), more / "other" / "new.pdf")
    _ok(manage(empty, "import_plans", "--no-index", str(more)), "import on restored")
    final = _dump(empty, tmp_path / "final.json")
    new = [r for r in final["rows"] if r["name"] == "x.pdf"]
    assert len(new) == 1 and new[0]["status"] == "extracted"
    pdf_row = next(r for r in before["rows"] if r["name"] == "附件2.pdf")
    assert new[0]["text"] == pdf_row["text"]
    (unread,) = [r for r in final["rows"] if r["name"] == "new.pdf"]
    assert unread["status"] == "rejected", unread


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
