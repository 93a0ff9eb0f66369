"""iden3 sectioned binary files (`.zkey`, `.ptau`), as @iden3/binfileutils reads and writes them.

A file is the 4-byte magic ("zkey", "ptau"), a u32 version, a u32 section count, then the
sections, each a u32 id, a u64 payload size and the payload; every integer little-endian.
Sections are read as zero-copy views of a copy-on-write memory map (or of the bytes), so
a large key costs no reading time until its points are touched.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from zkl.errors import FormatError


class BinFile:
    """A sectioned binary file opened for reading: `data` (bytes or read-only mmap) and `sections`."""

    def __init__(self, path: str | os.PathLike, magic: bytes, max_version: int, use_mmap: bool = True) -> None:
        self.path = str(path)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if use_mmap and size > 0:
                self.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
            else:
                self.data = f.read()
        if size < 12 or self.data[:4] != magic:
            raise FormatError(f"{path}: expected a {magic.decode()} file (magic {magic!r}), "
                              f"got {bytes(self.data[:4])!r}")
        self.version, n_sections = struct.unpack_from("<II", self.data, 4)
        if not 1 <= self.version <= max_version:
            raise FormatError(f"{path}: {magic.decode()} version must be in [1, {max_version}], not {self.version}")
        self.sections: dict[int, list[tuple[int, int]]] = {}
        pos = 12
        for _ in range(n_sections):
            if pos + 12 > size:
                raise FormatError(f"{path}: truncated section table at byte {pos}")
            kind, length = struct.unpack_from("<IQ", self.data, pos)
            pos += 12
            if pos + length > size:
                raise FormatError(f"{path}: section {kind} declares {length} bytes, only {size - pos} remain")
            self.sections.setdefault(kind, []).append((pos, length))
            pos += length

    def section(self, kind: int, what: str) -> tuple[int, int]:
        """(offset, size) of a section that must appear exactly once."""
        found = self.sections.get(kind, [])
        if len(found) != 1:
            raise FormatError(f"{self.path}: expected one {what} section (id {kind}), found {len(found)}")
        return found[0]

    def has(self, kind: int) -> bool:
        """Whether the file has a section with this id."""
        return kind in self.sections

    def bytes_of(self, kind: int, what: str) -> bytes:
        """The payload of a unique section, copied."""
        pos, size = self.section(kind, what)
        return bytes(self.data[pos: pos + size])

    def u64_view(self, pos: int, count: int) -> np.ndarray:
        """A read-only uint64 view of `count` words at byte offset `pos` (zero-copy on little-endian hosts)."""
        return np.frombuffer(self.data, dtype="<u8", count=count, offset=pos)

    def points(self, kind: int, what: str, count: int, g2: bool = False) -> np.ndarray:
        """A point section as a (count, 2, 4) G1 or (count, 2, 2, 4) G2 uint64 array.

        A writable view of the map when the section starts at an 8-byte-aligned offset,
        else a copy (numba kernels get aligned, writable arrays of one type either way).
        """
        per = 128 if g2 else 64
        pos = self.expect_size(kind, what, count * per)
        shape = (count, 2, 2, 4) if g2 else (count, 2, 4)
        if count == 0:
            return np.zeros(shape, dtype=np.uint64)
        view = self.u64_view(pos, count * per // 8).reshape(shape)
        if not view.flags.aligned or not view.flags.writeable:
            view = view.copy()
        return view

    def expect_size(self, kind: int, what: str, expected: int) -> int:
        """Offset of a unique section whose payload must be `expected` bytes."""
        pos, size = self.section(kind, what)
        if size != expected:
            raise FormatError(f"{self.path}: {what} section must be {expected} bytes, not {size}")
        return pos


def field_header(buf: bytes, pos: int, modulus: int, what: str, path: str) -> int:
    """Check a `n8 u32, prime (n8 bytes)` pair at pos against a BN254 modulus; return the offset after it."""
    (n8,) = struct.unpack_from("<I", buf, pos)
    if n8 != 32:
        raise FormatError(f"{path}: {what} size must be 32 bytes (BN254), not {n8}")
    value = int.from_bytes(buf[pos + 4: pos + 36], "little")
    if value != modulus:
        raise FormatError(f"{path}: {what} must be BN254's ({modulus}), not {value}")
    return pos + 36


def write_binfile(path: str | os.PathLike, magic: bytes, version: int,
                  sections: Sequence[tuple[int, Iterable[bytes | np.ndarray]]]) -> None:
    """Write a sectioned file atomically; each section is (id, chunks), chunks bytes or arrays."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(magic + struct.pack("<II", version, len(sections)))
            for kind, chunks in sections:
                parts = [c if isinstance(c, (bytes, bytearray)) else _le_array(c) for c in chunks]
                f.write(struct.pack("<IQ", kind, sum(len(p) if isinstance(p, (bytes, bytearray)) else p.nbytes
                                                     for p in parts)))
                for p in parts:
                    f.write(p if isinstance(p, (bytes, bytearray)) else memoryview(p.reshape(-1)))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _le_array(array: np.ndarray) -> np.ndarray:
    """A C-contiguous little-endian uint64 copy-if-needed of an array (written without a bytes copy)."""
    return np.ascontiguousarray(array, dtype="<u8")
