"""The content hash that identifies a document's text across scrapes."""

import hashlib
import re


def content_hash(body: str) -> str:
    """Identity of a text regardless of spacing, so copies from two scrapes match."""
    return hashlib.sha256(re.sub(r"\s+", "", body).encode("utf-8")).hexdigest()
