"""Compile every numba kernel ahead of time (they are cached on disk), so real runs start warm."""

from __future__ import annotations

from collections.abc import Callable


def _field() -> None:
    from zkl.algebra import field

    field.warmup()


def _curve() -> None:
    from zkl.algebra import curve

    g1, g2 = curve.G1_GENERATOR, curve.G2_GENERATOR
    p = curve.g1_mul(g1, 5)
    curve.g1_add(p, g1), curve.g1_double(p), curve.g1_neg(p)
    q = curve.g2_mul(g2, 5)
    curve.g2_add(q, g2), curve.g2_double(q)
    curve.validate_g1(p), curve.validate_g2(q)
    a1 = curve.fixed_base_mul_g1(g1, [1, 2, 3])
    a2 = curve.fixed_base_mul_g2(g2, [1, 2, 3])
    curve.validate_g1_array(a1), curve.validate_g2_array(a2)
    curve.g1_sum(a1), curve.g2_sum(a2)


def _ntt() -> None:
    from zkl.algebra import ntt

    values = list(range(1, 9))
    ntt.intt(ntt.ntt(values))
    ntt.coset_intt(ntt.coset_ntt(values, 7), 7)


def _msm() -> None:
    from zkl.algebra import curve, msm

    bases1 = curve.fixed_base_mul_g1(curve.G1_GENERATOR, list(range(1, 65)))
    bases2 = curve.fixed_base_mul_g2(curve.G2_GENERATOR, list(range(1, 17)))
    msm.msm_g1(bases1, list(range(64)))
    msm.msm_g2(bases2, list(range(16)))


def _pairing() -> None:
    from zkl.algebra import curve, pairing

    pairing.pairing_check([(curve.G1_GENERATOR, curve.G2_GENERATOR), (curve.g1_neg(curve.G1_GENERATOR), curve.G2_GENERATOR)])
    prepared = pairing.prepare_g2(curve.G2_GENERATOR)
    pairing.pairing_check_prepared([curve.G1_GENERATOR], [prepared])


def _circuits() -> None:
    from zkl.circuits import r1cs

    r1cs.warmup()


def _prover() -> None:
    from zkl import prover

    prover.warmup()


STEPS: list[tuple[str, Callable[[], None]]] = [
    ("field", _field),
    ("curve", _curve),
    ("ntt", _ntt),
    ("msm", _msm),
    ("pairing", _pairing),
    ("circuits", _circuits),
    ("prover", _prover),
]


def warmup(progress: bool = True) -> dict[str, float]:
    """Run every step once, compiling (or loading from cache) its kernels; seconds per step."""
    import time

    from rich.progress import Progress

    seconds: dict[str, float] = {}
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("warmup", total=len(STEPS))
        for name, step in STEPS:
            bar.update(task, description=f"compiling {name}")
            started = time.perf_counter()
            step()
            seconds[name] = time.perf_counter() - started
            bar.advance(task)
    return seconds
