"""The BN254 engine benchmark behind `zkl bench algebra`: field, curve, NTT, MSM and pairing, beside their peers.

    zkl bench algebra [--quick] [--json]

`run_algebra_bench()` runs each area and merges the results into one dict (the keys below,
`threads`, and `area_seconds` per area); `render_table()` prints it with targets and ratios.
Every figure is a median of warm runs (compile excluded). Peers measured in the same run:
Python ints (`a * b % q`), py_ecc's optimized_bn128 (scalar multiplication, pairing) and
galois (an NTT as numpy's fft over GF(r)); py_ecc and galois come with the `zkl[bench]` extra.

The point-operation and field-latency figures time dependent chains inside one kernel call
(nothing hoisted or skipped): the field's chains are zkl.algebra's, the curve's are in
zkl.bench._chains (the one module here that imports numba, so that editing this one leaves
the kernel cache, keyed on the sources of modules importing numba, as it is).
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np

from zkl.algebra import field as _field
from zkl.algebra._kernels import field_arrays as _kf
from zkl.algebra._kernels import msm_bases as _kb
from zkl.algebra.constants import Q, R
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, fixed_base_mul_g1, fixed_base_mul_g2
from zkl.algebra.field import Fq, Fr
from zkl.algebra.limbs import ints_to_limbs, ints_to_montgomery, montgomery_to_ints
from zkl.algebra.msm import msm_g1_raw, msm_g2_raw
from zkl.algebra.ntt import domain, ntt, ntt_mont
from zkl.algebra.pairing import (
    final_exponentiation,
    miller_loop,
    multi_pairing,
    pairing,
    pairing_check_prepared,
    prepare_g2,
)
from zkl.algebra.points import G1Point, G2Point
from zkl.bench._chains import chain_add, chain_add_mixed, chain_double, g2_subgroup_each, mul_each, threads
from zkl.bench.timing import Say, median, median_times, print_table, require

__all__ = ["bench_curve", "bench_field", "bench_msm", "bench_ntt", "bench_pairing", "render_table",
           "run_algebra_bench"]


# --------------------------------------------------------------------------------------------- field


def bench_field(log_n: int = 20, chain_steps: int = 20_000, inv_steps: int = 50, repeats: int = 9) -> dict:
    """Medians of the Fq and Fr kernels.

    fq_mul_ns / fr_mul_ns: latency of one Montgomery multiplication, a chain x <- x*y of
    `chain_steps` inside one kernel (short runs, many repeats: robust on a busy machine);
    fq_mul_vec_ns / fr_mul_vec_ns: elementwise product of two 2^log_n arrays (all threads), per
    element; fq_inv_us / fr_inv_us: one Fermat inversion (a chain of `inv_steps`);
    batch_inverse_ns_per_elem (Fq) and fr_batch_inverse_ns_per_elem: Montgomery's trick over
    2^log_n, per element; fq_sqrt_us / fr_sqrt_us: square root per element over 2^12 (all
    threads); pyint_mul_ns: Python `a * b % q` per element over 2^12 pairs; fq_mul_speedup_vs_pyint.
    """
    n = 1 << log_n
    out: dict = {"threads": threads(), "field_log_n": log_n}
    for F, key in ((Fq, "fq"), (Fr, "fr")):
        is_fr = F is Fr
        a, b = F.random(n, 1)._mont, F.random(n, 2)._mont
        res = np.empty_like(a)
        out[f"{key}_mul_ns"] = median(lambda: _kf._mul_chain(a, b, chain_steps, is_fr), 3 * repeats) / chain_steps * 1e9
        out[f"{key}_mul_vec_ns"] = median(lambda: _kf._mul(a, b, res, is_fr), repeats) / n * 1e9
        out[f"{key}_inv_us"] = median(lambda: _kf._inv_chain(a, inv_steps, is_fr), 3 * repeats) / inv_steps * 1e6
        chunks = _field._nchunks(n)
        batch_key = "batch_inverse_ns_per_elem" if key == "fq" else "fr_batch_inverse_ns_per_elem"
        out[batch_key] = median(lambda: _kf._batch_inverse(a, res, chunks, is_fr), repeats) / n * 1e9
        squares = F._wrap(a[: 1 << 12]).square()._mont
        roots, ok = np.empty_like(squares), np.empty(len(squares), dtype=np.bool_)
        out[f"{key}_sqrt_us"] = median(lambda: _kf._sqrt(squares, roots, ok, is_fr), 3) / len(squares) * 1e6

    rng = random.Random(3)
    xs = [rng.randrange(Q) for _ in range(1 << 12)]
    ys = [rng.randrange(Q) for _ in range(1 << 12)]
    out["pyint_mul_ns"] = median(lambda: [x * y % Q for x, y in zip(xs, ys)], 3 * repeats) / len(xs) * 1e9
    out["fq_mul_speedup_vs_pyint"] = out["pyint_mul_ns"] / out["fq_mul_ns"]
    return out


# --------------------------------------------------------------------------------------------- curve


def _jacobian_of(points: np.ndarray) -> np.ndarray:
    """Jacobian copies (2P with Z != 1) of affine points, for the full-addition chain."""
    jac = np.empty((points.shape[0], 3) + points.shape[2:], dtype=np.uint64)
    out = np.empty((1, 3) + points.shape[2:], dtype=np.uint64)
    for i in range(points.shape[0]):
        chain_double(points[i : i + 1], 1, out)
        jac[i] = out[0]
    return jac


def bench_curve(runs: int = 5, seed: int = 1, fixed_base_log_n: int = 18) -> dict:
    """Medians of the curve kernels (ns, us or ms per operation, as each key says).

    Point operations: per operation inside a kernel loop. Fixed-base figures: the public call's
    wall time (table built inside) over the number of scalars, 2^fixed_base_log_n for G1 and a
    quarter of that for G2.
    pyecc_g1_mul_ms: py_ecc's optimized_bn128 multiplication of G1 by a 254-bit scalar.
    """
    ref = require("py_ecc.optimized_bn128")
    rng = random.Random(seed)
    n_pts = 4096
    g1 = fixed_base_mul_g1(G1_GENERATOR, [rng.randrange(1, R) for _ in range(n_pts)])
    g2 = fixed_base_mul_g2(G2_GENERATOR, [rng.randrange(1, R) for _ in range(n_pts // 4)])
    out1 = np.empty((n_pts, 3, 4), dtype=np.uint64)
    out2 = np.empty((n_pts, 3, 2, 4), dtype=np.uint64)
    res: dict[str, float] = {}

    reps = 20
    res["g1_add_mixed_ns"] = median(lambda: chain_add_mixed(g1, reps, out1), runs) / (reps * n_pts) * 1e9
    jac1 = _jacobian_of(g1[:512])
    res["g1_add_ns"] = median(lambda: chain_add(jac1, reps, out1), runs) / (reps * 512) * 1e9
    n_dbl = 100_000
    res["g1_double_ns"] = median(lambda: chain_double(g1, n_dbl, out1), runs) / n_dbl * 1e9
    res["g2_add_mixed_ns"] = median(lambda: chain_add_mixed(g2, 5, out2), runs) / (5 * g2.shape[0]) * 1e9

    n_mul = 64
    scalars = ints_to_limbs([rng.randrange(R) for _ in range(n_mul)])
    res["g1_scalar_mul_us"] = median(lambda: mul_each(g1[:n_mul], scalars, out1), runs) / n_mul * 1e6
    ks = iter([rng.randrange(1 << 253, R) for _ in range(runs + 1)])
    res["pyecc_g1_mul_ms"] = median(lambda: ref.multiply(ref.G1, next(ks)), runs) * 1e3

    n_fb = 1 << fixed_base_log_n
    fb_scalars = ints_to_limbs([rng.randrange(R) for _ in range(n_fb)])
    t = median(lambda: fixed_base_mul_g1(G1_GENERATOR, fb_scalars), max(1, runs // 2))
    res["fixed_base_g1_ns_per_point"] = t / n_fb * 1e9
    n_fb2 = n_fb >> 2
    t = median(lambda: fixed_base_mul_g2(G2_GENERATOR, fb_scalars[:n_fb2]), max(1, runs // 2))
    res["fixed_base_g2_ns_per_point"] = t / n_fb2 * 1e9

    n_sub = 64
    res["g2_subgroup_check_us"] = median(lambda: g2_subgroup_each(g2[:n_sub]), runs) / n_sub * 1e6
    return res


# ----------------------------------------------------------------------------------------------- NTT

_NTT_REPEATS = {12: 15, 14: 15, 16: 15, 18: 7, 20: 5}


def _random_mont(log_n: int, seed: int) -> np.ndarray:
    """(2^log_n, 4) Montgomery limbs of seeded random Fr values."""
    rng = random.Random(seed)
    return ints_to_montgomery([rng.randrange(R) for _ in range(1 << log_n)], R)


def bench_ntt(sizes: tuple[int, ...] = (16, 18, 20), galois_log_n: int = 12, detail_log_n: int = 16) -> dict:
    """Medians (seconds) of the Fr NTT kernel (in place on Montgomery limbs) and of galois's NTT for a ratio.

    Keys: ntt_s {log_n: s} forward (ntt_cpu_s: process CPU time, all threads, a figure that
    holds when other processes share the cores); intt_s, coset_ntt_s, coset_intt_s at 2^detail_log_n;
    ntt_ints_s at 2^detail_log_n (public API on Python ints, conversions included);
    galois_ntt_s / ntt_at_galois_size_s / galois_ratio at 2^galois_log_n (galois: numpy's fft
    on a GF(r, primitive_element=5) array, as galois.ntt does); no galois keys when galois_log_n is 0.
    """
    out: dict = {"ntt_s": {}, "ntt_cpu_s": {}}
    for log_n in sizes:
        x = _random_mont(log_n, log_n)
        out["ntt_s"][log_n], out["ntt_cpu_s"][log_n] = median_times(
            lambda: ntt_mont(x, in_place=True), _NTT_REPEATS.get(log_n, 5), warm=True)

    d = detail_log_n
    x = _random_mont(d, 1)
    shift = domain(d + 1)
    out["intt_s"] = {d: median(lambda: ntt_mont(x, inverse=True, in_place=True), 15)}
    out["coset_ntt_s"] = {d: median(lambda: ntt_mont(x, coset=shift, in_place=True), 15)}
    out["coset_intt_s"] = {d: median(lambda: ntt_mont(x, inverse=True, coset=shift, in_place=True), 15)}
    values = [random.Random(2).randrange(R) for _ in range(1 << d)]
    out["ntt_ints_s"] = {d: median(lambda: ntt(values), 5)}

    if galois_log_n:
        galois = require("galois")
        field = galois.GF(R, primitive_element=5, verify=False)
        rng = random.Random(3)
        gx = field([rng.randrange(R) for _ in range(1 << galois_log_n)])
        out["galois_log_n"] = galois_log_n
        out["galois_ntt_s"] = median(lambda: np.fft.fft(gx), 3)
        x = _random_mont(galois_log_n, 4)
        out["ntt_at_galois_size_s"] = median(lambda: ntt_mont(x, in_place=True), _NTT_REPEATS.get(galois_log_n, 15))
        out["galois_ratio"] = out["galois_ntt_s"] / out["ntt_at_galois_size_s"]
    return out


# ----------------------------------------------------------------------------------------------- MSM


def random_scalars(n: int, seed: int = 0) -> np.ndarray:
    """(n, 4) uint64 limbs of random scalars below r (top limb below r's, so not exactly uniform)."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 1 << 64, size=(n, 4), dtype=np.uint64, endpoint=False)
    out[:, 3] = rng.integers(0, R >> 192, size=n, dtype=np.uint64)
    return out


def random_bases(n: int, g2: bool = False, seed: int = 0) -> np.ndarray:
    """(n, 2, 4) or (n, 2, 2, 4) Montgomery affine bases a*G + i*b*G for random a, b (one addition each).

    a*G and b*G come from py_ecc, and three of the bases are checked against it.
    """
    bn = require("py_ecc.optimized_bn128")
    rng = random.Random(seed)
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    gen = bn.G2 if g2 else bn.G1
    tail = (2, 2, 4) if g2 else (2, 4)

    def coords(k: int) -> list[int]:
        x, y = bn.normalize(bn.multiply(gen, k % R))
        return [int(c) for c in (*x.coeffs, *y.coeffs)] if g2 else [int(x.n), int(y.n)]

    pair = ints_to_montgomery(coords(a) + coords(b), Q).reshape(2, *tail)
    bases = _kb._progression(pair[0], pair[1], n, max(1, threads())).reshape(n, *tail)
    for i in {0, n // 2, n - 1}:
        if montgomery_to_ints(bases[i], Q) != coords(a + i * b):
            raise AssertionError(f"benchmark base {i} is wrong")
    return bases


def bench_msm(sizes_g1=(12, 16, 18, 20), sizes_g2=(12, 16, 18, 20), repeats: int | None = None) -> dict:
    """Median seconds of G1 and G2 MSMs of 2^k random points (compile excluded), and the thread count.

    `msm_g1_s` / `msm_g2_s` map log2 n to the median wall-clock time; the `*_cpu_s` twins give
    the CPU time of all threads together (the work done, telling a busy machine from a slow
    kernel: wall ~ cpu / threads when the cores are free).
    """
    result: dict = {"threads": threads()}
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
            walls[k], cpus[k] = median_times(lambda: raw(bases, scalars), reps)
            bases = scalars = None  # freed before the next size is built
        result[f"{key}_s"] = walls
        result[f"{key}_cpu_s"] = cpus
    return result


# ------------------------------------------------------------------------------------------- pairing


def bench_pairing(repeats: int = 30, seed: int = 1) -> dict:
    """Medians (ms): one pairing, a 4-pairing product, a prepared 4-pairing check, Miller loop, final exp, py_ecc."""
    pe = require("py_ecc.optimized_bn128")
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
    return {
        "pairing_ms": median(lambda: pairing(g1s[0], g2s[0]), repeats) * 1e3,
        "multi_pairing_4_ms": median(lambda: multi_pairing(pairs), repeats) * 1e3,
        "pairing_check_prepared_4_ms": median(lambda: pairing_check_prepared(g1s, prepared), repeats) * 1e3,
        "miller_loop_ms": median(lambda: miller_loop(pairs[:1]), repeats) * 1e3,
        "final_exp_ms": median(lambda: final_exponentiation(f), repeats) * 1e3,
        "pyecc_pairing_ms": median(lambda: pe.pairing(pe_q3, pe_p3), 3, warm=False) * 1e3,
    }


# ------------------------------------------------------------------------------------- the whole run

#: (area, function, keyword arguments of a quick run)
_AREAS = [
    ("field", bench_field, {"log_n": 16}),
    ("curve", bench_curve, {"runs": 3, "fixed_base_log_n": 14}),
    ("ntt", bench_ntt, {"sizes": (12, 14), "detail_log_n": 14}),
    ("msm", bench_msm, {"sizes_g1": (12, 14), "sizes_g2": (12,)}),
    ("pairing", bench_pairing, {"repeats": 5}),
]


def run_algebra_bench(quick: bool = False, say: Say | None = None) -> dict[str, Any]:
    """Run every area benchmark and merge their results into one dict; `area_seconds` says how long each took.

    quick: every key at small sizes (a check that the benchmark runs, not figures to quote): MSMs of
    2^12 and 2^14 (G1) and 2^12 (G2), NTTs of 2^12 and 2^14, fewer repeats.
    say(description, completed, total): told as each area starts.
    """
    results: dict[str, Any] = {"threads": threads(), "area_seconds": {}}
    for i, (area, function, small) in enumerate(_AREAS):
        if say is not None:
            say(f"bench algebra: {area}", i, len(_AREAS))
        started = time.perf_counter()
        results.update(function(**(small if quick else {})))
        results["area_seconds"][area] = round(time.perf_counter() - started, 2)
    return results


#: rows of the table: label, result key, unit, target (or None), peer key and peer label (or None)
_ROWS = [
    ("Fq mul (chained)", "fq_mul_ns", "ns", 25, "pyint_mul_ns", "Python int"),
    ("Fq mul (vectorized, per element)", "fq_mul_vec_ns", "ns", None, None, None),
    ("G1 mixed add", "g1_add_mixed_ns", "ns", 250, None, None),
    ("G1 double", "g1_double_ns", "ns", None, None, None),
    ("G1 scalar mul", "g1_scalar_mul_us", "us", None, "pyecc_g1_mul_ms", "py_ecc"),
    ("G1 fixed-base mul per point", "fixed_base_g1_ns_per_point", "ns", None, None, None),
    ("G2 subgroup check", "g2_subgroup_check_us", "us", None, None, None),
    ("pairing", "pairing_ms", "ms", 1.5, "pyecc_pairing_ms", "py_ecc"),
    ("product of 4 pairings", "multi_pairing_4_ms", "ms", None, None, None),
]
#: sized rows: label, result key, {log2 n: target seconds}
_SIZED = [("NTT", "ntt_s", {16: 0.015, 20: 0.3}), ("MSM G1", "msm_g1_s", {16: 0.20, 20: 1.2}),
          ("MSM G2", "msm_g2_s", {16: 0.6, 20: 3.5})]
_SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def _fmt(seconds: float) -> str:
    """A duration in the unit that reads best."""
    for unit in ("s", "ms", "us", "ns"):
        if seconds >= _SCALE[unit] or unit == "ns":
            return f"{seconds / _SCALE[unit]:.3g} {unit}"
    return f"{seconds:.3g} s"


def _mark(value: float, target: float | None) -> str:
    """The target, with a check or a cross saying whether the value meets it."""
    if target is None:
        return ""
    return f"{'✓' if value <= target else '✗'} {_fmt(target)}"


def render_table(results: dict[str, Any]) -> None:
    """Print the benchmark results as a rich table with targets and peer ratios."""
    rows = []
    for label, key, unit, target, peer_key, peer_label in _ROWS:
        if key not in results:
            continue
        ours = results[key] * _SCALE[unit]
        row = [label, _fmt(ours), _mark(ours, None if target is None else target * _SCALE[unit]), "", "", ""]
        if peer_key and peer_key in results:
            theirs = results[peer_key] * _SCALE[peer_key.rsplit("_", 1)[-1]]
            row[3:] = [peer_label, _fmt(theirs), f"{ours / theirs:.3g}"]
        rows.append(row)
    for label, key, targets in _SIZED:
        for log_n, value in sorted((int(k), v) for k, v in results.get(key, {}).items()):
            rows.append([f"{label} 2^{log_n}", _fmt(value), _mark(value, targets.get(log_n)), "", "", ""])
    print_table(f"zkl bench algebra ({results['threads']} threads)",
                ("operation", "zkl", "target", "peer", "peer time", "zkl / peer"), rows, left=("peer",))
