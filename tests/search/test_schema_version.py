"""SCHEMA_VERSION and needs_rebuild(): an index of other analysis is rebuilt, not read."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from search import analyzers
from search.analyzers import (
    bigram_arrays,
    boundary_analyzer,
    char_analyzer,
    char_counts,
    exact_analyzer,
    jieba_analyzer,
    query_grams,
    variant_analyzer,
    variant_arrays,
    word_counts,
)
from search.engine.schema import SCHEMA_VERSION, VERSION_FILE
from search.normalise import Form, fold
from search.services import index_documents, index_status
from tests.search.conftest import make_document

# The analyzers' output on TEXT for each schema version. When a change to
# folding, jieba's dictionary, the bigram or character analysis or the
# posting values makes this test fail, bump SCHEMA_VERSION
# (search/engine/schema.py) and add the new fingerprint under it: every index
# written before is then rebuilt (check_index --fix) instead of being misread.
FINGERPRINTS = {
    1: "6eb7102871171ffa0e5928446ab72bc9550dea84f01ec085a4aba5cdb251deba",
    # Traditional characters and full-width digits and letters folded; the
    # variants field; the sentence and paragraph ends; each searchable
    # metadata field's grams, folded and exact; TEXT gained traditional and
    # full-width characters.
    2: "06c48dbb837d05ee5ce1468f5c1a9bb898d7188d1330878c24427fb3f80b0b2b",
    # The availability field (issue 18); the analyzers' output is unchanged.
    3: "06c48dbb837d05ee5ce1468f5c1a9bb898d7188d1330878c24427fb3f80b0b2b",
    # Packed posting lists (issue 19); the analyzers' output is unchanged.
    4: "06c48dbb837d05ee5ce1468f5c1a9bb898d7188d1330878c24427fb3f80b0b2b",
}
TEXT = (
    "“十四五”规划：推进乡村振兴，发展中小微企业；ＡＢＣ abc 2025年GDP增长5.5%。\n"
    "城镇建设　美丽乡村 桃源乡 人民政府 １９５４年憲法草案（鄉鎮）"
)


def analysis_output(text: str) -> dict:
    """Everything the index stores for ``text``, as the writer and queries cut it."""
    folded = fold(text)
    keys, counts, offsets = bigram_arrays(folded)
    variant_keys, variant_counts, variant_offsets = variant_arrays(text)
    char_keys, char_totals = char_counts(folded)
    return {
        "fold": folded,
        "jieba": [
            (t.text, t.pos, t.startchar, t.endchar)
            for t in jieba_analyzer()(text, positions=True, chars=True, mode="index")
        ],
        "jieba_query": [t.text for t in jieba_analyzer()(text, mode="query")],
        "bigrams": [(t.text, t.pos) for t in exact_analyzer()(text, positions=True)],
        "chars": [(t.text, t.pos) for t in char_analyzer()(text, positions=True)],
        "bigram_arrays": [keys.tolist(), counts.tolist(), offsets.hex()],
        "char_counts": [char_keys.tolist(), char_totals.tolist()],
        "variants": [(t.text, t.pos) for t in variant_analyzer()(text, positions=True)],
        "variant_arrays": [
            variant_keys.tolist(),
            variant_counts.tolist(),
            variant_offsets.hex(),
        ],
        "word_counts": sorted(word_counts(text).items()),
        "query_grams": query_grams(fold("乡村振兴ABC")),
        # Version 2: the sentence and paragraph ends (proximity).
        "bounds": [(t.text, t.pos) for t in boundary_analyzer()(text, positions=True)],
        # Version 2: the metadata fields' grams in the exact form (field search).
        "bigrams_exact_form": [
            (t.text, t.pos) for t in exact_analyzer(Form.EXACT)(text, positions=True)
        ],
        "chars_exact_form": [
            (t.text, t.pos) for t in char_analyzer(Form.EXACT)(text, positions=True)
        ],
    }


def fingerprint(text: str = TEXT) -> str:
    encoded = json.dumps(analysis_output(text), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(encoded.encode()).hexdigest()


def test_the_analyzers_output_is_the_one_pinned_to_the_schema_version() -> None:
    assert FINGERPRINTS.get(SCHEMA_VERSION) == fingerprint(), (
        "the analyzers' output changed: bump SCHEMA_VERSION in "
        "search/engine/schema.py and pin the new fingerprint under it"
    )


def test_a_change_in_an_analyzers_output_changes_the_fingerprint(monkeypatch) -> None:
    before = fingerprint()
    # e.g. folding full-width letters too, which would change every bigram.
    monkeypatch.setattr(analyzers, "fold", lambda text, form=None: text.upper())
    assert fingerprint() != before


@pytest.mark.django_db
@pytest.mark.search
def test_an_index_of_another_version_needs_a_rebuild(search_index) -> None:
    doc = make_document("版本", "乡村振兴")
    index_documents([doc.pk])
    folder = Path(search_index.path)
    assert (folder / VERSION_FILE).read_text().strip() == str(SCHEMA_VERSION)
    assert not search_index.needs_rebuild() and index_status().ok
    (folder / VERSION_FILE).write_text(str(SCHEMA_VERSION - 1))
    search_index.setup()  # as a process started by the new code
    assert search_index.needs_rebuild() and index_status().outdated
    assert Client().get("/search/", {"q": "乡村振兴"}).status_code == 503
    (folder / VERSION_FILE).write_text("garbled")
    assert search_index.needs_rebuild()
    (folder / VERSION_FILE).unlink()  # written before versions were recorded
    assert search_index.needs_rebuild() == (SCHEMA_VERSION != 1)
    (folder / VERSION_FILE).write_text(str(SCHEMA_VERSION + 1))
    call_command("check_index", "--fix", stdout=StringIO())
    assert not search_index.needs_rebuild() and index_status().ok
    assert Client().get("/search/", {"q": "乡村振兴"}).status_code == 200
