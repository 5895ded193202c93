"""Files whose names are GBK bytes, as a zip made on Chinese Windows unpacks them.

On Linux such a name reaches Python as a str with lone surrogates; no database,
UTF-8 log file or terminal takes it. The file must import like any other, under
its readable name, and nothing that prints or logs it may raise.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath

pytestmark = pytest.mark.django_db

ZHOUXIANG = """索引号：ZZ330282-009/2022-000009
发布机构：周巷镇
成文日期：2022年2月3日
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆，建设美丽城镇。
"""
ZHANGZHEN = """索引号：002590139/2023-74152
发布机构：章镇镇
成文日期：2023年3月6日
章镇镇2023年政府工作安排
一、聚力提质增效。绘制产业链鱼骨图，围绕环保设备和建筑新材料等产业强链补链延链。
二、围绕共富共美。推进张村村省级未来乡村创建，实施村级集体经济新三年增收行动计划。
"""
# Each file: its name as the person who zipped it saw it, and its text's bytes
# (one saved as GBK, as Windows Notepad did, one as UTF-8).
FILES = {
    "周巷镇2022年工作计划.txt": ZHOUXIANG.encode("gbk"),
    "章镇镇2023年政府工作安排.txt": ZHANGZHEN.encode("utf-8"),
}


def _write_gbk_named(folder: Path) -> None:
    """Write each file under its name's GBK bytes (bytes paths: no str involved)."""
    raw_folder = os.fsencode(folder)
    os.makedirs(raw_folder, exist_ok=True)  # noqa: PTH103
    for name, data in FILES.items():
        raw = os.path.join(raw_folder, name.encode("gbk"))  # noqa: PTH118
        with open(raw, "wb") as handle:  # noqa: PTH123
            handle.write(data)


def _import(folder: Path) -> str:
    """import_plans as on a terminal: its output is strict UTF-8, as stdout is."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    call_command(
        "import_plans",
        str(folder),
        "--no-index",
        "--progress=log",
        stdout=out,
        stderr=err,
    )
    out.flush()
    return out.buffer.getvalue().decode("utf-8")


def test_gbk_named_files_import_under_their_readable_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "慈溪市乡镇"
    _write_gbk_named(folder)
    # The names really are bytes that are not UTF-8: Python sees surrogates.
    assert all("\udcd6" in p.name or "\udcd5" in p.name for p in folder.iterdir())
    caplog.set_level(logging.DEBUG)

    output = _import(folder)

    assert "imported 2" in output and "rejected 0" in output
    assert Document.objects.count() == 2
    base = folder.resolve()
    expected = {str(base / name) for name in FILES}
    assert set(SourcePath.objects.values_list("locator", flat=True)) == expected
    assert set(Document.objects.values_list("source_file", flat=True)) == {
        f"慈溪市乡镇/{name}" for name in FILES
    }
    for locator in expected:
        assert f"imported {locator}" in output
    bodies = " ".join(Document.objects.values_list("body", flat=True))
    assert "慈溪西部中心镇" in bodies and "张村村省级未来乡村" in bodies
    # Nothing went wrong inside, and every record logged is valid text.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for record in caplog.records:
        logging.Formatter().format(record).encode("utf-8")

    again = _import(folder)

    assert "unchanged 2" in again and "imported 0" in again
    assert Document.objects.count() == 2
    assert set(SourcePath.objects.values_list("locator", flat=True)) == expected


def test_a_name_no_codec_reads_is_kept_visible_and_stable(tmp_path: Path) -> None:
    # 0xFF starts no character in GBK or GB18030; the rest of the name does.
    raw = os.path.join(os.fsencode(tmp_path), b"\xff" + "计划.txt".encode("gbk"))  # noqa: PTH118
    with open(raw, "wb") as handle:  # noqa: PTH123
        handle.write(ZHOUXIANG.encode("utf-8"))

    output = _import(tmp_path)

    locator = SourcePath.objects.get().locator
    assert locator == str(tmp_path.resolve() / "\\xff计划.txt")
    assert "imported 1" in output
    assert "unchanged 1" in _import(tmp_path)
    assert SourcePath.objects.get().locator == locator


def test_the_log_file_keeps_a_record_that_quotes_a_raw_name(tmp_path: Path) -> None:
    """An OSError's message carries the raw name; the file handler must not fail."""
    config = dict(settings.LOGGING["handlers"]["file"])
    handler_class = config.pop("class").rsplit(".", 1)
    module = __import__(handler_class[0], fromlist=[handler_class[1]])
    config.pop("formatter")
    config["filename"] = str(tmp_path / "plansite.log")
    handler = getattr(module, handler_class[1])(**config)
    failed = []
    handler.handleError = lambda record: failed.append(record)  # type: ignore[method-assign]
    raw_name = os.fsdecode("周巷镇工作计划.txt".encode("gbk"))
    record = logging.LogRecord(
        "documents", logging.ERROR, __file__, 1, "cannot read %s", (raw_name,), None
    )
    handler.emit(record)
    handler.close()
    assert failed == []
    assert "cannot read \\udcd6" in (tmp_path / "plansite.log").read_text("utf-8")


INDEX_TOWNS = Path(__file__).resolve().parent.parent / "fixtures/records/index_towns"


def _copy_with_gbk_names(source: Path, target: Path) -> None:
    """The tree as a Windows zip unpacks it: every folder and file name GBK bytes."""
    raw_target = os.fsencode(target)
    os.makedirs(raw_target, exist_ok=True)  # noqa: PTH103
    for child in sorted(source.iterdir()):
        name = "政务公开索引.csv" if child.name == "gov_docs_index.csv" else child.name
        raw = os.path.join(raw_target, name.encode("gbk"))  # noqa: PTH118
        if child.is_dir():
            _copy_with_gbk_names(child, Path(os.fsdecode(raw)))
        else:
            with open(raw, "wb") as handle:  # noqa: PTH123
                handle.write(child.read_bytes())


def test_an_index_joins_the_gbk_named_files_it_names_in_utf8(tmp_path: Path) -> None:
    """The index spells the paths as text; the disk holds them as GBK bytes."""
    folder = tmp_path / "towns"
    _copy_with_gbk_names(INDEX_TOWNS, folder)

    summary = import_paths([folder])

    assert summary.count(Outcome.IMPORTED) == 3, summary.rejected
    (missing,) = summary.rejected  # The row whose file is missing, as before.
    assert missing.locator == str(folder.resolve() / "政务公开索引.csv#R5")
    for locator in SourcePath.objects.values_list("locator", flat=True):
        locator.encode("utf-8")
    sijing = Document.objects.get(issuer__contains="泗泾镇")
    assert sijing.source_file.startswith("towns/docs/房屋与住房/")
    assert any("索引表 政务公开索引.csv 第" in note for note in sijing.review_notes)
    assert import_paths([folder]).count(Outcome.UNCHANGED) == 3
