"""Picking a few documents' occurrence keys out of a common term's."""

from __future__ import annotations

import numpy as np
import pytest

from search.engine.matching import _keys_of


@pytest.mark.parametrize("seed", range(30))
def test_the_keys_of_chosen_documents(seed):
    rng = np.random.default_rng(seed)
    docs_in_keys = rng.choice(2_000, size=int(rng.integers(0, 300)), replace=False)
    owners = np.repeat(docs_in_keys, rng.integers(1, 40, size=len(docs_in_keys)))
    keys = np.unique(
        (owners.astype(np.int64) << 32) + rng.integers(0, 9_000, len(owners))
    )
    # Few chosen documents (the runs path) and many (the mask path), some
    # of them without keys.
    size = int(rng.choice([0, 1, 3, 20, 500, 1_500]))
    chosen = np.sort(rng.choice(2_000, size=size, replace=False)).astype(np.int64)
    expected = keys[np.isin(keys >> 32, chosen)]
    assert _keys_of(keys, chosen).tolist() == expected.tolist()
