"""Benchmark of the BN254 pairing: `bench_pairing()` returns medians in milliseconds (public API, warm cache)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from zkl.algebra.constants import R
from zkl.algebra.pairing import (
    final_exponentiation,
    miller_loop,
    multi_pairing,
    pairing,
    pairing_check_prepared,
    prepare_g2,
)
from zkl.algebra.points import G1Point, G2Point


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of fn() in ms over `repeats` runs, after one warm-up run (compiles)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def bench_pairing(repeats: int = 30, seed: int = 1) -> dict:
    """Medians (ms): one pairing, a 4-pairing product, a prepared 4-pairing check, Miller loop, final exp, py_ecc."""
    from py_ecc import optimized_bn128 as pe

    rnd = random.Random(seed)
    g1s, g2s, pe_pairs = [], [], []
    for _ in range(4):
        p = pe.normalize(pe.multiply(pe.G1, rnd.randrange(1, R)))
        q = pe.normalize(pe.multiply(pe.G2, rnd.randrange(1, R)))
        g1s.append(G1Point(int(p[0]), int(p[1])))
        g2s.append(G2Point(tuple(int(c) for c in q[0].coeffs), tuple(int(c) for c in q[1].coeffs)))
        pe_pairs.append((q, p))
    pairs = list(zip(g1s, g2s))
    prepared = [prepare_g2(q) for q in g2s]
    f = miller_loop(pairs[:1])

    pe_q, pe_p = pe_pairs[0]
    pe_q3 = (pe_q[0], pe_q[1], pe.FQ2.one())
    pe_p3 = (pe_p[0], pe_p[1], pe.FQ.one())
    pe_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        pe.pairing(pe_q3, pe_p3)
        pe_times.append(time.perf_counter() - t0)

    return {
        "pairing_ms": _median_ms(lambda: pairing(g1s[0], g2s[0]), repeats),
        "multi_pairing_4_ms": _median_ms(lambda: multi_pairing(pairs), repeats),
        "pairing_check_prepared_4_ms": _median_ms(lambda: pairing_check_prepared(g1s, prepared), repeats),
        "miller_loop_ms": _median_ms(lambda: miller_loop(pairs[:1]), repeats),
        "final_exp_ms": _median_ms(lambda: final_exponentiation(f), repeats),
        "pyecc_pairing_ms": statistics.median(pe_times) * 1e3,
    }


if __name__ == "__main__":
    for key, value in bench_pairing().items():
        print(f"{key:32s} {value:9.3f}")
