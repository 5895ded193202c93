"""The index fields of a metadata field's terms (标题:, 发文机关:, 文号:, 索引号:).

Each searchable metadata field (search.query.SEARCH_FIELDS) is indexed as the
full text is: its character pairs at their offsets and its characters, so a
field term is found exactly as a full-text term is. It is indexed twice, once
folded (traditional = simplified, full-width = half-width) and once in the
EXACT form: the values are short, so the second copy costs little, and an
exact-form field query is then a plain index lookup like a folded one.
"""

from __future__ import annotations

from search.normalise import Form

# The full text's fields (search.query.EXACT_FIELD, CHAR_FIELD).
FULL_TEXT_FIELDS = ("exact", "chars")
_EXACT_SUFFIX = "_asis"


def gram_fields(field: str, form: Form = Form.FOLDED) -> tuple[str, str]:
    """(bigram field, character field) of a query field ("" is the full text).

    The names avoid haystack's "<name>_exact", which a faceted field makes.
    """
    if not field:
        return FULL_TEXT_FIELDS
    suffix = _EXACT_SUFFIX if form is Form.EXACT else ""
    return f"{field}_pairs{suffix}", f"{field}_chars{suffix}"


def is_field_gram_field(name: str) -> bool:
    """Whether ``name`` is one of gram_fields()' metadata-field names."""
    base = name.removesuffix(_EXACT_SUFFIX)
    return base.endswith(("_pairs", "_chars")) and name not in FULL_TEXT_FIELDS
