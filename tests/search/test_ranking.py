"""A page's share of an order is exactly the full order's prefix."""

from __future__ import annotations

import numpy as np
import pytest

from search.engine.topk import first_positions


def full_order(keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
    # The order before pages were cut: keys ascending, ties in document order.
    return np.lexsort((docs, keys))


def stops(count: int) -> list[int]:
    return sorted({0, 1, 2, 19, 20, max(count - 1, 0), count, count + 5})


@pytest.mark.parametrize("seed", range(40))
def test_a_page_of_scores_is_the_full_orders_prefix(seed):
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 400))
    docs = np.sort(rng.choice(10_000, size=count, replace=False)).astype(np.int64)
    # Few distinct scores: ties at the page's last score are the hard case.
    scores = rng.integers(0, int(rng.integers(1, 6)), size=count).astype(np.float64)
    if seed % 2:
        scores += rng.random(count)
    keys = -scores  # best first, as ranking.ordered asks
    expected = full_order(keys, docs)
    for stop in stops(count):
        assert first_positions(keys, docs, stop).tolist() == expected[:stop].tolist()


@pytest.mark.parametrize("seed", range(20))
def test_a_page_of_dates_is_the_full_orders_prefix(seed):
    rng = np.random.default_rng(100 + seed)
    count = int(rng.integers(1, 300))
    docs = rng.permutation(5_000)[:count].astype(np.int64)  # a page's order: any
    keys = rng.integers(0, 30, size=count).astype(np.uint64)
    expected = full_order(keys, docs)
    for stop in stops(count):
        assert first_positions(keys, docs, stop).tolist() == expected[:stop].tolist()


def test_ties_follow_document_order_when_docs_are_not_sorted():
    docs = np.array([9, 3, 7, 1, 5], dtype=np.int64)
    keys = -np.array([1.0, 2.0, 1.0, 1.0, 2.0])
    assert docs[first_positions(keys, docs, 3)].tolist() == [3, 5, 1]


def test_positive_and_negative_zero_scores_tie():
    docs = np.arange(4, dtype=np.int64)
    keys = np.array([0.0, -0.0, -1.0, 0.0])
    assert first_positions(keys, docs, 2).tolist() == [2, 0]
    assert (
        first_positions(keys, docs, 3).tolist() == full_order(keys, docs)[:3].tolist()
    )


def test_no_stop_sorts_everything():
    docs = np.arange(5, dtype=np.int64)
    keys = -np.array([0.5, 2.0, 0.5, 1.0, 2.0])
    assert first_positions(keys, docs, None).tolist() == full_order(keys, docs).tolist()
