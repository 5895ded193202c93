"""A damaged packed posting list reads as damaged storage (a 503), never a bug (a 500).

Checksums catch a segment file whose size or mtime changed; bytes that rot in
place are only seen when a list is decoded. Whatever decoding them raises must
be one of integrity.STORAGE_ERRORS, which Searchers.reading() turns into
IndexDamaged.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from search.engine import packed
from search.engine.integrity import STORAGE_ERRORS


def _a_list() -> bytes:
    """One term's packed list with ids, counts and offsets (three postings)."""
    lists = packed.encode_terms(
        np.array([1, 5, 9, 200, 201]),
        np.array([2, 3]),
        counts=np.array([2, 1, 3, 1, 1]),
        weights=None,
        boost=1.0,
        offsets=np.array([1, 4, 7, 2, 3, 9, 5, 6]),
        length_bytes=None,
    )
    return lists[1]


def _with_byte(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + bytes([value]) + data[at + 1 :]


def test_the_sound_list_decodes() -> None:
    found = packed.decode(_a_list())
    assert found.ids.tolist() == [9, 200, 201]
    assert found.offsets.tolist() == [2, 3, 9, 5, 6]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d[:10], id="header cut short"),
        pytest.param(lambda d: d[:-3], id="payload cut short"),
        pytest.param(lambda d: d + b"\0\0", id="bytes past the postings"),
        pytest.param(lambda d: _with_byte(d, 5, 3), id="a width no writer makes"),
        pytest.param(
            lambda d: _with_byte(d, 4, d[4] & ~packed.COUNTS), id="offsets, no counts"
        ),
        pytest.param(
            lambda d: d[:10] + struct.pack("<I", 10**6) + d[14:], id="too many postings"
        ),
        pytest.param(
            lambda d: _with_byte(d, 4, d[4] | packed.ZLIB), id="not zlib'd after all"
        ),
    ],
)
def test_a_damaged_list_raises_a_storage_error(damage) -> None:  # noqa: ANN001
    with pytest.raises(STORAGE_ERRORS) as raised:
        packed.decode(damage(_a_list()))
    assert isinstance(raised.value, packed.DamagedPostings)
