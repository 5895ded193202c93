"""haystack's Elasticsearch 7 backend, set up to answer as the Whoosh engine does.

Select it with settings only (see docs/scaling.md):

    PLANSITE_SEARCH_ENGINE=search.elasticsearch_backend.PlansiteElasticsearchEngine
    PLANSITE_SEARCH_URL=http://es1:9200/  PLANSITE_SEARCH_INDEX_NAME=plansite

then ``manage.py rebuild_index --noinput``. What each field becomes:

- ``exact``: every pair of adjacent characters at consecutive positions, after
  folding as search/normalise.py folds (ASCII capitals, traditional
  characters, full-width digits and letters: a mapping char filter). A term
  of n characters is the phrase of its n-1 pairs, so a phrase query finds
  exactly the documents that contain it. The ngram tokenizer keeps every
  character class: the ``standard`` tokenizer would drop punctuation and let
  城镇建设 match 城镇，建设.
- ``chars``: every character, for one-character terms.
- ``text`` (ranking): the document's jieba words, cut in Python by the same
  tokenizer as the Whoosh index's, joined by spaces and split on them again,
  so both engines rank on the same words.
- Filter and facet fields are keywords, matched whole, as in Whoosh.
- ``variants`` (the Whoosh index's EXACT form) is not sent: a search in the
  EXACT form takes the engine's matches as candidates and checks them
  against the text (search/engines.py StockEngine).

Not run against a server on the development machine (it has none); the
mapping, the settings and the documents sent are tested offline.
"""

from __future__ import annotations

import string
from typing import Any

from haystack.backends.elasticsearch7_backend import (
    Elasticsearch7SearchBackend,
    Elasticsearch7SearchEngine,
    Elasticsearch7SearchQuery,
)

from search.analyzers import (
    BigramTokenizer,
    BoundaryTokenizer,
    CharTokenizer,
    JiebaTokenizer,
    VariantTokenizer,
)
from search.normalise import FOLD_TABLE

EXACT_ANALYZER = "plansite_exact"
CHAR_ANALYZER = "plansite_chars"
WORD_ANALYZER = "plansite_words"
# Full texts stay out of _source: they are read from the database, never from
# the index, and would triple its size.
ANALYSED_FIELDS = ("text", "exact", "chars")
# research tools and check_index read whole result sets through haystack, in
# one request; Elasticsearch refuses more than 10,000 rows by default.
MAX_RESULT_WINDOW = 5_000_000

_ASCII_FOLD = [
    f"{upper} => {lower}"
    for upper, lower in zip(string.ascii_uppercase, string.ascii_lowercase, strict=True)
]
# fold(): ASCII capitals, then search/normalise.py's FOLD_TABLE (closed, so
# the order of the rules does not matter).
FOLD_MAPPINGS = _ASCII_FOLD + [
    f"{chr(key)} => {chr(value)}" for key, value in sorted(FOLD_TABLE.items())
]


def _grams(size: int) -> dict[str, Any]:
    # token_chars [] keeps every character: spaces and punctuation are part of
    # what a term must match.
    return {"type": "ngram", "min_gram": size, "max_gram": size, "token_chars": []}


INDEX_SETTINGS: dict[str, Any] = {
    "settings": {
        "index": {"max_result_window": MAX_RESULT_WINDOW},
        "analysis": {
            "char_filter": {
                "plansite_fold": {"type": "mapping", "mappings": FOLD_MAPPINGS}
            },
            "tokenizer": {
                "plansite_pairs": _grams(2),
                "plansite_single": _grams(1),
            },
            "analyzer": {
                EXACT_ANALYZER: {
                    "type": "custom",
                    "char_filter": ["plansite_fold"],
                    "tokenizer": "plansite_pairs",
                },
                CHAR_ANALYZER: {
                    "type": "custom",
                    "char_filter": ["plansite_fold"],
                    "tokenizer": "plansite_single",
                },
                WORD_ANALYZER: {"type": "custom", "tokenizer": "whitespace"},
            },
        },
    }
}


def _analyzer_name(analyzer: object) -> str | None:
    if isinstance(analyzer, BigramTokenizer):
        return EXACT_ANALYZER
    if isinstance(analyzer, CharTokenizer):
        return CHAR_ANALYZER
    if isinstance(analyzer, JiebaTokenizer):
        return WORD_ANALYZER
    return None


class PlansiteElasticsearchBackend(Elasticsearch7SearchBackend):
    """Elasticsearch 7 with plansite's analyzers (see the module docstring)."""

    DEFAULT_SETTINGS = INDEX_SETTINGS

    def build_schema(self, fields: dict) -> tuple[str, dict]:
        content_field_name, mapping = super().build_schema(fields)
        for field in fields.values():
            name = field.index_fieldname
            analyzer = _analyzer_name(getattr(field, "analyzer", None))
            if isinstance(getattr(field, "analyzer", None), VariantTokenizer):
                mapping[name] = {"type": "text", "index": False}
            elif analyzer is not None:
                mapping[name] = {"type": "text", "analyzer": analyzer}
            elif field.field_type == "string" and mapping[name]["type"] == "text":
                # Names, codes and categories are matched whole, as Whoosh's ID
                # fields are (桃源乡 人民政府 is one value).
                mapping[name] = {"type": "keyword"}
        return content_field_name, mapping

    def _get_current_mapping(self, field_mapping: dict) -> dict:
        mapping = super()._get_current_mapping(field_mapping)
        mapping["_source"] = {"excludes": list(ANALYSED_FIELDS)}
        return mapping

    def _prepare_object(self, index, obj) -> dict[str, Any]:  # noqa: ANN001
        prepared = super()._prepare_object(index, obj)
        for name, field in index.fields.items():
            analyzer = getattr(field, "analyzer", None)
            if isinstance(analyzer, VariantTokenizer):
                prepared.pop(name, None)  # see the module docstring
                continue
            if isinstance(analyzer, BoundaryTokenizer):
                # Sentence ends are for plansite's engine; here proximity is
                # checked on the texts (search/verification.py).
                prepared.pop(name, None)
                continue
            if isinstance(analyzer, JiebaTokenizer) and prepared.get(name):
                # The ranking words, cut here exactly as the Whoosh index cuts them.
                words = (t.text for t in analyzer(prepared[name], mode="index"))
                prepared[name] = " ".join(w for w in words if w.strip())
        return prepared

    def build_search_kwargs(self, query_string: str, **kwargs: Any) -> dict:
        # Every backslash in plansite's queries is inside a quoted term (filter
        # values lose theirs in search/services.py), where Lucene's syntax
        # reads it as an escape: double it, so that it is a character again.
        return super().build_search_kwargs(query_string.replace("\\", "\\\\"), **kwargs)


class PlansiteElasticsearchEngine(Elasticsearch7SearchEngine):
    """Settings ENGINE: ``search.elasticsearch_backend.PlansiteElasticsearchEngine``."""

    backend = PlansiteElasticsearchBackend
    query = Elasticsearch7SearchQuery
