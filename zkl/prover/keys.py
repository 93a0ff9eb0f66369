"""Groth16 proving key with arkworks names; bases held as Montgomery limb arrays for the MSMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkl.algebra.points import G1Point, G2Point
from zkl.verifier.keys import VerifyingKey


@dataclass(frozen=True, eq=False)
class ProvingKey:
    """Groth16 proving key in the layout of a snarkjs .zkey.

    Query arrays are bulk point arrays of zkl.algebra.points ((n, 2, 4) for G1,
    (n, 2, 2, 4) for G2, Montgomery affine, infinity all zero):
    a_query / b_g1_query / b_g2_query indexed by wire, h_query by domain index
    (snarkjs PointsH: the Lagrange-basis points on the odd coset), l_query by
    private wire (wires n_public + 1 .. n_wires - 1).
    """

    vk: VerifyingKey
    beta_g1: G1Point
    delta_g1: G1Point
    a_query: np.ndarray
    b_g1_query: np.ndarray
    b_g2_query: np.ndarray
    h_query: np.ndarray
    l_query: np.ndarray
    n_wires: int
    n_public: int
    domain_size: int
    #: the R1CS matrices A and B in the .zkey's coefficient section (the QAP the key was made for)
    coefficients: "ZkeyCoefficients | None" = None


@dataclass(frozen=True, eq=False)
class ZkeyCoefficients:
    """The .zkey coefficient section: for each (matrix 0=A/1=B, constraint, wire) a value (normal form limbs)."""

    matrix: np.ndarray  # (k,) uint8/uint32: 0 for A, 1 for B
    constraint: np.ndarray  # (k,) uint32
    wire: np.ndarray  # (k,) uint32
    value: np.ndarray  # (k, 4) uint64, normal form
