"""The Groth16 verifier as a Solidity contract, and proofs as its calldata: snarkjs's ABI, zkl's own template (MIT).

    source = solidity_verifier(vk)                       # `zkl zkey export solidityverifier`
    calldata = solidity_calldata(proof, public_inputs)   # `zkl zkey export soliditycalldata`

The contract has snarkjs's entry point, so code that calls a snarkjs verifier calls this one:

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
                         uint[N] calldata _pubSignals) public view returns (bool)

It returns true exactly when the proof verifies for those public inputs, and false when it does
not: a public input >= r, a coordinate >= q, a point off its curve or (for B) outside the order-r
subgroup, or a pairing product other than 1. Unlike snarkjs's template it never answers false
because it ran out of gas: each BN254 precompile (0x06 ecAdd, 0x07 ecMul, 0x08 pairing, EIP-196/197
at EIP-1108 prices) gets all the gas left, and a failed call that was given less than the
precompile costs reverts with `NotEnoughGas()`, so `eth_estimateGas` finds the real cost (snarkjs's
verifier "succeeds" with false at the 32-42k gas that estimation settles on). `requireValidProof`
takes the same arguments and reverts with `ProofInvalid()` where `verifyProof` returns false (for
a contract that wants one line: `verifier.requireValidProof(a, b, c, inputs);`).

The check is the usual one, with vk_x = IC_0 + sum_i input_i IC_i:

    e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1

G2 coordinates go to the EVM as (x.c1, x.c0, y.c1, y.c0) (EIP-197), which is also how snarkjs's
calldata orders `_pB`. A public input of 0 skips its ecMul and ecAdd. For a key without public
inputs the entry points take no `_pubSignals` argument (Solidity has no zero-length arrays).

One compiled verifier per number of public inputs, the key given at deployment (no compiler at run time):

    source = solidity_verifier_template(n)                # compile once for each n
    creation = bytecode + verifier_constructor_args(vk, n_public=n)

The template is the same contract (entry points, checks, errors; its key layout and core Yul come
from the same code) with the key in `immutable`s, which the runtime code reads as PUSH32 just as it
does the inlined version's constants: for 1-5 inputs verifyProof costs exactly the same gas and
requireValidProof 22 more (tests/verifier/test_solidity.py holds them within 100). Its constructor:

    constructor(uint256[2] alpha, uint256[4] beta, uint256[4] gamma, uint256[4] delta, uint256[2][N + 1] ic)

Every argument is static, so the ABI encoding is 16 + 2N words, in this order: alpha (x, y); beta,
gamma, delta, each (x.c1, x.c0, y.c1, y.c0); IC_0, ..., IC_N, each (x, y). The constructor does not
check the key (verifier_constructor_args validates it; verifying_key_from_constructor_args reads it
back). `verifyingKeyHash() returns (bytes32)` is keccak256 of exactly those 16 + 2N words, computed
at deployment, so a contract that holds a verifier's address can show which key it verifies
against, and anyone can check it: keccak256(verifier_constructor_args(vk)).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkl.algebra.constants import Q, R
from zkl.algebra.points import G1Point, G2Point
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = ["PRAGMA", "proof_words", "solidity_calldata", "solidity_verifier", "solidity_verifier_template",
           "verifier_constructor_args", "verifying_key_from_constructor_args"]

PRAGMA = "pragma solidity >=0.8.4 <0.9.0;"
"""The compiler range the template needs (custom errors: 0.8.4)."""

#: the selectors of the contract's errors, left-aligned in a word: keccak256("NotEnoughGas()")[:4], ...
_NOT_ENOUGH_GAS = "0xdd629f86" + "00" * 28
_PROOF_INVALID = "0x7fcdd1f4" + "00" * 28
#: a failed call whose gas (estimated before the CALL, less 1/64) was below cost + this margin counts as short of
#: gas: the CALL's own access and memory costs come out of what it forwards, so the estimate runs ~100 gas high
_CALL_MARGIN = 2000
#: gas the precompiles cost (EIP-1108): ecAdd, ecMul, pairing base and per pair
_EC_ADD_GAS, _EC_MUL_GAS, _PAIRING_BASE_GAS, _PAIRING_PAIR_GAS = 150, 6000, 45000, 34000


def _key_layout(n: int) -> list[tuple[str, int]]:
    """The key's words in constructor-argument order: (Solidity name, offset of the word in the verifier's memory)."""
    names = ["ALPHA_X", "ALPHA_Y"] + [f"{g}_{c}" for g in ("BETA", "GAMMA", "DELTA") for c in ("X1", "X0", "Y1", "Y0")]
    offsets = [0x180, 0x1a0, 0x1c0, 0x1e0, 0x200, 0x220, 0x100, 0x120, 0x140, 0x160, 0x280, 0x2a0, 0x2c0, 0x2e0]
    for i in range(n + 1):
        names += [f"IC{i}_X", f"IC{i}_Y"]
        at = 0xc0 if i == 0 else _ic_slot(n, i)
        offsets += [at, at + 0x20]
    return list(zip(names, offsets, strict=True))


def _ic_slot(n: int, i: int) -> int:
    """Where IC_i (i >= 1) lies in the verifier's memory: after the pairing input, IC_n first, IC_1 last."""
    return 0x300 + 0x40 * (n - i)


def _memory_size(n: int) -> int:
    """Bytes of memory the verifier allocates: the pairing input, IC_1..IC_n, and one word for IC_1's scalar."""
    return 0x300 + 0x40 * n + (0x20 if n else 0)


def _key_words(vk: VerifyingKey) -> list[int]:
    """The key as the constructor takes it: alpha (x, y); beta, gamma, delta (x.c1, x.c0, y.c1, y.c0); IC_i (x, y)."""
    words = [vk.alpha_g1.x, vk.alpha_g1.y]
    for point in (vk.beta_g2, vk.gamma_g2, vk.delta_g2):
        (x0, x1), (y0, y1) = point.x, point.y
        words += [x1, x0, y1, y0]
    for point in vk.gamma_abc_g1:
        words += [point.x, point.y]
    return words


def _check_name(contract_name: str) -> None:
    """Raise MalformedInput unless contract_name is a Solidity identifier."""
    if not isinstance(contract_name, str) or not contract_name.isidentifier():
        raise MalformedInput(f"contract_name must be a Solidity identifier, not {contract_name!r}")


def solidity_verifier(vk: VerifyingKey, *, contract_name: str = "Groth16Verifier") -> str:
    """The Solidity source of a verifier contract for `vk` (snarkjs's verifyProof ABI; see the module docstring)."""
    if not isinstance(vk, VerifyingKey):
        raise MalformedInput(f"vk must be a VerifyingKey, not {type(vk).__name__}")
    _check_name(contract_name)
    n = vk.n_public
    key = "\n".join(f"    uint256 internal constant {name} = {word};"
                    for (name, _), word in zip(_key_layout(n), _key_words(vk), strict=True))
    return _contract(n, contract_name, f"""
    // the verifying key; G2 coordinates (x.c1, x.c0, y.c1, y.c0) as the pairing precompile takes them
{key}
""", header="a Groth16 verifier on BN254 for one verifying key", title="for one verifying key", mutability="pure")


def solidity_verifier_template(n_public: int, *, contract_name: str = "Groth16Verifier") -> str:
    """The Solidity source of a verifier for any key with `n_public` inputs, the key given to its constructor."""
    if isinstance(n_public, bool) or not isinstance(n_public, int) or n_public < 0:
        raise MalformedInput(f"n_public must be an int >= 0, not {n_public!r}")
    _check_name(contract_name)
    n = n_public
    layout = _key_layout(n)
    declarations = "\n".join(f"    uint256 internal immutable {name};" for name, _ in layout)
    sources = ["alpha[0]", "alpha[1]"] + [f"{g}[{j}]" for g in ("beta", "gamma", "delta") for j in range(4)]
    sources += [f"ic[{i}][{j}]" for i in range(n + 1) for j in range(2)]
    assignments = "\n".join(f"        {name} = {source};" for (name, _), source in zip(layout, sources, strict=True))
    plural = "" if n == 1 else "s"
    return _contract(n, contract_name, f"""
    // the verifying key, set by the constructor; G2 coordinates (x.c1, x.c0, y.c1, y.c0) as the pairing
    // precompile takes them
{declarations}
    bytes32 internal immutable KEY_HASH;

    /// @notice Verify proofs against this key: alpha, beta, gamma, delta (G2 points as (x.c1, x.c0, y.c1, y.c0))
    /// and IC_0..IC_{n}, each G1 point as (x, y). Not checked on chain: verifier_constructor_args validates it.
    constructor(uint256[2] memory alpha, uint256[4] memory beta, uint256[4] memory gamma, uint256[4] memory delta,
                uint256[2][{n + 1}] memory ic) {{
{assignments}
        KEY_HASH = keccak256(abi.encode(alpha, beta, gamma, delta, ic));
    }}

    /// @notice keccak256 of the constructor arguments (16 + 2 * N_PUBLIC words): which key this verifier holds.
    function verifyingKeyHash() external view returns (bytes32) {{
        return KEY_HASH;
    }}
""", header=f"a Groth16 verifier on BN254 for any key with {n} public input{plural}, given at deployment",
                     title="for the verifying key given to its constructor", mutability="view")


def _contract(n: int, contract_name: str, key: str, *, header: str, title: str, mutability: str) -> str:
    """The verifier contract around its key's declarations (constants or immutables, and what sets them)."""
    signals = f", uint256[{n}] calldata _pubSignals" if n else ""
    core = _core(n)
    layout = _key_layout(n)
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, offset in layout:
        groups.setdefault(name.rsplit("_", 1)[0], []).append((name, offset))
    staging = []
    for words in groups.values():
        reads = "\n".join(f"            uint256 w{j} = {name};" for j, (name, _) in enumerate(words))
        writes = "\n".join(f"                mstore(add(p, {offset:#x}), w{j})" for j, (_, offset) in enumerate(words))
        staging.append(f"""        {{
{reads}
            assembly ("memory-safe") {{
{writes}
            }}
        }}""")
    return f"""// SPDX-License-Identifier: MIT
// Generated by zkl (zkl.verifier.solidity): {header}.
{PRAGMA}

/// @title Groth16 verifier with {n} public input{"" if n == 1 else "s"}, {title}
/// @notice verifyProof returns true iff the proof verifies (false for a public input >= r, a point
/// off its curve or subgroup, or a failed pairing check); it reverts with NotEnoughGas when a
/// precompile was given less gas than it costs, never answering false for want of gas.
/// requireValidProof reverts with ProofInvalid where verifyProof returns false.
contract {contract_name} {{
    /// @notice The proof does not verify for these public inputs.
    error ProofInvalid();
    /// @notice A BN254 precompile was given less gas than it costs: retry with more gas.
    error NotEnoughGas();

    /// @notice The scalar field modulus r: public inputs must be below it.
    uint256 internal constant R = {R};
    /// @notice The base field modulus q: coordinates must be below it.
    uint256 internal constant Q = {Q};
    uint256 internal constant N_PUBLIC = {n};
{key}
    /// @notice Whether (A, B, C) is a valid proof for the public inputs (snarkjs's ABI).
    function verifyProof(uint256[2] calldata _pA, uint256[2][2] calldata _pB, uint256[2] calldata _pC{signals})
        public view returns (bool)
    {{
        uint256 p = _stageKey();
        assembly ("memory-safe") {{
{core}
            mstore(0, status)
            return(0, 0x20)
        }}
    }}

    /// @notice Revert with ProofInvalid unless (A, B, C) is a valid proof for the public inputs.
    function requireValidProof(uint256[2] calldata _pA, uint256[2][2] calldata _pB, uint256[2] calldata _pC{signals})
        external view
    {{
        uint256 p = _stageKey();
        assembly ("memory-safe") {{
{core}
            if iszero(status) {{
                mstore(0, {_PROOF_INVALID})
                revert(0, 4)
            }}
        }}
    }}

    /// @dev Allocate the verifier's memory at p and lay the key out in it (alpha, beta, gamma, delta and IC_0
    /// where the pairing takes them, IC_n..IC_1 from p + 0x300).
    function _stageKey() private {mutability} returns (uint256 p) {{
        assembly ("memory-safe") {{
            p := mload(0x40)
            mstore(0x40, add(p, {_memory_size(n):#x}))
        }}
{chr(10).join(staging)}
    }}
}}
"""


def _core(n: int) -> str:
    """The Yul that leaves `status` 1 if the proof verifies, 0 if not (reverting NotEnoughGas if short of gas).

    It starts with the key laid out at p (_stageKey), the pairing input's words being
    (-A, B) at 0x000, (vk_x, gamma) at 0x0c0, (alpha, beta) at 0x180, (C, delta) at 0x240, then
    IC_i at 0x300 + 0x40 (n - i): the word after IC_i is the one IC_{i-1} was in (or a spare word
    after IC_1), so input i goes there and ecMul reads (IC_i, input_i) in place. vk_x accumulates
    where the pairing takes it (IC_0 is laid out there), each input_i IC_i just before it, in B's y
    words (scratch until B is copied in), so ecAdd reads the two in place. Key and core are the same
    for the inlined and the template verifier.
    """
    terms = []
    for i in range(1, n + 1):  # unrolled: no function call per input
        slot = _ic_slot(n, i)
        terms.append(f"""                v := calldataload(add(_pubSignals, {32 * (i - 1)}))
                if iszero(lt(v, R)) {{ break }}
                if v {{
                    mstore(add(p, {slot + 0x40:#x}), v)
                    g := gas()
                    if iszero(staticcall(g, 7, add(p, {slot:#x}), 0x60, term, 0x40)) {{ short(g, {_EC_MUL_GAS}) break }}
                    g := gas()
                    if iszero(staticcall(g, 6, term, 0x80, vkx, 0x40)) {{ short(g, {_EC_ADD_GAS}) break }}
                }}""")
    accumulate = "\n".join(terms)
    return f"""            // after a failed precompile call made with g gas left: revert NotEnoughGas if what it could forward
            // (g less 1/64, less the CALL's own costs: the margin) may have been below its cost (a short gas
            // limit must revert, never answer false), else the input was invalid
            function short(g, cost) {{
                if lt(sub(g, div(g, 64)), add(cost, {_CALL_MARGIN})) {{
                    mstore(0, {_NOT_ENOUGH_GAS})
                    revert(0, 4)
                }}
            }}

            let term := add(p, 0x80)  // input_i IC_i, then vk_x + input_i IC_i: in B's y words
            let vkx := add(p, 0xc0)
            let status := 0
            let v := 0
            let g := 0
            for {{}} 1 {{}} {{
                // vk_x = IC_0 + sum_i input_i IC_i, accumulated in place, input_i IC_i just before it
{accumulate}
                v := calldataload(add(_pA, 0x20))
                if iszero(lt(v, Q)) {{ break }}
                mstore(p, calldataload(_pA))
                mstore(add(p, 0x20), mod(sub(Q, v), Q))
                calldatacopy(add(p, 0x40), _pB, 0x80)
                calldatacopy(add(p, 0x240), _pC, 0x40)
                g := gas()
                if iszero(staticcall(g, 8, p, 0x300, p, 0x20)) {{ short(g, {_PAIRING_BASE_GAS + 4 * _PAIRING_PAIR_GAS}) break }}
                status := eq(mload(p), 1)
                break
            }}"""


def verifier_constructor_args(vk: VerifyingKey, *, n_public: int | None = None) -> bytes:
    """The ABI-encoded constructor arguments of solidity_verifier_template for `vk` (append to the creation code)."""
    from zkl.verifier.groth16 import validate_verifying_key

    if not isinstance(vk, VerifyingKey):
        raise MalformedInput(f"vk must be a VerifyingKey, not {type(vk).__name__}")
    if n_public is not None and (isinstance(n_public, bool) or not isinstance(n_public, int) or n_public < 0):
        raise MalformedInput(f"n_public must be an int >= 0 or None, not {n_public!r}")
    if n_public is not None and vk.n_public != n_public:
        raise ShapeMismatch(f"the key has {vk.n_public} public input{'' if vk.n_public == 1 else 's'} "
                            f"({vk.n_public + 1} IC points), the verifier takes {n_public} ({n_public + 1} IC points)")
    validate_verifying_key(vk, "vk")
    return b"".join(word.to_bytes(32, "big") for word in _key_words(vk))


def verifying_key_from_constructor_args(data: bytes, n_public: int) -> VerifyingKey:
    """The key that constructor arguments of solidity_verifier_template for `n_public` inputs encode (validated)."""
    from zkl.verifier.groth16 import validate_verifying_key

    if isinstance(n_public, bool) or not isinstance(n_public, int) or n_public < 0:
        raise MalformedInput(f"n_public must be an int >= 0, not {n_public!r}")
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInput(f"constructor args must be bytes, not {type(data).__name__}")
    expected = 32 * (16 + 2 * n_public)
    if len(data) != expected:
        raise ShapeMismatch(f"constructor args for {n_public} public inputs must be {expected} bytes "
                            f"(16 + 2 * {n_public} words), not {len(data)}")
    w = [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]
    g2 = [G2Point((w[j + 1], w[j]), (w[j + 3], w[j + 2])) for j in (2, 6, 10)]
    ic = tuple(G1Point(w[j], w[j + 1]) for j in range(14, len(w), 2))
    vk = VerifyingKey(G1Point(w[0], w[1]), *g2, ic)
    validate_verifying_key(vk, "constructor args")
    return vk


def _word(value: int) -> str:
    return f'"0x{value:064x}"'


def proof_words(proof: Proof) -> list[int]:
    """A proof as verifyProof's words: A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y (EIP-197's G2 order)."""
    a, b, c = proof.a, proof.b, proof.c
    return [a.x, a.y, b.x[1], b.x[0], b.y[1], b.y[0], c.x, c.y]


def verify_proof_calldata(proof: Proof, public_inputs: Sequence[int]) -> bytes:
    """The ABI-encoded call verifyProof(pA, pB, pC, pubSignals) of a proof and its public inputs."""
    from eth_abi import encode
    from eth_utils import keccak

    n = len(public_inputs)
    selector = keccak(text=f"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])")[:4]
    return selector + encode(["uint256[8]", f"uint256[{n}]"], [proof_words(proof), [int(v) for v in public_inputs]])


def solidity_calldata(proof: Proof, public_inputs: Sequence[int]) -> str:
    """The arguments of verifyProof for a proof, as `snarkjs zkey export soliditycalldata` prints them."""
    if not isinstance(proof, Proof):
        raise MalformedInput(f"proof must be a Proof, not {type(proof).__name__}")
    words = []
    for i, value in enumerate(public_inputs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedInput(f"public input {i} must be an int, not {type(value).__name__}")
        if not 0 <= value < R:
            raise FieldElementOutOfRange(f"public input {i} must be in [0, r), not {value}")
        words.append(_word(value))
    ax, ay, bx1, bx0, by1, by0, cx, cy = (_word(v) for v in proof_words(proof))
    return f"[{ax}, {ay}],[[{bx1}, {bx0}],[{by1}, {by0}]],[{cx}, {cy}],[{','.join(words)}]"
