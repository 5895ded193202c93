"""Whoosh's key terms of a text (its Bo1 model), with word frequencies cached.

``searcher.key_terms_from_text`` looks every distinct word of the text up in
every segment's term table: about 750 words times 10 segments at 50,000
documents, 0.3 s of a document page's "similar documents". A segment's
frequencies never change once it is written (a deletion only marks documents),
so they are kept per segment, as the posting cache keeps postings; the words
of policy texts repeat from page to page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict

from whoosh.classify import Bo1Model


class FrequencyCache:
    """(segment, field, word) -> the word's frequency in that segment, or None
    where the segment does not have it; least recently used dropped past
    ``max_entries`` (about 150 bytes each)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, float | None] = OrderedDict()
        self._lock = threading.Lock()

    def frequency(self, reader, fieldname: str, btext: bytes) -> float | None:  # noqa: ANN001
        key = (reader.segment().segment_id(), fieldname, btext)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        found = (
            reader.frequency(fieldname, btext) if (fieldname, btext) in reader else None
        )
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._entries)


def key_terms(
    searcher,  # noqa: ANN001
    fieldname: str,
    text: str,
    *,
    numterms: int,
    cache: FrequencyCache,
) -> list[tuple[str, float]]:
    """What ``searcher.key_terms_from_text(fieldname, text, numterms,
    normalize=False)`` returns: the words of ``text`` most frequent in it and
    rarest in the archive, with their Bo1 weights divided by the highest."""
    reader = searcher.reader()
    if not reader.doc_count_all():
        return []
    field = searcher.schema[fieldname]
    # Expander.add_text: each word's weight in the text, and their total.
    in_text: defaultdict[str, float] = defaultdict(float)
    total = 0.0
    for btext, _, weight, _ in field.index(text):
        in_text[field.from_bytes(btext)] += weight
        total += weight
    if not in_text:
        return []
    model = Bo1Model(reader.doc_count_all(), reader.field_length(fieldname))
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    scored: list[tuple[float, str]] = []
    top = 0.0
    # Expander.expanded_terms: words the archive has, scored against it.
    for word, weight in in_text.items():
        btext = field.to_bytes(word)
        found = [cache.frequency(leaf, fieldname, btext) for leaf in leaves]
        present = [f for f in found if f is not None]
        if not present:
            continue
        score = model.score(weight, sum(present), total)
        top = max(top, score)
        scored.append((score, word))
    if not scored or not top:
        return []
    scored = [(score / top, word) for score, word in scored]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [(word, score) for score, word in scored[:numterms]]
