"""Each source's page template is learned from its documents and cut from bodies."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from string import Template as StringTemplate

import pytest

from documents.ingest.paragraphs import clean_body
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.ingest.template import (
    EMPTY,
    MIN_DOCUMENTS,
    Template,
    finish_body,
    learn,
    line_key,
    reclean,
    split_zones,
    zone_keys,
)
from documents.models import Document, SourceTemplate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chrome"
REPORTS = "national-reports/government_work_reports.jsonl"


def _report_paragraphs(corpus_dir: Path, count: int) -> list[list[str]]:
    """Real paragraphs (sentences, no headings) of ``count`` work reports."""
    texts = []
    lines = (corpus_dir / REPORTS).read_text(encoding="utf-8").splitlines()
    for line in lines:
        content = json.loads(line)["content"]
        paragraphs = [
            p.strip()
            for p in content.split("\n")
            if p.strip().endswith("。")
            and 40 <= len(p.strip()) <= 400
            # A line that starts with closing punctuation is the rest of a
            # hard-wrapped one (the wiki text has some), not a paragraph.
            and p.strip()[0] not in "，。、；：？！）》」』”’"
        ]
        if len(paragraphs) >= 12:
            texts.append(paragraphs)
        if len(texts) == count:
            break
    return texts


def _import(*paths: Path):  # noqa: ANN202
    return import_paths(list(paths))


# -- Keys and zones -------------------------------------------------------------


def test_line_key_masks_digits_and_label_values() -> None:
    assert line_key("浏览次数：123") == line_key("浏览次数：4567")
    assert line_key("责任编辑：张三") == line_key("责任编辑：李四")
    assert line_key("发布时间：2024-02-20 来源：青田县") == line_key(
        "发布时间：2023-11-02 来源：船寮镇"
    )
    assert line_key("责任编辑：张三") != line_key("审核：张三")
    # A sentence is compared as it is, whatever its colon.
    sentence = "今年的主要目标是：地区生产总值增长6%。"
    assert line_key(sentence) == sentence.replace("6", "#")


def test_zones_stop_at_the_text_and_the_signature() -> None:
    paragraphs = [
        "下载 全屏 字号 加大 还原 减小",
        "各位代表：",
        "现在，我代表镇人民政府，向大会报告政府工作，请予审议。",
        "一、主要目标",
        "全镇地区生产总值增长6%。",
        "东塍镇人民政府",
        "2023年1月12日",
        "责任编辑：张三",
        "相关报道",
        "东塍镇召开安全生产工作会议",
    ]
    zones = split_zones(paragraphs)
    assert zones.head == ["下载 全屏 字号 加大 还原 减小"]
    assert zones.core == paragraphs[1:7]
    assert zones.tail == ["责任编辑：张三", "相关报道", "东塍镇召开安全生产工作会议"]


def test_a_text_that_cannot_be_found_has_no_zones() -> None:
    # Short lines only (a list, a table without figures): nothing is cut.
    paragraphs = ["项目名称", "责任单位", "完成时限"]
    zones = split_zones(paragraphs)
    assert (zones.head, zones.tail) == ([], [])


def test_too_few_documents_learn_nothing() -> None:
    keys = [{"下载 全屏"}] * (MIN_DOCUMENTS - 1)
    template, total = learn(keys)
    assert template == EMPTY and total == MIN_DOCUMENTS - 1
    template, _ = learn([{"下载 全屏"}] * MIN_DOCUMENTS)
    assert template.lines == {"下载 全屏"}


def test_a_line_in_a_minority_of_documents_is_not_template() -> None:
    documents = [{"国务院总理 李克强", "下载"}] * 4 + [{"下载"}] * 6
    template, _ = learn(documents)
    assert template.lines == {"下载"}


def test_the_repeated_title_is_cut_from_the_head() -> None:
    body = "镇2024年工作计划\n各村（社区）：\n现将2024年工作计划印发给你们，请认真贯彻执行。"
    cleaned, _ = finish_body(body, title="镇2024年工作计划", template=EMPTY)
    assert cleaned.split("\n") == body.split("\n")[1:]


def test_signature_lines_are_never_learned() -> None:
    zones = split_zones(
        ["全镇实现地区生产总值增长6%。", "东塍镇人民政府", "2023年1月12日"]
    )
    assert zones.tail == []
    assert zone_keys(["东塍镇人民政府", "2023年1月12日"], []) == set()


def test_cleaning_again_follows_the_template_and_leaves_edited_bodies() -> None:
    body = "下载 全屏\n各位代表：\n全镇地区生产总值增长6%。\n责任编辑：张三\n相关报道\n某镇召开会议"
    first, zones = finish_body(body, title="", template=EMPTY)
    assert first == body
    template = Template(frozenset({"下载 全屏", "责任编辑：*", "相关报道"}))
    again, zones = reclean(first, zones, title="", template=template)
    assert again == "各位代表：\n全镇地区生产总值增长6%。"
    # Back to no template: the zones give every line back.
    assert reclean(again, zones, title="", template=EMPTY)[0] == body
    # A correction of the text by hand survives cleaning again…
    edited = again.replace("6%", "6.2%")
    assert "6.2%" in reclean(edited, zones, title="", template=EMPTY)[0]
    # …and a body whose kept zone lines were edited (here: deleted) is left.
    _body, zones = reclean(again, zones, title="", template=EMPTY)
    assert zones["kept"] == [[0], [0, 1, 2]]
    assert reclean(edited, zones, title="", template=template) is None


# -- A generated source whose template is random words ---------------------------


def _word(rng: random.Random, low: int = 2, high: int = 4) -> str:
    return "".join(
        chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(low, high))
    )


def _random_template(rng: random.Random) -> dict[str, object]:
    """A site's chrome made of random words: a fixed list cannot know them."""
    separator = rng.choice(["  ", " · ", " ／ ", "　"])
    return {
        "banner": _word(rng, 6, 10),
        "nav": separator.join(_word(rng) for _ in range(rng.randint(4, 7))),
        "crumbs": " » ".join(_word(rng) for _ in range(3)),
        "toolbar": " ".join(_word(rng, 2, 2) for _ in range(6)),
        "editor_label": _word(rng, 4, 4),
        "related": _word(rng, 4, 4),
        "footer": " ".join(_word(rng, 4, 8) for _ in range(3)),
        "counter": _word(rng, 4, 4),
    }


def _generated_page(
    rng: random.Random, chrome: dict[str, object], paragraphs: list[str], n: int
) -> tuple[str, list[str], list[str]]:
    """A scraped text page: (text, its template lines, its related titles)."""
    editor = f"{chrome['editor_label']}：{_word(rng, 2, 3)}"
    counter = f"{chrome['counter']}：{rng.randint(10, 99999)}"
    related = [_word(rng, 8, 18) for _ in range(rng.randint(2, 5))]
    head = [chrome["banner"], chrome["nav"], chrome["crumbs"], chrome["toolbar"]]
    tail = [editor, chrome["related"], *related, chrome["footer"], counter]
    lines = [
        *head,
        "各村（社区）、镇直各单位：",
        *paragraphs,
        "东塍镇人民政府",
        f"2023年{n % 12 + 1}月{n + 3}日",
        *tail,
    ]
    template_lines = [*head, editor, chrome["related"], chrome["footer"], counter]
    return "\n".join(str(line) for line in lines) + "\n", template_lines, related


@pytest.mark.django_db
def test_random_template_is_learned_and_cut(tmp_path: Path, corpus_dir: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    chrome = _random_template(rng)
    folder = tmp_path / "site"
    folder.mkdir()
    texts = _report_paragraphs(corpus_dir, 12)
    expected = {}
    for n, report in enumerate(texts):
        paragraphs = rng.sample(report, 6)
        text, template_lines, related = _generated_page(rng, chrome, paragraphs, n)
        path = folder / f"page_{n:02d}.txt"
        path.write_text(text, encoding="utf-8")
        expected[str(path.resolve())] = (paragraphs, template_lines, related)
        # The fixed chrome list alone keeps this template in the body.
        assert chrome["toolbar"] in clean_body(text.splitlines()).split("\n")

    summary = _import(folder)

    assert summary.count(Outcome.IMPORTED) == len(texts), f"seed {seed}"
    for result in summary.results:
        paragraphs, template_lines, related = expected[result.locator]
        body = Document.objects.get(pk=result.document_id).body.split("\n")
        for line in template_lines + related:
            assert line not in body, f"seed {seed}: {line!r} left in the body"
        for paragraph in ["各村（社区）、镇直各单位：", *paragraphs]:
            assert paragraph in body, f"seed {seed}: lost {paragraph[:20]!r}"
        assert body[-2:] == ["东塍镇人民政府", body[-1]], f"seed {seed}"
    stored = SourceTemplate.objects.get()
    assert stored.documents == len(texts)
    assert line_key(str(chrome["toolbar"])) in stored.lines


# -- 各位代表： stays: a line of the text is never template ---------------------------


@pytest.mark.django_db
def test_text_that_every_report_starts_with_is_kept(
    tmp_path: Path, corpus_dir: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for n, paragraphs in enumerate(_report_paragraphs(corpus_dir, 8)):
        text = "\n".join(
            [
                "打开 关闭 字大 字小",
                f"第{n + 1}次会议报告",
                "各位代表：",
                *paragraphs[:5],
            ]
        )
        (folder / f"report_{n}.txt").write_text(text, encoding="utf-8")

    _import(folder)

    bodies = [d.body.split("\n") for d in Document.objects.all()]
    assert len(bodies) == 8
    assert all("各位代表：" in body for body in bodies)
    assert not any("打开 关闭 字大 字小" in body for body in bodies)
    assert "各位代表：" not in SourceTemplate.objects.get().lines


# -- A county site's own toolbar, written from its pages --------------------------


def _toolbar_pages(folder: Path, corpus_dir: Path, count: int, start: int = 0) -> dict:
    page = StringTemplate((FIXTURES / "toolbar_page.html").read_text("utf-8"))
    editors = ["张三", "李四", "王五", "赵六", "陈晓燕", "刘洋", "周敏", "吴刚"]
    related_titles = [
        "船寮镇召开2024年安全生产工作会议",
        "我县开展春季森林防火专项检查",
        "温溪镇部署防汛防台工作",
        "县政府召开第十二次常务会议",
        "鹤城街道开展消防安全宣传活动",
        "仁庄镇推进农村生活污水治理",
    ]
    texts = _report_paragraphs(corpus_dir, start + count)[start:]
    kept = {}
    for n, paragraphs in enumerate(texts, start=start):
        title = f"青田县{2015 + n}年国民经济和社会发展计划执行情况"
        body = paragraphs[:5]
        related = related_titles[n % 3 : n % 3 + 3]
        html = page.substitute(
            title=title,
            date=f"{2015 + n}-03-0{n % 9 + 1}",
            date_cn=f"{2015 + n}年3月{n % 9 + 1}日",
            views=str(100 + 37 * n),
            editor=editors[n % len(editors)],
            paragraphs="\n".join(f"<p>{p}</p>" for p in body),
            related="\n".join(
                f'<li><a href="/n/{n}.html">{t}</a></li>' for t in related
            ),
        )
        path = folder / f"art_{n:02d}.html"
        path.write_text(html, encoding="utf-8")
        kept[str(path.resolve())] = (title, body, related)
    return kept


def _assert_clean(kept: dict) -> None:
    for locator, (title, body, related) in kept.items():
        document = Document.objects.get(sources__locator=locator)
        lines = document.body.split("\n")
        assert document.title == title
        for line in lines:
            assert not line.startswith(("下载", "相关报道", "责任编辑", "浏览次数")), (
                line,
                lines[-5:],
            )
        for link in related:
            assert link not in document.body
        assert title not in lines
        for paragraph in body:
            assert paragraph in lines
        assert lines[-2:] == ["青田县人民政府办公室", lines[-1]]
        assert lines[-1].startswith(str(document.title[3:7]))


@pytest.mark.django_db
def test_a_county_sites_own_toolbar_is_cut(tmp_path: Path, corpus_dir: Path) -> None:
    folder = tmp_path / "qingtian"
    folder.mkdir()
    kept = _toolbar_pages(folder, corpus_dir, 6)
    _import(folder)
    _assert_clean(kept)


# -- A template learned again cleans the source's older documents -----------------


@pytest.mark.django_db
def test_new_documents_clean_the_old_ones_and_a_rerun_changes_nothing(
    tmp_path: Path, corpus_dir: Path
) -> None:
    folder = tmp_path / "qingtian"
    folder.mkdir()
    first = _toolbar_pages(folder, corpus_dir, MIN_DOCUMENTS - 2)
    _import(folder)
    # Too few documents to learn from: the fixed list only, the toolbar stays.
    old = {d.pk: d.body for d in Document.objects.all()}
    assert all("下载 全屏 字号 加大 还原 减小" in body for body in old.values())
    assert SourceTemplate.objects.get().lines == []

    second = _toolbar_pages(folder, corpus_dir, 4, start=MIN_DOCUMENTS - 2)
    summary = _import(folder)

    _assert_clean({**first, **second})
    # The older documents were cleaned again in this import, and are indexed.
    assert summary.count(Outcome.UNCHANGED) == len(old)
    assert set(old) <= set(summary.recleaned)
    assert set(old) <= set(summary.changed_ids)
    digest = SourceTemplate.objects.get().digest
    assert set(Document.objects.values_list("template_digest", flat=True)) == {digest}
    snapshot = list(Document.objects.order_by("pk").values())

    # Unchanged files again: no update, nothing cleaned, nothing indexed.
    summary = _import(folder)
    assert summary.count(Outcome.UNCHANGED) == len(first) + len(second)
    assert summary.recleaned == [] and summary.changed_ids == []
    assert list(Document.objects.order_by("pk").values()) == snapshot


@pytest.mark.django_db
def test_a_kill_before_learning_is_finished_by_the_next_run(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "qingtian"
    folder.mkdir()
    kept = _toolbar_pages(folder, corpus_dir, 6)
    with monkeypatch.context() as patch:
        # As a kill leaves it: every document stored, no template learned yet.
        patch.setattr("documents.ingest.pipeline.relearn_templates", lambda: [])
        _import(folder)
    assert set(Document.objects.values_list("template_digest", flat=True)) == {""}
    assert not SourceTemplate.objects.exists()

    summary = _import(folder)

    assert summary.count(Outcome.UNCHANGED) == len(kept)
    assert sorted(summary.recleaned) == sorted(
        Document.objects.values_list("pk", flat=True)
    )
    _assert_clean(kept)


@pytest.mark.django_db
def test_files_read_again_under_the_same_template_change_nothing(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "qingtian"
    folder.mkdir()
    kept = _toolbar_pages(folder, corpus_dir, 6)
    _import(folder)
    snapshot = list(Document.objects.order_by("pk").values())
    # A new pipeline version reads every file again.
    monkeypatch.setattr("documents.ingest.pipeline.PIPELINE_VERSION", "test-bump")

    summary = _import(folder)

    assert summary.count(Outcome.UNCHANGED) == len(kept)
    assert summary.changed_ids == []
    assert list(Document.objects.order_by("pk").values()) == snapshot


# -- Unknown HTML templates --------------------------------------------------------


def test_a_page_without_a_known_container_gets_its_main_text() -> None:
    from documents.ingest.extract.html_page import extract_html

    record = extract_html((FIXTURES / "no_container.html").read_text("utf-8"))
    lines = record.body.split("\n")
    assert lines[0:2] == ["下载 全屏 字号 加大 还原 减小", "各村（社区）、镇直各单位："]
    assert "一、提高思想认识" in lines and "二、加强火源管控" in lines
    assert lines[-2:] == ["船寮镇人民政府", "2024年2月20日"]
    # Navigation and the related list are not text.
    for chrome in ("互动交流", "相关报道", "我镇开展消防安全检查", "ICP"):
        assert chrome not in record.body


@pytest.mark.django_db
def test_seeds_keep_their_bodies(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(seeds_dir, folder)
    _import(folder)
    from documents.ingest.layouts import extract_records

    for document in Document.objects.all():
        (outcome,) = extract_records(document.original, filename="seed.txt")
        assert document.body == outcome.record.body
