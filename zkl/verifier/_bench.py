"""Verifier benchmark: one Groth16 verification, a batch of 64, and py_ecc / snarkjs on the same proof.

`bench_verifier()` returns medians in milliseconds:

- verify_ms: `verify` with a PreparedVerifyingKey (3 public inputs, as the rollup's
  batch circuit), validation of the proof included;
- batch_verify_64_ms: `batch_verify` of 64 valid proofs under that key;
- verify_cpu_ms, batch_verify_64_cpu_ms: the same as CPU time (calling thread for
  verify, all threads for the batch), which a loaded machine inflates less than wall time;
- pyecc_verify_ms: py_ecc.optimized_bn128's check of the same proof (vk_x by
  scalar multiplications, four Miller loops, one final exponentiation), median of 3;
- snarkjs_verify_ms: wall time of the process `node snarkjs groth16 verify` on the
  same files (node start-up and wasm load included: process time, not an
  in-process figure), median of 3; absent when node or js/node_modules is missing.

Keys and proofs are simulated with a known trapdoor (zkl.verifier.testing).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkl.verifier.batch import batch_verify
from zkl.verifier.groth16 import prepare_verifying_key, verify
from zkl.verifier.snarkjs_json import write_proof, write_public, write_verifying_key
from zkl.verifier.testing import simulate

_SNARKJS = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "snarkjs" / "build" / "cli.cjs"


def _median_ms(fn: Callable[[], Any], repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return round(statistics.median(times) * 1e3, 3)


def bench_verifier(n_public: int = 3, batch: int = 64, repeat: int = 21, snarkjs: bool = True) -> dict:
    """Medians (ms) of verify, batch_verify of `batch` proofs, py_ecc's verification and snarkjs's CLI."""
    sim = simulate(n_public, batch, seed=7)
    pvk = prepare_verifying_key(sim.vk)
    inputs, proof = sim.items[0]
    assert verify(pvk, inputs, proof) and batch_verify(pvk, sim.items).ok  # warm-up (compiles on a cold cache)
    out: dict[str, Any] = {
        "n_public": n_public,
        "verify_ms": _median_ms(lambda: verify(pvk, inputs, proof), repeat),
        f"batch_verify_{batch}_ms": _median_ms(lambda: batch_verify(pvk, sim.items), max(3, repeat // 3)),
        # CPU time of the calling thread (verify is serial): the wall time an idle machine would show
        "verify_cpu_ms": _median_ms(lambda: verify(pvk, inputs, proof), repeat, time.thread_time),
        # CPU time of all threads (the batch scales points in parallel): a bound on its one-core time
        f"batch_verify_{batch}_cpu_ms": _median_ms(lambda: batch_verify(pvk, sim.items), max(3, repeat // 3),
                                                  time.process_time),
    }
    try:
        out["pyecc_verify_ms"] = _median_ms(_pyecc_verifier(sim.vk, inputs, proof), 3)
    except ImportError:
        pass
    if snarkjs and shutil.which("node") and _SNARKJS.exists():
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            write_verifying_key(sim.vk, d / "vk.json")
            write_public(inputs, d / "public.json")
            write_proof(proof, d / "proof.json")
            cmd = ["node", str(_SNARKJS), "groth16", "verify", "vk.json", "public.json", "proof.json"]

            def run() -> None:
                subprocess.run(cmd, cwd=d, check=True, capture_output=True, timeout=120)

            out["snarkjs_verify_ms"] = _median_ms(run, 3)
            out["snarkjs_verify_note"] = "process wall time of `snarkjs groth16 verify` (node start-up included)"
    return out


def _pyecc_verifier(vk, inputs, proof) -> Callable[[], bool]:
    """py_ecc's Groth16 check of one proof (the oracle's speed, for comparison)."""
    from py_ecc import optimized_bn128 as b
    from py_ecc.optimized_bn128 import optimized_pairing as op

    def g1(p):
        return b.Z1 if p.is_infinity() else (b.FQ(p.x), b.FQ(p.y), b.FQ.one())

    def g2(p):
        return b.Z2 if p.is_infinity() else (b.FQ2(list(p.x)), b.FQ2(list(p.y)), b.FQ2.one())

    alpha, beta, gamma, delta = g1(vk.alpha_g1), g2(vk.beta_g2), g2(vk.gamma_g2), g2(vk.delta_g2)
    ic = [g1(p) for p in vk.gamma_abc_g1]

    def check() -> bool:
        vk_x = ic[0]
        for x, p in zip(inputs, ic[1:]):
            vk_x = b.add(vk_x, b.multiply(p, x))
        f = op.pairing(g2(proof.b), b.neg(g1(proof.a)), final_exponentiate=False)
        f = f * op.pairing(beta, alpha, final_exponentiate=False)
        f = f * op.pairing(gamma, vk_x, final_exponentiate=False)
        f = f * op.pairing(delta, g1(proof.c), final_exponentiate=False)
        ok = op.final_exponentiate(f) == b.FQ12.one()
        assert ok
        return ok

    return check


if __name__ == "__main__":
    print(bench_verifier())
