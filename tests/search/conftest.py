"""Search fixtures: a fresh Whoosh index per test and documents from the samples."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from documents.models import Document
from search.engine.schema import INDEX_NAME


def make_document(title: str, body: str = "", **fields) -> Document:
    """A Document row with the required fields filled in."""
    fields.setdefault("original", body)
    digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    fields.setdefault("content_hash", digest)
    return Document.objects.create(title=title, body=body, **fields)


def sample_texts(seeds_dir: Path, corpus_dir: Path) -> list[tuple[str, str]]:
    """(title, body) for every seed, Pingtan page and national report."""
    texts = []
    for path in sorted(seeds_dir.glob("*.txt")):
        texts.append((path.stem, path.read_text(encoding="utf-8")))
    for path in sorted((corpus_dir / "pingtan").glob("*.txt")):
        texts.append((path.stem, path.read_text(encoding="utf-8")))
    for path in sorted((corpus_dir / "national-reports").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts.append((record["title"], record["content"]))
    return texts


def segment_sizes(backend) -> list[int]:  # noqa: ANN001
    """Live documents of each segment of the committed index, smallest first.

    Read with Whoosh's public API, from the index folder afresh.
    """
    index = FileStorage(backend.path).open_index(INDEX_NAME)
    with index.reader() as reader:
        return sorted(leaf.doc_count() for leaf, _ in reader.leaf_readers())
