"""The metadata bench's comparison rules and its label files (no import run)."""

from __future__ import annotations

import datetime
import functools
import html
import json
import re
from types import SimpleNamespace

import pytest

from bench import metadata_bench as mb

SHANGHAI = {"province": "上海市", "city": "上海市", "county": "闵行区"}


def doc(**kw):
    base = dict(
        title="",
        issuer="",
        index_no=None,
        doc_date=None,
        publish_date=None,
        plan_year=None,
        category="",
        province="",
        city="",
        county="",
        township="",
        body="",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_value_right_wrong_empty_and_invented():
    truth = {"value": "店口镇人民政府", "how": "stated", "also": ["店口镇"]}
    assert mb.compare_value(truth, "店口镇 人民政府", mb.squash) == mb.RIGHT
    assert mb.compare_value(truth, "店口镇", mb.squash) == mb.RIGHT
    assert mb.compare_value(truth, "诸暨市人民政府", mb.squash) == mb.WRONG
    assert mb.compare_value(truth, "", mb.squash) == mb.EMPTY
    absent = {"value": None, "how": "unstated"}
    assert mb.compare_value(absent, None) == mb.RIGHT
    assert mb.compare_value(absent, "2021-01-01") == mb.WRONG
    assert mb.compare_value({"value": None, "how": "unknown"}, "x") is None


def test_title_ignores_width_and_whitespace_but_not_words():
    truth = {"value": "关于印发《X镇办法（试行）》的通知", "how": "stated"}
    assert (
        mb.compare_value(truth, "关于印发《X镇办法(试行)》的 通知", mb.squash)
        == mb.RIGHT
    )
    assert mb.compare_value(truth, "关于印发《X镇办法》的通知", mb.squash) == mb.WRONG


def test_region_levels_partial_wrong_and_municipality():
    truth = {
        "value": {**SHANGHAI, "township": ["古美街道", "古美路街道"]},
        "how": "stated",
    }
    got = {
        "province": "上海市",
        "city": "",
        "county": "闵行区",
        "township": "古美路街道",
    }
    assert mb.compare_region(truth, got) == mb.RIGHT
    coarser = {"province": "上海市", "city": "上海市", "county": "闵行区"}
    assert mb.compare_region(truth, coarser) == mb.PARTIAL
    other = {
        "province": "上海市",
        "city": "上海市",
        "county": "闵行区",
        "township": "七宝镇",
    }
    assert mb.compare_region(truth, other) == mb.WRONG
    assert mb.compare_region(truth, {}) == mb.EMPTY
    province_only = {"value": {"province": "河北省"}, "how": "stated"}
    below = {"province": "河北省", "city": "保定市", "county": "雄县"}
    assert mb.compare_region(province_only, below) == mb.WRONG
    national = {"value": None, "how": "unstated"}
    assert mb.compare_region(national, {}) == mb.RIGHT
    assert mb.compare_region(national, {"province": "北京市"}) == mb.WRONG


def test_level_from_region_when_the_model_has_no_level():
    truth = {"value": "township", "department": False, "how": "stated"}
    level, dept, derived = mb.importer_level(
        doc(province="浙江省", county="诸暨市", township="店口镇")
    )
    assert (level, dept, derived) == ("township", None, True)
    own = doc(province="河北省", level="province", is_department=False)
    assert mb.importer_level(own) == ("province", False, False)
    assert mb.compare_level(truth, level, dept) == mb.RIGHT
    assert mb.compare_level(truth, "county", None) == mb.WRONG
    assert mb.compare_level(truth, "township", True) == mb.WRONG
    assert mb.compare_level(truth, "", None) == mb.EMPTY


def test_level_from_the_models_own_field_when_it_has_one():
    truth = {"value": "county", "department": True, "how": "unstated"}
    pingtan = dict(province="福建省", city="福州市", county="平潭县")
    # The model's level field is read, not the region: a blank one is empty.
    unset = doc(**pingtan, level="", issuer_is_department=False)
    assert mb.importer_level(unset) == ("", False, False)
    assert mb.compare_level(truth, *mb.importer_level(unset)[:2]) == mb.EMPTY
    bureau = doc(**pingtan, level="county", issuer_is_department=True)
    assert mb.compare_level(truth, *mb.importer_level(bureau)[:2]) == mb.RIGHT
    office = doc(**pingtan, level="county", issuer_is_department=False)
    assert mb.compare_level(truth, *mb.importer_level(office)[:2]) == mb.WRONG


def test_level_fields_follow_the_document_model():
    from documents.models import Document

    names = {f.name for f in Document._meta.get_fields()}
    level, department = mb.level_fields(Document)
    assert (level is not None) == ("level" in names)
    assert department is None or department in names
    source = mb.level_source()
    assert source.startswith("Document.level" if level else "derived")


def test_document_tally_counts_each_outcome():
    label = json.loads(
        json.dumps(
            {
                "title": {"value": "店口镇2020年度政府工作报告", "how": "unstated"},
                "issuer": {"value": "店口镇人民政府", "how": "stated"},
                "level": {"value": "township", "department": False, "how": "stated"},
                "region": {
                    "value": {
                        "province": "浙江省",
                        "city": "绍兴市",
                        "county": "诸暨市",
                        "township": "店口镇",
                    },
                    "how": "stated",
                },
                "index_no": {"value": "001008006002071/2020-144703", "how": "stated"},
                "doc_date": {"value": "2020-11-04", "how": "stated"},
                "publish_date": {"value": None, "how": "unstated"},
                "plan_year": {"value": 2020, "how": "unstated"},
                "category": {"value": "综合政务/政府工作", "how": "stated"},
            }
        )
    )
    got = doc(
        title="店口镇2020年度政府工作报告",
        issuer="",
        index_no="001008006002071/2020-144703",
        doc_date=datetime.date(2020, 11, 5),
        plan_year=2020,
        category="综合政务/政府工作",
        province="浙江省",
        city="绍兴市",
        county="诸暨市",
    )
    outcome = mb.compare_document(label, got)
    assert outcome == {
        "title": "right",
        "issuer": "empty",
        "level": "empty",
        "region": "partial",
        "index_no": "right",
        "doc_date": "wrong",
        "publish_date": "right",
        "plan_year": "right",
        "category": "right",
    }
    results = [
        {
            "holdout": False,
            "outcome": outcome,
            "how": {f: label[f]["how"] for f in mb.FIELDS},
        }
    ]
    table = mb.tally(results)
    stated = table["ALL"]["tune"]["stated"].counts
    assert (stated["right"], stated["wrong"], stated["empty"], stated["partial"]) == (
        2,
        1,
        2,
        1,
    )
    unstated = table["ALL"]["tune"]["unstated"].counts
    assert unstated["right"] == 3 and unstated["wrong"] == 0


def test_chrome_and_sentences_in_a_body():
    body = (
        "下载\n打印\n各位代表：\n现在，我代表省人民政府\n向大会报告工作。\n相关报道："
    )
    assert mb.chrome_in_body(body, ["下载", "收藏", "相关报道："]) == [
        "下载",
        "相关报道：",
    ]
    # a short entry counts only as a whole line, not inside running text
    assert mb.chrome_in_body("请下载附件。", ["下载"]) == []
    assert mb.lost_sentences(body, ["现在，我代表省人民政府向大会报告工作。"]) == []
    assert mb.lost_sentences(body, ["请予审议。"]) == ["请予审议。"]


LABELS = mb.load_labels()
SHARED = mb.default_shared()


def test_label_set_size_sources_levels_and_holdout():
    assert len(LABELS) >= 120
    sources = {lab["source"] for lab in LABELS}
    assert len(sources) >= 4
    levels = {lab["level"]["value"] for lab in LABELS}
    assert {"national", "province", "county", "township"} <= levels
    ids = [lab["id"] for lab in LABELS]
    assert len(ids) == len(set(ids))
    batches = {(lab["source"], lab.get("batch", 1)) for lab in LABELS}
    for source, batch in batches:
        mine = [
            lab
            for lab in LABELS
            if lab["source"] == source and lab.get("batch", 1) == batch
        ]
        expected = mb.holdout_ids([lab["id"] for lab in mine], source, batch)
        assert {lab["id"] for lab in mine if lab["holdout"]} == expected
    assert 0.2 <= sum(lab["holdout"] for lab in LABELS) / len(LABELS) <= 0.3


def test_a_later_batch_never_redraws_the_first():
    first = [f"s/{n}" for n in range(8)]
    drawn = mb.holdout_ids(first, "s")
    assert drawn == mb.holdout_ids(list(reversed(first)), "s")
    later = mb.holdout_ids([f"s/{n}" for n in range(8, 16)], "s", 2)
    assert len(drawn) == len(later) == 2 and not drawn & later


@functools.cache
def squashed_source(path: str, record: str | None) -> str:
    """The text a label's sentences come from: the file, or its JSON-lines record."""
    text = mb.resolve(path, SHARED).read_text(encoding="utf-8")
    if path.endswith((".html", ".htm")):
        # A page's text: tags split its sentences (one word per <span>).
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    if record and record.startswith("L"):
        line = text.splitlines()[int(record[1:]) - 1]
        text = "\n".join(str(v) for v in json.loads(line).values())
    return mb.squash(text)


@pytest.mark.parametrize("label", LABELS, ids=lambda lab: lab["id"])
def test_every_label_parses_and_points_at_a_file(label):
    for field in mb.FIELDS:
        assert label[field]["how"] in ("stated", "unstated", "unknown"), field
    assert 1 <= len(label["sentences"]) <= 4
    paths = [(label["path"], label.get("record"))]
    paths += [(a["path"], a.get("record")) for a in label.get("also", [])]
    for path, _record in paths:
        file = mb.resolve(path, SHARED)
        if path.startswith("shared/") and not file.exists():
            pytest.skip(f"shared data not here: {file}")
        assert file.is_file(), file
    source = squashed_source(label["path"], label.get("record"))
    for sentence in label["sentences"]:
        assert mb.squash(sentence) in source, sentence
    for entry in label["chrome"]:
        assert mb.squash(entry) in source, entry


def test_locator_matches_the_importers_suffixes(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.jsonl").write_text("{}\n", encoding="utf-8")
    got = mb.locator("shared/corpus/a.jsonl", "L1", tmp_path)
    assert got == f"{(tmp_path / 'corpus' / 'a.jsonl').resolve()}#L1"
    assert mb.locator("bench/metadata/README.md", None, tmp_path) == str(
        (mb.ROOT / "bench/metadata/README.md").resolve()
    )
