"""Groth16 benchmarks of zkl alone (setup, prove, peak memory), for `zkl bench` and benchmarks/bench_groth16.py.

Circuits are synthetic multiplication chains built straight as NumPy CSR arrays (constraint i:
c_{i-1} * b = c_i), so a 2^20-row circuit costs no compile time; sized so that the domain is
exactly 2^k.  Peers (snarkjs, groth16py) are measured in benchmarks/bench_groth16.py.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.limbs import ints_to_limbs
from zkl.circuits.r1cs import R1CS, SparseRows


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


def bench_groth16(log_sizes: tuple[int, ...] = (12, 14, 16), repeats: int = 3) -> dict[str, float]:
    """Medians (seconds) of zkl setup and prove on multiplication chains of 2^k rows, and prove peak RSS (MiB)."""
    from zkl.prover import prove, setup, write_zkey

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in log_sizes:
            r1cs, witness = mulchain(k)
            started = time.perf_counter()
            pk = setup(r1cs)
            results[f"setup_2^{k}_s"] = time.perf_counter() - started
            prove(pk, witness)  # warm: compiles or loads the kernels for these shapes
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                prove(pk, witness)
                times.append(time.perf_counter() - started)
            results[f"prove_2^{k}_s"] = statistics.median(times)
            zkey, wtns = Path(tmp) / f"c{k}.zkey", Path(tmp) / f"c{k}.wtns"
            write_zkey(pk, zkey)
            _write_wtns(witness, wtns)
            peak = peak_memory(zkey, wtns)
            results[f"prove_2^{k}_peak_mib"] = peak["peak_mib"]
            results[f"prove_2^{k}_baseline_mib"] = peak["baseline_mib"]
    return results


def peak_memory(zkey: str | os.PathLike, wtns: str | os.PathLike, validate: bool = False) -> dict[str, float]:
    """Run one proof in a fresh Python process (after `warmup`); MiB: peak RSS while reading the key and proving
    (VmHWM reset after warmup), RSS before (numba and the compiled kernels), ru_maxrss of the whole process."""
    done = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(zkey), str(wtns), "1" if validate else "0"],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the proving subprocess failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_wtns(witness: np.ndarray, path: Path) -> None:
    from zkl.circuits.circom import write_wtns

    write_wtns(witness, path)


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
