"""The haystack index of documents: ranking text, exact text, and filter fields."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator, Sequence

from haystack import indexes

from documents import fields as metadata
from documents.models import Document
from documents.selectors import NATIONAL
from documents.texts import searchable_text, with_parts
from search.analyzers import (
    boundary_analyzer,
    char_analyzer,
    exact_analyzer,
    jieba_analyzer,
    variant_analyzer,
)
from search.fieldnames import gram_fields
from search.normalise import Form
from search.query import SEARCH_FIELDS

# Rows read per query by id: SQLite allows 32,766 parameters.
ROWS_PER_QUERY = 200


# The fields whose indexed values a fingerprint covers (see index_fingerprint):
# the indexed metadata fields but the title (in searchable_text), and the level
# (prepare_province reads it). Their order is part of every stored fingerprint.
FINGERPRINT_FIELDS = (
    "issuer",
    "township",
    "county",
    "city",
    "province",
    "level",
    "division_code",
    "category",
    "plan_year",
    "doc_date",
    "publish_date",
    "needs_review",
    # Searched by field (标题:, 文号:, 索引号:; the title is in the text).
    "doc_number",
    "index_no",
    # Issue 18: the harvester's finding (online, withdrawn, unknown).
    "availability",
)


def index_fingerprint(document: Document, *, text: str | None = None) -> str:
    """A hash of everything the index holds about a document (its text
    includes its attachments' texts, so an attachment extracted or removed
    makes the entry stale). ``text``: its searchable_text(), when already read.

    check_index compares it with the database, so an index entry that no
    longer matches its row is found even when updated_at was not touched.
    """
    if text is None:
        text = searchable_text(document)
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass"))
    for name in FINGERPRINT_FIELDS:
        digest.update(b"\0" + str(getattr(document, name)).encode())
    return digest.hexdigest()


def indexed_province(document: Document) -> str:
    """The province the index files a document under: national documents
    facet and filter under 全国, as browse shows them."""
    if document.level == Document.Level.NATIONAL and not document.province:
        return NATIONAL
    return document.province


def sort_date(document: Document) -> datetime.date | None:
    """The date a document is ordered by: written, else published, else its year."""
    if document.doc_date:
        return document.doc_date
    if document.publish_date:
        return document.publish_date
    if document.plan_year:
        return datetime.date(document.plan_year, 1, 1)
    return None


# The search index field for each type of metadata field.
_FIELD_CLASSES: dict[metadata.FieldType, type[indexes.SearchField]] = {
    metadata.FieldType.TEXT: indexes.CharField,
    # A stored value of a fixed set (Availability), untokenised as a name is.
    metadata.FieldType.CHOICE: indexes.CharField,
    metadata.FieldType.BOOL: indexes.BooleanField,
    metadata.FieldType.DATE: indexes.DateField,
    # The day: results are filtered and ordered by it, not by its time.
    metadata.FieldType.DATETIME: indexes.DateField,
    metadata.FieldType.YEAR: indexes.IntegerField,
}


def metadata_field(spec: metadata.MetadataField) -> indexes.SearchField:
    """The index field for a metadata field the registry says the index holds."""
    field_class = _FIELD_CLASSES[spec.type]
    options: dict[str, bool] = {}
    if spec.index is metadata.IndexRole.STORED:
        options["indexed"] = False
    if spec.index is metadata.IndexRole.FACET:
        options["faceted"] = True
    if not spec.required and field_class is not indexes.CharField:
        options["null"] = True  # An empty text is "", never None.
    return field_class(model_attr=spec.name, **options)


# The metadata fields of the index, declared from documents/fields.py:
# haystack's metaclass collects fields from the class body or a base class.
MetadataFields = type(indexes.SearchIndex)(
    "MetadataFields",
    (indexes.SearchIndex,),
    {
        "__module__": __name__,
        "__doc__": "The registry's indexed metadata fields (not an index alone).",
        **{spec.name: metadata_field(spec) for spec in metadata.INDEXED},
    },
)


def _field_value(name: str):  # noqa: ANN202
    def prepare(self, obj: Document) -> str:  # noqa: ANN001
        return getattr(obj, name) or ""

    prepare.__name__ = f"prepare_{name}"
    return prepare


def _field_grams() -> dict:
    """The pairs and characters of each searchable metadata field, in both
    forms (search/fieldnames.py), with the methods that read their values."""
    members: dict = {}
    for name in SEARCH_FIELDS:
        for form in Form:
            pairs, chars = gram_fields(name, form)
            members[pairs] = indexes.CharField(
                stored=False, analyzer=exact_analyzer(form)
            )
            members[chars] = indexes.CharField(
                stored=False, analyzer=char_analyzer(form)
            )
            members[f"prepare_{pairs}"] = _field_value(name)
            members[f"prepare_{chars}"] = _field_value(name)
    return members


# What field search (标题:乡村振兴) finds terms in.
FieldGrams = type(indexes.SearchIndex)(
    "FieldGrams",
    (MetadataFields,),
    {
        "__module__": __name__,
        "__doc__": "Pairs and characters of the searchable metadata fields.",
        **_field_grams(),
    },
)


class DocumentIndex(FieldGrams, indexes.Indexable):
    """One entry per Document.

    Plain CharFields without an analyzer are stored untokenised by our Whoosh
    backend, so filters and facets see the exact names. The metadata fields
    (title, issuer, the region's names, dates, year, category, needs_review)
    come from MetadataFields.
    """

    text = indexes.CharField(document=True, stored=False, analyzer=jieba_analyzer())
    exact = indexes.CharField(stored=False, analyzer=exact_analyzer())
    chars = indexes.CharField(stored=False, analyzer=char_analyzer())
    # Characters as written where folding changes them: the EXACT form.
    variants = indexes.CharField(stored=False, analyzer=variant_analyzer())
    # Sentence and paragraph ends, for proximity (/s, /p).
    bounds = indexes.CharField(stored=False, analyzer=boundary_analyzer())

    sort_date = indexes.DateField(null=True)
    updated_at = indexes.DateTimeField(model_attr="updated_at", indexed=False)
    # Compared with the database by check_index to find stale entries.
    fingerprint = indexes.CharField(indexed=False)

    def get_model(self) -> type[Document]:
        return Document

    def get_updated_field(self) -> str:
        return "updated_at"

    def index_queryset(self, using=None):
        # The body is read here once per batch, the attachments' texts with
        # one more query (documents/texts.py); the original text never is.
        return with_parts(self.get_model().objects.defer("original"))

    def full_prepare(self, obj: Document, with_string_facet: bool = True) -> dict:
        # Five fields and the fingerprint read the same text: join the parts
        # once per document (on the object: the index instance is shared).
        setattr(obj, _TEXT_ATTR, searchable_text(obj))
        try:
            return super().full_prepare(obj, with_string_facet)
        finally:
            delattr(obj, _TEXT_ATTR)

    def prepare_text(self, obj: Document) -> str:
        return _text(obj)

    def prepare_province(self, obj: Document) -> str:
        return indexed_province(obj)

    def prepare_exact(self, obj: Document) -> str:
        return _text(obj)

    def prepare_chars(self, obj: Document) -> str:
        return _text(obj)

    def prepare_variants(self, obj: Document) -> str:
        return _text(obj)

    def prepare_bounds(self, obj: Document) -> str:
        return _text(obj)

    def prepare_sort_date(self, obj: Document) -> datetime.date | None:
        return sort_date(obj)

    def prepare_fingerprint(self, obj: Document) -> str:
        return index_fingerprint(obj, text=getattr(obj, _TEXT_ATTR, None))


# Where full_prepare() keeps the document's searchable_text() while it runs.
_TEXT_ATTR = "_plansite_searchable_text"


def _text(obj: Document) -> str:
    """searchable_text(obj), joined once per full_prepare()."""
    text = getattr(obj, _TEXT_ATTR, None)
    return searchable_text(obj) if text is None else text


def rows_by_id(index: indexes.SearchIndex, ids: Sequence[int]) -> Iterator[list]:
    """The index's rows with these ids, a batch at a time, as they are now."""
    for offset in range(0, len(ids), ROWS_PER_QUERY):
        chunk = ids[offset : offset + ROWS_PER_QUERY]
        yield list(index.index_queryset().filter(pk__in=chunk))
