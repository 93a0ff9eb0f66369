"""snarkjs powers-of-tau files (`.ptau`), phase 1 and "prepared for phase 2", read memory-mapped.

Layout (snarkjs 0.7 `powersoftau_new.js`, `powersoftau_utils.js`, `powersoftau_preparephase2.js`;
an iden3 binfile, magic "ptau", version 1; integers little-endian; points as in a .zkey:
Montgomery coordinates, little-endian, infinity all zero):

====  ==============  ========================================================================
 id   name            payload (N = 2^power)
====  ==============  ========================================================================
  1   header          u32 n8 (32), q, u32 power, u32 ceremonyPower
  2   tauG1           2N - 1 G1 points [tau^i]_1
  3   tauG2           N G2 points [tau^i]_2
  4   alphaTauG1      N G1 points [alpha tau^i]_1
  5   betaTauG1       N G1 points [beta tau^i]_1
  6   betaG2          one G2 point [beta]_2
  7   contributions   u32 count, then the contributions (not parsed here)
 12   lagrange tauG1  for p = 0 .. power + 1: the 2^p points [L_j(tau)]_1 of the Lagrange basis
                      of the domain of size 2^p (roots 5^((r-1)/2^p), natural order); the block
                      of size 2^p starts at point 2^p - 1.  The last block is computed with the
                      missing [tau^(2N-1)]_1 taken as zero, which is harmless for polynomials of
                      degree below 2N - 1 (the prover's A B - C).
 13   lagrange tauG2  the same for p = 0 .. power, G2
 14   lagrange alpha  the same for [alpha L_j(tau)]_1, p = 0 .. power
 15   lagrange beta   the same for [beta L_j(tau)]_1, p = 0 .. power
====  ==============  ========================================================================

Sections 12-15 exist only in a prepared file (`snarkjs powersoftau prepare phase2`), which
is what `snarkjs groth16 setup` and `zkl.prover.setup.setup_from_ptau` need.  Reading checks
the structure and sizes only: a file may hold millions of points, so the points actually
used are validated by their user (`setup_from_ptau` validates the blocks it reads).
"""

from __future__ import annotations

import os
import secrets
import struct
from dataclasses import dataclass

import numpy as np

from zkl.algebra.constants import Q, R
from zkl.algebra.points import G2Point, g2_from_array
from zkl.errors import FormatError, MalformedInput
from zkl._binfile import BinFile, field_header, write_binfile

__all__ = ["PowersOfTau", "read_ptau", "write_ptau"]

MAGIC = b"ptau"
TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, BETA_G2, CONTRIBUTIONS = 2, 3, 4, 5, 6, 7
LAGRANGE_TAU_G1, LAGRANGE_TAU_G2, LAGRANGE_ALPHA_G1, LAGRANGE_BETA_G1 = 12, 13, 14, 15
#: the largest power a file may declare (Fr's two-adicity)
MAX_POWER = 28


@dataclass(frozen=True, eq=False)
class PowersOfTau:
    """A .ptau file: the powers [tau^i], [alpha tau^i], [beta tau^i] and, if prepared, their Lagrange forms.

    Arrays are (n, 2, 4) G1 / (n, 2, 2, 4) G2 Montgomery point arrays, usually views of a
    memory map; lagrange_* are None for a file not prepared for phase 2.
    """

    path: str
    power: int
    ceremony_power: int
    tau_g1: np.ndarray
    tau_g2: np.ndarray
    alpha_tau_g1: np.ndarray
    beta_tau_g1: np.ndarray
    beta_g2: G2Point
    n_contributions: int
    lagrange_tau_g1: np.ndarray | None = None
    lagrange_tau_g2: np.ndarray | None = None
    lagrange_alpha_g1: np.ndarray | None = None
    lagrange_beta_g1: np.ndarray | None = None

    @property
    def prepared(self) -> bool:
        """Whether the file holds the Lagrange sections (snarkjs `powersoftau prepare phase2`)."""
        return self.lagrange_tau_g1 is not None

    def lagrange(self, which: str, log_n: int) -> np.ndarray:
        """The Lagrange block of size 2^log_n of 'tau_g1', 'tau_g2', 'alpha_g1' or 'beta_g1' (a view)."""
        arrays = {"tau_g1": self.lagrange_tau_g1, "tau_g2": self.lagrange_tau_g2,
                  "alpha_g1": self.lagrange_alpha_g1, "beta_g1": self.lagrange_beta_g1}
        if which not in arrays:
            raise MalformedInput(f"which must be one of {', '.join(arrays)}, not {which!r}")
        array = arrays[which]
        if array is None:
            raise FormatError(f"{self.path}: the powers of tau are not prepared for phase 2 "
                              "(run `snarkjs powersoftau prepare phase2`)")
        top = self.power + 1 if which == "tau_g1" else self.power
        if not isinstance(log_n, int) or not 0 <= log_n <= top:
            raise MalformedInput(f"{self.path}: Lagrange blocks of {which} go up to 2^{top}, not 2^{log_n}")
        n = 1 << log_n
        return array[n - 1: 2 * n - 1]


def read_ptau(path: str | os.PathLike, *, mmap: bool = True) -> PowersOfTau:
    """Read a .ptau file (structure and sizes checked; points are validated where they are used)."""
    f = BinFile(path, MAGIC, 1, use_mmap=mmap)
    pos, size = f.section(1, "header")
    if size != 4 + 32 + 8:
        raise FormatError(f"{f.path}: header section must be 44 bytes, not {size}")
    pos = field_header(f.data, pos, Q, "base field q", f.path)
    power, ceremony_power = struct.unpack_from("<II", f.data, pos)
    if not 1 <= power <= MAX_POWER:
        raise FormatError(f"{f.path}: power must be in [1, {MAX_POWER}], not {power}")
    n = 1 << power
    tau_g1 = f.points(TAU_G1, "tauG1", 2 * n - 1)
    tau_g2 = f.points(TAU_G2, "tauG2", n, g2=True)
    alpha = f.points(ALPHA_TAU_G1, "alphaTauG1", n)
    beta = f.points(BETA_TAU_G1, "betaTauG1", n)
    beta_g2 = g2_from_array(f.points(BETA_G2, "betaG2", 1, g2=True))[0]
    n_contributions = 0
    if f.has(CONTRIBUTIONS):
        pos, size = f.section(CONTRIBUTIONS, "contributions")
        if size < 4:
            raise FormatError(f"{f.path}: contributions section must hold at least 4 bytes, not {size}")
        (n_contributions,) = struct.unpack_from("<I", f.data, pos)
    lagrange: dict[str, np.ndarray | None] = {}
    blocks = {"lagrange_tau_g1": (LAGRANGE_TAU_G1, False, 4 * n - 1),
              "lagrange_tau_g2": (LAGRANGE_TAU_G2, True, 2 * n - 1),
              "lagrange_alpha_g1": (LAGRANGE_ALPHA_G1, False, 2 * n - 1),
              "lagrange_beta_g1": (LAGRANGE_BETA_G1, False, 2 * n - 1)}
    for name, (kind, g2, count) in blocks.items():
        lagrange[name] = f.points(kind, f"Lagrange {name[9:]}", count, g2=g2) if f.has(kind) else None
    present = [v is not None for v in lagrange.values()]
    if any(present) and not all(present):
        raise FormatError(f"{f.path}: a prepared file must have all of sections 12-15, not only some")
    return PowersOfTau(path=f.path, power=power, ceremony_power=ceremony_power, tau_g1=tau_g1, tau_g2=tau_g2,
                       alpha_tau_g1=alpha, beta_tau_g1=beta, beta_g2=beta_g2, n_contributions=n_contributions,
                       **lagrange)



def write_ptau(path: str | os.PathLike, power: int, *, tau: int | None = None, alpha: int | None = None,
               beta: int | None = None) -> None:
    """Write a prepared .ptau for secrets tau, alpha, beta (fresh from `secrets` when not given).

    A one-party ceremony, for development, tests and benchmarks: whoever knows the secrets can
    forge proofs, and the file records no contribution (snarkjs's `powersoftau verify` rejects
    it; `groth16 setup` and zkl's `setup_from_ptau` accept it).  The Lagrange sections are the
    ones `snarkjs powersoftau prepare phase2` would compute, including its last tauG1 block
    made without [tau^(2N-1)]_1.
    """
    from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, fixed_base_mul_g1, fixed_base_mul_g2
    from zkl.algebra.field import Fr

    if not isinstance(power, int) or not 1 <= power <= 24:
        raise MalformedInput(f"power must be an int in [1, 24], not {power!r}")
    secret = [v if v is not None else 1 + secrets.randbelow(R - 1) for v in (tau, alpha, beta)]
    if not all(isinstance(v, int) and 0 < v < R for v in secret):
        raise MalformedInput("tau, alpha and beta must be ints in [1, r)")
    tau, alpha, beta = secret
    n = 1 << power
    powers = _powers(tau, 2 * n - 1)
    lagrange = [_lagrange_block(tau, p, p == power + 1) for p in range(power + 2)]
    lag = Fr.concatenate(lagrange[: power + 1])
    g1_scalars = Fr.concatenate([powers, powers[:n] * alpha, powers[:n] * beta, Fr.concatenate(lagrange),
                                 lag * alpha, lag * beta])
    g1 = fixed_base_mul_g1(G1_GENERATOR, g1_scalars.limbs())
    g2 = fixed_base_mul_g2(G2_GENERATOR, Fr.concatenate([powers[:n], lag, Fr.array([beta])]).limbs())
    cuts1 = np.cumsum([2 * n - 1, n, n, 4 * n - 1, 2 * n - 1])
    tau_g1, alpha_g1, beta_g1, lag_tau_g1, lag_alpha_g1, lag_beta_g1 = np.split(g1, cuts1)
    tau_g2, lag_tau_g2, beta_g2 = np.split(g2, [n, 3 * n - 1])
    header = struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<II", power, power)
    sections = [(1, [header]), (2, [tau_g1]), (3, [tau_g2]), (4, [alpha_g1]), (5, [beta_g1]), (6, [beta_g2]),
                (7, [struct.pack("<I", 0)]), (12, [lag_tau_g1]), (13, [lag_tau_g2]), (14, [lag_alpha_g1]),
                (15, [lag_beta_g1])]
    write_binfile(path, MAGIC, 1, sections)
    for arr in (powers, lag, g1_scalars, *lagrange):
        arr._mont.fill(0)


def _powers(x: int, count: int):
    """Fr array of x^0 .. x^(count-1)."""
    from zkl.algebra.field import Fr
    from zkl.prover import _kernels

    out = np.empty((count, 4), dtype=np.uint64)
    one, step = Fr.array([1, x])._mont
    _kernels._powers(tuple(one), tuple(step), out)
    return Fr._wrap(out)


def _lagrange_block(tau: int, log_m: int, drop_top: bool):
    """[L_j(tau)] of the domain of size 2^log_m; with drop_top, minus the tau^(M-1) term (as snarkjs's last block)."""
    from zkl.algebra.ntt import domain

    m = 1 << log_m
    w = domain(log_m)
    x = _powers(w, m)
    c = (pow(tau, m, R) - 1) * pow(m, -1, R) % R
    out = x * (((x * -1) + tau).batch_inverse() * c)
    if drop_top:
        out = out - x * (pow(tau, m - 1, R) * pow(m, -1, R) % R)
    return out
