"""The settlement contracts' sources and their compiled artifacts (`artifacts.json`, committed).

    python -m zkl.settlement.solidity.build          # recompile with the pinned solc-js, rewrite artifacts.json

At run time nothing is compiled: the EVM base layers deploy the committed bytecode. The sources
are `Rollup.sol` (beside this module), the Poseidon library it links in (generated from the
protocol's parameters by `poseidon.poseidon_library`), and one Groth16 verifier per number of
public inputs whose key is a constructor argument (`zkl.verifier.solidity.solidity_verifier_template`):
`BatchVerifier` (3 inputs: old root, new root, commitment) and `ExitVerifier` (5: root, domain,
account, L1 address, balance). The compiler is solc-js from js/ (`npm ci --prefix js`, version
pinned in js/package.json), or $ZKL_SOLC (a folder holding solc-js's package); a test recompiles
and compares byte for byte.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkl._binfile import atomic_write
from zkl.crypto.protocol import EXIT_PUBLIC_INPUTS, PUBLIC_INPUTS
from zkl.errors import SettlementError
from zkl.settlement.anvil import js_package
from zkl.settlement.solidity.poseidon import poseidon_library
from zkl.verifier.solidity import solidity_verifier_template

__all__ = ["ARTIFACTS", "Artifact", "EVM_VERSION", "OPTIMIZER_RUNS", "artifacts", "compile_sources", "sources"]

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts.json"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200
CONTRACTS = ("ZklRollup", "DepositHasher", "BatchVerifier", "ExitVerifier")

_COMPILE = r"""
const solc = require(process.argv[1]);
let input = ""; process.stdin.on("data", d => input += d);
process.stdin.on("end", () => { process.stdout.write(JSON.stringify({version: solc.version(), out: JSON.parse(solc.compile(input))})); });
"""


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode (constructor arguments go after it)."""

    abi: list[dict[str, Any]]
    bytecode: bytes


def sources() -> dict[str, str]:
    """The Solidity sources, by file name."""
    return {
        "Rollup.sol": (HERE / "Rollup.sol").read_text(),
        "PoseidonT5.sol": poseidon_library(4),
        "BatchVerifier.sol": solidity_verifier_template(len(PUBLIC_INPUTS), contract_name="BatchVerifier"),
        "ExitVerifier.sol": solidity_verifier_template(len(EXIT_PUBLIC_INPUTS), contract_name="ExitVerifier"),
    }


def solc_package() -> Path:
    """The solc-js package folder: $ZKL_SOLC, else js/node_modules/solc."""
    found = js_package(Path("node_modules") / "solc", "ZKL_SOLC")
    if found is None or shutil.which("node") is None:
        raise SettlementError("compiling needs node and solc-js: run `npm ci --prefix js` in the zkl checkout")
    return found


def compile_sources(files: dict[str, str], optimize_runs: int = OPTIMIZER_RUNS) -> tuple[str, dict[str, Artifact]]:
    """(compiler version, {contract name: Artifact}) of Solidity sources; SettlementError lists compiler errors."""
    request = {"language": "Solidity", "sources": {name: {"content": text} for name, text in files.items()},
               "settings": {"optimizer": {"enabled": True, "runs": optimize_runs}, "evmVersion": EVM_VERSION,
                            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}}
    done = subprocess.run(["node", "-e", _COMPILE, str(solc_package())], input=json.dumps(request),
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SettlementError(f"solc-js failed: {done.stderr.strip()[-2000:]}")
    answer = json.loads(done.stdout)
    errors = [e["formattedMessage"] for e in answer["out"].get("errors", []) if e["severity"] == "error"]
    if errors:
        raise SettlementError("Solidity compile errors:\n" + "\n".join(errors))
    return answer["version"], {
        name: Artifact(c["abi"], bytes.fromhex(c["evm"]["bytecode"]["object"]))
        for contracts in answer["out"]["contracts"].values() for name, c in contracts.items()
    }


def build() -> dict[str, Any]:
    """Compile the sources and return the artifacts file's content (compiler, settings, contracts)."""
    version, compiled = compile_sources(sources())
    return {"compiler": f"solc-js {version}", "evm_version": EVM_VERSION, "optimizer_runs": OPTIMIZER_RUNS,
            "contracts": {name: {"abi": compiled[name].abi, "bytecode": compiled[name].bytecode.hex()}
                          for name in CONTRACTS}}


_LOADED: dict[str, Artifact] = {}


def artifacts() -> dict[str, Artifact]:
    """The committed artifacts, by contract name."""
    if not _LOADED:
        data = json.loads(ARTIFACTS.read_text())
        _LOADED.update({name: Artifact(data["contracts"][name]["abi"], bytes.fromhex(data["contracts"][name]["bytecode"]))
                        for name in CONTRACTS})
    return _LOADED


if __name__ == "__main__":
    content = build()
    atomic_write(ARTIFACTS, (json.dumps(content, indent=1, sort_keys=True) + "\n").encode())
    sizes = ", ".join(f"{n} {len(c['bytecode']) // 2:,} bytes" for n, c in content["contracts"].items())
    print(f"wrote {ARTIFACTS} ({content['compiler']}): {sizes}")
