"""Row accessors of the kernels' bulk arrays: the one place that turns array rows into limb tuples and back.

Layouts (uint64, little-endian limbs, zkl.algebra._kernels conventions):

- field elements: (n, 4) for Fq and Fr, (n, 2, 4) for Fq2;
- points: (n, m, 4) over Fq (G1) and (n, m, 2, 4) over Fq2 (G2), m = 2 affine (x, y) or
  m = 3 Jacobian (X, Y, Z); the affine point at infinity is all zero.

`load_fe`, `store_fe`, `load_coord`, `store_coord`, `load_jac` and `store_jac` serve either
field: under numba the variant is chosen at compile time from the array's ndim (an
`overload`), in plain Python (NUMBA_DISABLE_JIT=1) the stub looks at the ndim itself.
`load_g1`, `store_g1`, `load_g2`, `store_g2` read and write affine points of one group.
"""

from __future__ import annotations

from numba import njit
from numba.extending import overload


def _fe2(a, i):
    return ((a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3]), (a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3]))


def _fe1(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


def _put1(a, i, v):
    a[i, 0] = v[0]
    a[i, 1] = v[1]
    a[i, 2] = v[2]
    a[i, 3] = v[3]


def _put2(a, i, v):
    a[i, 0, 0] = v[0][0]
    a[i, 0, 1] = v[0][1]
    a[i, 0, 2] = v[0][2]
    a[i, 0, 3] = v[0][3]
    a[i, 1, 0] = v[1][0]
    a[i, 1, 1] = v[1][1]
    a[i, 1, 2] = v[1][2]
    a[i, 1, 3] = v[1][3]


def _coord1(a, i, k):
    return (a[i, k, 0], a[i, k, 1], a[i, k, 2], a[i, k, 3])


def _coord2(a, i, k):
    return ((a[i, k, 0, 0], a[i, k, 0, 1], a[i, k, 0, 2], a[i, k, 0, 3]),
            (a[i, k, 1, 0], a[i, k, 1, 1], a[i, k, 1, 2], a[i, k, 1, 3]))


def _put_coord1(a, i, k, v):
    a[i, k, 0], a[i, k, 1], a[i, k, 2], a[i, k, 3] = v


def _put_coord2(a, i, k, v):
    a[i, k, 0, 0], a[i, k, 0, 1], a[i, k, 0, 2], a[i, k, 0, 3] = v[0]
    a[i, k, 1, 0], a[i, k, 1, 1], a[i, k, 1, 2], a[i, k, 1, 3] = v[1]


# ------------------------------------------------------------------------ field elements


def load_fe(a, i):
    """Element i of a field-element array ((n, 4) Fq/Fr, (n, 2, 4) Fq2) as a limb tuple (pair)."""
    return _fe1(a, i) if a.ndim == 2 else _fe2(a, i)


@overload(load_fe)
def _load_fe_typed(a, i):
    return _fe1 if a.ndim == 2 else _fe2


def store_fe(a, i, v):
    """Store the field element v as element i of a field-element array."""
    if a.ndim == 2:
        _put1(a, i, v)
    else:
        _put2(a, i, v)


@overload(store_fe)
def _store_fe_typed(a, i, v):
    return _put1 if a.ndim == 2 else _put2


# ------------------------------------------------------------------------ points


def load_coord(a, i, k):
    """Coordinate k of point i of a point array ((n, m, 4) over Fq, (n, m, 2, 4) over Fq2)."""
    return _coord1(a, i, k) if a.ndim == 3 else _coord2(a, i, k)


@overload(load_coord)
def _load_coord_typed(a, i, k):
    return _coord1 if a.ndim == 3 else _coord2


def store_coord(a, i, k, v):
    """Store the field element v as coordinate k of point i of a point array."""
    if a.ndim == 3:
        _put_coord1(a, i, k, v)
    else:
        _put_coord2(a, i, k, v)


@overload(store_coord)
def _store_coord_typed(a, i, k, v):
    return _put_coord1 if a.ndim == 3 else _put_coord2


@njit(inline="always", cache=True)
def load_jac(a, i):
    """Row i (X, Y, Z) of a Jacobian array ((n, 3, 4) or (n, 3, 2, 4))."""
    return (load_coord(a, i, 0), load_coord(a, i, 1), load_coord(a, i, 2))


@njit(inline="always", cache=True)
def store_jac(a, i, p):
    """Store the Jacobian point p = (X, Y, Z) as row i of a Jacobian array."""
    store_coord(a, i, 0, p[0])
    store_coord(a, i, 1, p[1])
    store_coord(a, i, 2, p[2])


@njit(inline="always", cache=True)
def load_g1(a, i):
    """Affine point i (x, y) of a G1 array (n, 2, 4)."""
    return (a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3]), (a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3])


@njit(inline="always", cache=True)
def store_g1(a, i, x, y):
    """Store the affine point (x, y) as row i of a G1 array (n, 2, 4)."""
    a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3] = x
    a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3] = y


@njit(inline="always", cache=True)
def load_g2(a, i):
    """Affine point i (x, y) of a G2 array (n, 2, 2, 4), each coordinate an Fq2 pair."""
    x = ((a[i, 0, 0, 0], a[i, 0, 0, 1], a[i, 0, 0, 2], a[i, 0, 0, 3]),
         (a[i, 0, 1, 0], a[i, 0, 1, 1], a[i, 0, 1, 2], a[i, 0, 1, 3]))
    y = ((a[i, 1, 0, 0], a[i, 1, 0, 1], a[i, 1, 0, 2], a[i, 1, 0, 3]),
         (a[i, 1, 1, 0], a[i, 1, 1, 1], a[i, 1, 1, 2], a[i, 1, 1, 3]))
    return x, y


@njit(inline="always", cache=True)
def store_g2(a, i, x, y):
    """Store the affine point (x, y) of Fq2 pairs as row i of a G2 array (n, 2, 2, 4)."""
    a[i, 0, 0, 0], a[i, 0, 0, 1], a[i, 0, 0, 2], a[i, 0, 0, 3] = x[0]
    a[i, 0, 1, 0], a[i, 0, 1, 1], a[i, 0, 1, 2], a[i, 0, 1, 3] = x[1]
    a[i, 1, 0, 0], a[i, 1, 0, 1], a[i, 1, 0, 2], a[i, 1, 0, 3] = y[0]
    a[i, 1, 1, 0], a[i, 1, 1, 1], a[i, 1, 1, 2], a[i, 1, 1, 3] = y[1]
