"""Whether a Whoosh index on disk can be trusted: checksums, a file check, a full read.

Whoosh keeps no checksums: a block overwritten in a segment file is read as
garbage (zlib.error, EOFError, a wrong posting) or not noticed at all, and a
truncated memory-mapped file kills the reading process with SIGBUS. So each
segment written here gets a sidecar, ``<segment id>.crc``: the size, mtime and
CRC-32 of each of its files when written. Whoosh's own clean-up removes the
sidecar with its segment (it matches the segment's file pattern).

- file_damage(): cheap, for every searcher opened: each segment's files are
  there; a file whose size or mtime differs from its sidecar is read again and
  its CRC compared (once per change of the file, per process).
- read_damage(): for check_index, every byte: the checksums, then each
  segment's stored fields (without a checksum: its terms and a sample of its
  posting lists).
"""

from __future__ import annotations

import json
import pickle
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

from whoosh.index import TOC
from whoosh.index import IndexError as WhooshIndexError
from whoosh.reading import SegmentReader

from search.engine.packed import DamagedPostings

SIDECAR = ".crc"
# Without a checksum, one term in this many has its posting list decoded.
POSTINGS_SAMPLE = 100
_CHUNK = 1 << 20
# What reading damaged storage raises: missing or short files, bytes that do
# not decompress, unpickle or unpack, and Whoosh's own index errors (an index
# with no TOC at all is EmptyIndexError, one of them).
STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    struct.error,
    pickle.UnpicklingError,
    WhooshIndexError,
    DamagedPostings,
)
# A table of contents is a pickle: damaged, it fails as any unpickling may.
TOC_ERRORS: tuple[type[BaseException], ...] = (
    *STORAGE_ERRORS,
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
    ImportError,
    IndexError,
    MemoryError,
    OverflowError,
    UnicodeDecodeError,
)

# (path, size, mtime_ns, inode) -> CRC-32 already computed in this process.
_CRCS: dict[tuple[str, int, int, int], int] = {}
_CRCS_LOCK = threading.Lock()


def crc32_of(path: Path) -> int:
    """CRC-32 of a whole file, read in chunks."""
    crc = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def segment_files(folder: Path, segment_id: str) -> list[Path]:
    """The files of one segment in ``folder``, its sidecar excepted."""
    prefix = f"{segment_id}."
    return sorted(
        path
        for path in folder.iterdir()
        if path.name.startswith(prefix) and not path.name.endswith(SIDECAR)
    )


def record_checksums(folder: Path, segment_id: str) -> None:
    """Write the sidecar of a segment just written (size, mtime, CRC per file)."""
    entries = {}
    for path in segment_files(folder, segment_id):
        stat = path.stat()
        entries[path.name] = [stat.st_size, stat.st_mtime_ns, crc32_of(path)]
    target = folder / f"{segment_id}{SIDECAR}"
    # Written whole or not at all: a reader never sees half a sidecar.
    partial = folder / f".{segment_id}{SIDECAR}.part"
    partial.write_text(json.dumps(entries), encoding="utf-8")
    partial.replace(target)


def _sidecar(folder: Path, segment_id: str) -> dict[str, list[int]] | None:
    path = folder / f"{segment_id}{SIDECAR}"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        return {}


def _file_problem(path: Path, expected: list[int], *, full: bool) -> str | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"{path.name} is missing"
    size, mtime_ns, crc = expected
    if stat.st_size != size:
        return f"{path.name} has {stat.st_size} bytes, {size} were written"
    if not full and stat.st_mtime_ns == mtime_ns:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    with _CRCS_LOCK:
        known = _CRCS.get(key)
    if known is None:
        known = crc32_of(path)
        with _CRCS_LOCK:
            _CRCS[key] = known
    if known != crc:
        return f"{path.name} does not match its checksum (changed after writing)"
    return None


def file_damage(folder: Path, segments: Iterable, *, full: bool = False) -> str | None:
    """What is wrong with the files of ``segments`` (a TOC's), or None.

    A file whose size and mtime are those written is trusted without reading
    it, unless ``full``. Segments without a sidecar (written by other code)
    are only checked to be there.
    """
    for segment in segments:
        segment_id = segment.segment_id()
        expected = _sidecar(folder, segment_id)
        if expected == {}:
            return f"{segment_id}{SIDECAR} is unreadable"
        if expected is None:
            if segment.is_compound() and not (folder / f"{segment_id}.seg").exists():
                return f"{segment_id}.seg is missing"
            continue
        for name, entry in expected.items():
            problem = _file_problem(folder / name, entry, full=full)
            if problem:
                return problem
    return None


def read_damage(storage, indexname: str, schema) -> str | None:  # noqa: ANN001
    """What stops a full read of the index, or None.

    Every file against its checksum where there is a sidecar (each byte as
    written), then each segment's stored fields unpickled. A segment no
    checksum vouches for (written before checksums) has its term table read
    and a sample of its posting lists decoded: a rebuild adds checksums.
    """
    from search.engine.postings import decode_postings
    from search.engine.whoosh_internals import term_infos

    folder = Path(storage.folder)
    try:
        toc = TOC.read(storage, indexname, schema=schema)
    except TOC_ERRORS as error:
        return f"the table of contents cannot be read ({_name(error)})"
    problem = file_damage(folder, toc.segments, full=True)
    if problem:
        return problem
    for segment in toc.segments:
        segment_id = segment.segment_id()
        vouched = _sidecar(folder, segment_id) is not None
        try:
            reader = SegmentReader(storage, toc.schema, segment)
            try:
                for _docnum, _stored in reader.iter_docs():
                    pass
                if not vouched:
                    # Decoding every posting list took 83 s at 3,000
                    # documents; the term table is read whole, and the
                    # posting lists of every hundredth term.
                    for number, (_term, terminfo) in enumerate(term_infos(reader)):
                        if number % POSTINGS_SAMPLE == 0:
                            decode_postings(reader, terminfo, with_values=False)
            finally:
                reader.close()
        except TOC_ERRORS as error:
            return f"segment {segment_id} cannot be read ({_name(error)})"
    return None


def unvouched_segments(storage, indexname: str) -> int:  # noqa: ANN001
    """How many segments of the committed index have no checksum sidecar."""
    folder = Path(storage.folder)
    toc = TOC.read(storage, indexname)
    return sum(_sidecar(folder, s.segment_id()) is None for s in toc.segments)


def _name(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
