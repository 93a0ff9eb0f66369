"""Benchmark of the Fq/Fr kernels: medians of warm runs (compile excluded), in ns or us per element."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import numba
import numpy as np

from zkl.algebra import field as _field
from zkl.algebra._kernels import field_arrays as _k
from zkl.algebra.constants import Q
from zkl.algebra.field import Fq, Fr


def _median_s(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls of fn, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_field(log_n: int = 20, chain_steps: int = 20_000, inv_steps: int = 50, repeats: int = 9) -> dict:
    """Medians of the field kernels; keys as the issue names them.

    fq_mul_ns / fr_mul_ns: latency of one Montgomery multiplication, a chain x <- x*y of
    `chain_steps` inside one kernel (short runs, many repeats: robust on a busy machine); fq_mul_vec_ns / fr_mul_vec_ns: elementwise product of
    two 2^log_n arrays (all threads), per element; fq_inv_us / fr_inv_us: one Fermat
    inversion (a chain of `inv_steps`); batch_inverse_ns_per_elem (Fq) and
    fr_batch_inverse_ns_per_elem: Montgomery's trick over 2^log_n, per element;
    fq_sqrt_us / fr_sqrt_us: square root per element over 2^12 (all threads);
    pyint_mul_ns: Python `a * b % q` per element over 2^12 pairs; fq_mul_speedup_vs_pyint.
    """
    n = 1 << log_n
    out: dict = {"threads": numba.get_num_threads(), "field_log_n": log_n}
    for F, key in ((Fq, "fq"), (Fr, "fr")):
        is_fr = F is Fr
        a, b = F.random(n, 1)._mont, F.random(n, 2)._mont
        res = np.empty_like(a)
        out[f"{key}_mul_ns"] = _median_s(lambda: _k._mul_chain(a, b, chain_steps, is_fr), 3 * repeats) / chain_steps * 1e9
        out[f"{key}_mul_vec_ns"] = _median_s(lambda: _k._mul(a, b, res, is_fr), repeats) / n * 1e9
        out[f"{key}_inv_us"] = _median_s(lambda: _k._inv_chain(a, inv_steps, is_fr), 3 * repeats) / inv_steps * 1e6
        chunks = _field._nchunks(n)
        batch_key = "batch_inverse_ns_per_elem" if key == "fq" else "fr_batch_inverse_ns_per_elem"
        out[batch_key] = _median_s(lambda: _k._batch_inverse(a, res, chunks, is_fr), repeats) / n * 1e9
        squares = F._wrap(a[: 1 << 12]).square()._mont
        roots, ok = np.empty_like(squares), np.empty(len(squares), dtype=np.bool_)
        out[f"{key}_sqrt_us"] = _median_s(lambda: _k._sqrt(squares, roots, ok, is_fr), 3) / len(squares) * 1e6

    rng = random.Random(3)
    xs = [rng.randrange(Q) for _ in range(1 << 12)]
    ys = [rng.randrange(Q) for _ in range(1 << 12)]
    out["pyint_mul_ns"] = _median_s(lambda: [x * y % Q for x, y in zip(xs, ys)], 3 * repeats) / len(xs) * 1e9
    out["fq_mul_speedup_vs_pyint"] = out["pyint_mul_ns"] / out["fq_mul_ns"]
    return out


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(bench_field(), indent=2))
