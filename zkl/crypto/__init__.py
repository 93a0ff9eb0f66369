"""zkl.crypto: native (out-of-circuit) primitives in Python ints, byte-compatible with circomlibjs.

- :mod:`~zkl.crypto.poseidon`: Poseidon hash, circomlib parameters, 1..16 inputs;
- :mod:`~zkl.crypto.blake512`: BLAKE-512 (SHA-3 finalist), for EdDSA key derivation;
- :mod:`~zkl.crypto.babyjubjub`: the Baby Jubjub twisted Edwards curve over the BN254 scalar field;
- :mod:`~zkl.crypto.eddsa`: EdDSA-Poseidon signatures over Baby Jubjub;
- :mod:`~zkl.crypto.merkle`: sparse Poseidon Merkle trees (binary or 4-ary) and proofs.
"""

from zkl.crypto import babyjubjub, blake512, eddsa, merkle, poseidon
from zkl.crypto.babyjubjub import Point
from zkl.crypto.blake512 import blake512 as blake512_digest
from zkl.crypto.eddsa import Signature
from zkl.crypto.merkle import MerkleProof, MerkleTree, root_from_path, verify_proof
from zkl.crypto.poseidon import PoseidonParams, poseidon_hash, poseidon_params

__all__ = [
    "MerkleProof",
    "MerkleTree",
    "Point",
    "PoseidonParams",
    "Signature",
    "babyjubjub",
    "blake512",
    "blake512_digest",
    "eddsa",
    "merkle",
    "poseidon",
    "poseidon_hash",
    "poseidon_params",
    "root_from_path",
    "verify_proof",
]
