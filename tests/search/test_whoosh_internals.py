"""search/engine/whoosh_internals.py: the one module that uses Whoosh's private API."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engine import whoosh_internals as internals
from search.services import index_documents
from tests.search.conftest import make_document

ROOT = Path(__file__).resolve().parents[2]
# Private names of Whoosh objects that plansite relies on (see the module).
PRIVATE = {
    "_perdoc",
    "_terms",
    "_postfile",
    "_postwriter",
    "_blocklimit",
    "_finalize_segment",
    "_close_segment",
    "_commit_toc",
    "_finish",
    "_segments",
    "_read_toc",
    "_latest_generation",
    "_filename",
    "_terminfo",
    "_blockcount",
    "_fixedsize",
    "_startoffset",
}


def test_whoosh_is_the_version_the_internals_were_written_for() -> None:
    # Another Whoosh may rename any of them: read the module again, then move
    # this pin.
    assert internals.installed_version() == internals.WHOOSH_VERSION == (2, 7, 4)


def test_no_other_module_of_the_search_app_uses_them() -> None:
    users = set()
    for path in (ROOT / "search").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                users.add(path.relative_to(ROOT).as_posix())
    assert users == {"search/engine/whoosh_internals.py"}


def test_the_buffer_patch_is_applied_at_import() -> None:
    assert internals.buffer_patch_applied()


@pytest.mark.django_db
@pytest.mark.search
def test_each_accessor_reads_what_it_names(search_index) -> None:
    docs = [make_document(f"文档{i}", f"乡村振兴第{i}号") for i in range(3)]
    index_documents([d.pk for d in docs])
    index_documents([docs[0].pk])  # a second segment, one deletion in the first
    index = search_index.index.refresh()
    segments = internals.committed_segments(index)
    assert [s.segment_id() for s in segments] == [
        s.segment_id() for s in internals.toc_segments(index)
    ]
    assert sum(s.doc_count() for s in segments) == 3
    generation = internals.latest_generation(search_index.storage, "MAIN")
    assert generation == index.latest_generation()
    name = internals.toc_filename("MAIN", generation)
    assert (Path(search_index.path) / name).exists()
    searcher = search_index.searchers.current()[0]
    readers = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    deleted = [list(internals.deleted_docs(r)) for r in readers]
    assert sorted(len(d) for d in deleted) == [0, 1]
    for reader in readers:
        infos = list(internals.term_infos(reader))
        assert infos and all(key for key, _ in infos)
        assert internals.per_document_reader(reader).has_column("_text_len")
        magic = internals.posting_bytes(reader, 0, 4)
        assert magic == bytes(internals.postings_file(reader).get(0, 4))


# -- packed posting lists: written by the bulk writer, read by both readers ----

_OFFSET = st.integers(0, 70_000)  # past 65,535: four-byte offsets too
_POSTING = st.lists(_OFFSET, min_size=1, max_size=6, unique=True)
_TERM = st.dictionaries(st.integers(0, 40), _POSTING, min_size=1, max_size=8)
# The exact field's terms are pairs of characters, the chars field's single
# characters (the writer keys them by code point), the words any text.
_PAIRS = st.dictionaries(
    st.sampled_from(["乡村", "振兴", "ab", "zz", "高质"]), _TERM, min_size=1, max_size=4
)
_CHARS = st.dictionaries(st.sampled_from("乡村a高"), _TERM, min_size=1, max_size=4)
_WORDS = st.dictionaries(
    st.sampled_from(["乡村振兴", "村", "a", "高质量"]), _TERM, min_size=1, max_size=4
)


def _bulk_index(folder: Path, exact: dict, words: dict, chars: dict, boost: float):
    """An index written by BulkSegmentWriter from posting lists, not texts."""
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.util.numeric import pack_uint

    from search.analyzers import (
        BigramPositions,
        CharCounts,
        WordCounts,
        char_analyzer,
        exact_analyzer,
        jieba_analyzer,
    )
    from search.engine.writer import BulkSegmentWriter

    schema = Schema(
        exact=TEXT(analyzer=exact_analyzer(), phrase=False),
        text=TEXT(analyzer=jieba_analyzer(), phrase=False),
        chars=TEXT(analyzer=char_analyzer(), phrase=False),
    )
    schema["exact"].format = BigramPositions(field_boost=boost)
    schema["text"].format = WordCounts(field_boost=boost)
    schema["chars"].format = CharCounts(field_boost=boost)
    ix = FileStorage(str(folder)).create_index(schema)
    writer = BulkSegmentWriter(ix)
    for docnum in range(41):
        writer.add_document()
        for term, docs in exact.items():
            if docnum in docs:
                offsets = sorted(docs[docnum]) if docnum % 3 else docs[docnum]
                value = np.array(offsets, dtype="<u4").tobytes()
                writer.pool.add(
                    ("exact", term.encode(), docnum, len(offsets) * boost, value)
                )
        for term, docs in words.items():
            if docnum in docs:
                count = len(docs[docnum])
                writer.pool.add(
                    ("text", term.encode(), docnum, count * boost, pack_uint(count))
                )
        for term, docs in chars.items():
            if docnum in docs:
                count = len(docs[docnum])
                writer.pool.add(("chars", term.encode(), docnum, count * boost, b""))
    writer.commit()
    return ix


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(exact=_PAIRS, words=_WORDS, chars=_CHARS, boost=st.sampled_from([1.0, 2.0, 0.3]))
def test_packed_lists_read_back_by_ours_and_whoosh(
    tmp_path_factory, exact, words, chars, boost
) -> None:
    """Random posting lists through the bulk writer: our decoder and Whoosh's
    matcher give back the ids, weights and offsets (or counts) written."""
    from search.engine.postings import read_postings

    folder = tmp_path_factory.mktemp("packed")
    ix = _bulk_index(folder, exact, words, chars, boost)
    with ix.reader() as reader:
        for fieldname, lists in (("exact", exact), ("text", words), ("chars", chars)):
            assert {t.decode() for t in reader.lexicon(fieldname)} == set(lists)
            for term, docs in lists.items():
                tbytes = term.encode()
                ids = sorted(docs)
                counts = [len(docs[d]) for d in ids]
                weights = np.float32(np.array(counts) * boost).tolist()
                info = reader.term_info(fieldname, tbytes)
                assert info.doc_frequency() == len(ids)
                assert (info.min_id(), info.max_id()) == (ids[0], ids[-1])
                assert info.weight() == pytest.approx(sum(weights), rel=1e-6)
                assert info.max_weight() == pytest.approx(max(weights))
                offsets = fieldname == "exact"
                ours = read_postings(reader, fieldname, tbytes, with_values=offsets)
                assert ours.ids.tolist() == ids
                assert ours.weights.tolist() == weights
                matcher = reader.postings(fieldname, tbytes)
                seen = []
                while matcher.is_active():
                    seen.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                assert [(i, w) for i, w, _v in seen] == list(
                    zip(ids, weights, strict=True)
                )
                if offsets:
                    # Offsets as written (out of order in some documents).
                    want = [sorted(docs[d]) if d % 3 else docs[d] for d in ids]
                    got = [np.frombuffer(v, "<u4").tolist() for _i, _w, v in seen]
                    assert got == want
                    assert ours.positions.tolist() == [o for p in want for o in p]
                    assert ours.counts.tolist() == counts
                elif fieldname == "text":
                    assert [int.from_bytes(v, "big") for *_, v in seen] == counts
                else:
                    assert [v for *_, v in seen] == [None] * len(ids)
