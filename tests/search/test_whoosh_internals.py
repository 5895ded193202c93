"""search/engine/whoosh_internals.py: the one module that uses Whoosh's private API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
