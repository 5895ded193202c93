"""Import behaviour: idempotence, updates, duplicates, bad files, transactions."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath

pytestmark = pytest.mark.django_db

PLAN = """索引号：ZZ330282-001/2022-000001
发布机构：周巷镇
成文日期：2022年2月3日
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆。
"""


def _snapshot() -> list[tuple]:
    return list(
        Document.objects.order_by("pk").values_list(
            "index_no",
            "title",
            "township",
            "plan_year",
            "body",
            "content_hash",
            "updated_at",
        )
    )


def test_reimport_changes_nothing(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(seeds_dir, folder)
    first = import_paths([folder])
    assert first.count(Outcome.IMPORTED) == 5
    before = _snapshot()
    second = import_paths([folder])
    assert second.count(Outcome.UNCHANGED) == 5
    assert second.changed_ids == []
    assert _snapshot() == before


def test_changed_file_updates_its_record(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    doc = Document.objects.get()
    path.write_text(
        PLAN.replace("三改一拆", "三改一拆和美丽城镇建设"), encoding="utf-8"
    )
    summary = import_paths([path])
    assert summary.count(Outcome.UPDATED) == 1
    assert summary.changed_ids == [doc.pk]
    doc.refresh_from_db()
    assert "美丽城镇" in doc.body
    assert Document.objects.count() == 1


def test_same_document_under_two_paths_is_stored_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "plan.txt").write_text(PLAN, encoding="utf-8")
    # The same page saved again as GBK with CRLF line ends.
    (tmp_path / "b" / "copy.txt").write_bytes(PLAN.replace("\n", "\r\n").encode("gbk"))
    summary = import_paths([tmp_path])
    assert summary.count(Outcome.IMPORTED) == 1
    assert summary.count(Outcome.UNCHANGED) == 1
    assert Document.objects.count() == 1
    assert SourcePath.objects.count() == 2


def test_same_text_without_index_number_is_stored_once(
    tmp_path: Path, seeds_dir: Path
) -> None:
    seed = next(seeds_dir.glob("003_*.txt"))
    shutil.copy(seed, tmp_path / "one.txt")
    (tmp_path / "two.txt").write_text(
        "进入老年模式\n" + seed.read_text("utf-8") + "\n打印 关闭\n"
    )
    import_paths([tmp_path])
    assert Document.objects.count() == 1


def test_bad_files_are_reported_and_the_rest_imported(tmp_path: Path, settings) -> None:  # noqa: ANN001
    settings.PLANSITE_MAX_DOCUMENT_BYTES = 10_000
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "big.txt").write_text("大" * 10_000, encoding="utf-8")
    (tmp_path / "chrome.txt").write_text("进入老年模式\n打印 关闭\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text(PLAN, encoding="utf-8")
    summary = import_paths([tmp_path, tmp_path / "missing.txt"])
    reasons = {Path(r.locator).name: r.reason for r in summary.rejected}
    assert set(reasons) == {
        "empty.txt",
        "binary.txt",
        "big.txt",
        "chrome.txt",
        "missing.txt",
    }
    assert "空文件" in reasons["empty.txt"]
    assert "二进制" in reasons["binary.txt"]
    assert "过大" in reasons["big.txt"]
    assert "不存在" in reasons["missing.txt"]
    assert Document.objects.count() == 1


def test_a_crash_in_one_record_rolls_back_only_that_record(
    tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    from documents.ingest import store

    (tmp_path / "a.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        PLAN.replace("ZZ330282-001", "ZZ330282-002") + "另一份。", encoding="utf-8"
    )
    real = store.SourcePath.objects.update_or_create
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store.SourcePath.objects, "update_or_create", flaky)
    summary = import_paths([tmp_path])
    assert summary.count(Outcome.REJECTED) == 1
    assert "disk full" in summary.rejected[0].reason
    # The failed record left no half-written document behind.
    assert Document.objects.count() == 1
    assert SourcePath.objects.count() == 1
    monkeypatch.undo()
    again = import_paths([tmp_path])
    assert again.count(Outcome.IMPORTED) == 1
    assert Document.objects.count() == 2


def test_a_copy_with_other_text_is_noted_not_taken(tmp_path: Path) -> None:
    # Same 索引号 under another path, with a paragraph more: one record, the first
    # copy's text kept, the difference noted for review.
    (tmp_path / "old.txt").write_text(PLAN, encoding="utf-8")
    import_paths([tmp_path / "old.txt"])
    (tmp_path / "new.txt").write_text(
        PLAN + "三、补充一段新的内容。\n", encoding="utf-8"
    )
    summary = import_paths([tmp_path / "new.txt"])
    assert summary.count(Outcome.UPDATED) == 1
    assert Document.objects.count() == 1
    doc = Document.objects.get()
    assert "补充一段" not in doc.body
    assert doc.original == PLAN and doc.source_file.endswith("old.txt")
    assert doc.needs_review
    assert any("new.txt" in n and "正文" in n for n in doc.review_notes)
    assert SourcePath.objects.filter(document=doc).count() == 2
    # Importing the copy again changes nothing.
    again = import_paths([tmp_path / "new.txt"])
    assert again.count(Outcome.UNCHANGED) == 1


PAGE_COPY = """当前位置：首页 > 信息公开 > 周巷镇
索引号：ZZ330282-001/2022-000001
发布机构：周巷镇人民政府
成文日期：2022年2月3日
发布日期：2022-02-05 10:12
主题分类：计划总结
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆。
"""


@pytest.mark.parametrize("order", [("a.txt", "b.txt"), ("b.txt", "a.txt")])
def test_a_copy_fills_only_what_the_record_lacks(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    texts = {"a.txt": PLAN, "b.txt": PAGE_COPY}
    for name in order:
        (tmp_path / name).write_text(texts[name], encoding="utf-8")
        import_paths([tmp_path / name])
    doc = Document.objects.get()
    first, second = order
    assert doc.original == texts[first]
    assert doc.source_file.endswith(first)
    assert SourcePath.objects.filter(document=doc).count() == 2
    assert doc.publish_date == date(2022, 2, 5)  # only b has it
    assert doc.category == "计划总结"
    # The issuers differ (周巷镇 / 周巷镇人民政府), both labelled: the fuller
    # name wins whichever copy came first (issue 13: merged field by field, the
    # same record in either order).
    assert doc.issuer == "周巷镇人民政府"
    assert doc.field_sources["issuer"] == {"source": "b.txt", "how": "read"}
    if first == "a.txt":
        assert any(second in n and "补充" in n for n in doc.review_notes)
    assert any(second in n and "发布机构" in n for n in doc.review_notes)
    assert doc.needs_review  # the copies disagree


def test_a_changed_copy_does_not_replace_the_first(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PLAN.replace("\n", "\r\n"), encoding="utf-8")
    import_paths([tmp_path])
    (tmp_path / "b.txt").write_text(
        PLAN.replace("发布机构：周巷镇", "发布机构：别的镇"), encoding="utf-8"
    )
    import_paths([tmp_path / "b.txt"])
    doc = Document.objects.get()
    assert doc.issuer == "周巷镇" and doc.original == PLAN
    # …while a change to the first file still updates the record.
    (tmp_path / "a.txt").write_text(PLAN.replace("三改一拆", "五水共治"), "utf-8")
    summary = import_paths([tmp_path / "a.txt"])
    assert summary.count(Outcome.UPDATED) == 1
    doc.refresh_from_db()
    assert "三改一拆" not in doc.body


def test_ambiguous_township_is_left_empty_and_flagged(tmp_path: Path) -> None:
    # 周巷镇 is in Zhejiang (慈溪) and Hubei; nothing here says which.
    text = "发布机构：周巷镇\n周巷镇2022年工作计划\n一、总体要求。坚持稳中求进，推动全镇经济社会高质量发展，切实保障和改善民生。\n"
    (tmp_path / "x.txt").write_text(text, encoding="utf-8")
    import_paths([tmp_path])
    doc = Document.objects.get()
    assert doc.township == "" and doc.county == "" and doc.division_code == ""
    assert doc.needs_review
    assert any("周巷镇" in note for note in doc.review_notes)


def test_notes_beside_the_data_are_not_documents(tmp_path: Path) -> None:
    folder = tmp_path / "collection"
    folder.mkdir()
    plan = (
        "周巷镇2024年工作计划\n全镇上下要坚持稳中求进工作总基调，奋力推进共同富裕。\n"
    )
    (folder / "plan.txt").write_text(plan, encoding="utf-8")
    note = "# 来源说明\n本目录的文件复制自某县政务公开网站，未作改动。\n"
    for name in ("SOURCE.md", "readme.txt", "License", "CHANGELOG.md"):
        (folder / name).write_text(note, encoding="utf-8")
    summary = import_paths([folder])
    assert [Path(r.locator).name for r in summary.results] == ["plan.txt"]
    assert Document.objects.count() == 1
    # A note named on the command line is still tried.
    assert import_paths([folder / "SOURCE.md"]).results
