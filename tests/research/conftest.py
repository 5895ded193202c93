"""An indexed archive of the seeds and the Pingtan pages, and substring scans."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from documents.models import Document
from search.normalise import fold
from tests.conftest import committed_archive


@pytest.fixture(scope="package")
def archive(
    django_db_setup,
    django_db_blocker,
    tmp_path_factory: pytest.TempPathFactory,
    seeds_dir: Path,
    corpus_dir: Path,
) -> Iterator[None]:
    """The seeds and the Pingtan pages, imported and indexed once for this package.

    Every test here only reads, so one committed import serves them all (an
    import per test would cost ~5 s each); it is deleted after the package.
    """
    index_dir = tmp_path_factory.mktemp("research") / "whoosh_index"
    with committed_archive(index_dir, django_db_blocker, seeds_dir, corpus_dir):
        yield


def text_of(document: Document) -> str:
    return f"{document.title}\n{document.body}"


def occurrences(text: str, term: str) -> int:
    """Every start position, overlapping, ASCII case folded."""
    text, term = fold(text), fold(term)
    return sum(1 for i in range(len(text)) if text.startswith(term, i))


def scan(term: str, **filters) -> list[Document]:
    """The documents whose title + body contain term, by a plain scan."""
    return [
        d for d in Document.objects.filter(**filters) if fold(term) in fold(text_of(d))
    ]
