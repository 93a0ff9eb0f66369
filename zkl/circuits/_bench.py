"""Benchmark of circuit compiling and witness solving with the crypto gadgets, against circom.

`bench_circuits()` measures, for a chain of Poseidon hashes (256: 61,441 constraints, about
2^16) and a batch of EdDSA-Poseidon verifications (64: 210,496 constraints):

- compile: a fresh compile (no cache), then a load from the disk cache (memory cache cleared);
- solve: `solve(circuit, inputs)` medians, and solve + writing the .wtns file;
- check: `R1CS.check` of the witness (the numba kernels);
- circom: the same Poseidon chain written in circom over circomlib's Poseidon, built once with
  js/node_modules/.bin/circom2 (default optimization, cached under the cache directory), its
  witness made by `snarkjs wtns calculate` (the CLI: node and snarkjs start-up included) and by
  circom's witness calculator in one node process (the wasm computation alone), runs
  alternating with zkl's, medians and ratios.

Wall times on a shared machine vary with its load: CPU times (process_time) are reported beside
zkl's wall times.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zkl.circuits import cache as _cache
from zkl.circuits.circuit import Circuit, Public, Secret, compile, solve
from zkl.circuits.field import R
from zkl.circuits.std import merkle as _merkle
from zkl.circuits.std.babyjubjub import Point
from zkl.circuits.std.eddsa import Signature, verify_eddsa
from zkl.circuits.std.poseidon import constraint_count, poseidon
from zkl.crypto import eddsa as _eddsa
from zkl.crypto.poseidon import poseidon_hash

__all__ = ["EddsaBatch", "PoseidonChain", "bench_circuits", "circom_chain_source"]

ROOT = Path(__file__).resolve().parents[2]


class PoseidonChain(Circuit):
    """h_0 = x, h_{i+1} = Poseidon(h_i, x); out == h_n (240 n + 1 constraints)."""

    x = Secret()
    out = Public()

    def __init__(self, n: int = 256):
        self.n = n

    def define(self, api):
        h = self.x
        for _ in range(self.n):
            h = poseidon(api, [h, self.x])
        api.assert_equal(h, self.out)


class EddsaBatch(Circuit):
    """n EdDSA-Poseidon verifications of (key, message, signature) inputs."""

    def __init__(self, n: int = 64):
        self.n = n
        self.keys = Public((n, 2))
        self.msgs = Public(n)
        self.r8 = Secret((n, 2))
        self.s = Secret(n)

    def define(self, api):
        for i in range(self.n):
            with api.scope(f"sig{i}"):
                verify_eddsa(api, Point(*self.keys[i]), self.msgs[i], Signature(Point(*self.r8[i]), self.s[i]))


def circom_chain_source(n: int) -> str:
    """circom source of the same chain over circomlib's Poseidon (include found with -l js)."""
    return f"""pragma circom 2.0.0;
include "node_modules/circomlib/circuits/poseidon.circom";

template Chain(n) {{
    signal input x;
    signal output out;
    component h[n];
    for (var i = 0; i < n; i++) {{
        h[i] = Poseidon(2);
        h[i].inputs[0] <== i == 0 ? x : h[i - 1].out;
        h[i].inputs[1] <== x;
    }}
    out <== h[n - 1].out;
}}

component main = Chain({n});
"""


_NODE_WITNESS = """
const wc = require(process.argv[1]);
const fs = require("fs");
const wasm = fs.readFileSync(process.argv[2]);
const input = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const runs = Number(process.argv[4]);
(async () => {
    const calc = await wc(wasm);
    await calc.calculateWTNSBin(input, 0);
    const times = [];
    for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        await calc.calculateWTNSBin(input, 0);
        times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    process.stdout.write(JSON.stringify(times));
})();
"""


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def _compile_times(circuit: Circuit) -> dict:
    """Fresh compile and cached load (disk) of a circuit, in a private cache directory."""
    old = os.environ.get("ZKL_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZKL_CACHE_DIR"] = tmp
        try:
            _cache.clear_memory()
            r1cs_box: list = []
            wall, cpu = _timed(lambda: r1cs_box.append(compile(circuit)))
            _cache.clear_memory()
            cached_wall, _ = _timed(lambda: compile(circuit))
        finally:
            _cache.clear_memory()
            if old is None:
                os.environ.pop("ZKL_CACHE_DIR", None)
            else:
                os.environ["ZKL_CACHE_DIR"] = old
    r1cs = r1cs_box[0]
    return {"constraints": r1cs.n_constraints, "wires": r1cs.n_wires,
            "nnz": int(r1cs.a.nnz + r1cs.b.nnz + r1cs.c.nnz), "compile_s": wall, "compile_cpu_s": cpu,
            "compile_cached_s": cached_wall, "r1cs": r1cs}


def _js_dir() -> Path:
    return Path(os.environ.get("ZKL_JS_DIR", ROOT / "js"))


def _circom_build(n: int) -> Path | None:
    """Build (once, cached) the circom chain; return its output directory, or None without node/circom2."""
    js = _js_dir()
    circom = js / "node_modules" / ".bin" / "circom2"
    if shutil.which("node") is None or not circom.exists():
        return None
    out = _cache.cache_dir() / "bench" / f"circom_chain{n}"
    wasm = out / f"chain{n}_js" / f"chain{n}.wasm"
    if wasm.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    source = out / f"chain{n}.circom"
    source.write_text(circom_chain_source(n))
    done = subprocess.run([str(circom), str(source), "--r1cs", "--wasm", "-l", str(js), "-o", str(out)],
                          cwd=js.parent, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0 or not wasm.exists():
        raise RuntimeError(f"circom2 failed on the benchmark chain:\n{done.stdout}\n{done.stderr}")
    return out


def _circom_constraints(out: Path, n: int) -> int:
    """Constraints of circom's build (its .r1cs header)."""
    from zkl.circuits.circom import read_r1cs

    return read_r1cs(out / f"chain{n}.r1cs").n_constraints


def bench_circuits(n_hashes: int = 256, n_signatures: int = 64, repeats: int = 5, circom: bool = True) -> dict:
    """Medians (seconds) of compiling and solving gadget circuits, and circom/snarkjs for comparison.

    Keys: poseidon_chain / eddsa_batch {constraints, wires, nnz, compile_s, compile_cpu_s,
    compile_cached_s, solve_s, solve_cpu_s, solve_write_s, check_s, check_cpu_s (R1CS.check of
    the witness)}; circom_chain {constraints, build_s,
    snarkjs_wtns_calculate_s, wasm_witness_s, ratio_snarkjs_over_zkl, ratio_wasm_over_zkl} (absent
    without node/circom2); gadget_constraints {poseidon[n inputs], merkle levels, eddsa, ...}.
    """
    out: dict = {"gadget_constraints": _gadget_constraints()}
    x = 5
    h = x
    for _ in range(n_hashes):
        h = poseidon_hash([h, x])
    chain = PoseidonChain(n_hashes)
    chain_inputs = {"x": x, "out": h}

    rng = random.Random(1)
    keys = [bytes(rng.randrange(256) for _ in range(32)) for _ in range(n_signatures)]
    msgs = [rng.randrange(R) for _ in range(n_signatures)]
    sigs = [_eddsa.sign(k, m) for k, m in zip(keys, msgs)]
    pubs = [_eddsa.public_key(k) for k in keys]
    batch = EddsaBatch(n_signatures)
    batch_inputs = {"keys": [[p.x, p.y] for p in pubs], "msgs": msgs, "r8": [[s.r8.x, s.r8.y] for s in sigs],
                    "s": [s.s for s in sigs]}

    build = _circom_build(n_hashes) if circom else None
    for name, circuit, inputs in (("poseidon_chain", chain, chain_inputs), ("eddsa_batch", batch, batch_inputs)):
        entry = _compile_times(circuit)
        r1cs = entry.pop("r1cs")
        witness = solve(circuit, inputs, r1cs=r1cs)
        r1cs.check(witness)  # numba kernels loaded
        checks = [_timed(lambda: r1cs.check(witness)) for _ in range(max(1, repeats // 2))]
        entry.update(check_s=statistics.median(c[0] for c in checks),
                     check_cpu_s=statistics.median(c[1] for c in checks))
        walls, cpus, writes = [], [], []
        zkl_runs = repeats if name == "poseidon_chain" else max(1, repeats // 2)
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(zkl_runs):
                wall, cpu = _timed(lambda: solve(circuit, inputs))
                walls.append(wall)
                cpus.append(cpu)
                writes.append(_timed(lambda: solve(circuit, inputs).write(str(Path(tmp) / "w.wtns")))[0])
                if name == "poseidon_chain" and build is not None:  # alternate with snarkjs
                    out.setdefault("_snarkjs_runs", []).append(_snarkjs_once(build, n_hashes, x))
        entry.update(solve_s=statistics.median(walls), solve_cpu_s=statistics.median(cpus),
                     solve_write_s=statistics.median(writes), solve_runs_s=walls)
        out[name] = entry
    out["poseidon_chain"]["hashes"] = n_hashes
    out["eddsa_batch"]["signatures"] = n_signatures
    snark_runs = out.pop("_snarkjs_runs", None)
    if build is not None and snark_runs:
        wasm_runs = _wasm_witness(build, n_hashes, x, repeats)
        zkl_s = out["poseidon_chain"]["solve_s"]
        out["circom_chain"] = {
            "constraints": _circom_constraints(build, n_hashes), "optimization": "circom2 default (--O1)",
            "snarkjs_wtns_calculate_s": statistics.median(snark_runs), "snarkjs_runs_s": snark_runs,
            "wasm_witness_s": statistics.median(wasm_runs),
            "ratio_snarkjs_over_zkl": statistics.median(snark_runs) / zkl_s,
            "ratio_wasm_over_zkl": statistics.median(wasm_runs) / zkl_s,
        }
    return out


def _snarkjs_once(build: Path, n: int, x: int) -> float:
    """Wall seconds of one `snarkjs wtns calculate` of the circom chain."""
    js = _js_dir()
    snarkjs = js / "node_modules" / "snarkjs" / "build" / "cli.cjs"
    inputs = build / "input.json"
    inputs.write_text(json.dumps({"x": str(x)}))
    wasm = build / f"chain{n}_js" / f"chain{n}.wasm"
    t0 = time.perf_counter()
    done = subprocess.run(["node", str(snarkjs), "wtns", "calculate", str(wasm), str(inputs),
                           str(build / "bench.wtns")], capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"snarkjs wtns calculate failed:\n{done.stdout}\n{done.stderr}")
    return wall


def _wasm_witness(build: Path, n: int, x: int, repeats: int) -> list[float]:
    """Seconds of circom's witness calculator alone (one node process, wasm loaded once)."""
    calc = build / f"chain{n}_js" / "witness_calculator.js"
    wasm = build / f"chain{n}_js" / f"chain{n}.wasm"
    inputs = build / "input.json"
    inputs.write_text(json.dumps({"x": str(x)}))
    done = subprocess.run(["node", "-e", _NODE_WITNESS, str(calc), str(wasm), str(inputs), str(repeats)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"circom witness calculator failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout)


class _Gadget(Circuit):
    """One gadget over fresh secret inputs, to count its constraints."""

    def __init__(self, which: str = "eddsa"):
        self.which = which
        self.v = Secret(8)

    def define(self, api):
        from zkl.circuits.std import babyjubjub as bjj

        v = self.v
        p, q = Point(v[0], v[1]), Point(v[2], v[3])
        if self.which == "eddsa":
            verify_eddsa(api, p, v[4], Signature(q, v[5]))
        elif self.which == "eddsa_enabled":
            verify_eddsa(api, p, v[4], Signature(q, v[5]), enabled=v[6])
        elif self.which == "bjj_add":
            bjj.add(api, p, q)
        elif self.which == "bjj_double":
            bjj.double(api, p)
        elif self.which == "bjj_on_curve":
            bjj.assert_on_curve(api, p)
        elif self.which == "bjj_in_subgroup":
            bjj.assert_in_subgroup(api, p)
        elif self.which == "bjj_not_small_order":
            bjj.assert_not_small_order(api, p)
        elif self.which == "bjj_mul_variable":
            bjj.mul(api, p, v[4])
        elif self.which == "bjj_mul_fixed_251_bits":
            bits = api.hint(_bits_hint_251, v[4], n_outputs=251)
            for b in bits:
                api.mark_bits(b, 1)  # counted without their boolean checks
            bjj.mul_fixed(api, bits)


def _bits_hint_251(x: int) -> list[int]:
    return [(x >> i) & 1 for i in range(251)]


def _gadget_constraints() -> dict:
    """Constraint counts of the gadgets (Poseidon and Merkle from their formulas, the others compiled)."""
    counts: dict = {
        "poseidon": {n: constraint_count(n) for n in range(1, 17)},
        "merkle_level": {f"arity{k}": {"membership": _merkle.level_cost(k), "update": _merkle.level_cost(k, True)}
                         for k in (2, 4)},
    }
    for which in ("eddsa", "eddsa_enabled", "bjj_add", "bjj_double", "bjj_on_curve", "bjj_in_subgroup",
                  "bjj_not_small_order", "bjj_mul_variable", "bjj_mul_fixed_251_bits"):
        counts[which] = compile(_Gadget(which), cache=False).n_constraints
    return counts
