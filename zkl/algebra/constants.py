"""BN254 constants: moduli, Montgomery parameters, curve coefficients, as Python ints and limb arrays.

The one source of these numbers in zkl; it imports nothing at all until a limb array
(Q_LIMBS, R_LIMBS, int_to_limbs, mont_params) is asked for, then NumPy: packages that must not
load numba (zkl.circuits.field) can take R from here, and the plain-Python verifier of
`zkl groth16 verify` (zkl.algebra.pure) loads no NumPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: base field modulus (coordinates of points)
Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
#: scalar field modulus (order of G1 and G2)
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

LIMBS = 4
LIMB_BITS = 64
MASK64 = (1 << 64) - 1


def _read_only_limbs(value: int) -> np.ndarray:
    import numpy as np

    limbs = np.array([(value >> (64 * k)) & MASK64 for k in range(LIMBS)], dtype=np.uint64)
    limbs.setflags(write=False)
    return limbs


#: Q_LIMBS, R_LIMBS: (4,) little-endian uint64 limbs of q and r (read-only), made on first use
_LIMB_ARRAYS = {"Q_LIMBS": Q, "R_LIMBS": R}


def __getattr__(name: str) -> Any:
    if name in _LIMB_ARRAYS:
        value = _read_only_limbs(_LIMB_ARRAYS[name])
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zkl.algebra.constants' has no attribute {name!r}")

#: the Montgomery radix 2^256
MONT_R = 1 << 256

#: BN parameter x (u in some papers): q and r are polynomials in it
BN_X = 4965661367192848881
#: 6x + 2, the optimal ate loop count
ATE_LOOP_COUNT = 6 * BN_X + 2

#: the quadratic non-residue xi = 9 + u that builds Fq6 and Fq12
XI = (9, 1)
#: G1: y^2 = x^3 + 3
G1_B = 3
G1_GENERATOR = (1, 2)
#: G2 over Fq2 = Fq[u]/(u^2 + 1): y^2 = x^3 + b' with b' = 3 / (9 + u) = 3 (9 - u) / 82, as (c0, c1) for c0 + c1*u
_XI_NORM_INV = pow(XI[0] ** 2 + XI[1] ** 2, -1, Q)  # 1 / |9 + u|^2 = 1 / 82
G2_B = (3 * XI[0] * _XI_NORM_INV % Q, -3 * XI[1] * _XI_NORM_INV % Q)
G2_GENERATOR = (
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)
#: multiplicative generator of Fr used for roots of unity (as snarkjs, arkworks)
FR_GENERATOR = 5
#: 2-adicity of r - 1
FR_TWO_ADICITY = 28


def int_to_limbs(value: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Split a non-negative int below 2^256 into four little-endian np.uint64 limbs."""
    import numpy as np

    return tuple(np.uint64((value >> (64 * i)) & MASK64) for i in range(LIMBS))  # type: ignore[return-value]


def mont_params(modulus: int) -> tuple[tuple, np.uint64, tuple, tuple, tuple]:
    """Limbs of the modulus, -m^-1 mod 2^64, R mod m, R^2 mod m and R^3 mod m, as limb tuples."""
    import numpy as np

    inv = np.uint64((-pow(modulus, -1, 1 << 64)) % (1 << 64))
    return (
        int_to_limbs(modulus),
        inv,
        int_to_limbs(MONT_R % modulus),
        int_to_limbs(MONT_R * MONT_R % modulus),
        int_to_limbs(MONT_R**3 % modulus),
    )
