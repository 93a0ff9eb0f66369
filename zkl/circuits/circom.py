"""circom's binary files: `.r1cs` (constraints), `.wtns` (witness) and `.sym` (wire names).

Every integer is little-endian. A binary file is the 4-byte magic, a u32 version, a u32
section count, then the sections, each a u32 type, a u64 byte size and the payload.

`.r1cs` (magic "r1cs", version 1), as read by iden3's r1csfile and snarkjs:

- section 1, header: n8 u32 (32 for BN254), prime (n8 bytes), n_wires u32, n_pub_out u32,
  n_pub_in u32, n_prv_in u32, n_labels u64, n_constraints u32
- section 2, constraints: for each constraint the linear combinations A, B, C, each a u32
  term count followed by that many (wire u32, coefficient n8 bytes in normal form) terms
- section 3, wire2label: n_wires u64 label ids (the signal each wire came from)
- sections 4 and 5: PLONK custom gates (refused here)

`.wtns` (magic "wtns", version 2), as written by circom's witness calculator and snarkjs:

- section 1, header: n8 u32, prime (n8 bytes), n_witness u32
- section 2, values: n_witness field elements of n8 bytes in normal form

`.sym` (text): one line per signal, `label_id,wire,component,name`, wire -1 for signals the
compiler removed. Wire 0 (the constant one) has no line.

Reading never loops over bytes in Python: sections become NumPy views (`np.frombuffer`), and
the one sequential scan (the offsets of variable-length linear combinations) is a numba
kernel.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Sequence

import numpy as np

from zkl.circuits.field import N8, R, ints_to_bytes, limbs_below_modulus, limbs_to_ints
from zkl.circuits.r1cs import R1CS, SparseRows
from zkl.errors import FieldElementOutOfRange, FormatError

R1CS_MAGIC = b"r1cs"
R1CS_VERSION = 1
WTNS_MAGIC = b"wtns"
WTNS_VERSION = 2
_WORDS_PER_TERM = 1 + N8 // 4
_PRIME_BYTES = R.to_bytes(N8, "little")


# -- sectioned binary files ---------------------------------------------------------------


def _sections(data: bytes, magic: bytes, max_version: int, path: object) -> dict[int, list[tuple[int, int]]]:
    """Return {section type: [(payload offset, size), ...]} after checking magic and version."""
    if len(data) < 12 or data[:4] != magic:
        raise FormatError(f"{path}: expected a {magic.decode()} file (magic {magic!r}), got {bytes(data[:4])!r}")
    version, n_sections = struct.unpack_from("<II", data, 4)
    if not 1 <= version <= max_version:
        raise FormatError(f"{path}: {magic.decode()} version must be at most {max_version}, not {version}")
    sections: dict[int, list[tuple[int, int]]] = {}
    pos = 12
    for _ in range(n_sections):
        if pos + 12 > len(data):
            raise FormatError(f"{path}: truncated section table at byte {pos}")
        kind, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if pos + size > len(data):
            raise FormatError(f"{path}: section {kind} declares {size} bytes, only {len(data) - pos} remain")
        sections.setdefault(kind, []).append((pos, size))
        pos += size
    return sections


def _unique(sections: dict[int, list[tuple[int, int]]], kind: int, path: object) -> tuple[int, int]:
    """Return (offset, size) of a section that must appear exactly once."""
    found = sections.get(kind, [])
    if len(found) != 1:
        raise FormatError(f"{path}: expected one section of type {kind}, found {len(found)}")
    return found[0]


def _field_header(data: bytes, pos: int, path: object) -> int:
    """Check n8 and the prime at pos; return the offset after them."""
    (n8,) = struct.unpack_from("<I", data, pos)
    if n8 != N8:
        raise FormatError(f"{path}: field size must be {N8} bytes (BN254), not {n8}")
    prime = int.from_bytes(data[pos + 4: pos + 4 + n8], "little")
    if prime != R:
        raise FormatError(f"{path}: prime must be BN254's scalar field order r, not {prime}")
    return pos + 4 + n8


def _header_bytes(kind: int, payload: bytes) -> bytes:
    """Return a section: its type, size and payload."""
    return struct.pack("<IQ", kind, len(payload)) + payload


def _write_atomic(path: str | os.PathLike, chunks: Sequence[bytes]) -> None:
    """Write chunks to path via a temporary file renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# -- .r1cs ------------------------------------------------------------------------------------


def read_r1cs(path: str | os.PathLike, sym: str | os.PathLike | bool | None = None) -> R1CS:
    """Read a circom .r1cs file; wire names come from `sym` (default: a .sym beside it, if any)."""
    data = Path(path).read_bytes()
    sections = _sections(data, R1CS_MAGIC, R1CS_VERSION, path)
    if 4 in sections or 5 in sections:
        raise FormatError(f"{path}: custom gates (PLONK) are not supported")
    pos, size = _unique(sections, 1, path)
    if size != 4 + N8 + 4 * 4 + 8 + 4:
        raise FormatError(f"{path}: header section must be {4 + N8 + 28} bytes, not {size}")
    pos = _field_header(data, pos, path)
    n_wires, n_out, n_in, n_prv, n_labels, m = struct.unpack_from("<IIIIQI", data, pos)
    if 1 + n_out + n_in + n_prv > n_wires:
        raise FormatError(f"{path}: {n_wires} wires cannot hold the one wire and {n_out + n_in + n_prv} "
                          "inputs/outputs")
    if n_wires >= 2**31:
        raise FormatError(f"{path}: {n_wires} wires is more than this reader supports (2**31 - 1)")

    pos, size = _unique(sections, 2, path)
    if size % 4:
        raise FormatError(f"{path}: constraints section size {size} is not a multiple of 4")
    from zkl.circuits._kernels import _lc_offsets  # numba, imported on first read

    words = np.frombuffer(data, dtype="<u4", count=size // 4, offset=pos)
    offsets = _lc_offsets(words, 3 * m, _WORDS_PER_TERM)
    if offsets[-1] != len(words):
        raise FormatError(f"{path}: constraints section holds {len(words) * 4} bytes, "
                          f"{m} constraints need {int(offsets[-1]) * 4}")
    matrices = [_read_matrix(words, offsets, j, m, n_wires, path) for j in range(3)]

    wire_labels = None
    if 3 in sections:
        pos, size = _unique(sections, 3, path)
        if size != 8 * n_wires:
            raise FormatError(f"{path}: wire2label section must be {8 * n_wires} bytes, not {size}")
        wire_labels = np.frombuffer(data, dtype="<u8", count=n_wires, offset=pos).astype(np.uint64)

    names = None
    if sym is None:
        candidate = Path(path).with_suffix(".sym")
        sym = candidate if candidate.exists() else False
    if sym:
        names = _names_from_sym(read_sym(sym), wire_labels, n_wires)
    return R1CS(*matrices, n_wires=n_wires, n_public_outputs=n_out, n_public_inputs=n_in,
                n_private_inputs=n_prv, wire_names=names, n_labels=n_labels, wire_labels=wire_labels)


def _read_matrix(words: np.ndarray, offsets: np.ndarray, j: int, m: int, n_wires: int, path: object) -> SparseRows:
    """Gather matrix j (0: A, 1: B, 2: C) from the constraints section's words."""
    starts = offsets[j: 3 * m: 3]
    counts = words[starts].astype(np.int64)
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    row = np.repeat(np.arange(m, dtype=np.int64), counts)
    src = starts[row] + 1 + _WORDS_PER_TERM * (np.arange(nnz, dtype=np.int64) - indptr[row])
    wires = words[src]
    if nnz and int(wires.max()) >= n_wires:
        raise FormatError(f"{path}: a constraint uses wire {int(wires.max())}, the file declares {n_wires} wires")
    gather = src[:, None] + 1 + np.arange(N8 // 4, dtype=np.int64)
    coeffs = np.ascontiguousarray(words[gather]).view("<u8").reshape(nnz, 4).astype(np.uint64)
    if not limbs_below_modulus(coeffs).all():
        raise FormatError(f"{path}: a coefficient is not below the prime r")
    return SparseRows(indptr, wires.astype(np.int32), coeffs)


def write_r1cs(r1cs: R1CS, path: str | os.PathLike) -> None:
    """Write an R1CS as a circom .r1cs file (sections header, constraints, wire2label)."""
    m = r1cs.n_constraints
    header = (struct.pack("<I", N8) + _PRIME_BYTES
              + struct.pack("<IIIIQI", r1cs.n_wires, r1cs.n_public_outputs, r1cs.n_public_inputs,
                            r1cs.n_private_inputs, r1cs.n_labels, m))
    counts = np.stack([np.diff(x.indptr) for x in r1cs.matrices], axis=1).reshape(-1)  # LC order A0 B0 C0 A1...
    lc_words = 1 + _WORDS_PER_TERM * counts
    lc_start = np.zeros(3 * m, dtype=np.int64)
    if m:
        np.cumsum(lc_words[:-1], out=lc_start[1:])
    words = np.zeros(int(lc_words.sum()), dtype="<u4")
    words[lc_start] = counts
    for j, mat in enumerate(r1cs.matrices):
        row = np.repeat(np.arange(m, dtype=np.int64), np.diff(mat.indptr))
        dest = lc_start[3 * row + j] + 1 + _WORDS_PER_TERM * (np.arange(mat.nnz, dtype=np.int64) - mat.indptr[row])
        words[dest] = mat.indices
        coeff_words = np.ascontiguousarray(mat.coeffs, dtype="<u8").view("<u4").reshape(mat.nnz, N8 // 4)
        words[dest[:, None] + 1 + np.arange(N8 // 4, dtype=np.int64)] = coeff_words
    labels = r1cs.wire_labels if r1cs.wire_labels is not None else np.arange(r1cs.n_wires, dtype=np.uint64)
    chunks = [
        R1CS_MAGIC + struct.pack("<II", R1CS_VERSION, 3),
        _header_bytes(1, header),
        struct.pack("<IQ", 2, words.nbytes), words.tobytes(),
        _header_bytes(3, np.asarray(labels, dtype="<u8").tobytes()),
    ]
    _write_atomic(path, chunks)


# -- .sym ---------------------------------------------------------------------------------


def read_sym(path: str | os.PathLike) -> dict[int, str]:
    """Read a circom .sym file as {label id: signal name}."""
    out: dict[int, str] = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split(",", 3)
            if len(parts) != 4:
                raise FormatError(f"{path}:{number}: expected 'label,wire,component,name', got {line!r}")
            try:
                out[int(parts[0])] = parts[3]
            except ValueError:
                raise FormatError(f"{path}:{number}: label id must be an integer, not {parts[0]!r}") from None
    return out


def _names_from_sym(sym: dict[int, str], wire_labels: np.ndarray | None, n_wires: int) -> list[str]:
    """Return one name per wire from a .sym map and the wire2label section."""
    labels = wire_labels.tolist() if wire_labels is not None else list(range(n_wires))
    names = [sym.get(int(lab), f"wire {w}") for w, lab in enumerate(labels)]
    names[0] = "one"
    return names


def write_sym(r1cs: R1CS, path: str | os.PathLike) -> None:
    """Write a .sym file naming each wire (label id = wire index, component 0)."""
    lines = [f"{w},{w},0,{r1cs.wire_name(w)}\n" for w in range(1, r1cs.n_wires)]
    _write_atomic(path, ["".join(lines).encode("utf-8")])


# -- .wtns ------------------------------------------------------------------------------------


def read_wtns_limbs(path: str | os.PathLike) -> np.ndarray:
    """Read a .wtns file as an (n, 4) uint64 limb array (normal form), values checked < r."""
    data = Path(path).read_bytes()
    sections = _sections(data, WTNS_MAGIC, WTNS_VERSION, path)
    pos, size = _unique(sections, 1, path)
    if size != 4 + N8 + 4:
        raise FormatError(f"{path}: wtns header section must be {N8 + 8} bytes, not {size}")
    pos = _field_header(data, pos, path)
    (n,) = struct.unpack_from("<I", data, pos)
    pos, size = _unique(sections, 2, path)
    if size != N8 * n:
        raise FormatError(f"{path}: witness section must hold {n} values ({N8 * n} bytes), not {size} bytes")
    limbs = np.frombuffer(data, dtype="<u8", count=4 * n, offset=pos).reshape(n, 4).astype(np.uint64)
    if not limbs_below_modulus(limbs).all():
        raise FormatError(f"{path}: a witness value is not below the prime r")
    return limbs


def read_wtns(path: str | os.PathLike) -> list[int]:
    """Read a .wtns file as a list of Python ints."""
    return limbs_to_ints(read_wtns_limbs(path))


def write_wtns(witness: object, path: str | os.PathLike) -> None:
    """Write a full assignment (Witness, list of ints or (n, 4) limbs) as a .wtns file (version 2)."""
    values = getattr(witness, "values", witness)
    if isinstance(values, np.ndarray) and values.dtype == np.uint64:
        if not limbs_below_modulus(values).all():
            raise FieldElementOutOfRange("every witness value must be below r")
        body, n = np.ascontiguousarray(values, dtype="<u8").tobytes(), len(values)
    else:
        values = [int(v) for v in values]
        if any(not 0 <= v < R for v in values):
            raise FieldElementOutOfRange("every witness value must be an integer in [0, r)")
        body, n = ints_to_bytes(values), len(values)
    chunks = [
        WTNS_MAGIC + struct.pack("<II", WTNS_VERSION, 2),
        _header_bytes(1, struct.pack("<I", N8) + _PRIME_BYTES + struct.pack("<I", n)),
        struct.pack("<IQ", 2, len(body)), body,
    ]
    _write_atomic(path, chunks)
