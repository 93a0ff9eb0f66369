"""Compile every numba kernel ahead of time (they are cached on disk), so real runs start warm.

The work is cut into steps that touch mostly disjoint kernels; `warmup(jobs=2)`
runs them in that many worker processes (numba compiles in one thread, so a
2-core machine compiles about twice as fast: 166 s of CPU in 87 s), all
writing to the shared on-disk cache.  A later process loads every kernel in
under two seconds.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Collection
from pathlib import Path

#: written into numba's cache directory once every step has compiled there
_MARKER = "zkl-warmup.done"


def _step(module: str, *args: object) -> Callable[[], None]:
    """A step that imports `module` and runs its warmup(*args) (imported in the worker, not here)."""
    def run() -> None:
        importlib.import_module(module).warmup(*args)

    return run


#: (name, step) in the order a pool hands them out: the G1 curve kernels and the field kernels
#: first (the other steps load the curve kernels from the cache instead of compiling them again
#: in each worker), the long pairing step early enough to end with the rest.  Each step is one
#: package's own warmup(); this module only schedules them.
STEPS: list[tuple[str, Callable[[], None]]] = [
    ("curve_g1", _step("zkl.algebra.curve", ("g1",))),
    ("field", _step("zkl.algebra.field")),
    ("ntt", _step("zkl.algebra.ntt")),
    ("eddsa", _step("zkl.crypto.eddsa_batch")),
    ("curve_g2", _step("zkl.algebra.curve", ("g2",))),
    ("pairing", _step("zkl.algebra.pairing")),
    ("msm_g1", _step("zkl.algebra.msm", ("g1",))),
    ("msm_g2", _step("zkl.algebra.msm", ("g2",))),
    ("verifier", _step("zkl.verifier.groth16")),
    ("circuits", _step("zkl.circuits.r1cs")),
    ("prover", _step("zkl.prover")),
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


def _names(steps: Collection[str] | None) -> list[str]:
    """The named steps in STEPS order (every step for None); an unknown name is a ValueError."""
    known = [name for name, _ in STEPS]
    if steps is None:
        return known
    unknown = sorted(set(steps) - set(known))
    if unknown:
        raise ValueError(f"no warmup step {unknown[0]!r}; the steps are {', '.join(known)}")
    return [name for name in known if name in steps]


def warmup(progress: bool = True, jobs: int | None = None, cpu_seconds: dict[str, float] | None = None,
           steps: Collection[str] | None = None) -> dict[str, float]:
    """Run every step once (or the named `steps`), compiling (or loading from cache) its kernels; wall seconds per step.

    `cpu_seconds`, when given, receives the CPU seconds of each step.
    """
    names = _names(steps)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    jobs = default_jobs() if jobs is None else jobs
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} steps"), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=True) as bar:
        task = bar.add_task("compiling kernels", total=len(names))
        if jobs <= 1:
            for name in names:
                bar.update(task, description=f"compiling {name}")
                _, seconds[name], cpu[name] = _run_step(name)
                bar.advance(task)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            context = multiprocessing.get_context("spawn")  # no numba thread pools inherited through fork
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = [pool.submit(_run_step, name) for name in names]
                for future in as_completed(futures):
                    name, seconds[name], cpu[name] = future.result()
                    bar.update(task, description=f"compiled {name}")
                    bar.advance(task)
    if cpu_seconds is not None:
        cpu_seconds.update((name, cpu[name]) for name in names)
    return {name: seconds[name] for name in names}


def _marker() -> Path | None:
    from zkl import _numba_cache

    _numba_cache.configured()  # `import zkl` configures numba's cache only when numba is imported
    directory = os.environ.get("NUMBA_CACHE_DIR")
    return Path(directory) / _MARKER if directory else None


def _warm_steps() -> dict[str, float]:
    """The steps the marker records as compiled into the current kernel cache, with their seconds."""
    marker = _marker()
    try:
        lines = marker.read_text().splitlines() if marker is not None else []
    except OSError:
        return {}
    done: dict[str, float] = {}
    for line in lines:
        name, _, seconds = line.partition(" ")
        try:
            done[name] = float(seconds)
        except ValueError:
            continue
    return done


def is_warm(steps: Collection[str] | None = None) -> bool:
    """True when a warmup has compiled every step (or the named `steps`) into the current kernel cache."""
    return set(_names(steps)) <= set(_warm_steps())


def ensure_warm(progress: bool = True, jobs: int | None = None,
                steps: Collection[str] | None = None) -> dict[str, float] | None:
    """Warm the kernel cache (every step, or the named `steps`) in parallel workers where it is not warm
    already; seconds per step compiled now, or None when there was nothing to do."""
    done = _warm_steps()
    missing = [name for name in _names(steps) if name not in done]
    if not missing:
        return None
    seconds = warmup(progress=progress, jobs=jobs, steps=missing)
    mark_warm(seconds)
    return seconds


def mark_warm(seconds: dict[str, float]) -> None:
    """Record in the kernel cache that these steps (with their seconds) compiled there, beside those recorded before."""
    from zkl._binfile import atomic_write

    marker = _marker()
    if marker is not None:
        merged = {**_warm_steps(), **seconds}
        try:
            atomic_write(marker, "".join(f"{k} {v:.2f}\n" for k, v in merged.items()).encode())
        except OSError:
            pass
