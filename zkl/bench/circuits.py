"""Compiling and solving gadget circuits, against circom + snarkjs: `zkl bench circuits`.

    zkl bench circuits [--quick] [--hashes 256] [--signatures 64] [--repeats 5] [--no-circom] [--json]

`bench_circuits()` measures a chain of Poseidon hashes (256: 61,441 constraints, about 2^16)
and a batch of EdDSA-Poseidon verifications (64: 210,496 constraints):

- compile: a fresh compile (no cache), then a load from the disk cache (memory cache cleared);
- solve: `solve(circuit, inputs)` medians, and solve + writing the .wtns file;
- check: `R1CS.check` of the witness (the numba kernels);
- circom: the same Poseidon chain written in circom over circomlib's Poseidon, built once with
  circom2 from js/ (default optimization, cached under the cache directory), its witness made
  by `snarkjs wtns calculate` (the CLI: node and snarkjs start-up included) in rounds
  alternating with zkl's, and by circom's witness calculator in one node process (the wasm
  computation alone); medians and ratios. Left out without node or js/node_modules.

It also counts the constraints of each gadget. Targets: solving 2^16 constraints <= 1 s,
compiling them <= 5 s (cached afterwards).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
from pathlib import Path
from typing import Any

from zkl.bench import _js
from zkl.bench.timing import Say, alternate, median_times, print_table, timed
from zkl.circuits import cache as _cache
from zkl.circuits.circuit import Circuit, Public, Secret, compile, solve
from zkl.circuits.field import R
from zkl.circuits.std import merkle as _merkle
from zkl.circuits.std.babyjubjub import Point
from zkl.circuits.std.eddsa import Signature, verify_eddsa
from zkl.circuits.std.poseidon import constraint_count, poseidon
from zkl.crypto import eddsa as _eddsa
from zkl.crypto.poseidon import poseidon_hash

__all__ = ["EddsaBatch", "PoseidonChain", "QUICK", "bench_circuits", "circom_chain_source", "render"]

#: the arguments of `zkl bench circuits --quick`
QUICK = {"hashes": 8, "signatures": 2, "repeats": 1}


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


def _compile_times(circuit: Circuit) -> dict:
    """Fresh compile and cached load (disk) of a circuit, in a private cache directory."""
    old = os.environ.get("ZKL_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZKL_CACHE_DIR"] = tmp
        try:
            _cache.clear_memory()
            r1cs_box: list = []
            wall, cpu = timed(lambda: r1cs_box.append(compile(circuit)))
            _cache.clear_memory()
            cached_wall, _ = timed(lambda: compile(circuit))
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


def _circom_build(n: int, x: int) -> Path | None:
    """Build (once, cached) the circom chain and its input.json; its directory, or None without node/circom2."""
    if not _js.have("circom", "snarkjs"):
        return None
    out = _cache.cache_dir() / "bench" / f"circom_chain{n}"
    if not (out / f"chain{n}_js" / f"chain{n}.wasm").exists():
        _js.circom_compile(circom_chain_source(n), f"chain{n}", out)
    (out / "input.json").write_text(json.dumps({"x": str(x)}))
    return out


def _circom_constraints(out: Path, n: int) -> int:
    """Constraints of circom's build (its .r1cs header)."""
    from zkl.circuits.circom import read_r1cs

    return read_r1cs(out / f"chain{n}.r1cs").n_constraints


def _wasm_witness(build: Path, n: int, repeats: int) -> list[float]:
    """Seconds of circom's witness calculator alone (one node process, wasm loaded once)."""
    js = build / f"chain{n}_js"
    out = _js.node_run("-e", _NODE_WITNESS, js / "witness_calculator.js", js / f"chain{n}.wasm",
                       build / "input.json", repeats, timeout=600)
    return json.loads(out)


def bench_circuits(hashes: int = 256, signatures: int = 64, repeats: int = 5, circom: bool = True,
                   say: Say | None = None) -> dict[str, Any]:
    """Medians (seconds) of compiling and solving gadget circuits, and circom/snarkjs for comparison.

    Keys: poseidon_chain / eddsa_batch {constraints, wires, nnz, compile_s, compile_cpu_s,
    compile_cached_s, solve_s, solve_cpu_s, solve_write_s, solve_runs_s, check_s, check_cpu_s
    (R1CS.check of the witness), hashes / signatures}; circom_chain {constraints, optimization,
    snarkjs_wtns_calculate_s, snarkjs_runs_s, wasm_witness_s, ratio_snarkjs_over_zkl,
    ratio_wasm_over_zkl} (absent without node/circom2 or with circom=False);
    gadget_constraints {poseidon[n inputs], merkle_level, eddsa, bjj_*}.
    """
    say = say or (lambda *args: None)
    say("counting gadget constraints")
    out: dict[str, Any] = {"gadget_constraints": _gadget_constraints()}
    x = 5
    h = x
    for _ in range(hashes):
        h = poseidon_hash([h, x])
    chain = PoseidonChain(hashes)
    chain_inputs = {"x": x, "out": h}

    rng = random.Random(1)
    keys = [bytes(rng.randrange(256) for _ in range(32)) for _ in range(signatures)]
    msgs = [rng.randrange(R) for _ in range(signatures)]
    sigs = [_eddsa.sign(k, m) for k, m in zip(keys, msgs)]
    pubs = [_eddsa.public_key(k) for k in keys]
    batch = EddsaBatch(signatures)
    batch_inputs = {"keys": [[p.x, p.y] for p in pubs], "msgs": msgs, "r8": [[s.r8.x, s.r8.y] for s in sigs],
                    "s": [s.s for s in sigs]}

    say(f"building the circom chain of {hashes} hashes")
    build = _circom_build(hashes, x) if circom else None
    snarkjs_runs: list[float] = []
    for name, circuit, inputs in (("poseidon_chain", chain, chain_inputs), ("eddsa_batch", batch, batch_inputs)):
        say(f"{name}: compiling")
        entry = _compile_times(circuit)
        r1cs = entry.pop("r1cs")
        witness = solve(circuit, inputs, r1cs=r1cs)
        entry["check_s"], entry["check_cpu_s"] = median_times(lambda: r1cs.check(witness), max(1, repeats // 2),
                                                              warm=True)
        with tempfile.TemporaryDirectory() as tmp:
            wtns = str(Path(tmp) / "w.wtns")
            peers = {"solve": lambda: solve(circuit, inputs), "solve_write": lambda: solve(circuit, inputs).write(wtns)}
            if name == "poseidon_chain" and build is not None:
                peers["snarkjs"] = lambda: _js.snarkjs("wtns", "calculate", build / f"chain{hashes}_js" /
                                                       f"chain{hashes}.wasm", build / "input.json",
                                                       build / "bench.wtns")
            rounds = repeats if name == "poseidon_chain" else max(1, repeats // 2)
            runs = alternate(peers, rounds, lambda d, c=None, t=None: say(f"{name}: solving, {d}", c, t))
        walls = [w for w, _ in runs["solve"]]
        entry.update(solve_s=statistics.median(walls), solve_cpu_s=statistics.median(c for _, c in runs["solve"]),
                     solve_write_s=statistics.median(w for w, _ in runs["solve_write"]), solve_runs_s=walls)
        snarkjs_runs += [w for w, _ in runs.get("snarkjs", [])]
        out[name] = entry
    out["poseidon_chain"]["hashes"] = hashes
    out["eddsa_batch"]["signatures"] = signatures
    if build is not None and snarkjs_runs:
        say("circom's witness calculator")
        wasm_runs = _wasm_witness(build, hashes, repeats)
        zkl_s = out["poseidon_chain"]["solve_s"]
        out["circom_chain"] = {
            "constraints": _circom_constraints(build, hashes), "optimization": "circom2 default (--O1)",
            "snarkjs_wtns_calculate_s": statistics.median(snarkjs_runs), "snarkjs_runs_s": snarkjs_runs,
            "wasm_witness_s": statistics.median(wasm_runs),
            "ratio_snarkjs_over_zkl": statistics.median(snarkjs_runs) / zkl_s,
            "ratio_wasm_over_zkl": statistics.median(wasm_runs) / zkl_s,
        }
    return out


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


def render(result: dict[str, Any]) -> None:
    """Two tables: compile and witness times per circuit (with circom's), and the gadgets' constraints."""
    circom = result.get("circom_chain")
    rows = []
    for key, label in (("poseidon_chain", f"Poseidon chain x{result['poseidon_chain']['hashes']}"),
                       ("eddsa_batch", f"EdDSA verify x{result['eddsa_batch']['signatures']}")):
        e = result[key]
        versus = ""
        if key == "poseidon_chain" and circom:
            versus = f"snarkjs {circom['snarkjs_wtns_calculate_s']:.2f} s ({circom['ratio_snarkjs_over_zkl']:.1f}x)"
        rows.append([label, e["constraints"], f"{e['compile_s']:.2f}", f"{e['compile_cpu_s']:.2f}",
                     f"{e['compile_cached_s']:.3f}", f"{e['solve_s']:.3f}", f"{e['solve_cpu_s']:.3f}",
                     f"{e['solve_write_s']:.3f}", f"{e['check_s']:.3f}", versus])
    if circom:
        rows.append(["circom chain (wasm witness alone)", circom["constraints"], "", "", "",
                     f"{circom['wasm_witness_s']:.3f}", "", "", "", f"{circom['ratio_wasm_over_zkl']:.2f}x zkl"])
    print_table("zkl circuits: compile and witness (seconds, medians)",
                ("circuit", "constraints", "compile", "compile CPU", "compile (cached)", "solve", "solve CPU",
                 "solve + .wtns", "check", "vs circom"), rows)
    counts = result["gadget_constraints"]
    rows = [["Poseidon, 1..16 inputs", " ".join(str(v) for v in counts["poseidon"].values())]]
    rows += [[f"Merkle level, {arity} (membership / update)", f"{c['membership']} / {c['update']}"]
             for arity, c in counts["merkle_level"].items()]
    rows += [[key, value] for key, value in counts.items() if key not in ("poseidon", "merkle_level")]
    print_table("gadget constraints", ("gadget", "constraints"), rows)
