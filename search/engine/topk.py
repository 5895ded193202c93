"""The first ``stop`` of an order without sorting the rest: a page of 20 among
tens of thousands of hits.

Every order here is (key ascending, document number ascending), and the
result is exactly the full sort's prefix: one O(n) partition finds the key the
page ends at, everything before it is on the page, and the ties at it are
taken in document order. Only that much is sorted.
"""

from __future__ import annotations

import numpy as np

_NO_POSITIONS = np.empty(0, dtype=np.intp)


def first_positions(keys: np.ndarray, docs: np.ndarray, stop: int | None) -> np.ndarray:
    """Positions of the first ``stop`` (None: all) of ``docs`` ordered by
    ``keys`` ascending, ties by document number."""
    count = len(docs)
    if stop is None or stop >= count or _has_nan(keys):
        return np.lexsort((docs, keys))
    if stop <= 0:
        return _NO_POSITIONS
    cut = np.partition(keys, stop - 1)[stop - 1]
    below = np.flatnonzero(keys < cut)
    tied = np.flatnonzero(keys == cut)
    wanted = stop - len(below)
    if wanted < len(tied):
        tied = tied[np.argsort(docs[tied], kind="stable")[:wanted]]
    chosen = np.concatenate((below, tied))
    return chosen[np.lexsort((docs[chosen], keys[chosen]))]


def _has_nan(keys: np.ndarray) -> bool:
    # A partition and a lexsort place NaN differently: such keys sort whole.
    return keys.dtype.kind == "f" and bool(np.isnan(keys).any())
