"""The backup holds WARC_DIR: a restore gives the WARC files back byte for byte,
a backup made before WARC files were backed up still restores, and a restore
never overwrites a different WARC file of the same name.

Real processes on machines of their own (tests/processes.py), as in
tests/plansite/test_backup.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.harvest.warc_makers import Capture, detail_page, write_warc
from tests.processes import ProcessDatabases, manage

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PAGE = "http://www.example-town.gov.cn/zwgk/jhzj/202112/t20211220_100321.html"
COUNT = """
import json, os
from documents.models import Document, SourcePath
print(json.dumps({
    "documents": Document.objects.count(),
    "urls": sorted(SourcePath.objects.values_list("locator", flat=True)),
}))
"""


def _ok(done, what: str) -> str:  # noqa: ANN001
    assert done.returncode == 0, f"{what}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _counts(env: dict[str, str]) -> dict:
    out = _ok(manage(env, "shell", "-c", COUNT), "count")
    return json.loads(out.strip().splitlines()[-1])


def _warc_files(var_dir: Path) -> dict[str, str]:
    root = var_dir / "warc"
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _machine(tmp_path: Path, process_databases: ProcessDatabases) -> dict[str, str]:
    """A machine that harvested: WARC files under WARC_DIR, one imported."""
    site = process_databases.environment(tmp_path / "site")
    var = Path(site["PLANSITE_VAR_DIR"])
    page = detail_page("15_liubu_plan_published_dec.html")
    first = write_warc(
        var / "warc" / "trs-column" / "trs-column-20261201080000-0.warc.gz",
        [Capture(PAGE, page)],
    )
    write_warc(
        var / "warc" / "trs-column" / "trs-column-20261202080000-0.warc.gz",
        [Capture(PAGE, page, date="2026-12-02T08:00:00Z")],
    )
    write_warc(var / "warc" / "other" / "other-20261201-0.warc", [], gzip=False)
    _ok(manage(site, "import_plans", "--no-index", str(first)), "import")
    return site


def test_backup_and_restore_keep_the_warc_files_byte_for_byte(
    tmp_path: Path, process_databases: ProcessDatabases
) -> None:
    site = _machine(tmp_path, process_databases)
    before = _warc_files(Path(site["PLANSITE_VAR_DIR"]))
    assert len(before) == 3

    out = _ok(manage(site, "backup_archive", str(tmp_path)), "backup")
    assert "3 个 WARC 文件" in out
    (archive,) = tmp_path.glob("plansite-*.tar")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["format_version"] == 2
    assert manifest["details"]["warc_files"] == 3
    for name, digest in before.items():
        assert manifest["members"][f"warc/{name}"]["sha256"] == digest

    empty = process_databases.empty_environment(tmp_path / "new")
    out = _ok(manage(empty, "restore_archive", str(archive)), "restore")
    assert "3 个 WARC 文件" in out
    assert _warc_files(Path(empty["PLANSITE_VAR_DIR"])) == before
    counts = _counts(empty)
    assert counts == {"documents": 1, "urls": [PAGE]}


def test_a_backup_made_before_warc_files_restores(
    tmp_path: Path, process_databases: ProcessDatabases
) -> None:
    site = _machine(tmp_path, process_databases)
    _ok(manage(site, "backup_archive", str(tmp_path / "new.tar")), "backup")
    old = _as_version_1(tmp_path / "new.tar", tmp_path / "old.tar")

    empty = process_databases.empty_environment(tmp_path / "new")
    out = _ok(manage(empty, "restore_archive", str(old)), "restore")

    assert "0 个 WARC 文件" in out
    assert not (Path(empty["PLANSITE_VAR_DIR"]) / "warc").exists() or not _warc_files(
        Path(empty["PLANSITE_VAR_DIR"])
    )
    counts = _counts(empty)
    assert counts["documents"] == 1


def test_a_different_warc_file_of_the_same_name_is_not_overwritten(
    tmp_path: Path, process_databases: ProcessDatabases
) -> None:
    site = _machine(tmp_path, process_databases)
    _ok(manage(site, "backup_archive", str(tmp_path / "b.tar")), "backup")
    empty = process_databases.empty_environment(tmp_path / "new")
    var = Path(empty["PLANSITE_VAR_DIR"])
    mine = var / "warc" / "other" / "other-20261201-0.warc"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"WARC/1.0\r\n")  # this machine's own, other bytes

    done = manage(empty, "restore_archive", str(tmp_path / "b.tar"))

    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "other/other-20261201-0.warc" in done.stderr
    assert mine.read_bytes() == b"WARC/1.0\r\n"
    assert not (var / "warc" / "trs-column").exists()


def _as_version_1(source: Path, target: Path) -> Path:
    """The archive as the code before this change wrote it: no warc/ members,
    format_version 1."""
    with tarfile.open(source) as tar, tarfile.open(target, "w") as out:
        for info in tar:
            if info.name.startswith("warc/"):
                continue
            data = tar.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(data)
                manifest["format_version"] = 1
                manifest["members"] = {
                    k: v
                    for k, v in manifest["members"].items()
                    if not k.startswith("warc/")
                }
                manifest["details"].pop("warc_files", None)
                data = json.dumps(manifest, ensure_ascii=False).encode()
                info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target
