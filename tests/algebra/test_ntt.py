"""The Fr NTT against a naive DFT, galois, snarkjs vectors and schoolbook polynomial products."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap

import galois
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkl.algebra import ntt as ntt_module
from zkl.algebra.constants import R
from zkl.algebra.limbs import ints_to_montgomery, montgomery_to_ints
from zkl.algebra.ntt import coset_intt, coset_ntt, domain, intt, ntt, ntt_mont
from zkl.errors import FieldElementOutOfRange, ShapeMismatch

EDGES = [0, 1, 2, R - 1, R - 2, (R - 1) // 2]

# Roots of unity and transforms printed by ffjavascript 0.3 (the library under
# snarkjs) with `const Fr = (await buildBn128(true)).Fr`: Fr.nqr = 5, Fr.s = 28,
# Fr.shift = 25, Fr.toString(Fr.w[k]), and Fr.fft / Fr.ifft of [1, 2, 3, 4].
SNARKJS_W = {
    1: 21888242871839275222246405745257275088548364400416034343698204186575808495616,
    2: 21888242871839275217838484774961031246007050428528088939761107053157389710902,
    3: 19540430494807482326159819597004422086093766032135589407132600596362845576832,
    4: 14940766826517323942636479241147756311199852622225275649687664389641784935947,
    16: 421743594562400382753388642386256516545992082196004333756405989743524594615,
    28: 19103219067921713944291392827692070036145651957329286315305642004821462161904,
}
SNARKJS_FFT_1234 = [
    10,
    8815841940592487685082627943775890807874194266836837569428,
    21888242871839275222246405745257275088548364400416034343698204186575808495615,
    21888242871839275213430563804664787403465736456640143535824009919738970926185,
]
SNARKJS_IFFT_1234 = [
    10944121435919637611123202872628637544274182200208017171849102093287904247811,
    21888242871839275220042445260109153167277707414472061641729655619866599103259,
    10944121435919637611123202872628637544274182200208017171849102093287904247808,
    2203960485148121921270656985943972701968548566709209392357,
]


@pytest.fixture(scope="module")
def gf():
    # primitive_element=5 skips factoring r - 1 (galois.GF(r) alone takes minutes); galois.ntt
    # itself is np.fft.fft on such an array, with the same root 5^((r-1)/n).
    return galois.GF(R, primitive_element=5, verify=False)


def rand_values(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(R) for _ in range(n)]


def evaluate(coeffs: list[int], point: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * point + c) % R
    return acc


def naive_dft(values: list[int], w: int) -> list[int]:
    return [evaluate(values, pow(w, i, R)) for i in range(len(values))]


def naive_coset(values: list[int], shift: int) -> list[int]:
    w = domain(len(values).bit_length() - 1)
    return [evaluate(values, shift * pow(w, i, R) % R) for i in range(len(values))]


def schoolbook(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % R
    return out


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Blocks of 4 rows, so small sizes run the global radix-2 and fused radix-4 passes too."""
    ntt_module.clear_twiddle_cache()
    monkeypatch.setattr(ntt_module, "LOG_BLOCK", 2)
    yield
    ntt_module.clear_twiddle_cache()


# --- roots of unity -----------------------------------------------------------


def test_domain_matches_snarkjs_roots():
    for k, w in SNARKJS_W.items():
        assert domain(k) == w
    assert domain(0) == 1


@pytest.mark.parametrize("k", [1, 2, 5, 16, 24, 28])
def test_domain_is_a_primitive_root_of_unity(k):
    w = domain(k)
    assert pow(w, 1 << k, R) == 1
    assert pow(w, 1 << (k - 1), R) == R - 1
    if k < 28:
        assert domain(k + 1) ** 2 % R == w


@pytest.mark.parametrize("bad", [-1, 29, 1.0, True, "3"])
def test_domain_rejects_bad_log_n(bad):
    with pytest.raises(ShapeMismatch):
        domain(bad)


# --- against a naive DFT, galois and snarkjs ------------------------------------


def test_snarkjs_vectors():
    assert ntt([1, 2, 3, 4]) == SNARKJS_FFT_1234
    assert intt([1, 2, 3, 4]) == SNARKJS_IFFT_1234


@pytest.mark.parametrize("log_n", range(0, 7))
def test_ntt_matches_naive_dft(log_n):
    n = 1 << log_n
    for seed in range(2):
        values = rand_values(n, 100 * log_n + seed)
        expected = naive_dft(values, domain(log_n))
        assert ntt(values) == expected
        assert intt(expected) == values


@pytest.mark.parametrize("log_n", range(0, 7))
def test_intt_matches_naive_inverse_dft(log_n):
    n = 1 << log_n
    values = rand_values(n, 7 + log_n)
    n_inv = pow(n, -1, R)
    expected = [v * n_inv % R for v in naive_dft(values, pow(domain(log_n), -1, R))]
    assert intt(values) == expected


def test_edge_values():
    values = (EDGES * 3)[:16]
    assert ntt(values) == naive_dft(values, domain(4))
    assert ntt([R - 1] * 8) == [8 * (R - 1) % R] + [0] * 7
    assert ntt([0] * 32) == [0] * 32
    assert intt([5] * 4) == [5, 0, 0, 0]
    impulse = [0, 1] + [0] * 14
    assert ntt(impulse) == [pow(domain(4), i, R) for i in range(16)]


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("log_n", range(1, 8))
def test_global_stages_match_naive_dft(log_n):
    # with 4-row blocks: log_n - 2 global stages, odd and even counts (radix-2 pass + fused pairs)
    values = rand_values(1 << log_n, 300 + log_n)
    expected = naive_dft(values, domain(log_n))
    assert ntt(values) == expected
    assert intt(expected) == values
    shift = 3 + log_n
    evals = naive_coset(values, shift)
    assert coset_ntt(values, shift) == evals
    assert coset_intt(evals, shift) == values


@pytest.mark.parametrize("log_n", [3, 8, 10, 12])
def test_ntt_matches_galois(gf, log_n):
    values = rand_values(1 << log_n, 500 + log_n)
    expected = [int(v) for v in np.fft.fft(gf(values))]
    assert ntt(values) == expected
    assert intt(values) == [int(v) for v in np.fft.ifft(gf(values))]


@pytest.mark.parametrize("log_n", [13, 14, 15, 16])
def test_large_sizes_at_sampled_points(log_n):
    # sizes past one 2^12 block: check a few outputs by Horner evaluation and the round trip
    n = 1 << log_n
    values = rand_values(n, 900 + log_n)
    out = ntt(values)
    w = domain(log_n)
    for i in random.Random(log_n).sample(range(n), 3) + [0, n - 1]:
        assert out[i] == evaluate(values, pow(w, i, R))
    assert intt(out) == values


@given(st.integers(0, 5).flatmap(lambda k: st.lists(st.integers(0, R - 1), min_size=1 << k, max_size=1 << k)))
@settings(max_examples=40, deadline=None)
def test_inverse_undoes_forward(values):
    assert intt(ntt(values)) == values
    assert ntt(intt(values)) == values


# --- cosets ---------------------------------------------------------------------


@pytest.mark.parametrize("log_n", range(0, 6))
def test_coset_ntt_matches_naive_evaluation(log_n):
    values = rand_values(1 << log_n, 40 + log_n)
    rng = random.Random(log_n)
    for shift in (domain(log_n + 1), 25, rng.randrange(1, R), R - 1):
        expected = naive_coset(values, shift)
        assert coset_ntt(values, shift) == expected
        assert coset_intt(expected, shift) == values


def test_coset_with_shift_one_is_plain_ntt():
    values = rand_values(64, 5)
    assert coset_ntt(values, 1) == ntt(values)
    assert coset_intt(values, 1) == intt(values)


@pytest.mark.parametrize("log_n", [10, 14])
def test_coset_round_trip(log_n):
    values = rand_values(1 << log_n, 60 + log_n)
    shift = domain(log_n + 1)
    evals = coset_ntt(values, shift)
    assert evals != ntt(values)
    assert coset_intt(evals, shift) == values
    assert evals[7] == evaluate(values, shift * pow(domain(log_n), 7, R) % R)


# --- polynomial products --------------------------------------------------------


@pytest.mark.parametrize("deg_a, deg_b", [(0, 0), (1, 1), (3, 4), (15, 16), (40, 23)])
def test_polynomial_product_matches_schoolbook(deg_a, deg_b):
    a = rand_values(deg_a + 1, deg_a)
    b = rand_values(deg_b + 1, 1000 + deg_b)
    product = schoolbook(a, b)
    n = 1 << (len(product) - 1).bit_length()
    pad = lambda p: p + [0] * (n - len(p))  # noqa: E731
    evals = [x * y % R for x, y in zip(ntt(pad(a)), ntt(pad(b)))]
    assert intt(evals) == pad(product)
    shift = domain(n.bit_length())
    evals = [x * y % R for x, y in zip(coset_ntt(pad(a), shift), coset_ntt(pad(b), shift))]
    assert coset_intt(evals, shift) == pad(product)


def test_quotient_by_vanishing_polynomial_on_coset():
    # the Groth16 H step: a*b - c vanishes on the domain, so it divides by Z = x^n - 1 on a coset
    n = 16
    a_ev, b_ev = rand_values(n, 1), rand_values(n, 2)
    c_ev = [x * y % R for x, y in zip(a_ev, b_ev)]
    a, b, c = intt(a_ev), intt(b_ev), intt(c_ev)
    shift = domain(5)
    z_inv = pow(pow(shift, n, R) - 1, -1, R)  # Z(shift * w^i) = shift^n - 1 for every i
    ev = [(x * y - z) * z_inv % R for x, y, z in zip(coset_ntt(a, shift), coset_ntt(b, shift), coset_ntt(c, shift))]
    h = coset_intt(ev, shift)
    ab_minus_c = [(x - y) % R for x, y in zip(schoolbook(a, b), c + [0] * (n - 1))]
    x_n_minus_1 = [R - 1] + [0] * (n - 1) + [1]
    assert schoolbook(h[: n - 1], x_n_minus_1)[: 2 * n - 1] == ab_minus_c
    assert h[n - 1] == 0


# --- the Montgomery-array level -------------------------------------------------


def test_ntt_mont_copy_and_in_place():
    values = rand_values(256, 11)
    x = ints_to_montgomery(values, R)
    before = x.copy()
    y = ntt_mont(x)
    assert y is not x and np.array_equal(x, before)
    assert montgomery_to_ints(y, R) == ntt(values)
    z = ntt_mont(x, inverse=True, coset=7, in_place=True)
    assert z is x
    assert montgomery_to_ints(z, R) == coset_intt(values, 7)
    assert montgomery_to_ints(ntt_mont(x, coset=7, in_place=True), R) == values


def test_ntt_mont_accepts_non_contiguous_copy():
    values = rand_values(32, 12)
    x = np.asfortranarray(ints_to_montgomery(values, R))
    assert montgomery_to_ints(ntt_mont(x), R) == ntt(values)
    with pytest.raises(ShapeMismatch, match="C-contiguous"):
        ntt_mont(x, in_place=True)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((8, 4), dtype=np.int64),
        np.zeros((8, 3), dtype=np.uint64),
        np.zeros((8,), dtype=np.uint64),
        np.zeros((6, 4), dtype=np.uint64),
        np.zeros((0, 4), dtype=np.uint64),
        [[0, 0, 0, 0]],
    ],
)
def test_ntt_mont_rejects_bad_arrays(bad):
    with pytest.raises(ShapeMismatch):
        ntt_mont(bad)


# --- errors ---------------------------------------------------------------------


class _Huge:
    """A sequence that only reports its length (2^24 + 2^23), to test the size limit without allocating."""

    def __len__(self) -> int:
        return (1 << 24) + (1 << 23)

    def __iter__(self):
        raise AssertionError("the length must be checked before the values are read")


@pytest.mark.parametrize("fn", [ntt, intt])
@pytest.mark.parametrize("size", [0, 3, 6, 12, 100])
def test_bad_sizes(fn, size):
    with pytest.raises(ShapeMismatch, match=f"power of two in \\[1, 2\\^24\\], not {size}"):
        fn([1] * size)


def test_size_above_the_limit():
    with pytest.raises(ShapeMismatch, match="not 25165824"):
        ntt(_Huge())
    with pytest.raises(ShapeMismatch):
        ntt(12345)


@pytest.mark.parametrize("bad", [R, R + 5, -1, 1 << 256, 1.5, "7", True])
def test_bad_values(bad):
    for fn in (ntt, intt, lambda v: coset_ntt(v, 3), lambda v: coset_intt(v, 3)):
        with pytest.raises(FieldElementOutOfRange):
            fn([0, bad, 1, 2])


def test_bad_value_message_names_the_index():
    with pytest.raises(FieldElementOutOfRange, match="value 2 must be below r"):
        ntt([0, 1, R, 3])


@pytest.mark.parametrize("shift", [0, R, R + 1, -3, 2.0, True, None])
def test_bad_shifts(shift):
    with pytest.raises(FieldElementOutOfRange, match="coset shift must be"):
        coset_ntt([1, 2], shift)
    with pytest.raises(FieldElementOutOfRange, match="coset shift must be"):
        coset_intt([1, 2], shift)
    if shift is not None:  # None means no coset at the array level
        with pytest.raises(FieldElementOutOfRange, match="coset shift must be"):
            ntt_mont(np.zeros((2, 4), dtype=np.uint64), coset=shift)


# --- pure Python mode -----------------------------------------------------------


def test_kernels_without_jit():
    script = textwrap.dedent(
        """
        from zkl.algebra.constants import R
        from zkl.algebra import ntt as m
        m.LOG_BLOCK = 1  # also run the global radix-2 and fused passes
        def ev(c, x):
            acc = 0
            for v in reversed(c):
                acc = (acc * x + v) % R
            return acc
        for k in range(4):
            n = 1 << k
            a = [(i * 0x1234567 + 3) ** 5 % R for i in range(n)]
            w = m.domain(k)
            assert m.ntt(a) == [ev(a, pow(w, i, R)) for i in range(n)], k
            assert m.intt(m.ntt(a)) == a, k
            g = 5
            assert m.coset_ntt(a, g) == [ev(a, g * pow(w, i, R) % R) for i in range(n)], k
            assert m.coset_intt(m.coset_ntt(a, g), g) == a, k
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
