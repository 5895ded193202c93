"""jieba set-up: quiet, cached in the var dir, dictionaries loaded, true offsets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from search.tokenizer import cut_for_search, get_segmenter, get_tokenizer, policy_terms

ROOT = Path(__file__).resolve().parents[2]
TEXT = "周巷镇推进“最多跑一次”改革，开展亩均论英雄、三改一拆和五水共治，建设美丽城镇。"


def test_policy_dictionary_has_real_terms():
    terms = policy_terms()
    assert len(terms) >= 50
    assert len(set(terms)) == len(terms)
    for term in ("最多跑一次", "亩均论英雄", "美丽城镇", "小微企业", "乡村振兴"):
        assert term in terms


@pytest.mark.parametrize("term", ["最多跑一次", "亩均论英雄", "三改一拆", "五水共治"])
def test_policy_terms_are_single_words(term):
    words = [t.text for t in cut_for_search(f"全面推进{term}工作")]
    assert term in words


def test_offsets_point_at_the_token_text():
    for token in cut_for_search(TEXT):
        assert TEXT[token.start : token.end] == token.text


def test_positions_are_word_numbers_not_char_offsets():
    tokens = cut_for_search(TEXT)
    positions = sorted({t.position for t in tokens})
    assert positions == list(range(len(positions)))
    # Sub-words share the number of the word they are part of.
    whole = {t.text: t.position for t in tokens}
    assert whole["美丽"] == whole["美丽城镇"] == whole["城镇"]


def test_whitespace_and_punctuation_are_not_tokens():
    assert all(t.text.strip("，。、“” \n") for t in cut_for_search(TEXT + "\n\n"))


def test_cache_lives_in_the_var_directory():
    tokenizer = get_tokenizer()
    assert Path(tokenizer.tmp_dir) == Path(settings.JIEBA_CACHE_DIR)
    assert (Path(settings.JIEBA_CACHE_DIR) / "jieba.cache").exists()


def test_first_use_prints_nothing(tmp_path):
    """jieba writes 'Building prefix dict…' to stderr unless told not to."""
    code = (
        "import django; django.setup();"
        "from search.tokenizer import cut_for_search; cut_for_search('乡村振兴')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "plansite.settings.test",
            "PLANSITE_VAR_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "prefix dict" not in result.stderr
    assert (tmp_path / "cache" / "jieba.cache").exists()


def test_gazetteer_names_are_words():
    loader = pytest.importorskip("documents.gazetteer.loader")
    names = list(loader.default_gazetteer().dictionary_names())
    assert names
    tokenizer = get_tokenizer()
    assert all(tokenizer.FREQ.get(name) for name in names[:: max(1, len(names) // 50)])


TRICKY = [
    "2020-2022年三年行动，1-10月完成5.5%，增长10.5个百分点",
    "免费Wi-Fi覆盖；R&D经费；C++与C#；PM2.5浓度；a_b_c；#1号",
    "索引号：LH331082-074/2021-108413 https://www.pingtan.gov.cn/zwgk/a_1.htm",
    "\r\n全角ＡＢＣ１２３，繁體中文與簡體，𠀀𠀁扩展字，㐀㐁中，﨑字，鿖鿗字，表情😀符号",
    "   多个  空格\t制表\n换行　全角空格",
    "",
]


def test_fast_segmenter_cuts_exactly_as_jieba(seeds_dir, corpus_dir):
    """rjieba does the bulk work only where it gives jieba's own tokens."""
    from tests.search.conftest import sample_texts

    segmenter = get_segmenter()
    assert segmenter.fast is not None, "rjieba is in requirements.txt"
    texts = [f"{t}\n{b}" for t, b in sample_texts(seeds_dir, corpus_dir)] + TRICKY
    tokens = 0
    for text in texts:
        want = list(segmenter.reference.cut(text, HMM=True))
        assert segmenter.cut(text) == want
        tokens += len(want)
    assert tokens > 500_000


def test_word_counts_are_the_folded_search_tokens_cache_cold_or_warm(
    seeds_dir, corpus_dir
):
    """The ranking field's counts, worked out per distinct word and kept,
    are the counts of cut_for_search's tokens, each folded."""
    from collections import Counter

    from search.analyzers import word_counts
    from search.normalise import fold
    from tests.search.conftest import sample_texts

    texts = [f"{t}\n{b}" for t, b in sample_texts(seeds_dir, corpus_dir)] + TRICKY
    texts += ["全角ＡＢＣ１２３ GDP 繁體與簡體 乡村振兴", "Ｗi-Fi 國內生產總值 gdp"]
    get_segmenter().terms.clear()
    for _ in range(2):
        for text in texts:
            want = Counter(fold(t.text) for t in cut_for_search(text))
            assert word_counts(text) == want
