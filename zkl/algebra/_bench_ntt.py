"""Benchmark of the Fr NTT: medians of warm runs (compile and twiddle tables excluded)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.limbs import ints_to_montgomery
from zkl.algebra.ntt import domain, ntt, ntt_mont

_REPEATS = {12: 15, 14: 15, 16: 15, 18: 7, 20: 5}


def _median_s(fn: Callable[[], object], repeats: int, cpu: list[float] | None = None) -> float:
    """Median wall time of `repeats` calls of fn, after one warm-up call; appends the median CPU time to `cpu`."""
    fn()
    times, cpu_times = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times)


def _random_mont(log_n: int, seed: int) -> np.ndarray:
    """(2^log_n, 4) Montgomery limbs of seeded random Fr values."""
    rng = random.Random(seed)
    return ints_to_montgomery([rng.randrange(R) for _ in range(1 << log_n)], R)


def bench_ntt(sizes: tuple[int, ...] = (16, 18, 20), galois_log_n: int = 12) -> dict:
    """Medians (seconds) of the Fr NTT kernel (in place on Montgomery limbs) and of galois's NTT for a ratio.

    Keys: ntt_s {log_n: s} forward (ntt_cpu_s: process CPU time, all threads, a
    figure that holds when other processes share the cores); intt_s, coset_ntt_s, coset_intt_s at 2^16;
    ntt_ints_s at 2^16 (public API on Python ints, conversions included);
    galois_ntt_s / ntt_at_galois_size_s / galois_ratio at 2^galois_log_n
    (galois: numpy's fft on a GF(r, primitive_element=5) array, as galois.ntt does).
    """
    out: dict = {"ntt_s": {}, "ntt_cpu_s": {}}
    for log_n in sizes:
        x = _random_mont(log_n, log_n)
        cpu: list[float] = []
        out["ntt_s"][log_n] = _median_s(lambda: ntt_mont(x, in_place=True), _REPEATS.get(log_n, 5), cpu)
        out["ntt_cpu_s"][log_n] = cpu[0]

    x = _random_mont(16, 1)
    shift = domain(17)
    out["intt_s"] = {16: _median_s(lambda: ntt_mont(x, inverse=True, in_place=True), 15)}
    out["coset_ntt_s"] = {16: _median_s(lambda: ntt_mont(x, coset=shift, in_place=True), 15)}
    out["coset_intt_s"] = {16: _median_s(lambda: ntt_mont(x, inverse=True, coset=shift, in_place=True), 15)}
    values = [random.Random(2).randrange(R) for _ in range(1 << 16)]
    out["ntt_ints_s"] = {16: _median_s(lambda: ntt(values), 5)}

    if galois_log_n:
        import galois

        field = galois.GF(R, primitive_element=5, verify=False)
        rng = random.Random(3)
        gx = field([rng.randrange(R) for _ in range(1 << galois_log_n)])
        out["galois_log_n"] = galois_log_n
        out["galois_ntt_s"] = _median_s(lambda: np.fft.fft(gx), 3)
        x = _random_mont(galois_log_n, 4)
        out["ntt_at_galois_size_s"] = _median_s(lambda: ntt_mont(x, in_place=True), _REPEATS.get(galois_log_n, 15))
        out["galois_ratio"] = out["galois_ntt_s"] / out["ntt_at_galois_size_s"]
    return out


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(bench_ntt(), indent=2))
