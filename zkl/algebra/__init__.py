"""zkl.algebra: BN254 in numba — Fr and Fq, the Fq2/Fq6/Fq12 tower, G1 and G2, NTT, MSM, the optimal ate pairing.

Public names are loaded on first use, so importing one submodule stays cheap:

    from zkl.algebra import Fr, G1_GENERATOR, g1_mul, msm_g1, pairing_check
    from zkl.algebra.ntt import ntt            # `ntt` and `pairing` name submodules

Modules: `constants` (the one source of R, Q, their limbs, the curve coefficients),
`limbs` (int <-> limb arrays), `field` (Fr, Fq, FieldArray), `points` (G1Point,
G2Point with their operators, bulk arrays), `curve` (group law, checks, fixed-base
multiplication), `serialize` (bytes, compressed, snarkjs JSON), `ntt`, `msm`,
`tower` (Fq2, Fq6, Fq12 reference), `pairing`, `threads` (numba thread counts).
Kernels live in `_kernels/`; its package namespace is the kernel interface other
zkl packages compose in their own kernels.  Each module with kernels has a
`warmup()` that compiles them (zkl.warmup schedules them all).
"""

from __future__ import annotations

from zkl._lazy import lazy_exports

_EXPORTS = {
    "constants": ["Q", "R"],
    "field": ["Fq", "Fr", "FieldArray", "PrimeField"],
    "points": ["G1Point", "G2Point", "g1_to_array", "g1_from_array", "g2_to_array", "g2_from_array"],
    "curve": [
        "G1_GENERATOR", "G2_GENERATOR", "g1_add", "g1_double", "g1_neg", "g1_sub", "g1_mul", "g2_add", "g2_double",
        "g2_neg", "g2_sub", "g2_mul", "is_on_curve_g1", "is_on_curve_g2", "is_in_subgroup_g2", "validate_g1",
        "validate_g2", "validate_g1_array", "validate_g2_array", "fixed_base_mul_g1", "fixed_base_mul_g2",
        "g1_sum", "g2_sum",
    ],
    "ntt": ["intt", "coset_ntt", "coset_intt", "domain"],
    "msm": ["msm_g1", "msm_g2"],
    "tower": ["Fq2", "Fq6", "Fq12"],
    "pairing": ["multi_pairing", "pairing_check", "prepare_g2", "pairing_check_prepared", "PreparedG2", "miller_loop",
                "final_exponentiation"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_exports("zkl.algebra", _WHERE, globals())
