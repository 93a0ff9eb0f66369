"""Fq12 between zkl's tower and py_ecc's, for the tests that check zkl against py_ecc.

py_ecc writes Fq12 as the single extension Fq[W]/(W^12 - 18 W^6 + 82); its W is our w (see
zkl/algebra/tower.py): with u = W^6 - 9, Σ_{i,j} c_ij v^j w^i = Σ_k a_k w^k for k = 2j + i,
and each Fq2 coefficient a_k = a + b u = (a - 9b) + b W^6 puts a - 9b at W^k and b at W^(k+6).
"""

from __future__ import annotations

from typing import Any

from zkl.algebra.constants import Q
from zkl.algebra.tower import Fq2, Fq12


def to_py_ecc(f: Fq12) -> Any:
    """The same element as py_ecc's optimized_bn128 FQ12 (over Fq[W]/(W^12 - 18 W^6 + 82))."""
    from py_ecc.fields import optimized_bn128_FQ12 as FQ12

    coeffs = [0] * 12
    for k, a in enumerate(f.fq2_coeffs()):
        coeffs[k] = (a.c0 - 9 * a.c1) % Q
        coeffs[k + 6] = a.c1
    return FQ12(coeffs)


def from_py_ecc(f: Any) -> Fq12:
    """Our Fq12 of a py_ecc FQ12 (optimized_bn128 or bn128: anything with 12 `coeffs`)."""
    coeffs = [c if isinstance(c, int) else int(c.n) for c in f.coeffs]
    if len(coeffs) != 12:
        raise ValueError(f"a py_ecc FQ12 has 12 coefficients, not {len(coeffs)}")
    a = []
    for k in range(6):
        b = coeffs[k + 6] % Q
        a.append(Fq2(coeffs[k] + 9 * b, b))
    return Fq12.from_fq2_coeffs(a)
