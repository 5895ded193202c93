"""Chrome in the bodies of record files (a CSV's full_text scraped from a page)."""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import pytest

from documents.ingest.page_furniture import furniture
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.ingest.template import (
    EMPTY,
    Template,
    finish_body,
    split_zones,
    zone_keys,
)
from documents.models import Document, SourceTemplate

REPORTS = "national-reports/government_work_reports.jsonl"
PROVINCES = ["河北省", "吉林省", "江苏省", "河南省", "天津市", "西藏自治区", "北京市"]


def _paragraphs(corpus_dir: Path, count: int) -> list[list[str]]:
    """Real sentences of ``count`` work reports, five each."""
    texts = []
    for line in (corpus_dir / REPORTS).read_text(encoding="utf-8").splitlines():
        content = json.loads(line)["content"]
        sentences = [
            p.strip()
            for p in content.split("\n")
            if p.strip().endswith("。") and 40 <= len(p.strip()) <= 400
        ]
        if len(sentences) >= 5:
            texts.append(sentences[:5])
        if len(texts) == count:
            return texts
    raise AssertionError("not enough reports in the corpus")


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(
        chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(low, high))
    )


def _write_csv(path: Path, row: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)


def _report(province: str, sentences: list[str], head: list[str]) -> list[str]:
    return [
        *head,
        f"2026年{province}政府工作报告",
        f"——2026年1月27日在{province}第十四届人民代表大会第四次会议上",
        "各位代表：",
        *sentences,
    ]


def test_a_toolbar_label_ending_in_a_colon_does_not_start_the_text() -> None:
    paragraphs = [
        "下载",
        "【字号：",
        "加大",
        "还原",
        "减小",
        "】",
        "2026年吉林省政府工作报告",
        "各位代表：",
        "现在，我代表省政府，向大会报告工作，请予审议。",
    ]
    zones = split_zones(paragraphs)
    assert zones.head == paragraphs[:7]
    assert zones.core == paragraphs[7:]


def test_furniture_is_found_by_shape_whatever_its_words() -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    column = _word(rng, 2, 6)
    crumbs = [_word(rng, 2, 6), ">", _word(rng, 2, 6), "›", column]
    toolbar = [f"【{_word(rng, 2, 2)}：", *(_word(rng, 1, 2) for _ in range(3)), "】"]
    kept = [
        "2026年政府工作报告",
        "——2026年1月28日在云南省第十四届人民代表大会第四次会议上",
        "省长 王予波",
    ]
    head = [*crumbs, column, kept[0], *toolbar, *kept[1:]]
    found = furniture(head)
    assert [line for i, line in enumerate(head) if i not in found] == kept


def test_short_lines_that_are_not_a_column_of_buttons_are_kept() -> None:
    # Two short lines (a speaker's post and name) are no toolbar; a ">" with
    # a sentence beside it is no breadcrumb (the wordless ">" alone goes).
    head = ["省长", "胡玉亭", "2025年 > 2024年增长情况如下。", ">", "说明"]
    assert furniture(head) == {3}


@pytest.mark.django_db
def test_a_sites_toolbar_in_one_record_csv_files_is_learned_and_cut(
    tmp_path: Path, corpus_dir: Path
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    folder = tmp_path / "reports"
    folder.mkdir()
    # The site's toolbar, in words no list knows, one item a line.
    toolbar = [
        *(_word(rng, 2, 2) for _ in range(2)),
        f"【{_word(rng, 2, 2)}：",
        *(_word(rng, 2, 2) for _ in range(3)),
        "】",
    ]
    paper = _word(rng, 2, 3) + "日报"
    kept = {}
    for n, (province, sentences) in enumerate(
        zip(PROVINCES[:6], _paragraphs(corpus_dir, 6), strict=True)
    ):
        head = [*toolbar, f"来源：{province[:2]}{paper}", f"时间：2026-02-0{n + 1}"]
        body = [*_report(province, sentences, head[:-2]), "相关报道："]
        body[len(toolbar) + 2 : len(toolbar) + 2] = head[-2:]
        _write_csv(
            folder / f"2026_{province}_政府工作报告.csv",
            {
                "province": province,
                "year": "2026",
                "title": f"2026年{province}政府工作报告",
                "source_url": f"https://lib.example.cn/goto/{n}",
                "publish_date": f"2026-02-0{n + 1}",
                "full_text": "\n".join(body),
            },
        )
        kept[province] = (sentences, head)

    summary = import_paths([folder])

    assert summary.count(Outcome.IMPORTED) == 6, f"seed {seed}"
    assert SourceTemplate.objects.get(source_key="host:lib.example.cn").documents == 6
    for province, (sentences, head) in kept.items():
        lines = Document.objects.get(province=province).body.split("\n")
        for line in head:
            assert line not in lines, f"seed {seed}: {line!r} left"
        assert "各位代表：" in lines
        for sentence in sentences:
            assert sentence in lines, f"seed {seed}: lost {sentence[:20]!r}"


@pytest.mark.django_db
def test_a_source_of_one_record_loses_its_breadcrumb_and_toolbar(
    tmp_path: Path, corpus_dir: Path
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    column = _word(rng, 4, 4)
    chrome = [
        _word(rng, 2, 2),
        ">",
        column,
        column,
        f"【{_word(rng, 2, 2)}：",
        *(_word(rng, 1, 1) for _ in range(3)),
        "】",
    ]
    (sentences,) = _paragraphs(corpus_dir, 1)
    body = _report("云南省", sentences, chrome)
    path = tmp_path / "yn.csv"
    _write_csv(
        path,
        {
            "title": "2026年云南省政府工作报告",
            "source_url": "https://www.yn.example.cn/ywdt/202602/t20260203_1.html",
            "full_text": "\n".join(body),
        },
    )

    import_paths([path])

    lines = Document.objects.get().body.split("\n")
    for line in chrome:
        assert line not in lines, f"seed {seed}: {line!r} left in {lines[:6]}"
    assert lines[:3] == body[len(chrome) + 1 : len(chrome) + 4]
    for sentence in sentences:
        assert sentence in lines, f"seed {seed}: lost {sentence[:20]!r}"


def test_wordless_lines_around_the_text_are_dropped_and_inside_kept() -> None:
    body = "\n".join(
        [
            "|",
            "各位代表：",
            "全省地区生产总值增长5.5%。",
            "——",
            "一般公共预算收入增长3%。",
            "相关文档：",
            "×",
        ]
    )
    cleaned, _zones = finish_body(body, title="", template=EMPTY)
    # A rule between two paragraphs is the text's own; a close button is not.
    assert cleaned.split("\n") == body.split("\n")[1:6]


@pytest.mark.django_db
def test_a_folder_is_a_source_beside_the_hosts_of_its_records(
    tmp_path: Path, corpus_dir: Path
) -> None:
    # Ten one-record CSV files: eight pages of one site, two of two others. The
    # scraper's lines ("来源：…日报", "相关报道：") are in all ten; a host of one
    # document learns nothing alone, its folder does.
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    folder = tmp_path / "reports"
    folder.mkdir()
    toolbar = [_word(rng, 2, 2) for _ in range(2)]
    provinces = [f"{_word(rng, 2, 3)}省" for _ in range(10)]
    for n, (province, sentences) in enumerate(
        zip(provinces, _paragraphs(corpus_dir, 10), strict=True)
    ):
        host = "lib.example.cn" if n < 8 else f"www.site{n}.example.cn"
        source = f"来源：{_word(rng, 2, 3)}日报"
        body = _report(province, sentences, toolbar if n < 8 else [])
        body[-6:-6] = [source]
        _write_csv(
            folder / f"report_{n}.csv",
            {
                "title": f"2026年{province}政府工作报告",
                "source_url": f"https://{host}/a/{n}.html",
                "full_text": "\n".join([*body, "相关报道："]),
            },
        )

    import_paths([folder])

    stored = SourceTemplate.objects.get(source_key__startswith="dir:")
    assert stored.documents == 10
    for document in Document.objects.all():
        lines = document.body.split("\n")
        assert not [line for line in lines if line.startswith("来源：")], seed
        assert "相关报道：" not in lines, seed
        assert not set(toolbar) & set(lines), seed
        assert "各位代表：" in lines, seed


@pytest.mark.django_db
def test_records_of_other_hosts_clean_a_folders_older_records_again(
    tmp_path: Path, corpus_dir: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    texts = _paragraphs(corpus_dir, 6)

    def write(n: int, host: str) -> None:
        body = _report(PROVINCES[n], texts[n], [])
        body[-6:-6] = [f"来源：{PROVINCES[n][:2]}日报"]
        _write_csv(
            folder / f"report_{n}.csv",
            {
                "title": f"2026年{PROVINCES[n]}政府工作报告",
                "source_url": f"https://{host}/a/{n}.html",
                "full_text": "\n".join(body),
            },
        )

    for n in range(4):
        write(n, "lib.example.cn")
    import_paths([folder])
    # Four documents teach nothing: the 来源 lines stay.
    assert all("\n来源：" in d.body for d in Document.objects.all())

    for n in (4, 5):
        write(n, f"www.site{n}.example.cn")
    summary = import_paths([folder])

    assert summary.count(Outcome.UNCHANGED) == 4
    assert len(summary.recleaned) == 6
    assert not any("\n来源：" in d.body for d in Document.objects.all())
    snapshot = list(Document.objects.order_by("pk").values())
    summary = import_paths([folder])
    assert summary.recleaned == [] and summary.changed_ids == []
    assert list(Document.objects.order_by("pk").values()) == snapshot


def test_a_label_and_its_value_on_two_lines_are_one_template_line() -> None:
    head = ["来源：", "陕西省人民政府", "时间：", "2026-02-02"]
    # The same keys as a page that prints "来源：陕西日报" and "时间：2026-02-01".
    assert zone_keys(head, []) == zone_keys(["来源：陕西日报", "时间：2026-02-01"], [])
    body = "\n".join(
        [
            *head,
            "省长赵刚作政府工作报告",
            "各位代表：",
            "现在，我代表省人民政府向大会报告工作，请予审议。",
        ]
    )
    template = Template(frozenset({"来源：*"}))
    cleaned, _zones = finish_body(body, title="", template=template)
    # The value goes with its label although it names an organ.
    assert cleaned.split("\n") == body.split("\n")[2:]
