"""The BN254 engine benchmark behind `zkl bench algebra`: runs each area's bench and tabulates it."""

from __future__ import annotations

import importlib
import time
from typing import Any

import numba

#: (area module, function, keyword arguments for a full run, for a quick run)
_AREAS = [
    ("zkl.algebra._bench_field", "bench_field", {}, {}),
    ("zkl.algebra._bench_curve", "bench_curve", {}, {}),
    ("zkl.algebra._bench_ntt", "bench_ntt", {}, {}),
    ("zkl.algebra._bench_msm", "bench_msm", {}, {"sizes_g1": (12, 16), "sizes_g2": (12,)}),
    ("zkl.algebra._bench_pairing", "bench_pairing", {}, {}),
]

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
_SIZED = [("NTT", "ntt_s", {16: 0.015, 20: 0.3}), ("MSM G1", "msm_g1_s", {16: 0.20, 20: 2.5}), ("MSM G2", "msm_g2_s", {16: 0.6})]
_SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def run_algebra_bench(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run every area benchmark and merge their results into one dict (JSON keys of the issue)."""
    from rich.progress import Progress

    results: dict[str, Any] = {"threads": numba.get_num_threads()}
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("bench algebra", total=len(_AREAS))
        for module_name, function, full, small in _AREAS:
            bar.update(task, description=f"bench {function.removeprefix('bench_')}")
            module = importlib.import_module(module_name)
            started = time.perf_counter()
            results.update(getattr(module, function)(**(small if quick else full)))
            results.setdefault("area_seconds", {})[function.removeprefix("bench_")] = round(time.perf_counter() - started, 2)
            bar.advance(task)
    return results


def _seconds(value: float, unit: str) -> float:
    return value * _SCALE[unit]


def _fmt(seconds: float) -> str:
    """A duration in the unit that reads best."""
    for unit in ("s", "ms", "us", "ns"):
        if seconds >= _SCALE[unit] or unit == "ns":
            return f"{seconds / _SCALE[unit]:.3g} {unit}"
    return f"{seconds:.3g} s"


def render_table(results: dict[str, Any]) -> None:
    """Print the benchmark results as a rich table with targets and peer ratios."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"zkl bench algebra ({results['threads']} threads)")
    for column in ("operation", "zkl", "target", "peer", "peer time", "zkl / peer"):
        table.add_column(column, justify="left" if column in ("operation", "peer") else "right")
    for label, key, unit, target, peer_key, peer_label in _ROWS:
        if key not in results:
            continue
        ours = _seconds(results[key], unit)
        row = [label, _fmt(ours), _mark(ours, None if target is None else _seconds(target, unit)), "", "", ""]
        if peer_key and peer_key in results:
            peer_unit = peer_key.rsplit("_", 1)[-1]
            theirs = _seconds(results[peer_key], peer_unit)
            row[3:] = [peer_label, _fmt(theirs), f"{ours / theirs:.3g}"]
        table.add_row(*row)
    for label, key, targets in _SIZED:
        for log_n, value in sorted((int(k), v) for k, v in results.get(key, {}).items()):
            target = targets.get(log_n)
            table.add_row(f"{label} 2^{log_n}", _fmt(value), _mark(value, target), "", "", "")
    Console().print(table)


def _mark(value: float, target: float | None) -> str:
    """The target, with a check or a cross saying whether the value meets it."""
    if target is None:
        return ""
    return f"{'✓' if value <= target else '✗'} {_fmt(target)}"
