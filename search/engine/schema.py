"""The index schema: plansite's Whoosh fields for haystack's, and whether an index fits.

haystack builds a Whoosh schema from the search index's fields; adapt() swaps
in what plansite needs: analysed fields with the posting formats of
search/analyzers.py, untokenised sortable ID fields for names (filters and
facets see exact values), sortable numbers and dates (undated sorts last).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack.constants import DJANGO_ID
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema

from search.analyzers import (
    BigramPositions,
    BigramTokenizer,
    BoundaryOffsets,
    BoundaryTokenizer,
    CharCounts,
    CharTokenizer,
    JiebaTokenizer,
    VariantPositions,
    VariantTokenizer,
    WordCounts,
)

# haystack's Whoosh backend keeps its index under Whoosh's default name.
INDEX_NAME = "MAIN"
# What the index holds for a given text: bump it whenever an analyzer's or a
# posting format's output changes (folding, jieba's dictionary, bigrams,
# counts), so that an index written by the old code is rebuilt instead of
# being read as if it matched. tests/search/test_schema_version.py pins the
# analyzers' output on a fixed text to this number.
# 2: folding of traditional characters and full-width digits and letters,
# the variants field, the sentence and paragraph ends (bounds) and the
# searchable metadata fields (issue 17).
# 3: the availability field, a filter and a facet (issue 18); an index
# without it would answer availability=… with nothing.
# 4: packed posting lists (search/engine/packed.py) instead of W3's pickled
# blocks (issue 19); the analyzers' output is unchanged, but an index of
# version 3 is rebuilt rather than kept in the slower, larger format; and
# numbers and dates indexed as one term per value (ranges read columns).
SCHEMA_VERSION = 4
# Beside the index, in its folder; written when an index is created or rebuilt.
VERSION_FILE = ".schema_version"
# Indexes written before versions were recorded hold what version 1 reads
# (the analyzers were not changed when the number was introduced), so they
# are not rebuilt for the lack of the file; any later version rebuilds them.
UNRECORDED_VERSION = 1


def write_version(folder: Path) -> None:
    """Record SCHEMA_VERSION in ``folder`` (a new or rebuilt index)."""
    (folder / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n", encoding="ascii")


def stored_version(folder: Path) -> int | None:
    """The schema version recorded in ``folder``; None when unreadable."""
    path = folder / VERSION_FILE
    if not path.exists():
        return UNRECORDED_VERSION
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def needs_rebuild(folder: Path, stored: Schema | None, current: Schema) -> bool:
    """Whether the index in ``folder`` must be rebuilt before it is read or written.

    It must when it was written by code of another SCHEMA_VERSION, or its
    fields differ from the code's: either
    way its postings would be read with the wrong meaning.
    """
    if stored_version(folder) != SCHEMA_VERSION:
        return True
    return stored is None or signature(stored) != signature(current)


def adapt(schema: Schema, fields: dict[str, Any]) -> Schema:
    """``schema`` (haystack's, for ``fields``) with plansite's field types."""
    # A column of ids lets a whole result set be listed without reading
    # every document's stored fields (the research tools).
    schema.remove(DJANGO_ID)
    schema.add(DJANGO_ID, ID(stored=True, sortable=True))
    for field in fields.values():
        name = field.index_fieldname
        replacement = None
        if field.is_multivalued:
            continue
        if not field.indexed:
            replacement = STORED()
        elif field.field_type == "string":
            if field.analyzer is not None:
                replacement = _text_field(field)
            else:
                replacement = ID(stored=field.stored, sortable=True)
        elif field.field_type == "integer":
            replacement = NUMERIC(
                stored=field.stored,
                numtype=int,
                sortable=True,
                signed=True,
                shift_step=0,
            )
        elif field.field_type in ("date", "datetime"):
            replacement = DATETIME(stored=field.stored, sortable=True)
            # Whoosh gives a missing value the largest date; make it the
            # smallest (0), which sorting recognises and puts last.
            replacement.default = 0
            replacement.column_type = replacement.default_column()
            # One term per value, not one per 8 bits of precision: ranges are
            # answered from the column (matching.Matcher._numeric_range), and
            # Whoosh's own range query still finds the values term by term.
            # The three date fields' tiered terms were 66 MB at 50,000 documents.
            replacement.shift_step = 0
        if replacement is not None:
            schema.remove(name)
            schema.add(name, replacement)
    return schema


def signature(schema: Schema) -> list[tuple[str, ...]]:
    """What must agree between the code's schema and an index's: fields and formats."""
    return sorted(
        (
            name,
            type(field).__name__,
            type(getattr(field, "format", None)).__name__,
            type(getattr(field, "analyzer", None)).__name__,
            str(bool(field.column_type)),
        )
        for name, field in schema.items()
    )


def _text_field(field: Any) -> TEXT:
    """The Whoosh field for an analysed haystack field, by its analyzer."""
    analyzer = field.analyzer
    replacement = TEXT(
        stored=field.stored, analyzer=analyzer, phrase=False, field_boost=field.boost
    )
    boost = float(field.boost)
    if isinstance(analyzer, VariantTokenizer):
        replacement.format = VariantPositions(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, BigramTokenizer):
        replacement.format = BigramPositions(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, BoundaryTokenizer):
        replacement.format = BoundaryOffsets(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, CharTokenizer):
        replacement.format = CharCounts(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, JiebaTokenizer):
        replacement.format = WordCounts(field_boost=boost)
    return replacement
