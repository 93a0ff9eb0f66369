"""circom's binary files: `.r1cs` (constraints), `.wtns` (witness) and `.sym` (wire names).

`.r1cs` and `.wtns` are iden3 containers (see zkl._binfile: magic, u32 version, u32
section count, then sections of u32 type, u64 size and payload; every integer
little-endian).

`.r1cs` (magic "r1cs", version 1), as read by iden3's r1csfile and snarkjs:

- section 1, header: n8 u32 (32 for BN254), prime (n8 bytes), n_wires u32, n_pub_out u32,
  n_pub_in u32, n_prv_in u32, n_labels u64, n_constraints u32
- section 2, constraints: for each constraint the linear combinations A, B, C, each a u32
  term count followed by that many (wire u32, coefficient n8 bytes in normal form) terms
- section 3, wire2label: n_wires u64 label ids (the signal each wire came from)
- sections 4 and 5: PLONK custom gates (refused here)

Wires are numbered: 0 the constant one, then the public outputs, the public inputs, the
private inputs, and the internal signals.  Labels number every signal of the circuit in the
same order before optimization (label 0 the one, then main's outputs, public inputs,
private inputs, then the rest), so after optimization wire w is the signal wire2label[w].

Removed inputs.  circom 2.2 drops a private input that no non-linear constraint needs (its
.sym line says wire -1) but keeps it in the header's n_prv_in: at --O2 any private input
used only linearly (`o <== 2 * a`, Num2Bits on an input, a tagged copy of one), at --O1
(the default) an input in no constraint.  Then 1 + n_pub_out + n_pub_in + n_prv_in may
exceed n_wires, and the wires that follow the public ones are the private inputs that are
left, then the internal signals.  The reader counts the private-input wires as the leading
wires after the public ones whose label lies in the private inputs' label range
[1 + n_public, 1 + n_public + n_prv_in) (when wire2label maps wires 0 .. n_public to labels
0 .. n_public, as circom's always does; otherwise as many as fit), and keeps the header's
count as `n_private_inputs` and the difference as `n_removed_inputs` (snarkjs uses only
n_wires and the public counts).  circom's witness calculator writes n_wires values (no
value for a removed input).

`.wtns` (magic "wtns", version 2), as written by circom's witness calculator and snarkjs:

- section 1, header: n8 u32, prime (n8 bytes), n_witness u32
- section 2, values: n_witness field elements of n8 bytes in normal form

`.sym` (text, UTF-8): one line per signal, `label_id,wire,component,name`, wire -1 for
signals the compiler removed.  Wire 0 (the constant one) has no line.

Bounds.  Every count in a header is checked against the bytes of its section before
anything is allocated from it (m constraints need at least 12 bytes each, n witness values
32 bytes each, n_wires labels 8 bytes each); a file without a wire2label section may not
declare more than max(2^16, 1 + terms) wires (nothing else in the file backs that count).
Reading uses memory bounded by a small multiple of the file.

Reading never loops over bytes in Python: sections become NumPy views (`np.frombuffer`), and
the one sequential scan (the offsets of variable-length linear combinations) is a numba
kernel.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import numpy as np

from zkl._binfile import BinFile, atomic_write, section_bytes
from zkl.circuits.field import N8, R, ints_to_bytes, limbs_below_modulus, limbs_to_ints
from zkl.circuits.r1cs import R1CS, SparseRows
from zkl.circuits.witness import assignment
from zkl.errors import FieldElementOutOfRange, FormatError

R1CS_MAGIC = b"r1cs"
R1CS_VERSION = 1
WTNS_MAGIC = b"wtns"
WTNS_VERSION = 2
_WORDS_PER_TERM = 1 + N8 // 4
_PRIME_BYTES = R.to_bytes(N8, "little")
_HEADER_BYTES = 4 + N8 + 4 * 4 + 8 + 4
#: the fewest bytes a constraint takes: three empty linear combinations (a u32 count each)
_MIN_CONSTRAINT_BYTES = 12
#: wires a file without a wire2label section may declare beyond those its terms name
_UNLABELLED_WIRES = 1 << 16
_LABEL = re.compile(r"[0-9]{1,20}")


# -- .r1cs ------------------------------------------------------------------------------------


def read_r1cs(path: str | os.PathLike, sym: str | os.PathLike | bool | None = None) -> R1CS:
    """Read a circom .r1cs file; wire names come from `sym` (default: a .sym beside it, if any)."""
    f = BinFile(path, R1CS_MAGIC, R1CS_VERSION, use_mmap=False)
    path, data = f.path, f.data
    if f.has(4) or f.has(5):
        raise FormatError(f"{path}: custom gates (PLONK) are not supported")
    pos = f.expect_size(1, "header", _HEADER_BYTES)
    pos = f.field_header(pos, R, "scalar field r")
    n_wires, n_out, n_in, n_prv, n_labels, m = struct.unpack_from("<IIIIQI", data, pos)
    n_public = n_out + n_in
    if n_wires >= 2**31:
        raise FormatError(f"{path}: header declares {n_wires} wires, more than this reader supports (2**31 - 1)")
    if 1 + n_public > n_wires:
        raise FormatError(f"{path}: {n_wires} wires cannot hold the one wire and {n_public} public outputs/inputs")

    pos, size = f.section(2, "constraints")
    if size % 4:
        raise FormatError(f"{path}: constraints section size must be a multiple of 4, not {size}")
    f.count(m, "header", "constraints", size, _MIN_CONSTRAINT_BYTES)
    from zkl.circuits._kernels import _lc_offsets  # numba, imported on first read

    words = np.frombuffer(data, dtype="<u4", count=size // 4, offset=pos) if size else np.zeros(0, dtype="<u4")
    offsets = _lc_offsets(words, 3 * m, _WORDS_PER_TERM)
    if offsets[-1] > len(words):
        k = int(np.argmax(offsets[: 3 * m] >= len(words))) // 3
        raise FormatError(f"{path}: header declares {m} constraints, the constraints section of {size} bytes "
                          f"ends in constraint {k}")
    if offsets[-1] < len(words):
        raise FormatError(f"{path}: header declares {m} constraints, they take {int(offsets[-1]) * 4} bytes, "
                          f"the constraints section holds {size}")
    matrices = [_read_matrix(words, offsets, j, m, n_wires, path) for j in range(3)]

    wire_labels = None
    if f.has(3):
        pos = f.expect_size(3, "wire2label", 8 * n_wires)
        wire_labels = np.frombuffer(data, dtype="<u8", count=n_wires, offset=pos).astype(np.uint64)
    else:
        terms = sum(x.nnz for x in matrices)
        if n_wires > max(_UNLABELLED_WIRES, 1 + terms):
            raise FormatError(f"{path}: header declares {n_wires} wires, a file without a wire2label section "
                              f"may declare at most {max(_UNLABELLED_WIRES, 1 + terms)} ({terms} terms)")
    kept = _private_input_wires(wire_labels, n_public, n_prv, n_wires)

    names = removed_names = None
    if sym is None:
        candidate = Path(path).with_suffix(".sym")
        sym = candidate if candidate.exists() else False
    if sym:
        table = read_sym(sym)
        names = _names_from_sym(table, wire_labels, n_wires)
        if kept < n_prv:
            removed_names = _removed_names(table, wire_labels, n_public, n_prv, kept)
    return R1CS(*matrices, n_wires=n_wires, n_public_outputs=n_out, n_public_inputs=n_in,
                n_private_inputs=n_prv, wire_names=names, n_labels=n_labels, wire_labels=wire_labels,
                n_removed_inputs=n_prv - kept, removed_input_names=removed_names)


def _private_input_wires(labels: np.ndarray | None, n_public: int, n_prv: int, n_wires: int) -> int:
    """How many private inputs have a wire (the others were removed by the compiler); see the module docstring."""
    first = 1 + n_public
    room = min(n_prv, n_wires - first)
    if labels is None or not np.array_equal(labels[:first], np.arange(first, dtype=np.uint64)):
        return room
    block = labels[first: first + room]
    inside = (block >= first) & (block < first + n_prv)
    return room if inside.all() else int(np.argmin(inside))


def _removed_names(sym: dict[int, str], labels: np.ndarray | None, n_public: int, n_prv: int, kept: int) -> list[str]:
    """Names (from the .sym) of the private inputs with no wire, in label order."""
    first = 1 + n_public
    present = set(labels[first: first + kept].tolist()) if labels is not None else set(range(first, first + kept))
    return [sym[label] for label in sorted(sym) if first <= label < first + n_prv and label not in present]


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


def _labels(r1cs: R1CS) -> np.ndarray:
    """The wire2label section of an R1CS: its own labels, or circom's numbering (removed inputs skipped)."""
    if r1cs.wire_labels is not None:
        return np.asarray(r1cs.wire_labels, dtype=np.uint64)
    labels = np.arange(r1cs.n_wires, dtype=np.uint64)
    labels[1 + r1cs.n_public + r1cs.n_private_input_wires:] += np.uint64(r1cs.n_removed_inputs)
    return labels


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
    atomic_write(path, [
        R1CS_MAGIC + struct.pack("<II", R1CS_VERSION, 3),
        section_bytes(1, header),
        struct.pack("<IQ", 2, words.nbytes), words,
        struct.pack("<IQ", 3, 8 * r1cs.n_wires), _labels(r1cs),
    ])


# -- .sym ---------------------------------------------------------------------------------


def read_sym(path: str | os.PathLike) -> dict[int, str]:
    """Read a circom .sym file as {label id: signal name}."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read {os.fspath(path)}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{os.fspath(path)}: a .sym file must be UTF-8 text, not bytes like "
                          f"{raw[e.start: e.start + 4]!r} at byte {e.start}") from None
    del raw
    out: dict[int, str] = {}
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line:
            continue
        parts = line.split(",", 3)
        if len(parts) != 4:
            raise FormatError(f"{path}:{number}: expected 'label,wire,component,name', got {_short(line)}")
        if not _LABEL.fullmatch(parts[0]):
            raise FormatError(f"{path}:{number}: label id must be an integer of at most 20 digits, "
                              f"not {_short(parts[0])}")
        out[int(parts[0])] = parts[3]
    return out


def _short(text: str, limit: int = 60) -> str:
    """repr of text, cut to about limit characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _names_from_sym(sym: dict[int, str], wire_labels: np.ndarray | None, n_wires: int) -> list[str]:
    """Return one name per wire from a .sym map and the wire2label section."""
    labels = wire_labels.tolist() if wire_labels is not None else range(n_wires)
    names = [sym.get(int(lab), f"wire {w}") for w, lab in enumerate(labels)]
    names[0] = "one"
    return names


def write_sym(r1cs: R1CS, path: str | os.PathLike) -> None:
    """Write a .sym file naming each wire (label id from the wire2label section, component 0) and each named
    removed input (wire -1)."""
    labels = _labels(r1cs)
    lines = [f"{label},{w},0,{r1cs.wire_name(w)}\n" for w, label in enumerate(labels.tolist()) if w]
    names = r1cs.removed_input_names or []
    first = 1 + r1cs.n_public
    present = set(labels[first: first + r1cs.n_private_input_wires].tolist())
    free = (label for label in range(first, first + r1cs.n_private_inputs) if label not in present)
    lines += [f"{label},-1,0,{name}\n" for name, label in zip(names, free)]
    atomic_write(path, "".join(lines).encode("utf-8"))


# -- .wtns ------------------------------------------------------------------------------------


def read_wtns_limbs(path: str | os.PathLike) -> np.ndarray:
    """Read a .wtns file as an (n, 4) uint64 limb array (normal form), values checked < r."""
    f = BinFile(path, WTNS_MAGIC, WTNS_VERSION, use_mmap=False)
    pos = f.expect_size(1, "wtns header", 4 + N8 + 4)
    pos = f.field_header(pos, R, "scalar field r")
    (n,) = struct.unpack_from("<I", f.data, pos)
    pos, size = f.section(2, "witness")
    if size != N8 * n:
        raise FormatError(f"{f.path}: witness section must hold {n} values ({N8 * n} bytes), not {size} bytes")
    if n == 0:
        return np.zeros((0, 4), dtype=np.uint64)
    limbs = np.frombuffer(f.data, dtype="<u8", count=4 * n, offset=pos).reshape(n, 4).astype(np.uint64)
    if not limbs_below_modulus(limbs).all():
        raise FormatError(f"{f.path}: a witness value is not below the prime r")
    return limbs


def read_wtns(path: str | os.PathLike) -> list[int]:
    """Read a .wtns file as a list of Python ints."""
    return limbs_to_ints(read_wtns_limbs(path))


def write_wtns(witness: object, path: str | os.PathLike) -> None:
    """Write a full assignment (Witness, list of ints or (n, 4) limbs) as a .wtns file (version 2)."""
    values = assignment(witness)
    if isinstance(values, np.ndarray) and values.dtype == np.uint64:
        if not limbs_below_modulus(values).all():
            raise FieldElementOutOfRange("every witness value must be below r")
        body, n = np.ascontiguousarray(values, dtype="<u8").tobytes(), len(values)
    else:
        values = [int(v) for v in values]
        if any(not 0 <= v < R for v in values):
            raise FieldElementOutOfRange("every witness value must be an integer in [0, r)")
        body, n = ints_to_bytes(values), len(values)
    atomic_write(path, [
        WTNS_MAGIC + struct.pack("<II", WTNS_VERSION, 2),
        section_bytes(1, struct.pack("<I", N8) + _PRIME_BYTES + struct.pack("<I", n)),
        section_bytes(2, body),
    ])
