"""Poseidon: the stored constants against their generator, the fast hash against the textbook permutation."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkl.crypto import poseidon as poseidon_module
from zkl.crypto.poseidon import (
    MAX_INPUTS,
    N_ROUNDS_F,
    N_ROUNDS_P,
    generate_params,
    poseidon_hash,
    poseidon_params,
    poseidon_permutation,
)
from zkl.algebra.constants import R
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch


WIDTHS = range(2, MAX_INPUTS + 2)


@pytest.mark.parametrize("t", [2, 3, 5, 6])
def test_regenerated_constants_equal_the_data_file(t: int) -> None:
    assert generate_params(t) == poseidon_params(t)


@pytest.mark.parametrize("t", WIDTHS)
def test_params_shape(t: int) -> None:
    params = poseidon_params(t)
    assert params.t == t
    assert (params.n_rounds_f, params.n_rounds_p) == (N_ROUNDS_F, N_ROUNDS_P[t - 2])
    assert len(params.round_constants) == params.n_rounds == N_ROUNDS_F + N_ROUNDS_P[t - 2]
    assert all(len(row) == t and all(0 <= c < R for c in row) for row in params.round_constants)
    assert len(params.mds) == t and all(len(row) == t and all(0 < m < R for m in row) for row in params.mds)
    assert len({c for row in params.round_constants for c in row}) == t * params.n_rounds
    full = [r for r in range(params.n_rounds) if params.is_full_round(r)]
    assert full == [0, 1, 2, 3] + list(range(params.n_rounds - 4, params.n_rounds))


@pytest.mark.parametrize("t", [2, 3, 9, 17])
def test_mds_is_a_cauchy_matrix(t: int) -> None:
    # 1/M[i][j] = x_i + y_j, so 1/M[i][j] - 1/M[i][0] must not depend on i
    inverse = [[pow(m, -1, R) for m in row] for row in poseidon_params(t).mds]
    differences = {tuple((row[j] - row[0]) % R for j in range(t)) for row in inverse}
    assert len(differences) == 1


def test_known_vectors() -> None:
    # circomlibjs test/poseidon.js
    assert poseidon_hash([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530
    assert poseidon_hash([1, 2, 3, 4]) == (
        18821383157269793795438455681495246036402687001665670618754263018637548127333
    )


@pytest.mark.parametrize("t", WIDTHS)
def test_fast_hash_equals_textbook_permutation(t: int) -> None:
    rng = random.Random(1000 + t)
    cases = [[0] * (t - 1), [R - 1] * (t - 1)] + [[rng.randrange(R) for _ in range(t - 1)] for _ in range(4)]
    for inputs in cases:
        expected = poseidon_permutation([0, *inputs])[0]
        assert poseidon_hash(inputs) == expected
        assert poseidon_module._poseidon(inputs) == expected


def test_straight_line_paths_equal_the_generic_one() -> None:
    rng = random.Random(7)
    for _ in range(20):
        x = [rng.randrange(R) for _ in range(4)]
        assert poseidon_module._poseidon2(x[0], x[1]) == poseidon_module._poseidon(x[:2])
        assert poseidon_module._poseidon4(*x) == poseidon_module._poseidon(x)


def test_hash_depends_on_every_input_and_its_position() -> None:
    rng = random.Random(8)
    base = [rng.randrange(R) for _ in range(MAX_INPUTS)]
    for n in (1, 2, 4, 16):
        h = poseidon_hash(base[:n])
        for i in range(n):
            changed = list(base[:n])
            changed[i] = (changed[i] + 1) % R
            assert poseidon_hash(changed) != h
        assert n == 1 or poseidon_hash(base[:n][::-1]) != h
    assert poseidon_hash([0]) != poseidon_hash([0, 0])


def test_accepts_tuples_and_numpy_ints() -> None:
    assert poseidon_hash((1, 2)) == poseidon_hash([np.uint64(1), np.int64(2)]) == poseidon_hash([1, 2])


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ([], ShapeMismatch),
        (list(range(MAX_INPUTS + 1)), ShapeMismatch),
        ([R], FieldElementOutOfRange),
        ([1, R + 5], FieldElementOutOfRange),
        ([-1], FieldElementOutOfRange),
        ([1.0], MalformedInput),
        ([True], MalformedInput),
        (["1"], MalformedInput),
        ("12", MalformedInput),
        (5, MalformedInput),
    ],
)
def test_rejects_bad_inputs(inputs: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        poseidon_hash(inputs)  # type: ignore[arg-type]


def test_error_message_says_what_was_expected_and_given() -> None:
    with pytest.raises(FieldElementOutOfRange, match=r"input\[1\] must be in \[0, r\).*got -3"):
        poseidon_hash([1, -3])
    with pytest.raises(ShapeMismatch, match="1 to 16 inputs, not 17"):
        poseidon_hash([0] * 17)


@pytest.mark.parametrize("t", [0, 1, 18, "3", 3.0])
def test_params_reject_bad_width(t: object) -> None:
    with pytest.raises(MalformedInput):
        poseidon_params(t)  # type: ignore[arg-type]


def test_permutation_rejects_bad_state() -> None:
    with pytest.raises(FieldElementOutOfRange):
        poseidon_permutation([0, R])
    with pytest.raises(MalformedInput):
        poseidon_permutation([0])
