"""An indexed archive of the seeds and the Pingtan pages, and substring scans."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from haystack import connections

from documents.models import Document, SourceTemplate
from search.normalise import fold
from tests.conftest import ENGINE, import_samples


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
    saved = connections.connections_info
    connections.connections_info = {
        "default": {"ENGINE": ENGINE, "PATH": str(index_dir)}
    }
    connections.reload("default")
    with django_db_blocker.unblock():
        templates = list(SourceTemplate.objects.values_list("pk", flat=True))
    try:
        with django_db_blocker.unblock():
            import_samples(seeds_dir, corpus_dir)
        yield
    finally:
        with django_db_blocker.unblock():
            Document.objects.all().delete()
            # The import learns the sources' templates: committed too.
            SourceTemplate.objects.exclude(pk__in=templates).delete()
        connections.connections_info = saved
        connections.reload("default")


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
