"""Multi-scalar multiplication sum_i s_i * P_i in G1 and G2 (Pippenger with signed digits, batch-affine buckets).

Bases are a bulk affine Montgomery array ((n, 2, 4) for G1, (n, 2, 2, 4) for
G2, infinity all zero, as `g1_to_array` and the .zkey reader make them) or a
sequence of G1Point/G2Point; they are assumed to be on the curve (loaders
check that).  Scalars are a (n, 4) uint64 array of normal-form limbs or a
sequence of ints, each below r.  Three tiers, as arkworks' `msm` / `msm_unchecked`:
`msm_g1` (points or arrays in, a G1Point out), `msm_g1_raw` (arrays in and out,
coordinates and scalars range-checked) and `msm_g1_unchecked` (shapes checked
only: for callers that checked their data once, as the prover does its witness);
the same for G2.  Out-of-range values in an unchecked call give a wrong point,
never a crash.  Zero scalars and infinity bases are skipped,
bases with scalar one are summed directly, the rest go through Pippenger's
bucket method with windows in parallel (see `_kernels/msm.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from zkl.algebra._kernels import convert
from zkl.algebra._kernels import msm as _k
from zkl.algebra.constants import Q, Q_LIMBS, R
from zkl.algebra.limbs import check_below, ints_to_limbs, montgomery_to_ints
from zkl.algebra.points import G1Point, G2Point, g1_to_array, g2_to_array
from zkl.algebra.threads import numba_threads, serial_below
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch

#: scalars are below r < 2^254; signed digits need one more bit
_SCALAR_BITS = 255
#: largest affine batch (one inversion per batch) and the conflict queue beside it
_BATCH = 1024
_QUEUE = 128
#: windows with fewer buckets than this use XYZZ buckets only (batches would be too small)
_AFFINE_MIN = 256
_MAX_WINDOW = 20


@dataclass(frozen=True)
class _Group:
    """What the MSM wrappers need to know of G1 or G2."""

    name: str
    point: type
    tail: tuple[int, ...]
    to_array: Callable[[Sequence], np.ndarray]
    from_ints: Callable[[list[int]], G1Point | G2Point]


_G1 = _Group("G1", G1Point, (2, 4), g1_to_array, lambda v: G1Point(v[0], v[1]))
_G2 = _Group("G2", G2Point, (2, 2, 4), g2_to_array, lambda v: G2Point((v[0], v[1]), (v[2], v[3])))


def msm_g1(
    bases: np.ndarray | Sequence[G1Point],
    scalars: np.ndarray | Sequence[int],
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> G1Point:
    """sum_i scalars[i] * bases[i] in G1; window, threads and batch override the tuned choices."""
    return _msm(_G1, bases, scalars, window, threads, batch)


def msm_g2(
    bases: np.ndarray | Sequence[G2Point],
    scalars: np.ndarray | Sequence[int],
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> G2Point:
    """sum_i scalars[i] * bases[i] in G2; window, threads and batch override the tuned choices."""
    return _msm(_G2, bases, scalars, window, threads, batch)


def msm_g1_raw(
    bases: np.ndarray,
    scalars: np.ndarray,
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> np.ndarray:
    """(2, 4) Montgomery affine G1 MSM of a (n, 2, 4) base array and (n, 4) scalar limbs (infinity all zero)."""
    return _raw(_G1, bases, scalars, True, window, threads, batch)


def msm_g2_raw(
    bases: np.ndarray,
    scalars: np.ndarray,
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> np.ndarray:
    """(2, 2, 4) Montgomery affine G2 MSM of a (n, 2, 2, 4) base array and (n, 4) scalar limbs (infinity all zero)."""
    return _raw(_G2, bases, scalars, True, window, threads, batch)


def msm_g1_unchecked(
    bases: np.ndarray,
    scalars: np.ndarray,
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> np.ndarray:
    """msm_g1_raw without the range scans: the caller vouches for scalars < r and coordinates < q (shapes checked)."""
    return _raw(_G1, bases, scalars, False, window, threads, batch)


def msm_g2_unchecked(
    bases: np.ndarray,
    scalars: np.ndarray,
    *,
    window: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
) -> np.ndarray:
    """msm_g2_raw without the range scans: the caller vouches for scalars < r and coordinates < q (shapes checked)."""
    return _raw(_G2, bases, scalars, False, window, threads, batch)


def _msm(group: _Group, bases: np.ndarray | Sequence, scalars: np.ndarray | Sequence[int], window: int | None,
         threads: int | None, batch: int | None) -> G1Point | G2Point:
    """The body of msm_g1 / msm_g2: points or arrays in, a point out."""
    raw = _raw(group, _bases(group, bases), _scalars(scalars), True, window, threads, batch)
    return group.from_ints(montgomery_to_ints(raw, Q))


def _raw(group: _Group, bases: np.ndarray, scalars: np.ndarray, check: bool, window: int | None,
         threads: int | None, batch: int | None) -> np.ndarray:
    """The body of the raw and unchecked entries: shapes always checked, value ranges when `check`."""
    _check(bases, scalars, group.tail, f"{group.name} bases", check)
    return _run(np.ascontiguousarray(bases).reshape(-1, *group.tail[1:]), scalars, window, threads, batch)


def window_size(n: int, threads: int = 2, point_bytes: int = 64) -> int:
    """Pippenger window c (bits) the cost model picks for n non-trivial scalars (point_bytes: 64 G1, 128 G2)."""
    if n <= 0:
        return 1
    costs = {c: _cost(c, n, threads, point_bytes) for c in range(1, _MAX_WINDOW + 1)}
    return min(costs, key=costs.__getitem__)


def _cost(c: int, n: int, threads: int, point_bytes: int) -> float:
    """Estimated time of window size c in batch-affine additions, per thread.

    Calibrated on this project's 2-core machine (G1 / G2): an inversion
    costs ~35 / ~11 additions, a bucket's running-sum reduction ~3.5 / ~4.4,
    a point added to XYZZ buckets ~1.6 / ~1.7, and random bucket access ~10%
    more per doubling of the bucket array beyond the 1 MiB L2 cache.
    """
    inversion, per_bucket, xyzz = (35.0, 3.5, 1.6) if point_bytes <= 64 else (11.0, 4.4, 1.7)
    nwin = -(-_SCALAR_BITS // c)
    work = reduce = 0.0
    for w in range(nwin):
        bits = min(c, _SCALAR_BITS - c * w)  # the last window holds fewer bits, so fewer buckets
        buckets = 1 << (bits - 1)
        if buckets >= _AFFINE_MIN:
            cache = 1.0 + 0.1 * max(0.0, math.log2(buckets * point_bytes / (1 << 20)))
            per_point = (1.0 + inversion / min(_BATCH, buckets // 4)) * cache
            reduce = inversion + per_bucket * buckets
        else:
            per_point, reduce = xyzz, per_bucket * buckets
        work += n * per_point + reduce
    rest = nwin % threads  # windows cut into one slice per thread repeat their reduction on each thread
    return work / threads + rest * reduce * (threads - 1) / threads + c * nwin * 0.1


def _run(
    flat: np.ndarray, scalars: np.ndarray, window: int | None, threads: int | None, batch: int | None
) -> np.ndarray:
    """Pippenger on flattened bases (2n, ...) with validated scalars; affine (2, ...) result."""
    rows = flat.shape[1:]
    n = scalars.shape[0]
    if window is not None and not (_is_int(window) and 1 <= window <= _MAX_WINDOW):
        raise MalformedInput(f"window must be an int in [1, {_MAX_WINDOW}], not {window!r}")
    if batch is not None and not (_is_int(batch) and batch >= 0):
        raise MalformedInput(f"batch must be a non-negative int (0: XYZZ buckets only), not {batch!r}")
    # an explicit batch size also forces batch-affine buckets on small windows (for tests and experiments)
    batch, affine_min = (_BATCH, _AFFINE_MIN) if batch is None else (batch, 1)
    if n == 0:
        return np.zeros((2, *rows), dtype=np.uint64)
    scalars = np.ascontiguousarray(scalars)
    with numba_threads(threads) as nthreads:
        kind = _k._classify(scalars, flat)
        general = np.flatnonzero(kind == 2)
        ones = np.flatnonzero(kind == 1)
        c = window if window is not None else window_size(general.shape[0], nthreads, 16 * flat[0].size)
        if general.shape[0]:
            nwin = -(-_SCALAR_BITS // c)
            digits = _k._signed_digits(scalars, general, c, nwin)
            windows = _k._msm_windows(flat, general, digits, c, batch, affine_min, _QUEUE, nthreads)
        else:
            windows = np.zeros((4, *rows), dtype=np.uint64)
        if ones.shape[0]:
            partials = _k._sum_bases(flat, ones, max(1, min(nthreads, ones.shape[0] // 64)))
        else:
            partials = np.zeros((4, *rows), dtype=np.uint64)
        return _k._combine(windows, c, partials)


def _is_int(value: object) -> bool:
    """True for Python and NumPy integers, not bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _describe(array: object) -> str:
    """Shape and dtype of an array, or the type name of anything else, for error messages."""
    return f"shape {array.shape} of {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__


def _check(bases: np.ndarray, scalars: np.ndarray, tail: tuple[int, ...], what: str, ranges: bool) -> None:
    """Raise ShapeMismatch unless bases is a uint64 (n, *tail) array and scalars a uint64 (n, 4) one; with `ranges`,
    FieldElementOutOfRange unless every base coordinate is below q and every scalar below r."""
    if not isinstance(bases, np.ndarray) or bases.dtype != np.uint64 or bases.shape[1:] != tail:
        given = _describe(bases)
        raise ShapeMismatch(f"{what} must be a uint64 array of shape (n, {', '.join(map(str, tail))}), not {given}")
    if ranges:
        flat = np.ascontiguousarray(bases).reshape(-1, 4)
        with serial_below(len(flat)):
            row = int(convert._first_not_below(flat, Q_LIMBS))
        if row >= 0:
            per_point = flat.shape[0] // max(bases.shape[0], 1)
            raise FieldElementOutOfRange(f"{what}: point {row // per_point} has a Montgomery coordinate not below q "
                                         f"(limbs {flat[row].tolist()})")
    if not isinstance(scalars, np.ndarray) or scalars.dtype != np.uint64 or scalars.shape[1:] != (4,):
        raise ShapeMismatch(f"scalars must be a uint64 array of shape (n, 4), not {_describe(scalars)}")
    if scalars.shape[0] != bases.shape[0]:
        raise ShapeMismatch(f"scalars must have one entry per base ({bases.shape[0]}), not {scalars.shape[0]}")
    if ranges:
        check_below(scalars, R, "scalar")


def _scalars(scalars: np.ndarray | Sequence[int]) -> np.ndarray:
    """(n, 4) limbs of scalars given as an array (checked later) or as ints (checked here)."""
    if isinstance(scalars, np.ndarray):
        return scalars
    return ints_to_limbs(list(scalars), R, "scalar")


def _bases(group: _Group, bases: np.ndarray | Sequence) -> np.ndarray:
    """Bulk array of bases given as an array (checked later) or as points of the group."""
    if isinstance(bases, np.ndarray):
        return bases
    points = list(bases)
    for i, p in enumerate(points):
        if not isinstance(p, group.point):
            raise MalformedInput(f"{group.name} base {i} must be a {group.point.__name__}, not {type(p).__name__}")
    return group.to_array(points) if points else np.zeros((0, *group.tail), dtype=np.uint64)


def warmup(groups: Sequence[str] = ("g1", "g2")) -> None:
    """Compile (or load from numba's disk cache) the MSM kernels of G1 and/or G2 ("g1", "g2") on a few points."""
    from zkl.algebra import curve

    scalars = [(i * 0x9E3779B97F4A7C15) ** 3 % R for i in range(64)]
    for group in groups:
        if group == "g1":
            msm_g1([curve.G1_GENERATOR, curve.g1_neg(curve.G1_GENERATOR)] * 32, scalars)
        elif group == "g2":
            msm_g2([curve.G2_GENERATOR] * 16, scalars[:16])
        else:
            raise MalformedInput(f"warmup groups must be 'g1' or 'g2', not {group!r}")


__all__ = ["msm_g1", "msm_g2", "msm_g1_raw", "msm_g2_raw", "msm_g1_unchecked", "msm_g2_unchecked", "window_size",
           "warmup"]
