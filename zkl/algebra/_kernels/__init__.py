"""numba kernels of zkl.algebra: private, called once per batch by the public wrappers.

Conventions: a field element inside a kernel is a 4-tuple of np.uint64 limbs,
little-endian, in Montgomery form; an Fq2 element is a pair of those (c0, c1)
for c0 + c1*u.  Bulk data are (n, 4) uint64 arrays (Fq2: (n, 2, 4)).
Every wrap-around lives in `intrinsics`, which has a pure-Python twin used
when NUMBA_DISABLE_JIT=1.
"""
