"""Poseidon (circomlib parameters) as a Solidity library, equal bit for bit to zkl.crypto.poseidon.

    source = poseidon_library(4)          # library PoseidonT5 { function hash(uint256[4] memory) ... }

The library has one function, ``hash(uint256[N] memory inputs) internal pure returns (uint256)``,
equal to ``poseidon_hash(inputs)`` for every N-tuple of field elements. An input >= r reverts
with ``PoseidonInputOutOfRange()``: circomlib's hash reduces nothing, so a value >= r has no hash
of its own, and taking it mod r would let two different inputs (x and x + r) collide.

The code is straight-line inline assembly (mulmod / addmod, every constant a PUSH32 literal) over the
rewriting of `zkl.crypto.poseidon.fast_schedule`: partial rounds' constants pushed onto element 0 and
their matrices factored into sparse ones (2t - 1 multiplications instead of t^2). Every intermediate
value carries an upper bound, and a sum is reduced mod r only where it could pass 2^256 (mulmod takes
unreduced operands), so most additions are plain ADDs. The full rounds' MDS product is one shared Yul
function. A multiplier used twice is written m + k r the second time: solc would otherwise move it
into code data and read it by CODECOPY, ten times the gas of a PUSH32.

Code size decides the rest: a sparse round is 2t - 1 words of constants (~300-370 bytes), and an all
sparse t = 5 library is ~27 kB, more than EIP-170 lets one contract hold (24,576 bytes). So for t = 5
and 6 the last partial rounds keep the dense MDS (through the shared function): the fewest that leave
a contract holding just `hash` about 1 kB under the limit (12 of 60 rounds for t = 5, 26 of 60 for
t = 6). `hash` is internal, so a contract that calls it holds all of it: at t = 5 that contract can
hold little else, and a rollup contract would rather call a small contract of its own that wraps it.

Gas of `hash` (pyrevm, Cancun, solc 0.8.28 with 200 optimizer runs, gasleft() around the call; the
inputs already in memory) and the runtime size of a contract with `hash` and one more function:

    t = 2 (1 input)    10,306 gas    9.4 kB
    t = 3 (2 inputs)   14,734 gas   14.8 kB
    t = 4 (3 inputs)   19,057 gas   19.9 kB
    t = 5 (4 inputs)   30,325 gas   23.5 kB    (all rounds sparse: 25,567 gas, 27.0 kB)
    t = 6 (5 inputs)   47,228 gas   23.3 kB    (all rounds sparse: 31,088 gas, 32.9 kB)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkl.algebra.constants import R
from zkl.crypto.poseidon import poseidon_params
from zkl.errors import MalformedInput
from zkl.verifier.solidity import PRAGMA

__all__ = ["MAX_LIBRARY_INPUTS", "poseidon_library"]

#: the most inputs a generated library takes (t = 6)
MAX_LIBRARY_INPUTS = 5

#: keccak256("PoseidonInputOutOfRange()")[:4]
_INPUT_OUT_OF_RANGE = 0xA98171D7

_WORD = 1 << 256

#: partial rounds left dense (the MDS through the shared `mix`) for each t: the fewest that keep a contract with
#: just `hash` ~1 kB under EIP-170's 24,576 bytes (a sparse round is ~300-370 bytes bigger and ~450-620 gas cheaper)
_DENSE_PARTIAL_ROUNDS = {2: 0, 3: 0, 4: 0, 5: 12, 6: 26}


@dataclass(frozen=True)
class _Value:
    """A Yul expression and an upper bound on the value it can take."""

    text: str
    bound: int


def _literal(value: int) -> _Value:
    """A constant as a Yul literal."""
    return _Value(hex(value), value)


class _Coefficients:
    """Literals for multipliers: the k-th use of a value m is written m + k r (same product mod r), so that solc,
    which moves a repeated constant into code data read by CODECOPY (~30 gas), keeps each one a PUSH32 (3 gas)."""

    def __init__(self) -> None:
        self._uses: dict[int, int] = {}

    def literal(self, constant: int) -> str:
        """A literal equal to constant mod r, distinct from the ones given before where it can be."""
        k = self._uses.get(constant, 0)
        self._uses[constant] = k + 1
        return hex(constant + k * R if constant + k * R < _WORD else constant)

    def product(self, value: _Value, constant: int) -> _Value:
        """value * constant mod r (mulmod takes any 256-bit operand)."""
        return _Value(f"mulmod({value.text}, {self.literal(constant)}, p)", R - 1)


def _plus(a: _Value, b: _Value) -> _Value:
    """a + b: a plain ADD where the sum cannot pass 2^256, else ADDMOD."""
    # Yul evaluates arguments right to left: a (the running sum) first, so it waits as one stack slot
    if a.bound + b.bound < _WORD:
        return _Value(f"add({b.text}, {a.text})", a.bound + b.bound)
    return _Value(f"addmod({b.text}, {a.text}, p)", R - 1)


def _total(terms: list[_Value], *, reduced: bool = False) -> _Value:
    """The sum of the terms; below r when reduced."""
    acc = terms[0]
    for term in terms[1:-1] if reduced else terms[1:]:
        acc = _plus(acc, term)
    return _Value(f"addmod({terms[-1].text}, {acc.text}, p)", R - 1) if reduced else acc


def _sbox(target: str, value: str, square: str) -> list[str]:
    """Statements target := value^5 mod r, through square := value^2 (declared variables; value may be target)."""
    return [f"{square} := mulmod({value}, {value}, p)",
            f"{target} := mulmod(mulmod({square}, {square}, p), {value}, p)"]


def _mat_vec(matrix: Sequence[Sequence[int]], vector: Sequence[int]) -> list[int]:
    """Matrix times vector mod r."""
    return [sum(m * v for m, v in zip(row, vector)) % R for row in matrix]


def _solve(matrix: Sequence[Sequence[int]], rhs: Sequence[int]) -> list[int]:
    """The x with matrix @ x = rhs mod r (matrix invertible)."""
    n = len(rhs)
    rows = [[*row, b] for row, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = next(i for i in range(col, n) if rows[i][col])
        rows[col], rows[pivot] = rows[pivot], rows[col]
        inverse = pow(rows[col][col], -1, R)
        rows[col] = [v * inverse % R for v in rows[col]]
        for i in range(n):
            if i != col and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [(v - factor * w) % R for v, w in zip(rows[i], rows[col])]
    return [row[n] for row in rows]


@dataclass(frozen=True)
class _Schedule:
    """The permutation rewritten as fast_schedule does, except that the last partial rounds keep the dense MDS."""

    #: constants of the first-half full rounds; the last of them mixes with `into_sparse`, the others with `mds`
    first_full: tuple[tuple[int, ...], ...]
    into_sparse: tuple[tuple[int, ...], ...]
    #: (constant on element 0, a00, first row tail, first column tail) of each sparse partial round
    sparse: tuple[tuple[int, int, tuple[int, ...], tuple[int, ...]], ...]
    #: constant on element 0 of each dense partial round (then the MDS)
    dense: tuple[int, ...]
    #: constants of the second-half full rounds
    second_full: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]


def _schedule(t: int, n_dense: int) -> _Schedule:
    """The width-t permutation with its partial rounds' constants pushed onto element 0 and all but the last
    n_dense partial rounds factored into sparse matrices (n_dense = 0 is zkl.crypto.poseidon.fast_schedule)."""
    params = poseidon_params(t)
    half = params.n_rounds_f // 2
    n_partial = params.n_rounds_p
    mds = params.mds
    constants = [list(row) for row in params.round_constants]
    for r in range(half, half + n_partial):
        pushed = _mat_vec(mds, [0, *constants[r][1:]])
        constants[r + 1] = [(c + v) % R for c, v in zip(constants[r + 1], pushed)]
        constants[r][1:] = [0] * (t - 1)
    sparse = []
    matrix: Sequence[Sequence[int]] = mds
    for r in reversed(range(half, half + n_partial - n_dense)):
        block = [row[1:] for row in matrix[1:]]
        row_tail = _solve(list(zip(*block)), matrix[0][1:])
        sparse.append((constants[r][0], matrix[0][0], tuple(row_tail), tuple(row[0] for row in matrix[1:])))
        matrix = [list(mds[0])] + [[sum(b * m[j] for b, m in zip(row, mds[1:])) % R for j in range(t)]
                                   for row in block]
    return _Schedule(
        first_full=tuple(tuple(constants[r]) for r in range(half)),
        into_sparse=tuple(tuple(row) for row in matrix),
        sparse=tuple(reversed(sparse)),
        dense=tuple(constants[r][0] for r in range(half + n_partial - n_dense, half + n_partial)),
        second_full=tuple(tuple(constants[r]) for r in range(half + n_partial, params.n_rounds)),
        mds=mds,
    )


def _mix_function(name: str, matrix: Sequence[Sequence[int]], coefficients: _Coefficients) -> tuple[list[str], int]:
    """A Yul function returning matrix @ (x0, ..., x(t-1)) (each output below 2^256); its lines, its outputs' bound."""
    xs = [f"x{i}" for i in range(len(matrix))]
    outs = [f"o{i}" for i in range(len(matrix))]
    lines = [f"function {name}({', '.join(xs)}, p) -> {', '.join(outs)} {{"]
    bound = 0
    for out, row in zip(outs, matrix):
        mixed = _total([coefficients.product(_Value(x, R - 1), m) for x, m in zip(xs, row)])
        lines.append(f"    {out} := {mixed.text}")
        bound = max(bound, mixed.bound)
    return [*lines, "}"], bound


def _permutation(t: int, n_dense: int) -> tuple[list[str], list[str]]:
    """Yul functions, and statements from s1..s(t-1) (the inputs, below r) to `result` := Poseidon of them."""
    schedule = _schedule(t, n_dense)
    s = [f"s{i}" for i in range(t)]
    state = ", ".join(s)
    coefficients = _Coefficients()
    mix_lines, mix_bound = _mix_function("mix", schedule.mds, coefficients)
    into_lines, into_bound = _mix_function("mixIntoSparse", schedule.into_sparse, coefficients)
    functions = [*mix_lines, *into_lines]
    lines = ["let s0", "let q"]
    bounds = [0] + [R - 1] * (t - 1)

    def sbox_all(constants: Sequence[int]) -> list[str]:
        out = []
        for i, c in enumerate(constants):
            added = _plus(_Value(s[i], bounds[i]), _literal(c))
            out += [f"{s[i]} := {added.text}", *_sbox(s[i], s[i], "q")]
        return out

    for r, constants in enumerate(schedule.first_full):
        last = r == len(schedule.first_full) - 1
        mix = "mixIntoSparse" if last else "mix"
        lines += [f"// full round {r}", *sbox_all(constants), f"{state} := {mix}({state}, p)"]
        bounds = [into_bound if last else mix_bound] * t

    lines += [f"let a00 := {coefficients.literal(schedule.mds[0][0])}", "let y"]
    y = _Value("y", R - 1)
    rnd = len(schedule.first_full)
    for constant, a00, row_tail, column_tail in schedule.sparse:
        assert a00 == schedule.mds[0][0]
        u = _plus(_Value(s[0], bounds[0]), _literal(constant))
        lines += [f"// partial round {rnd}", f"s0 := {u.text}", *_sbox("y", "s0", "y")]
        terms = [_Value("mulmod(y, a00, p)", R - 1)]
        terms += [coefficients.product(_Value(s[j], bounds[j]), m) for j, m in enumerate(row_tail, 1)]
        mixed = _total(terms)
        lines.append(f"s0 := {mixed.text}")
        bounds[0] = mixed.bound
        for j, h in enumerate(column_tail, 1):
            updated = _plus(_Value(s[j], bounds[j]), coefficients.product(y, h))
            lines.append(f"{s[j]} := {updated.text}")
            bounds[j] = updated.bound
        rnd += 1
    for constant in schedule.dense:
        u = _plus(_Value(s[0], bounds[0]), _literal(constant))
        lines += [f"// partial round {rnd} (dense)", f"s0 := {u.text}", *_sbox("s0", "s0", "q"),
                  f"{state} := mix({state}, p)"]
        bounds = [mix_bound] * t
        rnd += 1

    *middle, last = schedule.second_full
    for constants in middle:
        lines += [f"// full round {rnd}", *sbox_all(constants), f"{state} := mix({state}, p)"]
        bounds = [mix_bound] * t
        rnd += 1
    lines += [f"// full round {rnd}, first element only", *sbox_all(last)]
    out = _total([coefficients.product(_Value(si, R - 1), m) for si, m in zip(s, schedule.mds[0])], reduced=True)
    lines.append(f"result := {out.text}")
    return functions, lines


def poseidon_library(n_inputs: int, *, name: str | None = None) -> str:
    """The Solidity source of a library whose `hash` is Poseidon of n_inputs field elements (1..5)."""
    if not isinstance(n_inputs, int) or isinstance(n_inputs, bool) or not 1 <= n_inputs <= MAX_LIBRARY_INPUTS:
        raise MalformedInput(f"n_inputs must be an int in [1, {MAX_LIBRARY_INPUTS}], not {n_inputs!r}")
    t = n_inputs + 1
    name = f"PoseidonT{t}" if name is None else name
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise MalformedInput(f"name must be a Solidity identifier, not {name!r}")
    loads = [f"let s{i} := mload({'inputs' if i == 1 else f'add(inputs, {hex(32 * (i - 1))})'})"
             for i in range(1, t)]
    in_range = "lt(s1, p)"
    for i in range(2, t):
        in_range = f"and({in_range}, lt(s{i}, p))"
    functions, statements = _permutation(t, _DENSE_PARTIAL_ROUNDS[t])
    main = [
        f"let p := {hex(R)}",
        *loads,
        f"if iszero({in_range}) {{",
        f"    mstore(0, shl(224, {hex(_INPUT_OUT_OF_RANGE)}))",
        "    revert(0, 4)",
        "}",
        *statements,
    ]
    body = [*functions, "{", *("    " + line for line in main), "}"]
    indent = " " * 12
    code = "\n".join(indent + line for line in body)
    plural = "" if n_inputs == 1 else "s"
    return f"""// SPDX-License-Identifier: MIT
// Generated by zkl (zkl.settlement.solidity.poseidon): Poseidon over BN254's scalar field, circomlib's parameters.
{PRAGMA}

/// @title Poseidon hash of {n_inputs} field element{plural} (state width t = {t}), equal to circomlib's
/// @notice hash(inputs) equals circomlibjs poseidon(inputs) for inputs below r; it reverts with
/// PoseidonInputOutOfRange for an input >= r (nothing is reduced, as in circomlib).
library {name} {{
    /// @notice An input is not below the scalar field modulus r.
    error PoseidonInputOutOfRange();

    /// @notice Poseidon of the {n_inputs} input{plural}, each below r.
    function hash(uint256[{n_inputs}] memory inputs) internal pure returns (uint256 result) {{
        assembly ("memory-safe") {{
{code}
        }}
    }}
}}
"""
