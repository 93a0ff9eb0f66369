"""Number-theoretic transform over Fr (BN254's scalar field): forward, inverse and coset, radix 2.

Roots of unity are snarkjs's (ffjavascript's `Fr.w[k]`): ffjavascript takes
the smallest quadratic non-residue of Fr, 5, sets w[28] = 5^((r-1)/2^28) and
squares down, so the root for size 2^k is

    domain(k) = 5^((r - 1) / 2^k) mod r,

which is also galois's choice (5 is the smallest primitive root mod r).
The forward transform of a_0..a_{n-1} is A_i = sum_j a_j w^(ij) with
w = domain(log2 n), natural order in and out; the inverse divides by n.
snarkjs's Groth16 prover evaluates on the coset shifted by domain(k + 1)
(`Fr.w[power + 1]`), which is what `coset=domain(k + 1)` gives here.

Two levels:

* internal to zkl (the Groth16 prover): `ntt_mont` on (n, 4) uint64 arrays
  of reduced Montgomery limbs;
* public: `ntt`, `intt`, `coset_ntt`, `coset_intt` on lists of Python ints.

Twiddle tables (Montgomery powers of w or w^-1) are computed once per
(log_n, inverse) and cached in this module; a 2^k transform keeps
2^(k-1) + 2^LOG_BLOCK rows of 32 bytes per direction (256 MiB at 2^24).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkl.algebra._kernels import ntt as _k
from zkl.algebra.constants import FR_GENERATOR, FR_TWO_ADICITY, R
from zkl.algebra.limbs import int_to_limb_array, ints_to_montgomery, montgomery_to_ints, to_montgomery
from zkl.errors import FieldElementOutOfRange, ShapeMismatch

#: largest transform: 2^24 points (r - 1 is divisible by 2^28)
MAX_LOG_N = 24
#: log2 of the block of rows that runs the first DIT stages while in L2 cache (2^12 rows = 128 KiB)
LOG_BLOCK = 12

#: (log_n, inverse) -> (big, small) Montgomery twiddle tables, see zkl.algebra._kernels.ntt
_TWIDDLES: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]] = {}


def domain(log_n: int) -> int:
    """The primitive 2^log_n-th root of unity snarkjs uses, 5^((r-1)/2^log_n) mod r, for 0 <= log_n <= 28."""
    if not isinstance(log_n, (int, np.integer)) or isinstance(log_n, bool) or not 0 <= log_n <= FR_TWO_ADICITY:
        raise ShapeMismatch(f"log_n must be an int in [0, {FR_TWO_ADICITY}], not {log_n!r}")
    return pow(FR_GENERATOR, (R - 1) >> int(log_n), R)


def ntt_mont(
    values: np.ndarray, inverse: bool = False, coset: int | None = None, in_place: bool = False
) -> np.ndarray:
    """NTT of an (n, 4) uint64 array of reduced Montgomery Fr limbs (internal to zkl; see module doc).

    Forward: A_i = sum_j a_j (g w^i)^j, i.e. coefficient j times g^j, then the
    NTT (g = coset, or 1).  Inverse: the exact inverse of that (iNTT, then
    coefficient j times g^-j).  With in_place=True `values` (C-contiguous)
    is overwritten and returned; otherwise a new array is returned.
    Rows are not range-checked: they must be Montgomery forms of values < r.
    """
    log_n = _check_array(values, in_place)
    x = values if in_place else np.array(values, dtype=np.uint64, order="C", copy=True)
    g = None if coset is None else _check_shift(coset)
    n = x.shape[0]
    if n == 1:
        return x
    if not inverse and g is not None and g != 1:
        _k._scale_powers(x, _mont_tuple(1), _mont_tuple(g), True)
    big, small = _twiddles(log_n, bool(inverse))
    _transform(x, log_n, big, small)
    if inverse:
        n_inv = pow(n, -1, R)
        if g is not None and g != 1:
            _k._scale_powers(x, _mont_tuple(n_inv), _mont_tuple(pow(g, -1, R)), True)
        else:
            _k._scale_powers(x, _mont_tuple(n_inv), _mont_tuple(1), False)
    return x


def ntt(values: Sequence[int]) -> list[int]:
    """Evaluations a(w^i), i < n, of the polynomial with coefficients `values` (n a power of two, w = domain)."""
    return _public(values, False, None)


def intt(values: Sequence[int]) -> list[int]:
    """Coefficients of the polynomial whose evaluations at w^i are `values` (inverse of `ntt`)."""
    return _public(values, True, None)


def coset_ntt(values: Sequence[int], shift: int) -> list[int]:
    """Evaluations a(shift * w^i), i < n, of the polynomial with coefficients `values`."""
    return _public(values, False, _check_shift(shift))


def coset_intt(values: Sequence[int], shift: int) -> list[int]:
    """Coefficients of the polynomial whose evaluations at shift * w^i are `values` (inverse of `coset_ntt`)."""
    return _public(values, True, _check_shift(shift))


def clear_twiddle_cache() -> None:
    """Forget the cached twiddle tables (they take 2^(k-1) rows of 32 bytes per size and direction)."""
    _TWIDDLES.clear()


def _public(values: Sequence[int], inverse: bool, shift: int | None) -> list[int]:
    """Validate Python-int input, transform it in Montgomery form, return Python ints."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ShapeMismatch(f"values must be a sequence of ints, not {type(values).__name__}")
    _log2_size(len(values), "values")
    x = ints_to_montgomery(list(values), R, "value")
    return montgomery_to_ints(ntt_mont(x, inverse, shift, in_place=True), R)


def _transform(x: np.ndarray, log_n: int, big: np.ndarray, small: np.ndarray) -> None:
    """Bit-reverse x, then all DIT stages: blocked while they fit in L2, then paired passes."""
    _k._bit_reverse(x, log_n)
    log_b = small.shape[0].bit_length() - 1  # the block size the cached tables were made for
    _k._dit_blocks(x, log_b, small)
    log_m = log_b
    if (log_n - log_m) % 2 == 1:
        _k._dit_stage(x, log_m, big)
        log_m += 1
    while log_m < log_n:
        _k._dit_stage2(x, log_m, big)
        log_m += 2


def _twiddles(log_n: int, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cached Montgomery tables: big[k] = w^k for k < n/2, small[m + j] = w_2m^j for m < 2^LOG_BLOCK."""
    key = (log_n, inverse)
    cached = _TWIDDLES.get(key)
    if cached is None:
        w = domain(log_n)
        if inverse:
            w = pow(w, -1, R)
        half = 1 << (log_n - 1)
        big = np.empty((half, 4), dtype=np.uint64)
        _k._powers(_mont_tuple(w), half, big)
        log_b = max(1, min(log_n, LOG_BLOCK))
        index = np.zeros(1 << log_b, dtype=np.int64)
        for log_m in range(log_b):
            m = 1 << log_m
            index[m : 2 * m] = np.arange(m, dtype=np.int64) << (log_n - 1 - log_m)
        small = np.ascontiguousarray(big[index])
        cached = _TWIDDLES[key] = (big, small)
    return cached


def _mont_tuple(value: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Montgomery limbs of one Fr value as a tuple for the kernels."""
    limbs = to_montgomery(int_to_limb_array(value), R)
    return tuple(np.uint64(v) for v in limbs)  # type: ignore[return-value]


def _log2_size(n: int, what: str) -> int:
    """log2 of n, which must be a power of two in [1, 2^MAX_LOG_N]; ShapeMismatch otherwise."""
    if n < 1 or n & (n - 1) or n > 1 << MAX_LOG_N:
        raise ShapeMismatch(f"length of {what} must be a power of two in [1, 2^{MAX_LOG_N}], not {n}")
    return n.bit_length() - 1


def _check_array(values: np.ndarray, in_place: bool) -> int:
    """Validate an (n, 4) uint64 limb array for ntt_mont; return log2 n."""
    if not isinstance(values, np.ndarray) or values.dtype != np.uint64:
        given = type(values).__name__ if not isinstance(values, np.ndarray) else f"array of {values.dtype}"
        raise ShapeMismatch(f"values must be a uint64 numpy array, not {given}")
    if values.ndim != 2 or values.shape[1] != 4:
        raise ShapeMismatch(f"values must have shape (n, 4), not {values.shape}")
    if in_place and not (values.flags.c_contiguous and values.flags.writeable):
        raise ShapeMismatch("values must be C-contiguous and writeable for in_place=True")
    return _log2_size(values.shape[0], "values")


def _check_shift(shift: int) -> int:
    """A coset shift must be an int in [1, r)."""
    if not isinstance(shift, (int, np.integer)) or isinstance(shift, bool):
        raise FieldElementOutOfRange(f"coset shift must be an int, not {type(shift).__name__}")
    if not 0 < shift < R:
        raise FieldElementOutOfRange(f"coset shift must be in [1, r), not {shift}")
    return int(shift)


def warmup() -> None:
    """Compile (or load from numba's disk cache) the NTT kernels: on eight values, and on a size past
    the blocked stages (where the paired passes run)."""
    values = list(range(1, 9))
    intt(ntt(values))
    coset_intt(coset_ntt(values, 7), 7)
    x = np.zeros((1 << (LOG_BLOCK + 2), 4), dtype=np.uint64)
    ntt_mont(ntt_mont(x, in_place=True), inverse=True, in_place=True)
    _TWIDDLES.pop((LOG_BLOCK + 2, False), None)
    _TWIDDLES.pop((LOG_BLOCK + 2, True), None)
