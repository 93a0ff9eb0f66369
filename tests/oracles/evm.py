"""Solidity compiled by solc-js (the npm package pinned in js/) and run in pyrevm, an in-process EVM, for the tests.

    compiled = compile_solidity({"V.sol": source})            # {contract name: Compiled(abi, bytecode)}
    chain = Chain()                                           # one funded account, Cancun rules
    address = chain.deploy(compiled["Groth16Verifier"].bytecode)
    result = chain.call(address, selector("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])") + words(...))
    result.success, result.output, result.gas                 # gas: the whole transaction's (21,000 and calldata included)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from tests.paths import JS

SOLC = JS / "node_modules" / "solc"
EVM_VERSION = "cancun"

_COMPILE = r"""
const solc = require(process.argv[1]);
let input = ""; process.stdin.on("data", d => input += d);
process.stdin.on("end", () => { process.stdout.write(solc.compile(input)); });
"""


def require_solc() -> None:
    """Skip unless node and the solc npm package (npm ci --prefix js) are there."""
    if shutil.which("node") is None or not SOLC.exists():
        pytest.skip("needs node and solc-js from js/ (npm ci --prefix js)")


@dataclass(frozen=True)
class Compiled:
    """A compiled contract: its ABI and its creation bytecode."""

    abi: list
    bytecode: bytes


def compile_solidity(sources: dict[str, str], optimize_runs: int = 200) -> dict[str, Compiled]:
    """Compile Solidity sources with the pinned solc-js; {contract name: Compiled}; AssertionError on errors."""
    require_solc()
    request = {"language": "Solidity", "sources": {name: {"content": text} for name, text in sources.items()},
               "settings": {"optimizer": {"enabled": True, "runs": optimize_runs}, "evmVersion": EVM_VERSION,
                            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}}
    done = subprocess.run(["node", "-e", _COMPILE, str(SOLC)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=300, check=True)
    out = json.loads(done.stdout)
    errors = [e["formattedMessage"] for e in out.get("errors", []) if e["severity"] == "error"]
    assert not errors, "\n".join(errors)
    return {name: Compiled(c["abi"], bytes.fromhex(c["evm"]["bytecode"]["object"]))
            for contracts in out["contracts"].values() for name, c in contracts.items()}


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (the EVM's hash, not SHA3-256)."""
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function or error signature."""
    return keccak256(signature.encode())[:4]


def words(*values: int) -> bytes:
    """uint256 words, big-endian (static ABI arguments are exactly this)."""
    return b"".join(v.to_bytes(32, "big") for v in values)


@dataclass(frozen=True)
class Result:
    """What a transaction did: success, its return (or revert) data, and the gas of the whole transaction."""

    success: bool
    output: bytes
    gas: int


class Chain:
    """An in-process EVM (pyrevm) with one funded sender."""

    SENDER = "0x" + "11" * 20

    def __init__(self) -> None:
        import pyrevm

        self._pyrevm = pyrevm
        self.evm = pyrevm.EVM(spec_id=EVM_VERSION.upper())
        self.evm.set_balance(self.SENDER, 10**24)

    def deploy(self, bytecode: bytes) -> str:
        """Deploy creation bytecode; the new contract's address."""
        return self.evm.deploy(self.SENDER, bytecode)

    def call(self, to: str, data: bytes, gas: int = 10_000_000) -> Result:
        """Run a call with a gas limit (the whole transaction's, 21,000 included) and return its result."""
        try:
            output = bytes(self.evm.message_call(self.SENDER, to, data, gas=gas))
            ok = True
        except RuntimeError as e:  # pyrevm raises on revert and halt, with the revert data in the message
            output, ok = str(e).encode(), False
        result = self.evm.result
        return Result(ok and result.is_success, output, result.gas_used)
