"""The generated Poseidon libraries (zkl.settlement.solidity.poseidon) compiled by solc-js and run in pyrevm.

For every supported arity, a thin contract around the library is deployed under EIP-170's size limit, and
its hash is compared with zkl.crypto.poseidon.poseidon_hash on random inputs and on 0 and r - 1; an input
>= r reverts with PoseidonInputOutOfRange(); the gas of `hash` (gasleft() around the call) stays under a
measured bound per t.
"""

from __future__ import annotations

import functools
import random

import pytest

from tests.oracles.evm import Chain, compile_solidity, require_solc, selector, words
from zkl.algebra.constants import R
from zkl.crypto.poseidon import fast_schedule, poseidon_hash
from zkl.errors import MalformedInput
from zkl.settlement.solidity.poseidon import _schedule, poseidon_library

pytestmark = pytest.mark.js

N_INPUTS = (1, 2, 3, 4, 5)
OUT_OF_RANGE = selector("PoseidonInputOutOfRange()")
#: measured gas of `hash` per t (pyrevm, Cancun, solc 0.8.28, 200 runs), plus ~3 % margin
GAS_BOUND = {2: 10_700, 3: 15_200, 4: 19_700, 5: 31_300, 6: 48_500}
EIP170 = 24_576


def _harness(n: int) -> str:
    t = n + 1
    return poseidon_library(n) + f"""
contract Harness {{
    function hash(uint256[{n}] calldata inputs) external pure returns (uint256) {{
        return PoseidonT{t}.hash(inputs);
    }}

    function hashGas(uint256[{n}] calldata inputs) external view returns (uint256 h, uint256 used) {{
        uint256[{n}] memory m = inputs;
        uint256 before = gasleft();
        h = PoseidonT{t}.hash(m);
        used = before - gasleft();
    }}
}}
"""


@functools.cache
def _deployed(n: int) -> tuple[Chain, str]:
    chain = Chain()
    return chain, chain.deploy(compile_solidity({"Poseidon.sol": _harness(n)})["Harness"].bytecode)


def _call(n: int, inputs: list[int], function: str = "hash"):
    chain, address = _deployed(n)
    return chain.call(address, selector(f"{function}(uint256[{n}])") + words(*inputs))


@pytest.mark.parametrize("n", N_INPUTS)
def test_fits_eip170(n: int) -> None:
    require_solc()
    chain, address = _deployed(n)  # Chain enforces the limit: deploying would fail above it
    size = len(chain.evm.get_code(address))
    print(f"t = {n + 1}: runtime code {size} bytes")
    assert size < EIP170


@pytest.mark.parametrize("n", N_INPUTS)
def test_matches_python(n: int) -> None:
    require_solc()
    rng = random.Random(n)
    cases = [[0] * n, [R - 1] * n, [rng.choice((0, 1, R - 1)) for _ in range(n)]]
    cases += [[rng.randrange(R) for _ in range(n)] for _ in range(25)]
    cases += [[rng.randrange(2 ** rng.randrange(1, 254)) for _ in range(n)] for _ in range(5)]
    for inputs in cases:
        result = _call(n, inputs)
        assert result.success, (inputs, result.output)
        assert int.from_bytes(result.output, "big") == poseidon_hash(inputs), inputs


@pytest.mark.parametrize("n", N_INPUTS)
def test_input_out_of_range_reverts(n: int) -> None:
    require_solc()
    for position in range(n):
        for bad in (R, R + 1, 2**256 - 1):
            inputs = [1] * n
            inputs[position] = bad
            result = _call(n, inputs)
            assert not result.success and OUT_OF_RANGE.hex() in result.output.decode(), (position, bad)


@pytest.mark.parametrize("n", N_INPUTS)
def test_gas(n: int) -> None:
    require_solc()
    result = _call(n, [random.Random(7).randrange(R) for _ in range(n)], "hashGas")
    assert result.success
    used = int.from_bytes(result.output[32:64], "big")
    print(f"t = {n + 1}: hash {used} gas, transaction {result.gas}")
    assert used < GAS_BOUND[n + 1]


def test_schedule_without_dense_rounds_is_fast_schedule() -> None:
    for t in range(2, 7):
        schedule, fast = _schedule(t, 0), fast_schedule(t)
        assert schedule.sparse == fast.partial and schedule.into_sparse == fast.first_full[-1][1]
        assert schedule.first_full == tuple(c for c, _ in fast.first_full) and schedule.second_full == fast.second_full


def test_source_shape() -> None:
    source = poseidon_library(4)
    assert source.startswith("// SPDX-License-Identifier: MIT\n")
    assert "pragma solidity >=0.8.4 <0.9.0;" in source
    assert "library PoseidonT5 {" in source and "error PoseidonInputOutOfRange();" in source
    assert "function hash(uint256[4] memory inputs) internal pure returns (uint256" in source
    assert "library DepositChain {" in poseidon_library(4, name="DepositChain")
    assert f"shl(224, 0x{OUT_OF_RANGE.hex()})" in source


@pytest.mark.parametrize("bad", [0, 6, 16, -1, True, 4.0, "4", None])
def test_bad_n_inputs(bad: object) -> None:
    with pytest.raises(MalformedInput):
        poseidon_library(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "1x", "a-b", "Poseidon T5", 5])
def test_bad_name(bad: object) -> None:
    with pytest.raises(MalformedInput):
        poseidon_library(4, name=bad)  # type: ignore[arg-type]
