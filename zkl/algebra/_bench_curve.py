"""Benchmarks of the G1/G2 kernels: `bench_curve()` returns medians for `zkl bench algebra`.

Point-operation figures are per operation inside a kernel loop (a dependent
chain, so nothing is hoisted or skipped), median of several runs after a
warm-up.  Fixed-base figures are the public call's wall time (table built
inside) divided by the number of scalars: 2^18 for G1, 2^16 for G2.
"""

from __future__ import annotations

import random
import statistics
import time

import numpy as np
from numba import njit

from zkl.algebra._kernels import curve as _k
from zkl.algebra.constants import R
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, fixed_base_mul_g1, fixed_base_mul_g2
from zkl.algebra.limbs import ints_to_limbs


@njit(cache=True)
def _chain_add_mixed(points, reps, out):
    """acc += points[i] for every point, reps times (mixed additions)."""
    acc = _k._load_aff_as_jac(points, 0)
    for _ in range(reps):
        for i in range(points.shape[0]):
            acc = _k._jac_add_mixed(acc, _k._ld_pt(points, i, 0), _k._ld_pt(points, i, 1))
    _k._store_jac(out, 0, acc)


@njit(cache=True)
def _chain_add(jac, reps, out):
    """acc += jac[i] for every Jacobian point (Z != 1), reps times (full additions)."""
    acc = _k._load_jac(jac, 0)
    for _ in range(reps):
        for i in range(jac.shape[0]):
            acc = _k._jac_add(acc, _k._load_jac(jac, i))
    _k._store_jac(out, 0, acc)


@njit(cache=True)
def _chain_double(points, reps, out):
    """reps doublings of points[0]."""
    acc = _k._load_aff_as_jac(points, 0)
    for _ in range(reps):
        acc = _k._jac_double(acc)
    _k._store_jac(out, 0, acc)


@njit(cache=True)
def _mul_each(points, scalars, out):
    """out[i] = [scalars[i]] points[i] (Jacobian), serially."""
    for i in range(points.shape[0]):
        _k._store_jac(out, i, _k._jac_mul(_k._load_aff_as_jac(points, i), scalars[i]))


@njit(cache=True)
def _subgroup_each(points):
    """Number of points passing the G2 subgroup check, serially."""
    count = 0
    for i in range(points.shape[0]):
        if _k._g2_in_subgroup(_k._ld_pt(points, i, 0), _k._ld_pt(points, i, 1)):
            count += 1
    return count


def _median_seconds(fn, runs: int, clock=time.perf_counter) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def _jacobian_of(points: np.ndarray) -> np.ndarray:
    """Jacobian copies (2P with Z != 1) of affine points, for the full-addition chain."""
    jac = np.empty((points.shape[0], 3) + points.shape[2:], dtype=np.uint64)
    out = np.empty((1, 3) + points.shape[2:], dtype=np.uint64)
    for i in range(points.shape[0]):
        _chain_double(points[i : i + 1], 1, out)
        jac[i] = out[0]
    return jac


def bench_curve(runs: int = 5, seed: int = 1, cpu_time: bool = False) -> dict:
    """Medians of the curve kernels (ns, us or ms per operation, as each key says).

    cpu_time=True times the serial kernels with this thread's CPU clock instead of the
    wall clock (steadier on a shared machine); fixed-base figures stay wall-clock.
    """
    rng = random.Random(seed)
    clock = time.thread_time if cpu_time else time.perf_counter
    n_pts = 4096
    g1 = fixed_base_mul_g1(G1_GENERATOR, [rng.randrange(1, R) for _ in range(n_pts)])
    g2 = fixed_base_mul_g2(G2_GENERATOR, [rng.randrange(1, R) for _ in range(n_pts // 4)])
    out1 = np.empty((n_pts, 3, 4), dtype=np.uint64)
    out2 = np.empty((n_pts, 3, 2, 4), dtype=np.uint64)
    res: dict[str, float] = {}

    reps = 20
    t = _median_seconds(lambda: _chain_add_mixed(g1, reps, out1), runs, clock)
    res["g1_add_mixed_ns"] = t / (reps * n_pts) * 1e9
    jac1 = _jacobian_of(g1[:512])
    t = _median_seconds(lambda: _chain_add(jac1, reps, out1), runs, clock)
    res["g1_add_ns"] = t / (reps * 512) * 1e9
    n_dbl = 100_000
    t = _median_seconds(lambda: _chain_double(g1, n_dbl, out1), runs, clock)
    res["g1_double_ns"] = t / n_dbl * 1e9
    t = _median_seconds(lambda: _chain_add_mixed(g2, 5, out2), runs, clock)
    res["g2_add_mixed_ns"] = t / (5 * g2.shape[0]) * 1e9

    n_mul = 64
    scalars = ints_to_limbs([rng.randrange(R) for _ in range(n_mul)])
    t = _median_seconds(lambda: _mul_each(g1[:n_mul], scalars, out1), runs, clock)
    res["g1_scalar_mul_us"] = t / n_mul * 1e6

    from py_ecc import optimized_bn128 as ref

    ks = [rng.randrange(1 << 253, R) for _ in range(runs + 1)]
    it = iter(ks)
    t = _median_seconds(lambda: ref.multiply(ref.G1, next(it)), runs, clock)
    res["pyecc_g1_mul_ms"] = t * 1e3

    n_fb = 1 << 18
    fb_scalars = ints_to_limbs([rng.randrange(R) for _ in range(n_fb)])
    t = _median_seconds(lambda: fixed_base_mul_g1(G1_GENERATOR, fb_scalars), max(1, runs // 2))
    res["fixed_base_g1_ns_per_point"] = t / n_fb * 1e9
    n_fb2 = 1 << 16
    t = _median_seconds(lambda: fixed_base_mul_g2(G2_GENERATOR, fb_scalars[:n_fb2]), max(1, runs // 2))
    res["fixed_base_g2_ns_per_point"] = t / n_fb2 * 1e9

    n_sub = 64
    t = _median_seconds(lambda: _subgroup_each(g2[:n_sub]), runs, clock)
    res["g2_subgroup_check_us"] = t / n_sub * 1e6
    return res


if __name__ == "__main__":  # pragma: no cover
    import sys

    for key, value in bench_curve(cpu_time="--cpu" in sys.argv).items():
        print(f"{key:32s} {value:12.1f}")
