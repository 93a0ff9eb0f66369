"""iden3 binary containers (`.r1cs`, `.wtns`, `.zkey`, `.ptau`), as @iden3/binfileutils reads and writes them,
and the atomic file write every zkl writer uses.

A container is the 4-byte magic ("r1cs", "wtns", "zkey", "ptau"), a u32 version, a u32
section count, then the sections, each a u32 type, a u64 payload size and the payload;
every integer little-endian.  A section type may appear more than once (the readers ask
for exactly one of each they use); types a reader does not know are skipped; bytes after
the last declared section are ignored (as binfileutils does).

Reading checks every declared size against the bytes present before anything is
allocated from it: the section table must fit in the file, each payload must fit, and
`BinFile.count` turns a declared item count into an error when the section cannot hold
that many items.  Sections are read as zero-copy views of a copy-on-write memory map (or
of the bytes), so a large key costs no reading time until its points are touched.
A point section at an 8-byte-unaligned offset (every other one: each section header is
12 bytes) is read as an unaligned view; `aligned` copies such an array where a numba kernel
takes it, and `drop_pages` hands the pages of a mapped array back to the kernel's page
cache once it has been read, so that a large key costs resident memory only for the
section being used.

The field header of a container is `n8` (u32, bytes per element: 32 for BN254) followed
by the prime, n8 bytes little-endian; `field_header` checks both.

`atomic_write` writes a file through a temporary file in the same directory (flushed and
fsynced, then renamed over the target with os.replace), so a reader sees the old file or
the new one, never a part; the temporary file is removed when anything fails.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
import secrets
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from zkl.errors import FormatError

__all__ = ["BinFile", "SizedChunks", "aligned", "atomic_file", "atomic_write", "drop_pages", "field_header",
           "section_bytes", "write_binfile"]

Chunk = bytes | bytearray | memoryview | np.ndarray


class SizedChunks:
    """A part of a section made while it is written: its size in bytes, known first, and its chunks."""

    def __init__(self, nbytes: int, chunks: Iterable[Chunk]) -> None:
        self.nbytes = nbytes
        self.chunks = chunks


class BinFile:
    """An iden3 container opened for reading: `data` (bytes or a copy-on-write mmap), `version`, `sections`."""

    def __init__(self, path: str | os.PathLike, magic: bytes, max_version: int, *, use_mmap: bool = True) -> None:
        self.path = os.fspath(path)
        self.magic = magic
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if use_mmap and size > 0:
                    self.data: bytes | mmap.mmap = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
                else:
                    self.data = f.read()
        except OSError as e:
            raise FormatError(f"cannot read {self.path}: {e.strerror or e}") from None
        self.size = len(self.data)
        kind = magic.decode()
        if self.size < 12 or self.data[:4] != magic:
            raise FormatError(f"{self.path}: expected a {kind} file (magic {magic!r}), got {bytes(self.data[:4])!r}")
        self.version, n_sections = struct.unpack_from("<II", self.data, 4)
        if not 1 <= self.version <= max_version:
            raise FormatError(f"{self.path}: {kind} version must be in [1, {max_version}], not {self.version}")
        self.sections: dict[int, list[tuple[int, int]]] = {}
        pos = 12
        for _ in range(n_sections):  # each entry takes >= 12 bytes: at most size / 12 rounds
            if pos + 12 > self.size:
                raise FormatError(f"{self.path}: header declares {n_sections} sections, the file ends in the "
                                  f"section table at byte {pos} (truncated section table)")
            section, length = struct.unpack_from("<IQ", self.data, pos)
            pos += 12
            if length > self.size - pos:
                raise FormatError(f"{self.path}: section {section} declares {length} bytes, "
                                  f"only {self.size - pos} remain")
            self.sections.setdefault(section, []).append((pos, length))
            pos += length

    def has(self, kind: int) -> bool:
        """Whether the file has a section of this type."""
        return kind in self.sections

    def section(self, kind: int, what: str) -> tuple[int, int]:
        """(offset, size) of a section that must appear exactly once."""
        found = self.sections.get(kind, [])
        if len(found) != 1:
            raise FormatError(f"{self.path}: expected one {what} section (type {kind}), found {len(found)}")
        return found[0]

    def expect_size(self, kind: int, what: str, expected: int) -> int:
        """Offset of a unique section whose payload must be exactly `expected` bytes."""
        pos, size = self.section(kind, what)
        if size != expected:
            raise FormatError(f"{self.path}: {what} section must be {expected} bytes, not {size}")
        return pos

    def count(self, declared: int, what: str, field: str, section_size: int, item_bytes: int) -> None:
        """Raise unless a section of section_size bytes can hold `declared` items of at least item_bytes each."""
        most = section_size // item_bytes
        if declared > most:
            raise FormatError(f"{self.path}: {what} declares {declared} {field}, the {field} section of "
                              f"{section_size} bytes can hold at most {most}")

    def bytes_of(self, kind: int, what: str) -> bytes:
        """The payload of a unique section, copied."""
        pos, size = self.section(kind, what)
        return bytes(self.data[pos: pos + size])

    def u32(self, pos: int, count: int = 1) -> tuple[int, ...]:
        """`count` u32 values at byte offset pos (inside the file: the caller checked the section size)."""
        return struct.unpack_from(f"<{count}I", self.data, pos)

    def field_header(self, pos: int, modulus: int, what: str) -> int:
        """Check an `n8, prime` pair at pos against a BN254 modulus; return the offset after it."""
        return field_header(self.data, pos, modulus, what, self.path)

    def u64_view(self, pos: int, count: int) -> np.ndarray:
        """A read-only uint64 view of `count` words at byte offset pos (zero-copy on little-endian hosts)."""
        return np.frombuffer(self.data, dtype="<u8", count=count, offset=pos)

    def points(self, kind: int, what: str, count: int, g2: bool = False, *, copy_unaligned: bool = True) -> np.ndarray:
        """A point section as a (count, 2, 4) G1 or (count, 2, 2, 4) G2 uint64 array (size checked first).

        A writable view of the map when the section starts at an 8-byte-aligned offset, else a
        copy (numba kernels get aligned, writable arrays of one type either way); with
        copy_unaligned=False an unaligned section stays a view too (its users pass it through
        `aligned`).
        """
        per = 128 if g2 else 64
        pos = self.expect_size(kind, what, count * per)
        shape = (count, 2, 2, 4) if g2 else (count, 2, 4)
        if count == 0:
            return np.zeros(shape, dtype=np.uint64)
        view = self.u64_view(pos, count * per // 8).reshape(shape)
        if not view.flags.writeable or (copy_unaligned and not view.flags.aligned):
            view = view.copy()
        return view


def aligned(array: np.ndarray) -> np.ndarray:
    """The array itself when its data is aligned for its type, else an aligned copy (what numba kernels take)."""
    return array if array.flags.aligned else np.array(array, order="C")


def drop_pages(array: np.ndarray) -> int:
    """Hand back the resident pages of a read-only view of a copy-on-write file map (the pages lying wholly
    inside it); the next read faults them in again from the page cache.  Returns the bytes released (0 for
    an array that is not a view of a map).  Only for arrays never written: a written page would revert to
    the file's content."""
    owner = array
    while owner is not None and not isinstance(owner, mmap.mmap):
        owner = owner.obj if isinstance(owner, memoryview) else getattr(owner, "base", None)
    if owner is None or array.size == 0 or not array.flags.contiguous or not hasattr(mmap, "MADV_DONTNEED"):
        return 0
    start = array.ctypes.data - np.frombuffer(owner, dtype=np.uint8, count=1).ctypes.data
    page = mmap.PAGESIZE
    lo = -(-start // page) * page
    hi = (start + array.nbytes) // page * page
    if hi <= lo:
        return 0
    owner.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
    return hi - lo


def field_header(buf: bytes | mmap.mmap, pos: int, modulus: int, what: str, path: str) -> int:
    """Check a `n8 u32, prime (n8 bytes)` pair at pos against a BN254 modulus; return the offset after it."""
    (n8,) = struct.unpack_from("<I", buf, pos)
    if n8 != 32:
        raise FormatError(f"{path}: {what} size must be 32 bytes (BN254), not {n8}")
    value = int.from_bytes(buf[pos + 4: pos + 36], "little")
    if value != modulus:
        raise FormatError(f"{path}: {what} must be BN254's ({modulus}), not {value}")
    return pos + 36


def section_bytes(kind: int, payload: bytes) -> bytes:
    """One section: its type, size and payload."""
    return struct.pack("<IQ", kind, len(payload)) + payload


def write_binfile(path: str | os.PathLike, magic: bytes, version: int,
                  sections: Sequence[tuple[int, Iterable[Chunk | SizedChunks]]]) -> None:
    """Write an iden3 container atomically; each section is (type, parts), parts bytes, arrays or SizedChunks
    (made as they are written, so that a large section is never whole in memory)."""
    def chunks() -> Iterable[Chunk]:
        yield magic + struct.pack("<II", version, len(sections))
        for kind, parts in sections:
            parts = [p if isinstance(p, SizedChunks) else _le(p) for p in parts]
            yield struct.pack("<IQ", kind, sum(_nbytes(p) for p in parts))
            for part in parts:
                if not isinstance(part, SizedChunks):
                    yield part
                    continue
                written = 0
                for chunk in part.chunks:
                    chunk = _le(chunk)
                    written += _nbytes(chunk)
                    yield chunk
                if written != part.nbytes:
                    raise ValueError(f"section {kind}: a part declared {part.nbytes} bytes and made {written}")

    atomic_write(path, chunks())


def atomic_write(path: str | os.PathLike, data_or_chunks: Chunk | Iterable[Chunk]) -> None:
    """Write bytes (or an iterable of byte chunks and arrays) to path atomically: the old file or the new one."""
    chunks = [data_or_chunks] if isinstance(data_or_chunks, (bytes, bytearray, memoryview, np.ndarray)) \
        else data_or_chunks
    with atomic_file(path) as f:
        for chunk in chunks:
            f.write(chunk if not isinstance(chunk, np.ndarray) else memoryview(_le(chunk).reshape(-1)))


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write that replaces path atomically when the block ends without an exception."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:  # name the file the caller asked for, not the temporary one
        raise type(e)(e.errno, e.strerror, os.fspath(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _le(chunk: Chunk) -> Chunk:
    """Arrays C-contiguous in little-endian byte order (copied only if needed); bytes as they are."""
    if isinstance(chunk, np.ndarray):
        return np.ascontiguousarray(chunk, dtype=chunk.dtype.newbyteorder("<"))
    return chunk


def _nbytes(chunk: Chunk | SizedChunks) -> int:
    return chunk.nbytes if isinstance(chunk, (np.ndarray, memoryview, SizedChunks)) else len(chunk)
