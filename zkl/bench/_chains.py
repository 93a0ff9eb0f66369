"""Dependent chains of curve operations inside one kernel call, for per-operation figures (zkl.bench.algebra).

Each loop feeds one result into the next, so the compiler can neither hoist nor skip the work;
the figure is the call's time over the number of operations. The one module of zkl.bench that
imports numba: the kernel cache is keyed on the sources of such modules (zkl/_numba_cache.py).
"""

from __future__ import annotations

import numba
from numba import njit

from zkl.algebra._kernels import (
    g2_in_subgroup,
    jac_add,
    jac_add_mixed,
    jac_double,
    jac_mul,
    load_affine_as_jac,
    load_coord,
    load_jac,
    store_jac,
)

__all__ = ["chain_add", "chain_add_mixed", "chain_double", "g2_subgroup_each", "mul_each", "threads"]


def threads() -> int:
    """The threads numba's parallel kernels use."""
    return numba.get_num_threads()


@njit(cache=True)
def chain_add_mixed(points, reps, out):
    """acc += points[i] for every point, reps times (mixed additions)."""
    acc = load_affine_as_jac(points, 0)
    for _ in range(reps):
        for i in range(points.shape[0]):
            acc = jac_add_mixed(acc, load_coord(points, i, 0), load_coord(points, i, 1))
    store_jac(out, 0, acc)


@njit(cache=True)
def chain_add(jac, reps, out):
    """acc += jac[i] for every Jacobian point (Z != 1), reps times (full additions)."""
    acc = load_jac(jac, 0)
    for _ in range(reps):
        for i in range(jac.shape[0]):
            acc = jac_add(acc, load_jac(jac, i))
    store_jac(out, 0, acc)


@njit(cache=True)
def chain_double(points, reps, out):
    """reps doublings of points[0]."""
    acc = load_affine_as_jac(points, 0)
    for _ in range(reps):
        acc = jac_double(acc)
    store_jac(out, 0, acc)


@njit(cache=True)
def mul_each(points, scalars, out):
    """out[i] = [scalars[i]] points[i] (Jacobian), serially."""
    for i in range(points.shape[0]):
        store_jac(out, i, jac_mul(load_affine_as_jac(points, i), scalars[i]))


@njit(cache=True)
def g2_subgroup_each(points):
    """Number of points passing the G2 subgroup check, serially."""
    count = 0
    for i in range(points.shape[0]):
        if g2_in_subgroup(load_coord(points, i, 0), load_coord(points, i, 1)):
            count += 1
    return count
