"""Groth16 verification: one proof, a batch of 64, and py_ecc / snarkjs on the same proof: `zkl bench verifier`.

    zkl bench verifier [--quick] [--batch 64] [--repeats 21] [--no-snarkjs] [--json]

`bench_verifier()` returns medians in milliseconds:

- verify_ms: `verify` with a PreparedVerifyingKey (3 public inputs, as the rollup's batch
  circuit), validation of the proof included;
- batch_verify_<batch>_ms: `batch_verify` of `batch` valid proofs under that key;
- verify_cpu_ms, batch_verify_<batch>_cpu_ms: the same as CPU time (calling thread for
  verify, all threads for the batch), which a loaded machine inflates less than wall time;
- pyecc_verify_ms: py_ecc.optimized_bn128's check of the same proof (vk_x by scalar
  multiplications, four Miller loops, one final exponentiation);
- snarkjs_verify_ms: wall time of the process `node snarkjs groth16 verify` on the same files
  (node start-up and wasm load included: process time, not an in-process figure); absent
  when node or js/node_modules is missing.

Keys and proofs are simulated with a known trapdoor (zkl.verifier.testing).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkl.bench import _js
from zkl.bench.timing import Say, median, print_table, require
from zkl.verifier.batch import batch_verify
from zkl.verifier.groth16 import prepare_verifying_key, verify
from zkl.verifier.snarkjs_json import write_proof, write_public, write_verifying_key
from zkl.verifier.testing import simulate

__all__ = ["QUICK", "bench_verifier", "render"]

#: the arguments of `zkl bench verifier --quick`
QUICK = {"batch": 8, "repeat": 3, "peer_repeat": 1}


def _ms(fn: Callable[[], Any], repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    return round(median(fn, repeat, clock=clock, warm=False) * 1e3, 3)


def bench_verifier(n_public: int = 3, batch: int = 64, repeat: int = 21, snarkjs: bool = True, peer_repeat: int = 3,
                   say: Say | None = None) -> dict[str, Any]:
    """Medians (ms) of verify, batch_verify of `batch` proofs, py_ecc's verification and snarkjs's CLI."""
    say = say or (lambda *args: None)
    say(f"simulating {batch} proofs")
    sim = simulate(n_public, batch, seed=7)
    pvk = prepare_verifying_key(sim.vk)
    inputs, proof = sim.items[0]
    assert verify(pvk, inputs, proof) and batch_verify(pvk, sim.items).ok  # warm-up (compiles on a cold cache)
    say("zkl verify and batch_verify")
    out: dict[str, Any] = {
        "n_public": n_public,
        "verify_ms": _ms(lambda: verify(pvk, inputs, proof), repeat),
        f"batch_verify_{batch}_ms": _ms(lambda: batch_verify(pvk, sim.items), max(3, repeat // 3)),
        # CPU time of the calling thread (verify is serial): the wall time an idle machine would show
        "verify_cpu_ms": _ms(lambda: verify(pvk, inputs, proof), repeat, time.thread_time),
        # CPU time of all threads (the batch scales points in parallel): a bound on its one-core time
        f"batch_verify_{batch}_cpu_ms": _ms(lambda: batch_verify(pvk, sim.items), max(3, repeat // 3),
                                            time.process_time),
    }
    say("py_ecc verify")
    out["pyecc_verify_ms"] = _ms(_pyecc_verifier(sim.vk, inputs, proof), peer_repeat)
    if snarkjs and _js.have("snarkjs"):
        say("snarkjs groth16 verify")
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            write_verifying_key(sim.vk, d / "vk.json")
            write_public(inputs, d / "public.json")
            write_proof(proof, d / "proof.json")
            out["snarkjs_verify_ms"] = _ms(lambda: _js.snarkjs("groth16", "verify", "vk.json", "public.json",
                                                               "proof.json", cwd=d), peer_repeat)
            out["snarkjs_verify_note"] = "process wall time of `snarkjs groth16 verify` (node start-up included)"
    return out


def _pyecc_verifier(vk, inputs, proof) -> Callable[[], bool]:
    """py_ecc's Groth16 check of one proof (the oracle's speed, for comparison)."""
    b = require("py_ecc.optimized_bn128")
    op = require("py_ecc.optimized_bn128.optimized_pairing")

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


def render(result: dict[str, Any]) -> None:
    """One row per figure: zkl's wall and CPU times, then the peers'."""
    batch = next(int(k.split("_")[2]) for k in result if k.startswith("batch_verify_") and k.endswith("_cpu_ms"))
    rows = [("verify, one proof", result["verify_ms"], result["verify_cpu_ms"]),
            (f"batch_verify, {batch} proofs", result[f"batch_verify_{batch}_ms"],
             result[f"batch_verify_{batch}_cpu_ms"]),
            ("py_ecc verify, one proof", result["pyecc_verify_ms"], None)]
    if "snarkjs_verify_ms" in result:
        rows.append(("snarkjs groth16 verify (a process)", result["snarkjs_verify_ms"], None))
    print_table(f"Groth16 verification, {result['n_public']} public inputs (ms, medians)",
                ("what", "wall ms", "CPU ms"), rows)
