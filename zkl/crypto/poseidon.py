"""Poseidon hash over the BN254 scalar field with circomlib's parameters (1 to 16 inputs).

Parameters are those of circomlib / circomlibjs ``poseidon``: state width t = inputs + 1,
S-box x^5, 8 full rounds and ``N_ROUNDS_P[t - 2]`` partial rounds, capacity element 0
initialised to 0, output = state[0] after the permutation.

How the constants were generated
--------------------------------
``poseidon_constants.json`` (beside this module) holds the round constants and MDS matrices
for t = 2..17. It is written by ``python -m zkl.crypto.poseidon`` which runs
:func:`generate_params`, a from-scratch implementation of the Grain LFSR procedure of the
Poseidon reference (``generate_parameters_grain.sage`` of the Hades/Poseidon authors, invoked
by circomlib as ``sage generate_parameters_grain.sage 1 0 254 t 8 R_P r``):

- the 80-bit LFSR is seeded with field type 1 (2 bits), S-box 0 (4 bits), field size 254
  (12 bits), t (12 bits), R_F = 8 (10 bits), R_P (10 bits) and 30 one bits, then clocked
  160 times; output bits go through the self-shrinking filter (pairs (1, b) emit b, pairs
  (0, b) are dropped);
- each round constant is 254 bits read most significant first, rejected while >= r;
  (R_F + R_P) * t of them, consumed as ``C[round * t + i]``;
- the MDS matrix is the Cauchy matrix ``M[i][j] = 1 / (x_i + y_j)`` with x, y the next 2t
  254-bit draws reduced mod r (redrawn when not distinct); the new state is ``M @ state``.

This reproduces circomlibjs's ``poseidon_constants.json`` exactly for every t
(``tests/test_crypto_circomlibjs.py`` compares the two files and hashes random inputs of every
arity against circomlibjs ``buildPoseidon``; ``tests/test_crypto_poseidon.py`` regenerates a
few t and compares them with the stored file). circomlib's matrices are the first Cauchy
matrix drawn, so the reference script's optional matrix security checks (which would redraw)
are not needed to reproduce them and are not implemented.

Fast evaluation
---------------
:func:`poseidon_hash` evaluates an equivalent rewriting of the permutation (derived once per t,
lazily): the partial rounds' constants on elements 1..t-1 are pushed forward through the MDS
matrix into the next round, and each partial round's dense matrix is factored into a sparse one
(first row, first column and identity) times a block-diagonal one that is moved to the round
before, as in the Poseidon paper's appendix B. Reductions mod r are deferred where the
numbers stay small. :func:`poseidon_permutation` is the plain textbook version, kept as the
reference the fast one is tested against.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkl.algebra.constants import R
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch

__all__ = [
    "FastSchedule",
    "MAX_INPUTS",
    "N_ROUNDS_F",
    "N_ROUNDS_P",
    "PoseidonParams",
    "fast_schedule",
    "generate_params",
    "poseidon_hash",
    "poseidon_params",
    "poseidon_permutation",
    "write_constants",
]

#: the most inputs one hash takes (t = 17)
MAX_INPUTS = 16
#: full rounds, for every t
N_ROUNDS_F = 8
#: partial rounds for t = 2, 3, ..., 17 (index t - 2), as circomlib
N_ROUNDS_P = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)

CONSTANTS_PATH = Path(__file__).with_name("poseidon_constants.json")

_FIELD_BITS = 254


@dataclass(frozen=True)
class PoseidonParams:
    """Parameters of the Poseidon permutation of width t, as circomlib uses them."""

    t: int
    n_rounds_f: int
    n_rounds_p: int
    #: one row of t constants per round, added before the S-box
    round_constants: tuple[tuple[int, ...], ...]
    #: t x t MDS matrix; the linear layer is new_state[i] = sum_j mds[i][j] * state[j]
    mds: tuple[tuple[int, ...], ...]

    @property
    def n_rounds(self) -> int:
        """Total number of rounds."""
        return self.n_rounds_f + self.n_rounds_p

    def is_full_round(self, round_index: int) -> bool:
        """Whether round `round_index` applies the S-box to the whole state (else only to element 0)."""
        half = self.n_rounds_f // 2
        return round_index < half or round_index >= half + self.n_rounds_p


# ----------------------------------------------------------------------------- generation


class _Grain:
    """The Grain LFSR in self-shrinking mode that the Poseidon reference draws parameters from."""

    def __init__(self, t: int, n_rounds_f: int, n_rounds_p: int) -> None:
        fields = [(1, 2), (0, 4), (_FIELD_BITS, 12), (t, 12), (n_rounds_f, 10), (n_rounds_p, 10)]
        bits = "".join(format(value, f"0{width}b") for value, width in fields) + "1" * 30
        # bit i of the int is position i of the reference's list (position 0 leaves first)
        self._state = sum(1 << i for i, bit in enumerate(bits) if bit == "1")
        for _ in range(160):
            self._clock()

    def _clock(self) -> int:
        s = self._state
        bit = ((s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s) & 1
        self._state = (s >> 1) | (bit << 79)
        return bit

    def bit(self) -> int:
        """The next output bit of the self-shrinking generator."""
        while True:
            keep = self._clock()
            bit = self._clock()
            if keep:
                return bit

    def integer(self, n_bits: int) -> int:
        """An integer of n_bits output bits, most significant first."""
        value = 0
        for _ in range(n_bits):
            value = (value << 1) | self.bit()
        return value


def generate_params(t: int) -> PoseidonParams:
    """Draw round constants and MDS matrix for width t with the Grain LFSR procedure (slow: ~0.05 s per t)."""
    _check_width(t)
    n_rounds_p = N_ROUNDS_P[t - 2]
    grain = _Grain(t, N_ROUNDS_F, n_rounds_p)
    flat = []
    for _ in range((N_ROUNDS_F + n_rounds_p) * t):
        value = grain.integer(_FIELD_BITS)
        while value >= R:
            value = grain.integer(_FIELD_BITS)
        flat.append(value)
    while True:
        draws = [grain.integer(_FIELD_BITS) % R for _ in range(2 * t)]
        if len(set(draws)) == 2 * t:
            break
    xs, ys = draws[:t], draws[t:]
    mds = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
    rows = tuple(tuple(flat[r * t : (r + 1) * t]) for r in range(N_ROUNDS_F + n_rounds_p))
    return PoseidonParams(t, N_ROUNDS_F, n_rounds_p, rows, mds)


def write_constants(path: Path = CONSTANTS_PATH) -> None:
    """Generate the parameters for every t and write them as the JSON data file (hex strings)."""
    document: dict[str, object] = {
        "description": "Poseidon (circomlib parameters) over the BN254 scalar field; "
        "generated by zkl.crypto.poseidon.generate_params (Grain LFSR)",
        "field_modulus": hex(R),
        "n_rounds_f": N_ROUNDS_F,
        "params": {},
    }
    for t in range(2, MAX_INPUTS + 2):
        params = generate_params(t)
        document["params"][str(t)] = {  # type: ignore[index]
            "n_rounds_p": params.n_rounds_p,
            "round_constants": [[hex(c) for c in row] for row in params.round_constants],
            "mds": [[hex(m) for m in row] for row in params.mds],
        }
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n")


# ----------------------------------------------------------------------------- loading


@functools.cache
def _load_document() -> dict:
    """The parsed JSON data file."""
    return json.loads(CONSTANTS_PATH.read_text())


def poseidon_params(t: int) -> PoseidonParams:
    """Round constants, MDS matrix and round numbers for width t = inputs + 1 (2..17), from the data file."""
    _check_width(t)
    return _load_params(t)


@functools.cache
def _load_params(t: int) -> PoseidonParams:
    """Parse the parameters of width t from the data file (once)."""
    entry = _load_document()["params"][str(t)]
    return PoseidonParams(
        t=t,
        n_rounds_f=N_ROUNDS_F,
        n_rounds_p=entry["n_rounds_p"],
        round_constants=tuple(tuple(int(c, 16) for c in row) for row in entry["round_constants"]),
        mds=tuple(tuple(int(m, 16) for m in row) for row in entry["mds"]),
    )


def _check_width(t: object) -> None:
    """Raise unless t is a supported state width."""
    if not isinstance(t, int) or isinstance(t, bool) or not 2 <= t <= MAX_INPUTS + 1:
        raise MalformedInput(f"Poseidon width t must be an int in [2, {MAX_INPUTS + 1}], not {t!r}")


# ----------------------------------------------------------------------------- reference


def poseidon_permutation(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of a full state of t field elements, textbook version (reference)."""
    p = R
    params = poseidon_params(len(state))
    _check_field_elements(state, "Poseidon state")
    state = list(state)
    for r, constants in enumerate(params.round_constants):
        state = [(s + c) % p for s, c in zip(state, constants)]
        if params.is_full_round(r):
            state = [pow(s, 5, p) for s in state]
        else:
            state[0] = pow(state[0], 5, p)
        state = [sum(m * s for m, s in zip(row, state)) % p for row in params.mds]
    return state


# ----------------------------------------------------------------------------- fast hash


@dataclass(frozen=True)
class FastSchedule:
    """An equivalent, cheaper description of the permutation (see the module docstring)."""

    #: (constants, matrix) of the first-half full rounds; the last matrix absorbs the partial rounds' factors
    first_full: tuple[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]], ...]
    #: (constant on element 0, a00, first row tail, first column tail) of each partial round
    partial: tuple[tuple[int, int, tuple[int, ...], tuple[int, ...]], ...]
    #: constants of the second-half full rounds (the first one absorbs the pushed constants)
    second_full: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]


def _mat_vec(matrix: Sequence[Sequence[int]], vector: Sequence[int]) -> list[int]:
    """Matrix times vector mod r."""
    return [sum(map(operator.mul, row, vector)) % R for row in matrix]


def _mat_mul(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> list[list[int]]:
    """Matrix product mod r."""
    columns = list(zip(*b))
    return [[sum(map(operator.mul, row, col)) % R for col in columns] for row in a]


def _solve(matrix: Sequence[Sequence[int]], rhs: Sequence[int]) -> list[int]:
    """The x with matrix @ x = rhs mod r, by Gaussian elimination (matrix invertible)."""
    p = R
    n = len(rhs)
    rows = [list(row) + [b] for row, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = next(i for i in range(col, n) if rows[i][col] % p)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        inverse = pow(rows[col][col], -1, p)
        rows[col] = [v * inverse % p for v in rows[col]]
        for i in range(n):
            factor = rows[i][col]
            if i != col and factor:
                rows[i] = [(v - factor * w) % p for v, w in zip(rows[i], rows[col])]
    return [row[n] for row in rows]


@functools.cache
def fast_schedule(t: int) -> FastSchedule:
    """The sparse (fast) schedule of the width-t permutation, derived from its parameters (what gadgets follow)."""
    params = poseidon_params(t)
    half = params.n_rounds_f // 2
    n_partial = params.n_rounds_p
    mds = [list(row) for row in params.mds]
    constants = [list(row) for row in params.round_constants]

    # 1. push the partial rounds' constants on elements 1..t-1 into the next round
    for r in range(half, half + n_partial):
        pushed = _mat_vec(mds, [0] + constants[r][1:])
        constants[r + 1] = [(c + v) % R for c, v in zip(constants[r + 1], pushed)]
        constants[r][1:] = [0] * (t - 1)

    # 2. factor each partial round's matrix N = A @ B, B = diag(1, N[1:, 1:]), last round first;
    #    B commutes with the partial S-box, so it joins the previous round's matrix: N_prev = B @ M
    partial = []
    matrix = mds
    for r in reversed(range(half, half + n_partial)):
        block = [row[1:] for row in matrix[1:]]
        # first row tail a with a @ block = matrix[0][1:], i.e. block^T @ a = matrix[0][1:]
        row_tail = _solve([list(col) for col in zip(*block)], matrix[0][1:])
        column_tail = [row[0] for row in matrix[1:]]
        partial.append((constants[r][0], matrix[0][0], tuple(row_tail), tuple(column_tail)))
        b_matrix = [[1] + [0] * (t - 1)] + [[0] + row for row in block]
        matrix = _mat_mul(b_matrix, mds)
    partial.reverse()

    first_full = tuple(
        (tuple(constants[r]), tuple(tuple(row) for row in (matrix if r == half - 1 else mds)))
        for r in range(half)
    )
    second_full = tuple(tuple(constants[r]) for r in range(half + n_partial, params.n_rounds))
    return FastSchedule(first_full, tuple(partial), second_full, params.mds)


def _poseidon(inputs: Sequence[int]) -> int:
    """Poseidon of 1..16 field elements, without input validation."""
    p = R
    mul = operator.mul
    schedule = fast_schedule(len(inputs) + 1)
    state = [0, *inputs]
    for constants, matrix in schedule.first_full:
        state = [pow(s + c, 5, p) for s, c in zip(state, constants)]
        state = [sum(map(mul, row, state)) % p for row in matrix]
    x0 = state[0]
    rest = state[1:]
    for c, a00, row_tail, column_tail in schedule.partial:
        y = pow(x0 + c, 5, p)
        x0 = (a00 * y + sum(map(mul, row_tail, rest))) % p
        rest = [x + h * y for x, h in zip(rest, column_tail)]
    state = [x0, *rest]
    mds = schedule.mds
    *middle, last = schedule.second_full
    for constants in middle:
        state = [pow(s + c, 5, p) for s, c in zip(state, constants)]
        state = [sum(map(mul, row, state)) % p for row in mds]
    state = [pow(s + c, 5, p) for s, c in zip(state, last)]
    return sum(map(mul, mds[0], state)) % p


def _poseidon2(left: int, right: int) -> int:
    """Poseidon of two field elements (t = 3) in straight-line code, without input validation."""
    p = R
    schedule = fast_schedule(3)
    a, b, c = 0, left, right
    for (c0, c1, c2), ((m00, m01, m02), (m10, m11, m12), (m20, m21, m22)) in schedule.first_full:
        a = pow(a + c0, 5, p)
        b = pow(b + c1, 5, p)
        c = pow(c + c2, 5, p)
        a, b, c = (
            (m00 * a + m01 * b + m02 * c) % p,
            (m10 * a + m11 * b + m12 * c) % p,
            (m20 * a + m21 * b + m22 * c) % p,
        )
    for k, a00, (r1, r2), (h1, h2) in schedule.partial:
        y = pow(a + k, 5, p)
        a = (a00 * y + r1 * b + r2 * c) % p
        b += h1 * y
        c += h2 * y
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = schedule.mds
    *middle, last = schedule.second_full
    for c0, c1, c2 in middle:
        a = pow(a + c0, 5, p)
        b = pow(b + c1, 5, p)
        c = pow(c + c2, 5, p)
        a, b, c = (
            (m00 * a + m01 * b + m02 * c) % p,
            (m10 * a + m11 * b + m12 * c) % p,
            (m20 * a + m21 * b + m22 * c) % p,
        )
    c0, c1, c2 = last
    return (m00 * pow(a + c0, 5, p) + m01 * pow(b + c1, 5, p) + m02 * pow(c + c2, 5, p)) % p


def _poseidon4(x1: int, x2: int, x3: int, x4: int) -> int:
    """Poseidon of four field elements (t = 5) in straight-line code, without input validation."""
    p = R
    schedule = fast_schedule(5)
    a, b, c, d, e = 0, x1, x2, x3, x4
    for (c0, c1, c2, c3, c4), matrix in schedule.first_full:
        a = pow(a + c0, 5, p)
        b = pow(b + c1, 5, p)
        c = pow(c + c2, 5, p)
        d = pow(d + c3, 5, p)
        e = pow(e + c4, 5, p)
        a, b, c, d, e = [(m0 * a + m1 * b + m2 * c + m3 * d + m4 * e) % p for m0, m1, m2, m3, m4 in matrix]
    for k, a00, (r1, r2, r3, r4), (h1, h2, h3, h4) in schedule.partial:
        y = pow(a + k, 5, p)
        a = (a00 * y + r1 * b + r2 * c + r3 * d + r4 * e) % p
        b += h1 * y
        c += h2 * y
        d += h3 * y
        e += h4 * y
    mds = schedule.mds
    *middle, last = schedule.second_full
    for c0, c1, c2, c3, c4 in middle:
        a = pow(a + c0, 5, p)
        b = pow(b + c1, 5, p)
        c = pow(c + c2, 5, p)
        d = pow(d + c3, 5, p)
        e = pow(e + c4, 5, p)
        a, b, c, d, e = [(m0 * a + m1 * b + m2 * c + m3 * d + m4 * e) % p for m0, m1, m2, m3, m4 in mds]
    c0, c1, c2, c3, c4 = last
    m0, m1, m2, m3, m4 = mds[0]
    a = pow(a + c0, 5, p)
    b = pow(b + c1, 5, p)
    c = pow(c + c2, 5, p)
    d = pow(d + c3, 5, p)
    e = pow(e + c4, 5, p)
    return (m0 * a + m1 * b + m2 * c + m3 * d + m4 * e) % p


def _poseidon_any(inputs: Sequence[int]) -> int:
    """Poseidon of 1..16 field elements through the fastest path for their number, without validation."""
    n = len(inputs)
    if n == 2:
        return _poseidon2(inputs[0], inputs[1])
    if n == 4:
        return _poseidon4(inputs[0], inputs[1], inputs[2], inputs[3])
    return _poseidon(inputs)


def _check_field_elements(values: Sequence[int], what: str) -> None:
    """Raise unless every value is an int in [0, r)."""
    p = R
    for i, value in enumerate(values):
        if type(value) is not int:
            if isinstance(value, bool) or not hasattr(value, "__index__"):
                raise MalformedInput(f"{what}[{i}] must be an int field element, not {type(value).__name__}")
            value = operator.index(value)
        if not 0 <= value < p:
            raise FieldElementOutOfRange(f"{what}[{i}] must be in [0, r), r = {p}; got {value}")


def poseidon_hash(inputs: Sequence[int]) -> int:
    """Poseidon hash of 1..16 field elements, equal to circomlibjs ``poseidon(inputs)``."""
    if not isinstance(inputs, (list, tuple)):
        if not isinstance(inputs, Sequence) or isinstance(inputs, (str, bytes)):
            raise MalformedInput(f"Poseidon inputs must be a list of ints, not {type(inputs).__name__}")
        inputs = list(inputs)
    n = len(inputs)
    if not 1 <= n <= MAX_INPUTS:
        raise ShapeMismatch(f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {n}")
    p = R
    if not all(type(value) is int and 0 <= value < p for value in inputs):
        _check_field_elements(inputs, "Poseidon input")
        inputs = [operator.index(value) for value in inputs]
    return _poseidon_any(inputs)


if __name__ == "__main__":
    write_constants()
    print(f"wrote {CONSTANTS_PATH}")
