"""numba kernels of zkl.circuits.program (private): the interpreter of a solving program.

Wire values are (n_wires, 4) uint64 limbs in normal form, as the coefficients are. A sparse
row or linear combination is (ptr, idx, cid, tab): entries ptr[i]:ptr[i+1] of row i have wire
idx[k] and coefficient tab[cid[k]] (a circuit has a few thousand distinct coefficients for
millions of entries: 4 bytes an entry instead of 32). A dot product sums Montgomery products
c x / R and one more product by R^2 (`fr_to_mont`) gives c.x in normal form; inverses run in
Montgomery form. Opcodes are zkl.circuits.program's.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.typed import Dict

from zkl.algebra._kernels import (fr_add, fr_from_mont, fr_mac, fr_mul, fr_redc_sum, fr_sqr, fr_sub, fr_to_mont,
                                  gcd_inverse, gcd_params, load_fe, store_fe)
from zkl.algebra.constants import R

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_ZERO = (_U0, _U0, _U0, _U0)
_R_MINUS_2 = tuple(np.uint64(((R - 2) >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4))
_R_GCD, _R_GCD_INV, _R_GCD_ROUNDS = gcd_params(R)
_R_INV = tuple(np.uint64((pow(2, -256, R) >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4))  # 1/R, normal
_R4 = tuple(np.uint64((pow(2, 4 * 256, R) >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4))  # R^4 mod r, normal
_ROW, _CHECK, _BITS, _DIV, _INV, _RUN, _COPY, _MUL_ADD, _MUL_SUB, _PYTHON = range(10)
_FNV_PRIME = np.uint64(0x100000001B3)


_ACC0 = (_U0,) * 9


@njit(cache=True)
def intern_coefficients(cf, seen):
    """The id of each row of a (k, 4) coefficient array in `seen` (a typed Dict from the four limbs to an
    id, extended with the values it does not hold yet), as a (k,) uint32 array."""
    out = np.empty(cf.shape[0], dtype=np.uint32)
    for k in range(cf.shape[0]):
        key = (cf[k, 0], cf[k, 1], cf[k, 2], cf[k, 3])
        if key in seen:
            out[k] = np.uint32(seen[key])
        else:
            out[k] = np.uint32(len(seen))
            seen[key] = len(seen)
    return out


@njit(cache=True)
def coefficient_table(seen):
    """The (n, 4) table of an interning Dict: row v holds the value of id v."""
    table = np.empty((len(seen), 4), dtype=np.uint64)
    for key, v in seen.items():
        table[v, 0], table[v, 1], table[v, 2], table[v, 3] = key
    return table


def coefficient_dict():
    """An empty interning Dict for intern_coefficients."""
    return Dict.empty(key_type=types.UniTuple(types.uint64, 4), value_type=types.int64)


@njit(cache=True)
def _dot_over_r(ptr, idx, cid, tab, x, i):
    """(sum_k tab[cid[k]] x[idx[k]]) / R over entries ptr[i]:ptr[i+1] (normal-form inputs): one term is
    one Montgomery product; more are summed unreduced (512 at a time) and reduced once."""
    lo, hi = ptr[i], ptr[i + 1]
    if hi - lo == 1:
        return fr_mul(load_fe(tab, cid[lo]), load_fe(x, idx[lo]))
    out = _ZERO
    while lo < hi:
        acc = _ACC0
        for k in range(lo, min(hi, lo + 512)):
            acc = fr_mac(acc, load_fe(tab, cid[k]), load_fe(x, idx[k]))
        out = fr_add(out, fr_redc_sum(acc))
        lo += 512
    return out


@njit(cache=True)
def _operand(ptr, idx, cid, tab, x, i, reg, t):
    """(A_i.x)/R for one side of a ROW step: computed (reg < 0), computed and kept in t[reg // 2]
    (reg even), or the value kept earlier (reg odd)."""
    if reg < 0:
        return _dot_over_r(ptr, idx, cid, tab, x, i)
    if reg & 1:
        return load_fe(t, reg >> 1)
    v = _dot_over_r(ptr, idx, cid, tab, x, i)
    store_fe(t, reg >> 1, v)
    return v


@njit(cache=True)
def _row_hash(ptr, idx, cid, i):
    """An FNV-style 64-bit hash of row i's wires and coefficient ids."""
    h = np.uint64(0xCBF29CE484222325) ^ np.uint64(ptr[i + 1] - ptr[i])
    for k in range(ptr[i], ptr[i + 1]):
        h = (h ^ np.uint64(idx[k])) * _FNV_PRIME
        h = (h ^ np.uint64(cid[k])) * _FNV_PRIME
    return h


@njit(cache=True)
def _rows_equal(ptr_a, idx_a, cid_a, i, ptr_b, idx_b, cid_b, j):
    """Whether row i of one matrix and row j of another hold the same wires and coefficients (ids into
    one table of distinct values)."""
    n = ptr_a[i + 1] - ptr_a[i]
    if n != ptr_b[j + 1] - ptr_b[j]:
        return False
    for k in range(n):
        ka, kb = ptr_a[i] + k, ptr_b[j] + k
        if idx_a[ka] != idx_b[kb] or cid_a[ka] != cid_b[kb]:
            return False
    return True


@njit(cache=True)
def lc_registers(ops, a_ptr, a_idx, a_cid, b_ptr, b_idx, b_cid):
    """(n_ops, 2) register codes of the A and B operands of ROW steps (see `_operand`), and the
    number of registers: a linear combination of two or more terms that a later ROW step uses
    again (in A or B) is computed once and kept."""
    n_ops = ops.shape[0]
    regs = np.full((n_ops, 2), -1, dtype=np.int64)
    first = Dict.empty(key_type=types.uint64, value_type=types.int64)  # hash -> first use 2 s + side
    n_regs = 0
    for s in range(n_ops):
        if ops[s, 0] != _ROW:
            continue
        i = ops[s, 1]
        for side in range(2):
            ptr, idx, cf = (a_ptr, a_idx, a_cid) if side == 0 else (b_ptr, b_idx, b_cid)
            if ptr[i + 1] - ptr[i] < 2:
                continue
            h = _row_hash(ptr, idx, cf, i)
            if h not in first:
                first[h] = 2 * s + side
                continue
            use = first[h]
            s0, side0 = use >> 1, use & 1
            j = ops[s0, 1]
            ptr0, idx0, cf0 = (a_ptr, a_idx, a_cid) if side0 == 0 else (b_ptr, b_idx, b_cid)
            if not _rows_equal(ptr, idx, cf, i, ptr0, idx0, cf0, j):
                continue  # a hash collision: computed, not shared
            if regs[s0, side0] < 0:
                regs[s0, side0] = 2 * n_regs
                n_regs += 1
            regs[s, side] = regs[s0, side0] | 1
    return regs, n_regs


@njit(cache=True)
def _dot(ptr, idx, cid, tab, x, i):
    """sum_k tab[cid[k]] x[idx[k]] over entries ptr[i]:ptr[i+1], normal form."""
    return fr_to_mont(_dot_over_r(ptr, idx, cid, tab, x, i))


@njit(cache=True)
def _product(a, b):
    """a b for normal-form a, b."""
    return fr_to_mont(fr_mul(a, b))


@njit(cache=True)
def _is_zero(a):
    return a[0] == _U0 and a[1] == _U0 and a[2] == _U0 and a[3] == _U0


@njit(cache=True)
def _inverse(a):
    """a^-1 for nonzero normal-form a: the binary GCD, checked by one product (Fermat if it fails)."""
    inv = gcd_inverse(a, _R_GCD, _R_GCD_INV, _R_GCD_ROUNDS)
    check = fr_mul(a, inv)  # a inv / R
    if check[0] == _R_INV[0] and check[1] == _R_INV[1] and check[2] == _R_INV[2] and check[3] == _R_INV[3]:
        return inv
    return _fermat_inverse(a)


@njit(cache=True)
def _fermat_inverse(a):
    """a^-1 for nonzero normal-form a (Fermat: a^(r-2) in Montgomery form, 4-bit windows)."""
    am = fr_to_mont(a)
    table = np.empty((16, 4), dtype=np.uint64)
    one = fr_to_mont((_U1, _U0, _U0, _U0))
    store_fe(table, 0, one)
    for j in range(1, 16):
        store_fe(table, j, fr_mul(load_fe(table, j - 1), am))
    acc = one
    for i in range(3, -1, -1):
        word = _R_MINUS_2[i]
        for j in range(15, -1, -1):
            acc = fr_sqr(fr_sqr(fr_sqr(fr_sqr(acc))))
            d = (word >> np.uint64(4 * j)) & np.uint64(15)
            if d != _U0:
                acc = fr_mul(acc, load_fe(table, d))
    return fr_from_mont(acc)


@njit(cache=True)
def _store_bits(v, carry, out, n, x):
    """x[out + i] = bit i of the 257-bit integer carry 2^256 + v, for i < n."""
    for i in range(n):
        if i < 256:
            bit = (v[i // 64] >> np.uint64(i % 64)) & _U1
        elif i == 256:
            bit = carry
        else:
            bit = _U0
        x[out + i, 0] = bit
        x[out + i, 1] = _U0
        x[out + i, 2] = _U0
        x[out + i, 3] = _U0


@njit(cache=True)
def _add_int(v, c):
    """(v + c as 256-bit limbs, carry out) for plain integers."""
    r0 = v[0] + c[0]
    k = np.uint64(1) if r0 < v[0] else _U0
    t = v[1] + c[1]
    k1 = np.uint64(1) if t < v[1] else _U0
    r1 = t + k
    k = k1 | (np.uint64(1) if r1 < t else _U0)
    t = v[2] + c[2]
    k2 = np.uint64(1) if t < v[2] else _U0
    r2 = t + k
    k = k2 | (np.uint64(1) if r2 < t else _U0)
    t = v[3] + c[3]
    k3 = np.uint64(1) if t < v[3] else _U0
    r3 = t + k
    k = k3 | (np.uint64(1) if r3 < t else _U0)
    return (r0, r1, r2, r3), k


@njit(cache=True)
def run_steps(ops, regs, start, a_ptr, a_idx, a_cid, b_ptr, b_idx, b_cid, c_ptr, c_idx, c_cid, tab,
              lc_ptr, lc_wires, lc_cid, lc_tab, consts, x, az, bz, t):
    """Run steps start.. of a program over x; return the index of the first Python step, or len(ops).

    A ROW step also keeps (A_i.x)/R and (B_i.x)/R in az[i], bz[i] (what the prover's QAP starts
    from); regs (from lc_registers) say which operands it keeps in t or finds there. CHECK steps
    are skipped here (first_failing_check runs them afterwards)."""
    n_ops = ops.shape[0]
    for s in range(start, n_ops):
        code = ops[s, 0]
        if code == _ROW:  # (a/R)(b/R)/R R^4/R = a b; ops[s, 3] = 1: C is the new wire alone
            i = ops[s, 1]
            a = _operand(a_ptr, a_idx, a_cid, tab, x, i, regs[s, 0], t)
            b = _operand(b_ptr, b_idx, b_cid, tab, x, i, regs[s, 1], t)
            store_fe(az, i, a)
            store_fe(bz, i, b)
            ab = fr_mul(fr_mul(a, b), _R4)
            store_fe(x, ops[s, 2], ab if ops[s, 3] else fr_sub(ab, _dot(c_ptr, c_idx, c_cid, tab, x, i)))
        elif code == _CHECK:
            continue
        elif code == _BITS:
            v = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1])
            carry = _U0
            if ops[s, 4] >= 0:
                v, carry = _add_int(v, load_fe(consts, ops[s, 4]))
            _store_bits(v, carry, ops[s, 2], ops[s, 3], x)
        elif code == _DIV:
            den = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 3])
            if _is_zero(den):
                store_fe(x, ops[s, 2], _ZERO)
            else:
                store_fe(x, ops[s, 2], _product(_dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1]), _inverse(den)))
        elif code == _INV:
            v = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1])
            store_fe(x, ops[s, 2], _ZERO if _is_zero(v) else _inverse(v))
        elif code == _RUN:
            p = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1])
            deficit = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 3])
            if _is_zero(deficit):
                store_fe(x, ops[s, 2], _ZERO)
                store_fe(x, ops[s, 2] + 1, p)
            else:
                store_fe(x, ops[s, 2], _product(p, _inverse(deficit)))
                store_fe(x, ops[s, 2] + 1, _ZERO)
        elif code == _COPY:
            store_fe(x, ops[s, 2], _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1]))
        elif code == _MUL_ADD or code == _MUL_SUB:
            ab = _product(_dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 1]), _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 3]))
            c = _dot(lc_ptr, lc_wires, lc_cid, lc_tab, x, ops[s, 4])
            store_fe(x, ops[s, 2], fr_add(ab, c) if code == _MUL_ADD else fr_sub(ab, c))
        else:
            return s
    return n_ops


@njit(parallel=True, cache=True)
def first_failing_check(rows, a_ptr, a_idx, a_cid, b_ptr, b_idx, b_cid, c_ptr, c_idx, c_cid, tab, x, az, bz):
    """The first row of `rows` (ascending) whose constraint x does not satisfy, or -1; keeps
    (A_i.x)/R and (B_i.x)/R in az[i], bz[i] as run_steps does."""
    n = rows.shape[0]
    n_chunks = max(1, min(64, n // 1024))
    found = np.full(n_chunks, -1, dtype=np.int64)
    for c in prange(n_chunks):
        for j in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            i = rows[j]
            a = _dot_over_r(a_ptr, a_idx, a_cid, tab, x, i)
            b = _dot_over_r(b_ptr, b_idx, b_cid, tab, x, i)
            store_fe(az, i, a)
            store_fe(bz, i, b)
            cc = _dot(c_ptr, c_idx, c_cid, tab, x, i)
            ab = fr_mul(fr_mul(a, b), _R4)
            if not (ab[0] == cc[0] and ab[1] == cc[1] and ab[2] == cc[2] and ab[3] == cc[3]):
                found[c] = i
                break
    for c in range(n_chunks):
        if found[c] >= 0:
            return found[c]
    return -1
