"""Compile every numba kernel ahead of time (they are cached on disk), so real runs start warm.

The work is cut into steps that touch mostly disjoint kernels; `warmup(jobs=2)`
runs them in that many worker processes (numba compiles in one thread, so a
2-core machine compiles about twice as fast: 166 s of CPU in 87 s), all
writing to the shared on-disk cache.  A later process loads every kernel in
under two seconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

#: written into numba's cache directory once every step has compiled there
_MARKER = "zkl-warmup.done"


def _field() -> None:
    from zkl.algebra import field

    field.warmup()


def _curve_g1() -> None:
    from zkl.algebra import curve

    g1 = curve.G1_GENERATOR
    p = curve.g1_mul(g1, 5)
    curve.g1_add(p, g1), curve.g1_double(p), curve.g1_neg(p)
    curve.validate_g1(p)
    a1 = curve.fixed_base_mul_g1(g1, [1, 2, 3])
    curve.validate_g1_array(a1)
    curve.g1_sum(a1)


def _curve_g2() -> None:
    from zkl.algebra import curve

    g2 = curve.G2_GENERATOR
    q = curve.g2_mul(g2, 5)
    curve.g2_add(q, g2), curve.g2_double(q)
    curve.validate_g2(q)
    a2 = curve.fixed_base_mul_g2(g2, [1, 2, 3])
    curve.validate_g2_array(a2)
    curve.g2_sum(a2)


def _ntt() -> None:
    from zkl.algebra import ntt

    values = list(range(1, 9))
    ntt.intt(ntt.ntt(values))
    ntt.coset_intt(ntt.coset_ntt(values, 7), 7)


def _msm_g1() -> None:
    from zkl.algebra import curve, msm

    bases = [curve.G1_GENERATOR, curve.g1_neg(curve.G1_GENERATOR)] * 32
    msm.msm_g1(bases, [(i * 0x9E3779B97F4A7C15) ** 3 % curve.R for i in range(64)])


def _msm_g2() -> None:
    from zkl.algebra import curve, msm

    bases = [curve.G2_GENERATOR] * 16
    msm.msm_g2(bases, [(i * 0x9E3779B97F4A7C15) ** 3 % curve.R for i in range(16)])


def _pairing() -> None:
    from zkl.algebra import curve, pairing

    pairing.pairing_check([(curve.G1_GENERATOR, curve.G2_GENERATOR), (curve.g1_neg(curve.G1_GENERATOR), curve.G2_GENERATOR)])
    prepared = pairing.prepare_g2(curve.G2_GENERATOR)
    pairing.pairing_check_prepared([curve.G1_GENERATOR], [prepared])


def _verifier() -> None:
    from zkl.verifier import batch_verify, prepare_verifying_key, verify
    from zkl.verifier.testing import simulate

    sim = simulate(n_public=2, count=3, seed=1)
    pvk = prepare_verifying_key(sim.vk)
    inputs, proof = sim.items[0]
    verify(pvk, inputs, proof)
    bad = [(sim.items[1][0], sim.items[2][1])]  # a wrong pairing: the batch check bisects
    batch_verify(sim.vk, sim.items + bad)


def _circuits() -> None:
    from zkl.circuits import r1cs

    r1cs.warmup()


def _prover() -> None:
    from zkl import prover

    prover.warmup()


#: (name, step) in the order a pool hands them out: the G1 curve kernels and the field kernels
#: first (the other steps load the curve kernels from the cache instead of compiling them again
#: in each worker), the long pairing step early enough to end with the rest
STEPS: list[tuple[str, Callable[[], None]]] = [
    ("curve_g1", _curve_g1),
    ("field", _field),
    ("ntt", _ntt),
    ("curve_g2", _curve_g2),
    ("pairing", _pairing),
    ("msm_g1", _msm_g1),
    ("msm_g2", _msm_g2),
    ("verifier", _verifier),
    ("circuits", _circuits),
    ("prover", _prover),
]


def _run_step(name: str) -> tuple[str, float, float]:
    """Run one step by name (in a worker process); its name, wall seconds and CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    dict(STEPS)[name]()
    return name, time.perf_counter() - started, time.process_time() - cpu


def default_jobs() -> int:
    """Worker processes for a warmup: the usable cores, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def warmup(progress: bool = True, jobs: int | None = None, cpu_seconds: dict[str, float] | None = None
           ) -> dict[str, float]:
    """Run every step once, compiling (or loading from cache) its kernels; wall seconds per step.

    `cpu_seconds`, when given, receives the CPU seconds of each step.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    jobs = default_jobs() if jobs is None else jobs
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} steps"), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=True) as bar:
        task = bar.add_task("compiling kernels", total=len(STEPS))
        if jobs <= 1:
            for name, _ in STEPS:
                bar.update(task, description=f"compiling {name}")
                _, seconds[name], cpu[name] = _run_step(name)
                bar.advance(task)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            context = multiprocessing.get_context("spawn")  # no numba thread pools inherited through fork
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = [pool.submit(_run_step, name) for name, _ in STEPS]
                for future in as_completed(futures):
                    name, seconds[name], cpu[name] = future.result()
                    bar.update(task, description=f"compiled {name}")
                    bar.advance(task)
    if cpu_seconds is not None:
        cpu_seconds.update((name, cpu[name]) for name, _ in STEPS)
    return {name: seconds[name] for name, _ in STEPS}


def _marker() -> Path | None:
    directory = os.environ.get("NUMBA_CACHE_DIR")
    return Path(directory) / _MARKER if directory else None


def is_warm() -> bool:
    """True when a complete warmup has filled the current kernel cache."""
    marker = _marker()
    return marker is not None and marker.exists()


def ensure_warm(progress: bool = True, jobs: int | None = None) -> dict[str, float] | None:
    """Warm the kernel cache in parallel workers unless it is warm already; seconds per step, or None."""
    if is_warm():
        return None
    seconds = warmup(progress=progress, jobs=jobs)
    mark_warm(seconds)
    return seconds


def mark_warm(seconds: dict[str, float]) -> None:
    """Record in the kernel cache that a complete warmup ran there."""
    marker = _marker()
    if marker is not None:
        try:
            marker.write_text("".join(f"{k} {v:.2f}\n" for k, v in seconds.items()))
        except OSError:
            pass
