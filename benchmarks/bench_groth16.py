"""Groth16 proving: zkl against snarkjs (and groth16py when installed) on the same .zkey and .wtns.

    python benchmarks/bench_groth16.py [--sizes 12,14,16] [--big 18,20] [--repeats 5] [--json out.json]

For each size 2^k and each circuit (a multiplication chain and a Poseidon(2) chain, both circom,
compiled with circom2 from js/node_modules), the script builds in a cache directory
(ZKL_BENCH_CACHE, default ~/.cache/zkl/bench_groth16): the .r1cs and witness generator, the
.wtns, a prepared .ptau of power k (written by zkl.prover.ptau.write_ptau: a one-party
ceremony, instant next to `snarkjs powersoftau`), and the .zkey made from it by zkl's
`setup_from_ptau`, which is byte-identical to `snarkjs groth16 setup`'s (tests check this).
Then it proves N times, alternating:

* zkl (in this process, warm kernels): read the .zkey (points not re-validated, as snarkjs
  does not) and the .wtns, prove, write proof.json and public.json;
* snarkjs: `node snarkjs groth16 prove circuit.zkey witness.wtns proof.json public.json`;
* groth16py (optional): `prove_wtns(pk, wtns)` with the key imported once (`import_zkey`).

It also times zkl's local `setup` (fresh toxic waste) on the same R1CS, and measures the peak
memory of one zkl proof in a fresh process (resource.getrusage maxrss).  Sizes in --big are
zkl alone, on multiplication chains built directly as NumPy arrays (zkl.prover._bench).
Prints a rich table and one JSON object (last line; --json also writes it to a file).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "js"
CIRCOM = JS / "node_modules" / "circom2" / "cli.js"
SNARKJS = JS / "node_modules" / "snarkjs" / "build" / "cli.cjs"

MULCHAIN = """pragma circom 2.0.0;
template MulChain(n) {
    signal input a;
    signal input b;
    signal output out;
    signal c[n];
    c[0] <== a * b;
    for (var i = 1; i < n; i++) {
        c[i] <== c[i - 1] * b;
    }
    out <== c[n - 1] * b;
}
component main = MulChain(%d);
"""

POSEIDON_CHAIN = """pragma circom 2.0.0;
include "node_modules/circomlib/circuits/poseidon.circom";
template PoseidonChain(n) {
    signal input x;
    signal input y;
    signal output out;
    component h[n];
    for (var i = 0; i < n; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== i == 0 ? x : h[i - 1].out;
        h[i].inputs[1] <== y;
    }
    out <== h[n - 1].out;
}
component main = PoseidonChain(%d);
"""

#: constraints of one circomlib Poseidon(2) (measured by compiling chains of 1 and 2 when unknown)
_PER_HASH: dict[str, int] = {}


def run(*args: object, cwd: Path = ROOT, timeout: int = 3600) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def cache_dir() -> Path:
    path = Path(os.environ.get("ZKL_BENCH_CACHE", Path.home() / ".cache" / "zkl" / "bench_groth16"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def circom_build(name: str, source: str, inputs: dict, out: Path) -> tuple[Path, Path]:
    """Compile a circom source (cached by name) and compute its witness; return (.r1cs, .wtns)."""
    r1cs, wtns = out / f"{name}.r1cs", out / f"{name}.wtns"
    if r1cs.exists() and wtns.exists():
        return r1cs, wtns
    src = ROOT / f".bench_{name}.circom"  # includes resolve from the repo root (-l js)
    src.write_text(source)
    try:
        run("node", CIRCOM, src.name, "--r1cs", "--wasm", "-l", "js", "-o", out)
    finally:
        src.unlink()
    stem = src.stem
    (out / f"{name}.json").write_text(json.dumps(inputs))
    run("node", out / f"{stem}_js" / "generate_witness.js", out / f"{stem}_js" / f"{stem}.wasm",
        out / f"{name}.json", wtns)
    (out / f"{stem}.r1cs").rename(r1cs)
    shutil.rmtree(out / f"{stem}_js", ignore_errors=True)
    return r1cs, wtns


def constraints(r1cs: Path) -> int:
    from zkl.circuits import read_r1cs

    return read_r1cs(r1cs).n_constraints


def build_circuit(kind: str, k: int, cache: Path) -> tuple[Path, Path]:
    """A circuit of kind 'mul' or 'poseidon' whose snarkjs domain is 2^k rows."""
    out = cache / f"{kind}_{k}"
    out.mkdir(exist_ok=True)
    if kind == "mul":
        return circom_build(f"mul_{k}", MULCHAIN % ((1 << k) - 3), {"a": "3", "b": "7"}, out)
    if "poseidon" not in _PER_HASH:
        probe = cache / "probe"
        probe.mkdir(exist_ok=True)
        one = constraints(circom_build("p1", POSEIDON_CHAIN % 1, {"x": "1", "y": "2"}, probe)[0])
        two = constraints(circom_build("p2", POSEIDON_CHAIN % 2, {"x": "1", "y": "2"}, probe)[0])
        _PER_HASH["poseidon"] = two - one
        _PER_HASH["poseidon_base"] = one - (two - one)
    per, base = _PER_HASH["poseidon"], _PER_HASH["poseidon_base"]
    n = ((1 << k) - 2 - base) // per
    return circom_build(f"poseidon_{k}", POSEIDON_CHAIN % n, {"x": "1", "y": "2"}, out)


def ptau_for(power: int, cache: Path) -> Path:
    """A prepared .ptau of this power (zkl one-party ceremony), cached."""
    from zkl.prover.ptau import write_ptau

    path = cache / f"zkl_pot{power}.ptau"
    if not path.exists():
        started = time.perf_counter()
        write_ptau(path, power)
        print(f"  wrote {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def zkey_for(r1cs: Path, power: int, cache: Path) -> Path:
    from zkl.circuits import read_r1cs
    from zkl.prover import setup_from_ptau, write_zkey

    path = r1cs.with_suffix(".zkey")
    if not path.exists():
        started = time.perf_counter()
        write_zkey(setup_from_ptau(read_r1cs(r1cs), ptau_for(power, cache)), path)
        print(f"  made {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def zkl_prove_files(zkey: Path, wtns: Path, out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for read .zkey + read .wtns + prove + write JSON, in this process."""
    from zkl.circuits.circom import read_wtns_limbs
    from zkl.prover import _json, prove, public_inputs, read_zkey

    started, cpu = time.perf_counter(), time.process_time()
    pk = read_zkey(zkey, validate=False)
    w = read_wtns_limbs(wtns)
    proof = prove(pk, w)
    _json.write_proof(proof, out / "proof.json")
    _json.write_public(public_inputs(pk, w), out / "public.json")
    return time.perf_counter() - started, time.process_time() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def snarkjs_prove(zkey: Path, wtns: Path, out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `snarkjs groth16 prove` (node start-up included)."""
    started, cpu = time.perf_counter(), _children_cpu()
    run("node", SNARKJS, "groth16", "prove", zkey, wtns, out / "sj_proof.json", out / "sj_public.json")
    return time.perf_counter() - started, _children_cpu() - cpu


def bench_size(kind: str, k: int, repeats: int, cache: Path, peers: dict) -> dict:
    from zkl.circuits import read_r1cs
    from zkl.prover import setup
    from zkl.prover._bench import peak_memory

    print(f"[{kind} 2^{k}] building", file=sys.stderr)
    r1cs_path, wtns = build_circuit(kind, k, cache)
    zkey = zkey_for(r1cs_path, k, cache)
    r1cs = read_r1cs(r1cs_path)
    row = {"circuit": kind, "log_domain": k, "constraints": r1cs.n_constraints, "wires": r1cs.n_wires}
    started = time.perf_counter()
    setup(r1cs)
    row["zkl_setup_s"] = round(time.perf_counter() - started, 3)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        zkl_prove_files(zkey, wtns, out)  # warm-up
        if peers["snarkjs"]:
            run("node", SNARKJS, "groth16", "verify", *_vk(zkey, out), out / "public.json", out / "proof.json")
        gp_key = None
        if peers["groth16py"]:
            import groth16py

            started = time.perf_counter()
            gp_key = groth16py.import_zkey(str(zkey))
            if isinstance(gp_key, tuple):  # (proving key, verifying key)
                gp_key = gp_key[0]
            row["groth16py_import_s"] = round(time.perf_counter() - started, 3)
            groth16py.prove_wtns(gp_key, str(wtns))
        times: dict[str, list[tuple[float, float]]] = {"zkl": [], "snarkjs": [], "groth16py": []}
        for i in range(repeats):
            print(f"[{kind} 2^{k}] round {i + 1}/{repeats}", file=sys.stderr)
            times["zkl"].append(zkl_prove_files(zkey, wtns, out))
            if peers["snarkjs"]:
                times["snarkjs"].append(snarkjs_prove(zkey, wtns, out))
            if gp_key is not None:
                started, cpu = time.perf_counter(), time.process_time()
                groth16py.prove_wtns(gp_key, str(wtns))
                times["groth16py"].append((time.perf_counter() - started, time.process_time() - cpu))
    for name, values in times.items():
        if values:
            row[f"{name}_prove_s"] = round(statistics.median(v[0] for v in values), 3)
            row[f"{name}_cpu_s"] = round(statistics.median(v[1] for v in values), 3)
    if "snarkjs_prove_s" in row:  # wall-clock ratio; the CPU-time columns are steadier on a busy machine
        row["snarkjs_over_zkl"] = round(row["snarkjs_prove_s"] / row["zkl_prove_s"], 2)
    if "groth16py_prove_s" in row:
        row["groth16py_over_zkl"] = round(row["groth16py_prove_s"] / row["zkl_prove_s"], 2)
    peak = peak_memory(zkey, wtns)
    row["zkl_peak_mib"] = peak["peak_mib"]
    row["zkl_baseline_mib"] = peak["baseline_mib"]
    return row


def _vk(zkey: Path, out: Path) -> list[Path]:
    from zkl.prover import _json, read_zkey_verifying_key

    _json.write_verifying_key(read_zkey_verifying_key(zkey), out / "vk.json")
    return [out / "vk.json"]


def bench_big(k: int, repeats: int, cache: Path) -> dict:
    """zkl alone on a NumPy-built multiplication chain of 2^k rows: setup, prove, peak memory."""
    from zkl.circuits.circom import write_wtns
    from zkl.prover import prove, read_zkey, setup, write_zkey
    from zkl.prover._bench import mulchain, peak_memory

    print(f"[mul 2^{k}] building (NumPy chain, zkl setup)", file=sys.stderr)
    r1cs, witness = mulchain(k)
    zkey, wtns = cache / f"numpy_mul_{k}.zkey", cache / f"numpy_mul_{k}.wtns"
    row = {"circuit": "mul (numpy)", "log_domain": k, "constraints": r1cs.n_constraints, "wires": r1cs.n_wires}
    started = time.perf_counter()
    pk = setup(r1cs)
    row["zkl_setup_s"] = round(time.perf_counter() - started, 3)
    write_zkey(pk, zkey)
    write_wtns(witness, wtns)
    del pk
    times, cpus = [], []
    for i in range(repeats):
        print(f"[mul 2^{k}] round {i + 1}/{repeats}", file=sys.stderr)
        started, cpu = time.perf_counter(), time.process_time()
        prove(read_zkey(zkey, validate=False), witness)
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    row["zkl_prove_s"] = round(statistics.median(times), 3)
    row["zkl_cpu_s"] = round(statistics.median(cpus), 3)
    peak = peak_memory(zkey, wtns)
    row["zkl_peak_mib"] = peak["peak_mib"]
    row["zkl_baseline_mib"] = peak["baseline_mib"]
    return row


def render(rows: list[dict], meta: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    columns = {"circuit": "circuit", "log_domain": "2^k", "constraints": "constraints", "zkl_setup_s": "zkl setup",
               "zkl_prove_s": "zkl", "zkl_cpu_s": "zkl cpu", "snarkjs_prove_s": "snarkjs", "snarkjs_cpu_s": "sj cpu",
               "snarkjs_over_zkl": "sj/zkl", "groth16py_prove_s": "groth16py", "groth16py_cpu_s": "g16py cpu",
               "groth16py_over_zkl": "g16py/zkl", "zkl_peak_mib": "peak MiB", "zkl_baseline_mib": "base MiB"}
    table = Table(title=f"Groth16 prove: median seconds of {meta['repeats']} (wall, and CPU over all threads); "
                        f"load average {meta['load_before']} -> {meta['load_after']} on {meta['cpus']} CPUs")
    for title in columns.values():
        table.add_column(title, justify="right")
    for row in rows:
        table.add_row(*(str(row.get(c, "-")) for c in columns))
    Console(stderr=True, width=220).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="12,14,16", help="log2 domain sizes compared with peers")
    parser.add_argument("--big", default="", help="log2 sizes for zkl alone (e.g. 18,20)")
    parser.add_argument("--circuits", default="mul,poseidon")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-groth16py", action="store_true")
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args()
    cache = cache_dir()
    have_js = shutil.which("node") is not None and CIRCOM.exists() and SNARKJS.exists()
    if not have_js:
        print("node / js/node_modules missing: skipping the circom sizes", file=sys.stderr)
    have_gp = importlib.util.find_spec("groth16py") is not None and not args.no_groth16py
    peers = {"snarkjs": have_js, "groth16py": have_gp}
    meta = {"repeats": args.repeats, "load_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "peers": [p for p, ok in peers.items() if ok]}
    rows = []
    if have_js:
        for k in (int(s) for s in args.sizes.split(",") if s):
            for kind in args.circuits.split(","):
                rows.append(bench_size(kind, k, args.repeats, cache, peers))
    for k in (int(s) for s in args.big.split(",") if s):
        rows.append(bench_big(k, max(1, min(args.repeats, 3)), cache))
    meta["load_after"] = round(os.getloadavg()[0], 2)
    render(rows, meta)
    result = {"meta": meta, "rows": rows}
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
