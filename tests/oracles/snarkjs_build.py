"""Build snarkjs Groth16 artifacts for tests/fixtures/verifier_fixture.circom in a directory.

The real tools from js/node_modules (`npm ci --prefix js`): circom 2 (wasm build) compiles the
circuit, then snarkjs 0.7.6 runs the usual ceremony and proves:

    circom2 verifier_fixture.circom --r1cs --wasm --O2 -l js/node_modules   (241 constraints)
    snarkjs powersoftau new bn128 8 pot0.ptau
    snarkjs powersoftau contribute pot0.ptau pot1.ptau -e=<entropy> -n=zkl
    snarkjs powersoftau prepare phase2 pot1.ptau pot.ptau
    snarkjs groth16 setup verifier_fixture.r1cs pot.ptau c0.zkey
    snarkjs zkey contribute c0.zkey c1.zkey -e=<entropy> -n=zkl
    snarkjs zkey export verificationkey c1.zkey verification_key.json
    for each input set i:
        snarkjs wtns calculate verifier_fixture.wasm input_i.json witness_i.wtns
        snarkjs groth16 prove c1.zkey witness_i.wtns proof_i.json public_i.json

Power 8 (2^8 >= 241 constraints + 4 public signals + 1) keeps `prepare phase2`, the slow step
(~5 s of CPU at power 8, ~22 s at power 10), short.  Run as a script
(`python -m tests.oracles.snarkjs_build OUT_DIR`) to keep the files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.paths import FIXTURES, JS, ROOT

CIRCOM = JS / "node_modules" / "circom2" / "cli.js"
SNARKJS = JS / "node_modules" / "snarkjs" / "build" / "cli.cjs"
CIRCUIT = FIXTURES / "verifier_fixture.circom"
NAME = CIRCUIT.stem
#: powers of tau: 2^POWER constraints at most
POWER = 8
#: private and public inputs of the proofs (x, y public; a, b private)
INPUTS = [
    {"x": "5", "y": "7", "a": "11", "b": "13"},
    {"x": "0", "y": "0", "a": "0", "b": "0"},
    {"x": "123456789", "y": "987654321", "a": "31337", "b": "271828"},
    {"x": str(2**200 + 3), "y": str(2**150 + 5), "a": str(2**100 + 7), "b": str(2**90 + 9)},
]


@dataclass(frozen=True)
class Artifacts:
    """Paths of the built files: one verification key, one proof and public.json per input set."""

    dir: Path
    vk: Path
    zkey: Path
    proofs: tuple[Path, ...]
    publics: tuple[Path, ...]


def available() -> bool:
    """True when node and the js/node_modules tools are installed."""
    return shutil.which("node") is not None and CIRCOM.exists() and SNARKJS.exists()


def snarkjs(*args: str | Path, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the snarkjs CLI; raise with its output when check and it fails."""
    done = subprocess.run(["node", str(SNARKJS), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        command = " ".join(map(str, args))
        raise RuntimeError(f"snarkjs {command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def _parallel(commands: list[list[str | Path]], cwd: Path) -> None:
    """Run snarkjs commands two at a time (one per core)."""
    for i in range(0, len(commands), 2):
        procs = [subprocess.Popen(["node", str(SNARKJS), *map(str, c)], cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for c in commands[i:i + 2]]
        for c, p in zip(commands[i:i + 2], procs):
            out, _ = p.communicate(timeout=300)
            if p.returncode != 0:
                raise RuntimeError(f"snarkjs {' '.join(map(str, c))} exited {p.returncode}:\n{out}")


def build(out: Path) -> Artifacts:
    """Compile the circuit, run the ceremony and prove every input set, writing into out."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    # circom2 (wasi) sees the file system through the working directory: paths relative to ROOT
    compiled = subprocess.run(
        ["node", str(CIRCOM), str(CIRCUIT.relative_to(ROOT)), "--r1cs", "--wasm", "--O2", "-l", "js/node_modules",
         "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if compiled.returncode != 0:
        raise RuntimeError(f"circom2 failed:\n{compiled.stdout}\n{compiled.stderr}")
    snarkjs("powersoftau", "new", "bn128", str(POWER), "pot0.ptau", cwd=out)
    snarkjs("powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "-e=zkl verifier fixture tau", "-n=zkl", cwd=out)
    snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau", cwd=out)
    snarkjs("groth16", "setup", f"{NAME}.r1cs", "pot.ptau", "c0.zkey", cwd=out)
    snarkjs("zkey", "contribute", "c0.zkey", "c1.zkey", "-e=zkl verifier fixture delta", "-n=zkl", cwd=out)
    snarkjs("zkey", "export", "verificationkey", "c1.zkey", "verification_key.json", cwd=out)
    wasm = out / f"{NAME}_js" / f"{NAME}.wasm"
    for i, inputs in enumerate(INPUTS):
        (out / f"input_{i}.json").write_text(json.dumps(inputs))
    n = len(INPUTS)
    _parallel([["wtns", "calculate", wasm, f"input_{i}.json", f"witness_{i}.wtns"] for i in range(n)], out)
    _parallel([["groth16", "prove", "c1.zkey", f"witness_{i}.wtns", f"proof_{i}.json", f"public_{i}.json"]
               for i in range(n)], out)
    return Artifacts(
        dir=out,
        vk=out / "verification_key.json",
        zkey=out / "c1.zkey",
        proofs=tuple(out / f"proof_{i}.json" for i in range(n)),
        publics=tuple(out / f"public_{i}.json" for i in range(n)),
    )


if __name__ == "__main__":
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "snarkjs_out")))
