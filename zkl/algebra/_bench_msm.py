"""MSM benchmark: median seconds of msm_g1_raw / msm_g2_raw on random bases and scalars of 2^k points."""

from __future__ import annotations

import random
import time

import numba
import numpy as np

from zkl.algebra._kernels import msm_bases
from zkl.algebra.constants import Q, R
from zkl.algebra.limbs import ints_to_montgomery, montgomery_to_ints
from zkl.algebra.msm import msm_g1_raw, msm_g2_raw


def random_scalars(n: int, seed: int = 0) -> np.ndarray:
    """(n, 4) uint64 limbs of random scalars below r (top limb below r's, so not exactly uniform)."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 1 << 64, size=(n, 4), dtype=np.uint64, endpoint=False)
    out[:, 3] = rng.integers(0, R >> 192, size=n, dtype=np.uint64)
    return out


def random_bases(n: int, g2: bool = False, seed: int = 0) -> np.ndarray:
    """(n, 2, 4) or (n, 2, 2, 4) Montgomery affine bases a*G + i*b*G for random a, b (fast: one addition each)."""
    from py_ecc import optimized_bn128 as bn

    rng = random.Random(seed)
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    gen = bn.G2 if g2 else bn.G1
    tail = (2, 2, 4) if g2 else (2, 4)

    def coords(k: int) -> list[int]:
        x, y = bn.normalize(bn.multiply(gen, k % R))
        return [int(c) for c in (*x.coeffs, *y.coeffs)] if g2 else [int(x.n), int(y.n)]

    pair = ints_to_montgomery(coords(a) + coords(b), Q).reshape(2, *tail)
    bases = msm_bases._progression(pair[0], pair[1], n, max(1, numba.get_num_threads())).reshape(n, *tail)
    for i in {0, n // 2, n - 1}:  # spot check against py_ecc
        if montgomery_to_ints(bases[i], Q) != coords(a + i * b):
            raise AssertionError(f"benchmark base {i} is wrong")
    return bases


def _median_times(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median process CPU seconds (all threads) of fn()."""
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return float(np.median(walls)), float(np.median(cpus))


def bench_msm(sizes_g1=(12, 16, 18, 20), sizes_g2=(12, 16), repeats: int | None = None) -> dict:
    """Median seconds of G1 and G2 MSMs of 2^k random points (compile excluded), and the thread count.

    `msm_g1_s` / `msm_g2_s` map log2 n to the median wall-clock time; the
    `*_cpu_s` twins give the CPU time of all threads together (the work done,
    telling a busy machine from a slow kernel: wall ~ cpu / threads when the
    cores are free).
    """
    result: dict = {"threads": numba.get_num_threads()}
    for key, sizes, raw, g2 in (("msm_g1", sizes_g1, msm_g1_raw, False), ("msm_g2", sizes_g2, msm_g2_raw, True)):
        walls, cpus = {}, {}
        if sizes:
            warm = random_bases(8, g2)
            raw(warm, random_scalars(8))  # compile
            raw(warm[:2], random_scalars(2), window=12, batch=64)  # compile the batch-affine path
        for k in sizes:
            n = 1 << k
            bases = random_bases(n, g2, seed=k)
            scalars = random_scalars(n, seed=k)
            reps = repeats if repeats is not None else (5 if n <= 1 << 16 else 3)
            walls[k], cpus[k] = _median_times(lambda: raw(bases, scalars), reps)
            del bases, scalars
        result[f"{key}_s"] = walls
        result[f"{key}_cpu_s"] = cpus
    return result


if __name__ == "__main__":
    print(bench_msm())
