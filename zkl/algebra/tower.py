"""The BN254 extension tower as Python-int reference classes: Fq2, Fq6, Fq12.

    Fq2  = Fq[u]  / (u^2 + 1)
    Fq6  = Fq2[v] / (v^3 - ξ),  ξ = 9 + u
    Fq12 = Fq6[w] / (w^2 - v)

so w^6 = ξ.  An Fq12 element is written c0 + c1*w with c0, c1 in Fq6, an Fq6
element c0 + c1*v + c2*v^2 with coefficients in Fq2, an Fq2 element c0 + c1*u.
These classes are slow and obviously correct: the oracle of the numba kernels
in zkl/algebra/_kernels/fq12.py, and the type the pairing API returns.

py_ecc writes Fq12 as the single extension Fq[W]/(W^12 - 18 W^6 + 82).  Its W
is our w: with u = W^6 - 9 one gets u^2 + 1 = W^12 - 18 W^6 + 82 and
W^6 = ξ, and py_ecc's G2 twist (x, y) -> (x W^2, y W^3) is ours.  So
Σ_{i,j} c_ij v^j w^i = Σ_k a_k w^k with k = 2j + i, and each Fq2 coefficient
a_k = a + b u = (a - 9b) + b W^6 puts a - 9b at W^k and b at W^(k+6);
the tests apply that map and its inverse (tests/oracles/py_ecc_bridge.py).
"""

from __future__ import annotations

from typing import Any

from zkl.algebra.constants import Q, XI
from zkl.errors import NotInvertible


class Fq2:
    """c0 + c1*u in Fq[u]/(u^2 + 1), coefficients as Python ints mod q."""

    __slots__ = ("c0", "c1")

    def __init__(self, c0: int = 0, c1: int = 0) -> None:
        self.c0 = c0 % Q
        self.c1 = c1 % Q

    @classmethod
    def zero(cls) -> Fq2:
        """0."""
        return cls(0, 0)

    @classmethod
    def one(cls) -> Fq2:
        """1."""
        return cls(1, 0)

    def __add__(self, other: Fq2) -> Fq2:
        return Fq2(self.c0 + other.c0, self.c1 + other.c1)

    def __sub__(self, other: Fq2) -> Fq2:
        return Fq2(self.c0 - other.c0, self.c1 - other.c1)

    def __neg__(self) -> Fq2:
        return Fq2(-self.c0, -self.c1)

    def __mul__(self, other: Fq2 | int) -> Fq2:
        if isinstance(other, int):
            return Fq2(self.c0 * other, self.c1 * other)
        a0, a1, b0, b1 = self.c0, self.c1, other.c0, other.c1
        return Fq2(a0 * b0 - a1 * b1, a0 * b1 + a1 * b0)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fq2) and self.c0 == other.c0 and self.c1 == other.c1

    def __hash__(self) -> int:
        return hash((self.c0, self.c1))

    def __repr__(self) -> str:
        return f"Fq2({self.c0}, {self.c1})"

    def is_zero(self) -> bool:
        """self == 0."""
        return self.c0 == 0 and self.c1 == 0

    def conjugate(self) -> Fq2:
        """c0 - c1*u, which is also self^q."""
        return Fq2(self.c0, -self.c1)

    def inverse(self) -> Fq2:
        """self^-1; raises NotInvertible for zero."""
        norm = (self.c0 * self.c0 + self.c1 * self.c1) % Q
        if norm == 0:
            raise NotInvertible("Fq2 element must be nonzero to invert, not 0")
        n = pow(norm, -1, Q)
        return Fq2(self.c0 * n, -self.c1 * n)

    def mul_by_xi(self) -> Fq2:
        """self * (9 + u)."""
        return self * _XI

    def __pow__(self, e: int) -> Fq2:
        return _pow(self, e, Fq2.one())

    def frobenius(self, k: int = 1) -> Fq2:
        """self^(q^k)."""
        return self.conjugate() if k % 2 else Fq2(self.c0, self.c1)

    def to_ints(self) -> tuple[int, int]:
        """(c0, c1)."""
        return (self.c0, self.c1)


_XI = Fq2(*XI)


class Fq6:
    """c0 + c1*v + c2*v^2 in Fq2[v]/(v^3 - ξ)."""

    __slots__ = ("c0", "c1", "c2")

    def __init__(self, c0: Fq2 | None = None, c1: Fq2 | None = None, c2: Fq2 | None = None) -> None:
        self.c0 = c0 if c0 is not None else Fq2.zero()
        self.c1 = c1 if c1 is not None else Fq2.zero()
        self.c2 = c2 if c2 is not None else Fq2.zero()

    @classmethod
    def zero(cls) -> Fq6:
        """0."""
        return cls()

    @classmethod
    def one(cls) -> Fq6:
        """1."""
        return cls(Fq2.one())

    def __add__(self, other: Fq6) -> Fq6:
        return Fq6(self.c0 + other.c0, self.c1 + other.c1, self.c2 + other.c2)

    def __sub__(self, other: Fq6) -> Fq6:
        return Fq6(self.c0 - other.c0, self.c1 - other.c1, self.c2 - other.c2)

    def __neg__(self) -> Fq6:
        return Fq6(-self.c0, -self.c1, -self.c2)

    def __mul__(self, other: Fq6 | Fq2 | int) -> Fq6:
        if isinstance(other, (int, Fq2)):
            return Fq6(self.c0 * other, self.c1 * other, self.c2 * other)
        a, b = (self.c0, self.c1, self.c2), (other.c0, other.c1, other.c2)
        # schoolbook product, then v^3 = ξ, v^4 = ξ v
        d = [Fq2.zero() for _ in range(5)]
        for i in range(3):
            for j in range(3):
                d[i + j] = d[i + j] + a[i] * b[j]
        return Fq6(d[0] + d[3].mul_by_xi(), d[1] + d[4].mul_by_xi(), d[2])

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fq6) and (self.c0, self.c1, self.c2) == (other.c0, other.c1, other.c2)

    def __hash__(self) -> int:
        return hash((self.c0, self.c1, self.c2))

    def __repr__(self) -> str:
        return f"Fq6({self.c0!r}, {self.c1!r}, {self.c2!r})"

    def is_zero(self) -> bool:
        """self == 0."""
        return self.c0.is_zero() and self.c1.is_zero() and self.c2.is_zero()

    def mul_by_v(self) -> Fq6:
        """self * v."""
        return Fq6(self.c2.mul_by_xi(), self.c0, self.c1)

    def inverse(self) -> Fq6:
        """self^-1 via the norm to Fq2; raises NotInvertible for zero."""
        a0, a1, a2 = self.c0, self.c1, self.c2
        t0 = a0 * a0 - (a1 * a2).mul_by_xi()
        t1 = (a2 * a2).mul_by_xi() - a0 * a1
        t2 = a1 * a1 - a0 * a2
        norm = a0 * t0 + (a2 * t1 + a1 * t2).mul_by_xi()
        if norm.is_zero():
            raise NotInvertible("Fq6 element must be nonzero to invert, not 0")
        n = norm.inverse()
        return Fq6(t0 * n, t1 * n, t2 * n)

    def __pow__(self, e: int) -> Fq6:
        return _pow(self, e, Fq6.one())

    def frobenius(self, k: int = 1) -> Fq6:
        """self^(q^k): conjugate the coefficients k times and scale c_j by ξ^(j (q^k - 1)/3)."""
        k %= 6
        return Fq6(self.c0.frobenius(k), self.c1.frobenius(k) * _FROB6[k][1], self.c2.frobenius(k) * _FROB6[k][2])


class Fq12:
    """c0 + c1*w in Fq6[w]/(w^2 - v); the target group GT of the pairing lives here."""

    __slots__ = ("c0", "c1")

    def __init__(self, c0: Fq6 | None = None, c1: Fq6 | None = None) -> None:
        self.c0 = c0 if c0 is not None else Fq6.zero()
        self.c1 = c1 if c1 is not None else Fq6.zero()

    @classmethod
    def zero(cls) -> Fq12:
        """0."""
        return cls()

    @classmethod
    def one(cls) -> Fq12:
        """1."""
        return cls(Fq6.one())

    def __add__(self, other: Fq12) -> Fq12:
        return Fq12(self.c0 + other.c0, self.c1 + other.c1)

    def __sub__(self, other: Fq12) -> Fq12:
        return Fq12(self.c0 - other.c0, self.c1 - other.c1)

    def __neg__(self) -> Fq12:
        return Fq12(-self.c0, -self.c1)

    def __mul__(self, other: Fq12 | int) -> Fq12:
        if isinstance(other, int):
            return Fq12(self.c0 * other, self.c1 * other)
        a0, a1, b0, b1 = self.c0, self.c1, other.c0, other.c1
        return Fq12(a0 * b0 + (a1 * b1).mul_by_v(), a0 * b1 + a1 * b0)

    __rmul__ = __mul__

    def __truediv__(self, other: Fq12) -> Fq12:
        return self * other.inverse()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fq12) and self.c0 == other.c0 and self.c1 == other.c1

    def __hash__(self) -> int:
        return hash((self.c0, self.c1))

    def __repr__(self) -> str:
        return f"Fq12({self.c0!r}, {self.c1!r})"

    def is_zero(self) -> bool:
        """self == 0."""
        return self.c0.is_zero() and self.c1.is_zero()

    def is_one(self) -> bool:
        """self == 1."""
        return self == Fq12.one()

    def conjugate(self) -> Fq12:
        """c0 - c1*w = self^(q^6); the inverse of an element of the cyclotomic subgroup."""
        return Fq12(self.c0, -self.c1)

    def inverse(self) -> Fq12:
        """self^-1 = conj(self) / (c0^2 - v c1^2); raises NotInvertible for zero."""
        norm = self.c0 * self.c0 - (self.c1 * self.c1).mul_by_v()
        if norm.is_zero():
            raise NotInvertible("Fq12 element must be nonzero to invert, not 0")
        n = norm.inverse()
        return Fq12(self.c0 * n, -(self.c1 * n))

    def __pow__(self, e: int) -> Fq12:
        return _pow(self, e, Fq12.one())

    def frobenius(self, k: int = 1) -> Fq12:
        """self^(q^k): coefficient a_k of w^k becomes frob(a_k) * ξ^(k (q^k - 1)/6)."""
        k %= 12
        a = [c.frobenius(k) for c in self.fq2_coeffs()]
        return Fq12.from_fq2_coeffs([a[i] * _FROB12[k][i] for i in range(6)])

    def fq2_coeffs(self) -> list[Fq2]:
        """The six Fq2 coefficients a_0..a_5 of w^0..w^5 (a_k = c_ij with k = 2j + i)."""
        c0, c1 = self.c0, self.c1
        return [c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2]

    @classmethod
    def from_fq2_coeffs(cls, a: list[Fq2]) -> Fq12:
        """The element Σ a_k w^k from six Fq2 coefficients."""
        return cls(Fq6(a[0], a[2], a[4]), Fq6(a[1], a[3], a[5]))

    def to_ints(self) -> tuple[int, ...]:
        """The twelve Fq coefficients in tower order: c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1."""
        return tuple(x for c6 in (self.c0, self.c1) for c2 in (c6.c0, c6.c1, c6.c2) for x in (c2.c0, c2.c1))

    @classmethod
    def from_ints(cls, values: tuple[int, ...] | list[int]) -> Fq12:
        """Inverse of to_ints (twelve ints, reduced mod q)."""
        v = list(values)
        if len(v) != 12:
            raise ValueError(f"an Fq12 element needs 12 coefficients, not {len(v)}")
        f2 = [Fq2(v[2 * i], v[2 * i + 1]) for i in range(6)]
        return cls(Fq6(f2[0], f2[1], f2[2]), Fq6(f2[3], f2[4], f2[5]))


def _pow(x: Any, e: int, one: Any) -> Any:
    """x^e by square and multiply; a negative e inverts first."""
    if e < 0:
        x, e = x.inverse(), -e
    result = one
    for bit in bin(e)[2:]:
        result = result * result
        if bit == "1":
            result = result * x
    return result


def _frobenius_constants() -> tuple[list[list[Fq2]], list[list[Fq2]]]:
    """ξ^(j (q^k - 1)/3) for Fq6 (j < 3) and ξ^(i (q^k - 1)/6) for Fq12 (i < 6), k = 0..11."""
    frob6, frob12 = [], []
    for k in range(12):
        gamma = _XI ** (((Q**k - 1) // 6) % (Q * Q - 1))  # ξ has order dividing q^2 - 1
        powers = [Fq2.one()]
        for _ in range(5):
            powers.append(powers[-1] * gamma)
        frob12.append(powers)
        frob6.append([powers[0], powers[2], powers[4]])
    return frob6, frob12


_FROB6, _FROB12 = _frobenius_constants()


def frobenius_coefficient(k: int, i: int) -> Fq2:
    """ξ^(i (q^k - 1)/6), the factor of w^i in the q^k-power Frobenius of Fq12."""
    return _FROB12[k % 12][i]
