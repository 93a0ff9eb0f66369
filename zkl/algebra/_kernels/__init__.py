"""numba kernels of zkl.algebra: private, called once per batch by the public wrappers.

Conventions: a field element inside a kernel is a 4-tuple of np.uint64 limbs,
little-endian, in Montgomery form; an Fq2 element is a pair of those (c0, c1)
for c0 + c1*u.  Bulk data are (n, 4) uint64 arrays (Fq2: (n, 2, 4)), points
(n, 2, ...) affine and (n, 3, ...) Jacobian with infinity all zero (affine) or
Z = 0 (Jacobian).  Every wrap-around lives in `intrinsics`, which has a
pure-Python twin used when NUMBA_DISABLE_JIT=1.

The kernel interface: the names below are the ones other zkl packages (the
prover, the verifier, the circuits) may call from their own numba kernels.
They import them from this package, never from its submodules:

    from zkl.algebra._kernels import fr_add, fr_mul, jac_add_mixed, load_fe, store_jac

- Fr (`fr`): fr_add, fr_sub, fr_mul, fr_sqr, fr_neg, fr_eq, fr_to_mont, fr_from_mont, FR_R2
  (R^2 mod r: a Montgomery product by it turns normal form into Montgomery form), fr_mac and
  fr_redc_sum (a dot product with one reduction: 9-limb accumulators);
- inversion by the binary GCD (`bingcd`), any odd modulus: gcd_params(m), gcd_inverse;
- Fq (`fq`): fq_neg, fq_to_mont, fq_from_mont, FQ_ZERO, FQ_ONE;
- G1 and G2, written once for both (`curve`; the field follows from the arguments):
  jac_add, jac_add_mixed, jac_double, jac_neg, jac_mul, jac_eq, jac_infinity,
  jac_from_affine, jac_to_affine, load_affine_as_jac, batch_to_affine,
  g2_in_subgroup, check_point (0 valid, 1 coordinate >= q, 2 off the curve, 3
  outside the subgroup), first_invalid_point (serial), and f_neg (`ext`);
- row accessors (`rows`): load_fe, store_fe, load_coord, store_coord, load_jac,
  store_jac, load_g1, store_g1, load_g2, store_g2.

Names are resolved on first access, so importing one submodule stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "fr": {"fr_add": "fr_add", "fr_sub": "fr_sub", "fr_mul": "fr_mul", "fr_neg": "fr_neg", "fr_eq": "fr_eq",
           "fr_to_mont": "fr_to_mont", "fr_from_mont": "fr_from_mont", "FR_R2": "R2", "fr_sqr": "fr_sqr",
           "fr_mac": "fr_mac", "fr_redc_sum": "fr_redc_sum"},
    "bingcd": {"gcd_params": "modulus_params", "gcd_inverse": "inverse"},
    "fq": {"fq_neg": "fq_neg", "fq_to_mont": "fq_to_mont", "fq_from_mont": "fq_from_mont", "FQ_ZERO": "ZERO",
           "FQ_ONE": "ONE"},
    "curve": {name: name for name in (
        "jac_add", "jac_add_mixed", "jac_double", "jac_neg", "jac_mul", "jac_eq", "jac_infinity", "jac_from_affine",
        "jac_to_affine", "load_affine_as_jac", "batch_to_affine", "g2_in_subgroup", "check_point",
        "first_invalid_point")},
    "ext": {"f_neg": "f_neg"},
    "rows": {name: name for name in (
        "load_fe", "store_fe", "load_coord", "store_coord", "load_jac", "store_jac", "load_g1", "store_g1", "load_g2",
        "store_g2")},
}
_WHERE = {public: (module, name) for module, names in _EXPORTS.items() for public, name in names.items()}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import the kernel module that defines `name` on first access."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'zkl.algebra._kernels' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zkl.algebra._kernels.{where[0]}"), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
