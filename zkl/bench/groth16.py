"""Groth16 proving: zkl against snarkjs (and groth16py when installed) on the same .zkey and .wtns.

    zkl bench groth16 [--quick] [--sizes 12,14,16] [--big 18,20] [--circuits dense,poseidon] [--repeats 5]
                      [--no-groth16py] [--cli 16,18] [--rapidsnark PATH] [--json]

For each size 2^k in `sizes` and each circuit (a dense chain x_{i+1} = x_i^2 + 7 and a Poseidon(2)
chain, both circom, compiled with circom2 from js/; `mul`, the chain c_i = c_{i-1} * b, is an extra
that understates a real circuit's cost: its B column is a single wire, so two of the five MSMs
are trivial), `bench_groth16()` builds in a cache directory
($ZKL_BENCH_CACHE, default ~/.cache/zkl/bench_groth16) the .r1cs and the .wtns, a prepared
.ptau of power k (written by zkl.prover.ptau.write_ptau: a one-party ceremony, instant next to
`snarkjs powersoftau`), and the .zkey made from it by zkl's `setup_from_ptau`, byte-identical
to `snarkjs groth16 setup`'s (tests check this). Then it proves `repeats` times, the peers in
rounds alternating:

* zkl (in this process, warm kernels): read the .zkey (points not re-validated, as snarkjs
  does not) and the .wtns, prove, write proof.json and public.json;
* snarkjs: `node snarkjs groth16 prove circuit.zkey witness.wtns proof.json public.json`;
* groth16py (optional): `prove_wtns(pk, wtns)` with the key imported once (`import_zkey`).

It also times zkl's local `setup` (fresh toxic waste) on the same R1CS, and measures the peak
memory of one zkl proof in a fresh process (`peak_memory`). Sizes in `big` are zkl alone, on
dense chains built directly as NumPy arrays (`densechain`: no compile time; with `mul` among the
circuits, `mulchain` too). Without
node or js/node_modules the circom sizes are left out.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.limbs import ints_to_limbs
from zkl.bench import _js
from zkl.bench.timing import Say, alternate, print_table, timed
from zkl.circuits.r1cs import R1CS, SparseRows

__all__ = ["QUICK", "bench_cli", "bench_groth16", "densechain", "mulchain", "peak_memory", "rapidsnark_path",
           "render", "run_process"]

#: the arguments of `zkl bench groth16 --quick`
QUICK = {"sizes": (10,), "big": (10,), "circuits": ("dense",), "repeats": 1}

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

DENSE_CHAIN = """pragma circom 2.0.0;
template DenseChain(n) {
    signal input x;
    signal output out;
    signal s[n];
    s[0] <== x * x + 7;
    for (var i = 1; i < n; i++) {
        s[i] <== s[i - 1] * s[i - 1] + 7;
    }
    out <== s[n - 1];
}
component main = DenseChain(%d);
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


def _quiet(*args: object) -> None:
    pass


# ------------------------------------------------------------------------- circuits built with NumPy


DENSE_C = 7
"""the chain's constant: x_{i+1} = x_i^2 + 7"""


def densechain(log_domain: int, seed: int = 1) -> tuple[R1CS, np.ndarray]:
    """A dense chain x_{i+1} = x_i * x_i + 7 filling a domain of 2^log_domain rows, and its witness.

    Every constraint has its own wire in A, B and C (as a real circuit: no MSM is trivial). Wires: 0 one,
    1 out (public), 2 x (private), then s_0 .. s_{n-1}; the last constraint is s_{n-1} * 1 = out.
    """
    n = (1 << log_domain) - 3
    m = n + 1
    s_wire = 4 + np.arange(n, dtype=np.int64) - 1  # s_i is wire 3 + i
    prev = np.concatenate([[2], s_wire[:-1]])
    a_idx = np.concatenate([prev, [s_wire[-1]]]).astype(np.int32)
    b_idx = np.concatenate([prev, [0]]).astype(np.int32)
    one = np.zeros((1, 4), dtype=np.uint64)
    one[0, 0] = 1
    a = SparseRows(np.arange(m + 1, dtype=np.int64), a_idx, np.repeat(one, m, axis=0))
    b = SparseRows(np.arange(m + 1, dtype=np.int64), b_idx, np.repeat(one, m, axis=0))
    # C: s_i - 7 (the constant on wire 0), then out
    c_indptr = np.concatenate([np.arange(0, 2 * n + 1, 2), [2 * n + 1]]).astype(np.int64)
    c_idx = np.empty(2 * n + 1, dtype=np.int32)
    c_idx[0:2 * n:2], c_idx[1:2 * n:2], c_idx[2 * n] = s_wire, 0, 1
    c_val = np.repeat(one, 2 * n + 1, axis=0)
    c_val[1:2 * n:2] = ints_to_limbs([R - DENSE_C])[0]
    r1cs = R1CS(a, b, SparseRows(c_indptr, c_idx, c_val), n_wires=3 + n, n_public_outputs=1, n_public_inputs=0,
                n_private_inputs=1)
    rng = np.random.default_rng(seed)
    x = int(rng.integers(2, 1 << 62))
    values = [1, 0, x]
    for _ in range(n):
        x = (x * x + DENSE_C) % R
        values.append(x)
    values[1] = x
    return r1cs, ints_to_limbs(values)


def mulchain(log_domain: int, seed: int = 1) -> tuple[R1CS, np.ndarray]:
    """A multiplication chain filling a domain of 2^log_domain rows, and its witness (normal-form limbs).

    Wires: 0 one, 1 out (public), 2 a, 3 b (private), then c_0 .. c_{n-1} with c_0 = a * b,
    c_i = c_{i-1} * b; the last constraint is c_{n-1} * 1 = out.
    """
    n = (1 << log_domain) - 3  # n + 1 constraints, 1 public: n + 1 + 1 < 2^k
    m = n + 1
    n_wires = 4 + n
    c_wire = 4 + np.arange(n, dtype=np.int64)
    a_idx = np.concatenate([[2], c_wire[:-1], [c_wire[-1]]]).astype(np.int32)
    b_idx = np.concatenate([np.full(n, 3), [0]]).astype(np.int32)
    c_idx = np.concatenate([c_wire, [1]]).astype(np.int32)
    ones = np.zeros((m, 4), dtype=np.uint64)
    ones[:, 0] = 1
    indptr = np.arange(m + 1, dtype=np.int64)
    rows = [SparseRows(indptr, idx, ones.copy()) for idx in (a_idx, b_idx, c_idx)]
    r1cs = R1CS(*rows, n_wires=n_wires, n_public_outputs=1, n_public_inputs=0, n_private_inputs=2)
    rng = np.random.default_rng(seed)
    a, b = (int(x) for x in rng.integers(2, 1 << 62, size=2))
    values = [1, 0, a, b]
    acc = a * b % R
    for _ in range(n):
        values.append(acc)
        acc = acc * b % R
    values[1] = values[-1]
    return r1cs, ints_to_limbs(values)


# --------------------------------------------------------------------------------------- peak memory

_PEAK_SCRIPT = r"""
import gc, json, resource, sys, time
def status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")
from zkl.prover import prove, read_zkey, warmup
from zkl.circuits.circom import read_wtns_limbs
warmup()
gc.collect()
try:  # reset the peak-RSS counter (VmHWM), so compiling in warmup does not count
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
baseline = status_mib("VmRSS")
started = time.perf_counter()
pk = read_zkey(sys.argv[1], validate=sys.argv[3] == "1")
w = read_wtns_limbs(sys.argv[2])
loaded = time.perf_counter()
prove(pk, w)
done = time.perf_counter()
print(json.dumps({"peak_mib": round(status_mib("VmHWM"), 1), "baseline_mib": round(baseline, 1),
                  "maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "load_s": round(loaded - started, 3), "prove_s": round(done - loaded, 3)}))
"""


def peak_memory(zkey: str | os.PathLike, wtns: str | os.PathLike, validate: bool = False) -> dict[str, float]:
    """Run one proof in a fresh Python process (after `warmup`); MiB: peak RSS while reading the key and proving
    (VmHWM reset after warmup), RSS before (numba and the compiled kernels), ru_maxrss of the whole process."""
    done = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(zkey), str(wtns), "1" if validate else "0"],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the proving subprocess failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- circom circuits, keys


def cache_dir() -> Path:
    """Where built circuits, witnesses, .ptau and .zkey files are kept between runs."""
    path = Path(os.environ.get("ZKL_BENCH_CACHE", Path.home() / ".cache" / "zkl" / "bench_groth16"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _circom_build(name: str, source: str, inputs: dict, out: Path) -> tuple[Path, Path]:
    """Compile a circom source (cached by name) and compute its witness; (.r1cs, .wtns)."""
    r1cs, wtns = out / f"{name}.r1cs", out / f"{name}.wtns"
    if r1cs.exists() and wtns.exists():
        return r1cs, wtns
    js = _js.circom_compile(source, name, out)
    (out / f"{name}.json").write_text(json.dumps(inputs))
    _js.node_run(js / "generate_witness.js", js / f"{name}.wasm", out / f"{name}.json", wtns)
    shutil.rmtree(js, ignore_errors=True)
    return r1cs, wtns


def _constraints(r1cs: Path) -> int:
    from zkl.circuits import read_r1cs

    return read_r1cs(r1cs).n_constraints


def _build_circuit(kind: str, k: int, cache: Path) -> tuple[Path, Path]:
    """A circuit of kind 'dense', 'poseidon' or 'mul' whose snarkjs domain is 2^k rows."""
    out = cache / f"{kind}_{k}"
    out.mkdir(exist_ok=True)
    if kind == "dense":
        return _circom_build(f"dense_{k}", DENSE_CHAIN % ((1 << k) - 3), {"x": "3"}, out)
    if kind == "mul":
        return _circom_build(f"mul_{k}", MULCHAIN % ((1 << k) - 3), {"a": "3", "b": "7"}, out)
    # constraints of one circomlib Poseidon(2) and of the rest, from chains of 1 and 2 hashes
    probe = cache / "probe"
    probe.mkdir(exist_ok=True)
    one = _constraints(_circom_build("p1", POSEIDON_CHAIN % 1, {"x": "1", "y": "2"}, probe)[0])
    two = _constraints(_circom_build("p2", POSEIDON_CHAIN % 2, {"x": "1", "y": "2"}, probe)[0])
    per, base = two - one, one - (two - one)
    n = ((1 << k) - 2 - base) // per
    return _circom_build(f"poseidon_{k}", POSEIDON_CHAIN % n, {"x": "1", "y": "2"}, out)


def _zkey_for(r1cs: Path, power: int, cache: Path, say: Say) -> Path:
    """The .zkey of a circom .r1cs from a prepared .ptau of this power (zkl one-party ceremony), both cached."""
    from zkl.circuits import read_r1cs
    from zkl.prover import setup_from_ptau, write_zkey
    from zkl.prover.ptau import write_ptau

    ptau = cache / f"zkl_pot{power}.ptau"
    if not ptau.exists():
        say(f"writing {ptau.name}")
        write_ptau(ptau, power)
    path = r1cs.with_suffix(".zkey")
    if not path.exists():
        say(f"making {path.name}")
        write_zkey(setup_from_ptau(read_r1cs(r1cs), ptau), path)
    return path


# ---------------------------------------------------------------------------------------- the rows


def _zkl_prove_files(zkey: Path, wtns: Path, out: Path) -> None:
    """Read .zkey + read .wtns + prove + write proof.json and public.json, in this process."""
    from zkl.circuits.circom import read_wtns_limbs
    from zkl.prover import prove, public_inputs, read_zkey
    from zkl.verifier.snarkjs_json import write_proof, write_public

    pk = read_zkey(zkey, validate=False)
    w = read_wtns_limbs(wtns)
    write_proof(prove(pk, w), out / "proof.json")
    write_public(public_inputs(pk, w), out / "public.json")


def _medians(row: dict[str, Any], runs: dict[str, list[tuple[float, float]]]) -> None:
    for name, values in runs.items():
        if values:
            row[f"{name}_prove_s"] = round(statistics.median(v[0] for v in values), 3)
            row[f"{name}_cpu_s"] = round(statistics.median(v[1] for v in values), 3)


def _peak(row: dict[str, Any], zkey: Path, wtns: Path) -> None:
    peak = peak_memory(zkey, wtns)
    row["zkl_peak_mib"] = peak["peak_mib"]
    row["zkl_baseline_mib"] = peak["baseline_mib"]


def _bench_size(kind: str, k: int, repeats: int, cache: Path, groth16py: bool, say: Say) -> dict[str, Any]:
    """zkl against snarkjs (and groth16py) on one circom circuit of 2^k rows."""
    import tempfile

    from zkl.circuits import read_r1cs
    from zkl.prover import read_zkey_verifying_key, setup
    from zkl.verifier.snarkjs_json import write_verifying_key

    say(f"[{kind} 2^{k}] building")
    r1cs_path, wtns = _build_circuit(kind, k, cache)
    zkey = _zkey_for(r1cs_path, k, cache, say)
    r1cs = read_r1cs(r1cs_path)
    row: dict[str, Any] = {"circuit": kind, "log_domain": k, "constraints": r1cs.n_constraints,
                           "wires": r1cs.n_wires}
    say(f"[{kind} 2^{k}] zkl setup")
    row["zkl_setup_s"] = round(timed(lambda: setup(r1cs))[0], 3)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        _zkl_prove_files(zkey, wtns, out)  # warm-up, and a proof snarkjs must accept
        write_verifying_key(read_zkey_verifying_key(zkey), out / "vk.json")
        _js.snarkjs("groth16", "verify", out / "vk.json", out / "public.json", out / "proof.json")
        peers = {"zkl": lambda: _zkl_prove_files(zkey, wtns, out),
                 "snarkjs": lambda: _js.snarkjs("groth16", "prove", zkey, wtns, out / "sj_proof.json",
                                                out / "sj_public.json")}
        if groth16py:
            import groth16py as gp

            started = time.perf_counter()
            gp_key = gp.import_zkey(str(zkey))
            if isinstance(gp_key, tuple):  # (proving key, verifying key)
                gp_key = gp_key[0]
            row["groth16py_import_s"] = round(time.perf_counter() - started, 3)
            gp.prove_wtns(gp_key, str(wtns))
            peers["groth16py"] = lambda: gp.prove_wtns(gp_key, str(wtns))
        runs = alternate(peers, repeats, lambda d, c=None, t=None: say(f"[{kind} 2^{k}] {d}", c, t))
    _medians(row, runs)
    # wall-clock ratios; the CPU-time columns are steadier on a busy machine
    row["snarkjs_over_zkl"] = round(row["snarkjs_prove_s"] / row["zkl_prove_s"], 2)
    if "groth16py_prove_s" in row:
        row["groth16py_over_zkl"] = round(row["groth16py_prove_s"] / row["zkl_prove_s"], 2)
    say(f"[{kind} 2^{k}] peak memory")
    _peak(row, zkey, wtns)
    return row


def _bench_big(k: int, repeats: int, cache: Path, say: Say, kind: str = "dense") -> dict[str, Any]:
    """zkl alone on a NumPy-built chain ('dense' or 'mul') of 2^k rows: setup, prove, peak memory."""
    from zkl.circuits.circom import write_wtns
    from zkl.prover import prove, read_zkey, setup, write_zkey

    say(f"[{kind} 2^{k}] building (NumPy chain, zkl setup)")
    r1cs, witness = (densechain if kind == "dense" else mulchain)(k)
    zkey, wtns = cache / f"numpy_{kind}_{k}.zkey", cache / f"numpy_{kind}_{k}.wtns"
    row: dict[str, Any] = {"circuit": f"{kind} (numpy)", "log_domain": k, "constraints": r1cs.n_constraints,
                           "wires": r1cs.n_wires}
    started = time.perf_counter()
    pk = setup(r1cs)
    row["zkl_setup_s"] = round(time.perf_counter() - started, 3)
    write_zkey(pk, zkey)
    write_wtns(witness, wtns)
    del pk
    runs = alternate({"zkl": lambda: prove(read_zkey(zkey, validate=False), witness)}, repeats,
                     lambda d, c=None, t=None: say(f"[{kind} 2^{k}] {d}", c, t))
    _medians(row, runs)
    say(f"[{kind} 2^{k}] peak memory")
    _peak(row, zkey, wtns)
    return row


# ------------------------------------------------------------------------ the command lines as processes


def rapidsnark_path(path: str | os.PathLike | None = None) -> Path | None:
    """The rapidsnark `prover` binary: `path`, else $RAPIDSNARK, else `prover`/`rapidsnark` on PATH; None if absent."""
    for candidate in (path, os.environ.get("RAPIDSNARK")):
        if candidate:
            found = Path(candidate)
            return found if found.is_file() and os.access(found, os.X_OK) else None
    which = shutil.which("rapidsnark")
    return Path(which) if which else None


def run_process(args: Sequence[object], env: dict[str, str] | None = None, timeout: float = 3600) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process run to its end.

    The peak is measured by /usr/bin/time (%M) where installed: a child forked straight from this
    process would report this process's RSS as its own peak (Linux keeps the high-water mark of the
    forked image across exec). Without /usr/bin/time, the child's own rusage (an upper bound).
    """
    import tempfile

    time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        argv = [str(a) for a in args]
        if time_bin:
            argv = [time_bin, "-f", "%M", "-o", rss.name, *argv]
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise RuntimeError(f"{args[0]} ran past {timeout} s") from None
        wall = time.perf_counter() - started
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} exited {child.returncode}:\n"
                               f"{err.decode(errors='replace')[-2000:]}")
        if time_bin:
            lines = [line for line in rss.read().split() if line.isdigit()]
            peak_kib = float(lines[-1]) if lines else float("nan")
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024


def _cli_keys(k: int, cache: Path, say: Say) -> tuple[Path, Path]:
    """The dense chain's .zkey and .wtns of 2^k rows (NumPy-built, zkl setup), cached beside `_bench_big`'s."""
    from zkl.circuits.circom import write_wtns
    from zkl.prover import setup, write_zkey

    zkey, wtns = cache / f"numpy_dense_{k}.zkey", cache / f"numpy_dense_{k}.wtns"
    if not (zkey.exists() and wtns.exists()):
        say(f"[cli 2^{k}] building the dense chain and its key")
        r1cs, witness = densechain(k)
        write_zkey(setup(r1cs), zkey)
        write_wtns(witness, wtns)
    return zkey, wtns


def bench_cli(sizes: Sequence[int] = (16, 18), repeats: int = 5, rapidsnark: str | os.PathLike | None = None,
              say: Say | None = None) -> list[dict[str, Any]]:
    """`zkl groth16 prove|verify` as whole processes beside snarkjs's CLI and rapidsnark, on the same files.

    For each size, the dense chain's .zkey and .wtns (`_cli_keys`); each round runs once, in turn,
    `python -m zkl.cli groth16 prove zkey wtns proof.json public.json --quiet` (the key's points
    checked the first time, then remembered by the file's digest: one untimed run first, as a user's
    second proof), `snarkjs groth16 prove` and rapidsnark's `prover` (when found: `rapidsnark`,
    $RAPIDSNARK or on PATH), then `zkl groth16 verify` and `snarkjs groth16 verify` on zkl's proof.
    Rows: median wall seconds and median peak RSS (MiB, the child's own ru_maxrss) per peer.
    """
    import tempfile

    say = say or _quiet
    cache = cache_dir()
    binary = rapidsnark_path(rapidsnark)
    have_js = _js.have("snarkjs")
    rows = []
    for k in sizes:
        zkey, wtns = _cli_keys(k, cache, say)
        row: dict[str, Any] = {"circuit": "dense (cli)", "log_domain": k}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            zkl_cli = [sys.executable, "-m", "zkl.cli", "groth16"]
            prove = {"zkl": lambda: run_process([*zkl_cli, "prove", zkey, wtns, out / "proof.json",
                                                  out / "public.json", "--quiet"])}
            if have_js:
                prove["snarkjs"] = lambda: run_process(["node", _js._snarkjs(), "groth16", "prove", zkey, wtns,
                                                        out / "sj_proof.json", out / "sj_public.json"])
            if binary is not None:
                prove["rapidsnark"] = lambda: run_process([binary, zkey, wtns, out / "rs_proof.json",
                                                           out / "rs_public.json"])
            else:
                row["rapidsnark_note"] = "rapidsnark not found (--rapidsnark PATH or $RAPIDSNARK)"
            say(f"[cli 2^{k}] first zkl run (checks the key's points once)")
            row["zkl_first_prove_s"] = round(prove["zkl"]()[0], 3)
            subprocess.run([*zkl_cli[:3], "zkey", "export", "verificationkey", str(zkey), str(out / "vk.json")],
                           check=True, capture_output=True)
            verify = {"zkl": lambda: run_process([*zkl_cli, "verify", out / "vk.json", out / "public.json",
                                                   out / "proof.json"])}
            if have_js:
                verify["snarkjs"] = lambda: run_process(["node", _js._snarkjs(), "groth16", "verify", out / "vk.json",
                                                         out / "public.json", out / "proof.json"])
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in prove}
            checks: dict[str, list[tuple[float, float]]] = {name: [] for name in verify}
            for i in range(max(1, repeats)):
                say(f"[cli 2^{k}] round {i + 1}/{repeats}: {', '.join(prove)}", i, repeats)
                for name, fn in prove.items():
                    results[name].append(fn())
                for name, fn in verify.items():
                    checks[name].append(fn())
            if binary is not None:  # rapidsnark's proof verifies with zkl
                run_process([*zkl_cli, "verify", out / "vk.json", out / "rs_public.json", out / "rs_proof.json"])
        for name, runs in results.items():
            row[f"{name}_cli_prove_s"] = round(statistics.median(w for w, _ in runs), 3)
            row[f"{name}_cli_peak_mib"] = round(statistics.median(m for _, m in runs), 1)
        for name, runs in checks.items():
            row[f"{name}_cli_verify_s"] = round(statistics.median(w for w, _ in runs), 3)
            row[f"{name}_cli_verify_mib"] = round(statistics.median(m for _, m in runs), 1)
        for peer in ("snarkjs", "rapidsnark"):
            if f"{peer}_cli_prove_s" in row:
                row[f"zkl_over_{peer}_cli"] = round(row["zkl_cli_prove_s"] / row[f"{peer}_cli_prove_s"], 3)
                row[f"zkl_over_{peer}_peak"] = round(row["zkl_cli_peak_mib"] / row[f"{peer}_cli_peak_mib"], 2)
        rows.append(row)
    return rows


def bench_groth16(sizes: Sequence[int] = (12, 14, 16), big: Sequence[int] = (),
                  circuits: Sequence[str] = ("dense", "poseidon"), repeats: int = 5, groth16py: bool = True,
                  say: Say | None = None, cli: Sequence[int] = (),
                  rapidsnark: str | os.PathLike | None = None) -> dict[str, Any]:
    """{"meta": {repeats, load_before, load_after, cpus, peers}, "rows": one dict per circuit and size}.

    Row keys: circuit, log_domain, constraints, wires, zkl_setup_s, zkl_prove_s, zkl_cpu_s,
    snarkjs_prove_s, snarkjs_cpu_s, snarkjs_over_zkl, groth16py_* (when installed),
    zkl_peak_mib, zkl_baseline_mib. CPU seconds count every thread and, for snarkjs, its node
    process. Sizes in `big` run zkl alone, with at most 3 repeats. Sizes in `cli` add the rows of
    `bench_cli` (the command lines as processes: zkl, snarkjs, rapidsnark when found).
    """
    say = say or _quiet
    cache = cache_dir()
    have_js = _js.have("circom", "snarkjs")
    have_gp = groth16py and importlib.util.find_spec("groth16py") is not None
    peers = {"snarkjs": have_js, "groth16py": have_gp and have_js}
    meta: dict[str, Any] = {"repeats": repeats, "load_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                            "peers": [p for p, ok in peers.items() if ok]}
    if not have_js and sizes:
        meta["skipped"] = "node / js/node_modules missing: no circom sizes"
    rows = []
    if have_js:
        for k in sizes:
            for kind in circuits:
                rows.append(_bench_size(kind, k, repeats, cache, have_gp, say))
    for k in big:
        for kind in ("dense", "mul") if "mul" in circuits else ("dense",):
            rows.append(_bench_big(k, max(1, min(repeats, 3)), cache, say, kind))
    if cli:
        rows.extend(bench_cli(cli, repeats, rapidsnark, say))
    meta["load_after"] = round(os.getloadavg()[0], 2)
    return {"meta": meta, "rows": rows}


_COLUMNS = {"circuit": "circuit", "log_domain": "2^k", "constraints": "constraints", "zkl_setup_s": "zkl setup",
            "zkl_prove_s": "zkl", "zkl_cpu_s": "zkl cpu", "snarkjs_prove_s": "snarkjs", "snarkjs_cpu_s": "sj cpu",
            "snarkjs_over_zkl": "sj/zkl", "groth16py_prove_s": "groth16py", "groth16py_cpu_s": "g16py cpu",
            "groth16py_over_zkl": "g16py/zkl", "zkl_peak_mib": "peak MiB", "zkl_baseline_mib": "base MiB"}


def render(result: dict[str, Any], stderr: bool = False) -> None:
    """The rows as a rich table (median seconds, wall and CPU), with the load average before and after;
    the command-line rows (bench_cli) as a second table."""
    meta = result["meta"]
    rows = [row for row in result["rows"] if row.get("circuit") != "dense (cli)"]
    cli = [row for row in result["rows"] if row.get("circuit") == "dense (cli)"]
    if rows or not cli:
        print_table(f"Groth16 prove: median seconds of {meta['repeats']} (wall, and CPU over all threads); "
                    f"load average {meta['load_before']} -> {meta['load_after']} on {meta['cpus']} CPUs",
                    tuple(_COLUMNS.values()), ([row.get(c) for c in _COLUMNS] for row in rows), stderr=stderr)
    if cli:
        print_table(f"Groth16 command lines as processes: median wall seconds and peak RSS (MiB) of "
                    f"{meta['repeats']}, alternating", tuple(_CLI_COLUMNS.values()),
                    ([row.get(c) for c in _CLI_COLUMNS] for row in cli), stderr=stderr)
        for row in cli:
            if row.get("rapidsnark_note"):
                print(f"2^{row['log_domain']}: {row['rapidsnark_note']}", file=sys.stderr if stderr else sys.stdout)


_CLI_COLUMNS = {"log_domain": "2^k", "zkl_first_prove_s": "zkl 1st", "zkl_cli_prove_s": "zkl prove",
                "zkl_cli_peak_mib": "zkl MiB", "rapidsnark_cli_prove_s": "rapidsnark",
                "rapidsnark_cli_peak_mib": "rs MiB", "snarkjs_cli_prove_s": "snarkjs", "snarkjs_cli_peak_mib": "sj MiB",
                "zkl_over_rapidsnark_cli": "zkl/rs", "zkl_over_rapidsnark_peak": "MiB zkl/rs",
                "zkl_over_snarkjs_cli": "zkl/sj", "zkl_cli_verify_s": "zkl verify",
                "snarkjs_cli_verify_s": "sj verify"}
