"""Poseidon in a circuit, circomlib's parameters for 1..16 inputs. Native twin: `zkl.crypto.poseidon.poseidon_hash`.

    h = poseidon(api, [a, b])          # equals poseidon_hash([a, b]) == circomlibjs poseidon([a, b])

Cost: 3 constraints per S-box x^5 (x*x, x2*x2, x4*x) and nothing else: the round constants and
the MDS mixing are linear, so every S-box input is a linear combination of earlier S-box
outputs (and of the inputs). Full rounds apply t S-boxes, partial rounds one; the capacity
S-box of the first round has a constant input and folds away. Constraints for t = n + 1:

    3 * (8 * t + R_P(t)) - 3    t = 2..17: 213 240 261 297 321 354 381 402 417 459 465 504 543 537 573 609

(2 inputs: 240, as circom/circomlib with --O2; 4 inputs: 297; 5 inputs: 321.) The optimized
(sparse-matrix) form of the partial rounds gives the same count and, written over the same
wires (the S-box outputs), the very same linear combinations, so the R1CS does not depend on
the form. Each form is used where it is fastest, with identical wires and constraints:

- compiling, each S-box input is built in one `api.lincomb` over the wires made so far, from a
  map derived once per t (`_schedule`): no linear combination is copied round after round;
- solving (all inputs variables), the state is a handful of values and the partial rounds use
  the sparse form of the native twin (`zkl.crypto.poseidon.fast_schedule`): O(t) per round.

Both runs call `sbox` on the same S-box inputs in the same order, so wires and constraints
match one for one (every compile + solve test checks it: `solve(..., r1cs=)` compares counts
and `r1cs.check` the witness).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zkl.circuits.field import R
from zkl.circuits.lincomb import Variable
from zkl.circuits.lincomb import Value
from zkl.crypto.poseidon import MAX_INPUTS, fast_schedule
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["constraint_count", "poseidon", "sbox"]

_Terms = tuple[tuple[int, int], ...]


def sbox(api: API, x: Variable) -> Variable:
    """Return x^5 with three constraints (x*x, x2*x2, x4*x); free for a constant x."""
    x2 = api.mul(x, x)
    x4 = api.mul(x2, x2)
    return api.mul(x4, x)


@functools.cache
def _schedule(t: int) -> tuple[tuple[tuple[_Terms, int], ...], _Terms, int]:
    """The permutation of width t as straight-line code over wires, derived once.

    Wires 0..t-2 are the inputs, wire t-1+k the output of the k-th non-constant S-box. Returns
    (sboxes, out_terms, out_constant): each S-box input as (((wire, coeff), ...), constant),
    and the output state[0] the same way. Derived along the sparse form (`fast_schedule`),
    whose S-box inputs are those of the textbook permutation, in O(t) dictionary updates per
    partial round.
    """
    schedule = fast_schedule(t)
    sboxes: list[tuple[_Terms, int]] = []
    n_wires = [t - 1]

    def sbox_of(element: tuple[dict[int, int], int], c: int) -> tuple[dict[int, int], int]:
        terms, k = element
        k = (k + c) % R
        if not terms:
            return {}, pow(k, 5, R)
        sboxes.append((tuple(terms.items()), k))
        n_wires[0] += 1
        return {n_wires[0] - 1: 1}, 0

    def combine(row: Sequence[int], state: Sequence[tuple[dict[int, int], int]]) -> tuple[dict[int, int], int]:
        acc: dict[int, int] = {}
        k0 = 0
        for m, (terms, k) in zip(row, state):
            k0 += m * k
            for w, c in terms.items():
                acc[w] = (acc.get(w, 0) + m * c) % R
        return {w: c for w, c in acc.items() if c}, k0 % R

    state: list[tuple[dict[int, int], int]] = [({}, 0)] + [({i: 1}, 0) for i in range(t - 1)]
    for constants, matrix in schedule.first_full:
        state = [sbox_of(e, c) for e, c in zip(state, constants)]
        state = [combine(row, state) for row in matrix]
    x0, rest = state[0], [(dict(terms), k) for terms, k in state[1:]]
    for c, a00, row_tail, column_tail in schedule.partial:
        y = sbox_of(x0, c)
        x0 = combine((a00, *row_tail), [y, *rest])
        (w, _), = y[0].items()
        for (terms, _k), h in zip(rest, column_tail):
            terms[w] = h % R  # y is a fresh wire: no earlier term to add to
    state = [x0, *rest]
    *middle, last = schedule.second_full
    for constants in middle:
        state = [sbox_of(e, c) for e, c in zip(state, constants)]
        state = [combine(row, state) for row in schedule.mds]
    state = [sbox_of(e, c) for e, c in zip(state, last)]
    out_terms, out_k = combine(schedule.mds[0], state)
    return tuple(sboxes), tuple(out_terms.items()), out_k


def constraint_count(n_inputs: int) -> int:
    """Return the constraints of `poseidon` over n_inputs non-constant inputs."""
    _check_n(n_inputs)
    return 3 * len(_schedule(n_inputs + 1)[0])


def _check_n(n: int) -> None:
    """Raise CircuitError unless 1 <= n <= 16."""
    if not 1 <= n <= MAX_INPUTS:
        raise CircuitError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {n}")


def poseidon(api: API, inputs: Sequence[Variable]) -> Variable:
    """Return Poseidon(inputs) (circomlib parameters, 1..16 inputs) as a linear combination.

    Constrains the output to be the hash: 3 constraints per S-box, see the module docstring
    (`constraint_count`). Constant inputs fold (an all-constant hash is a constant).
    """
    inputs = list(inputs)
    _check_n(len(inputs))
    if api.solving and all(type(x) is Value for x in inputs):
        with api.scope("poseidon"):
            return _poseidon_sparse(api, inputs)
    sboxes, out_terms, out_k = _schedule(len(inputs) + 1)
    wires: list[Variable] = inputs
    with api.scope("poseidon"):
        for terms, k in sboxes:
            x = api.lincomb([(c, wires[w]) for w, c in terms], k)
            wires.append(sbox(api, x))
        return api.lincomb([(c, wires[w]) for w, c in out_terms], out_k)


def _poseidon_sparse(api: API, inputs: list[Variable]) -> Variable:
    """Poseidon over variable inputs in the sparse form (the solver's path; same S-boxes in the
    same order as the compiled schedule, see the module docstring)."""
    schedule = fast_schedule(len(inputs) + 1)
    state: list[Variable] = [0, *inputs]
    for constants, matrix in schedule.first_full:
        state = [sbox(api, api.add(x, c)) for x, c in zip(state, constants)]
        state = [api.lincomb(zip(row, state)) for row in matrix]
    x0, rest = state[0], state[1:]
    for c, a00, row_tail, column_tail in schedule.partial:
        y = sbox(api, api.add(x0, c))
        x0 = api.lincomb([(a00, y), *zip(row_tail, rest)])
        rest = [api.lincomb(((1, x), (h, y))) for x, h in zip(rest, column_tail)]
    state = [x0, *rest]
    *middle, last = schedule.second_full
    for constants in middle:
        state = [sbox(api, api.add(x, c)) for x, c in zip(state, constants)]
        state = [api.lincomb(zip(row, state)) for row in schedule.mds]
    state = [sbox(api, api.add(x, c)) for x, c in zip(state, last)]
    return api.lincomb(zip(schedule.mds[0], state))
