"""The BN254 prime fields Fq and Fr, and FieldArray: vectors of field elements backed by numba kernels.

`Fq` (the base field, coordinates of points) and `Fr` (the scalar field) are
the two `PrimeField` instances.  A `FieldArray` is a one-dimensional vector of
elements of one field; it holds an (n, 4) uint64 array of little-endian
64-bit limbs in Montgomery form, which never leaves zkl.algebra::

    >>> a = Fr.array([1, 2, 3])
    >>> (a * a + 1).to_ints()
    [2, 5, 10]
    >>> (a / 2)[1], Fr.inv(2) == (a / 2)[0]
    (1, True)

Constructors are the boundary and validate strictly: `Fr.array(ints)` wants
ints in [0, r), `Fr.from_limbs(limbs)` an (n, 4) uint64 array of normal-form
limbs below r; anything else raises a MalformedInput subclass naming the
first bad index.  Inside arithmetic a Python int operand is an element of the
prime subring, so it is reduced modulo p (`a * -1` is `-a`).  Binary
operations take two arrays of the same length, or broadcast an int or an array
of length 1; mixing Fq and Fr raises FieldMismatch.  Arrays are immutable:
every operation returns a new array (slices may share memory).

Montgomery access without copies, for zkl.algebra and the prover (the declared
exception to "Montgomery form never leaks": a .zkey holds Montgomery bytes):
`array.montgomery` is the (n, 4) C-contiguous Montgomery array and
`Fr.from_montgomery(mont)` wraps one (shape and dtype checked, values trusted).
Code that writes into `montgomery` must own the array.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numba
import numpy as np

from zkl.algebra._kernels import field_arrays as _k
from zkl.algebra.constants import FR_GENERATOR, FR_TWO_ADICITY, MONT_R, Q, Q_LIMBS, R, R_LIMBS, int_to_limbs
from zkl.algebra.limbs import (
    check_below,
    from_montgomery,
    ints_to_limbs,
    montgomery_to_ints,
    to_montgomery,
)
from zkl.errors import FieldElementOutOfRange, FieldMismatch, MalformedInput, NotInvertible, ShapeMismatch

__all__ = ["PrimeField", "FieldArray", "Fq", "Fr", "concatenate", "warmup"]

#: fewest rows per chunk before batch inversion, sums and dot products split work across threads
_MIN_CHUNK = 4096


def _as_int(value: object) -> int | None:
    """`value` as a Python int when it is an integer (bools excluded), else None."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return None


def _nchunks(n: int) -> int:
    """Number of parallel chunks for a reduction over n rows."""
    return max(1, min(numba.get_num_threads(), n // _MIN_CHUNK))


class PrimeField:
    """One of the two BN254 prime fields: its parameters, FieldArray constructors and scalar helpers."""

    __slots__ = ("name", "modulus", "generator", "two_adicity", "description", "_is_fr", "_one", "_r_inv")

    def __init__(self, name: str, modulus: int, generator: int, two_adicity: int, description: str) -> None:
        self.name = name
        #: the prime p (q for Fq, r for Fr)
        self.modulus = modulus
        #: a generator of the multiplicative group (a quadratic non-residue)
        self.generator = generator
        #: the largest s with 2^s dividing p - 1
        self.two_adicity = two_adicity
        #: what the modulus is called in error messages, e.g. "r (the scalar field modulus)"
        self.description = description
        self._is_fr = modulus == R
        self._one = ints_to_limbs([MONT_R % modulus])
        self._one.setflags(write=False)
        self._r_inv = pow(MONT_R, -1, modulus)

    @property
    def order(self) -> int:
        """Number of elements (the modulus)."""
        return self.modulus

    @property
    def bits(self) -> int:
        """Bit length of the modulus (254 for both fields)."""
        return self.modulus.bit_length()

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level Fq / Fr

    # ------------------------------------------------------------------ constructors

    def array(self, values: Iterable[int] | np.ndarray | FieldArray) -> FieldArray:
        """FieldArray of ints in [0, p) (a list, any iterable, or a 1-D NumPy integer array)."""
        what = f"{self.name} element"
        if isinstance(values, FieldArray):
            self._check_same(values)
            return values.copy()
        if isinstance(values, (str, bytes)) or _as_int(values) is not None or not isinstance(values, Iterable):
            raise ShapeMismatch(f"{self.name}.array expects an iterable of ints, not {type(values).__name__}")
        if isinstance(values, np.ndarray):
            if values.ndim != 1:
                raise ShapeMismatch(
                    f"{self.name}.array expects a 1-D array of ints, not shape {values.shape}"
                    f"{' (use from_limbs for (n, 4) limb arrays)' if values.ndim == 2 else ''}"
                )
            if values.dtype.kind in "iu":
                if values.dtype.kind == "i" and values.size and values.min() < 0:
                    i = int(np.argmax(values < 0))
                    raise FieldElementOutOfRange(f"{what} {i} must be in [0, {self.description}), not {values[i]}")
                limbs = np.zeros((values.shape[0], 4), dtype=np.uint64)
                limbs[:, 0] = values.astype(np.uint64)  # below 2^64 < p
                return FieldArray(self, to_montgomery(limbs, self.modulus))
            values = values.tolist()
        limbs = ints_to_limbs(values, self.modulus, what)
        return FieldArray(self, to_montgomery(limbs, self.modulus))

    def from_limbs(self, limbs: np.ndarray) -> FieldArray:
        """FieldArray of an (n, 4) uint64 array of normal-form little-endian limbs, each below p."""
        if not isinstance(limbs, np.ndarray) or limbs.dtype != np.uint64 or limbs.ndim != 2 or limbs.shape[1] != 4:
            given = (
                f"{limbs.dtype} array of shape {limbs.shape}" if isinstance(limbs, np.ndarray) else type(limbs).__name__
            )
            raise ShapeMismatch(f"{self.name} limbs must be a uint64 array of shape (n, 4), not {given}")
        check_below(limbs, self.modulus, f"{self.name} element")
        return FieldArray(self, to_montgomery(limbs, self.modulus))

    def random(self, n: int, rng: np.random.Generator | int | None = None) -> FieldArray:
        """n uniformly random elements from a NumPy Generator (or a seed; None: fresh entropy)."""
        n = self._check_size(n)
        if not isinstance(rng, np.random.Generator):
            if rng is not None and _as_int(rng) is None:
                raise TypeError(f"rng must be a numpy Generator, an int seed or None, not {type(rng).__name__}")
            rng = np.random.default_rng(rng)
        modulus = R_LIMBS if self._is_fr else Q_LIMBS
        top_mask = np.uint64((1 << (self.bits - 192)) - 1)
        limbs = np.empty((n, 4), dtype=np.uint64)
        todo = np.arange(n)
        while todo.size:  # rejection sampling below p from uniform 254-bit draws (accepts ~76%)
            draw = rng.integers(0, 1 << 64, size=(todo.size, 4), dtype=np.uint64)
            draw[:, 3] &= top_mask
            limbs[todo] = draw
            ok = np.empty(todo.size, dtype=np.bool_)
            _k._below(draw, modulus, ok)
            todo = todo[~ok]
        return FieldArray(self, to_montgomery(limbs, self.modulus))

    def zeros(self, n: int) -> FieldArray:
        """n zeros."""
        return FieldArray(self, np.zeros((self._check_size(n), 4), dtype=np.uint64))

    def ones(self, n: int) -> FieldArray:
        """n ones."""
        return FieldArray(self, np.repeat(self._one, self._check_size(n), axis=0))

    def full(self, n: int, value: int) -> FieldArray:
        """n copies of one int in [0, p)."""
        return FieldArray(self, np.repeat(self.array([value])._mont, self._check_size(n), axis=0))

    def concatenate(self, arrays: Sequence[FieldArray]) -> FieldArray:
        """One FieldArray of several of this field, end to end."""
        for a in arrays:
            if not isinstance(a, FieldArray):
                raise TypeError(f"{self.name}.concatenate expects FieldArrays, not {type(a).__name__}")
            self._check_same(a)
        if not arrays:
            return self.zeros(0)
        return FieldArray(self, np.concatenate([a._mont for a in arrays], axis=0))

    def from_montgomery(self, mont: np.ndarray) -> FieldArray:
        """FieldArray over an (n, 4) uint64 Montgomery array, no copy when C-contiguous; values trusted (< p)."""
        if not isinstance(mont, np.ndarray) or mont.dtype != np.uint64 or mont.ndim != 2 or mont.shape[1] != 4:
            given = f"{mont.dtype} array of shape {mont.shape}" if isinstance(mont, np.ndarray) else type(mont).__name__
            raise ShapeMismatch(f"{self.name} Montgomery array must be uint64 of shape (n, 4), not {given}")
        return FieldArray(self, np.ascontiguousarray(mont))

    #: the former internal name of from_montgomery, still used by zkl/prover/ptau.py and the field benchmark
    _wrap = from_montgomery

    # ------------------------------------------------------------------ scalar helpers on Python ints

    def inv(self, x: int) -> int:
        """x^-1 mod p for an int x (reduced mod p); NotInvertible for x = 0 mod p."""
        x = self._scalar(x, "x")
        if x == 0:
            raise NotInvertible(f"{self.name}.inv expects a nonzero element, not 0 (mod p)")
        return pow(x, -1, self.modulus)

    def is_square(self, x: int) -> bool:
        """True when x (reduced mod p) is a square in the field (0 is)."""
        x = self._scalar(x, "x")
        return x == 0 or pow(x, (self.modulus - 1) // 2, self.modulus) == 1

    def sqrt(self, x: int) -> int:
        """The smaller square root s <= p - s of x (reduced mod p); MalformedInput when x is not a square."""
        x = self._scalar(x, "x")
        p = self.modulus
        if not self.is_square(x):
            raise MalformedInput(f"{self.name}.sqrt expects a square, not {x} (a quadratic non-residue)")
        if p % 4 == 3:
            s = pow(x, (p + 1) // 4, p)
        else:  # Tonelli-Shanks on Python ints
            s_adic, t = self.two_adicity, (p - 1) >> self.two_adicity
            z, c = pow(self.generator, t, p), s_adic
            root, t_x = pow(x, (t + 1) // 2, p), pow(x, t, p)
            while t_x not in (0, 1):
                k, t2 = 0, t_x
                while t2 != 1:
                    t2, k = t2 * t2 % p, k + 1
                b = pow(z, 1 << (c - k - 1), p)
                z, c = b * b % p, k
                t_x, root = t_x * z % p, root * b % p
            s = root
        return min(s, p - s)

    def root_of_unity(self, log_n: int) -> int:
        """A primitive 2^log_n-th root of unity, generator^((p-1) / 2^log_n), for 0 <= log_n <= two_adicity."""
        k = _as_int(log_n)
        if k is None or not 0 <= k <= self.two_adicity:
            raise MalformedInput(f"log_n must be an int in [0, {self.two_adicity}] for {self.name}, not {log_n!r}")
        return pow(self.generator, (self.modulus - 1) >> k, self.modulus)

    # ------------------------------------------------------------------ helpers

    def _scalar(self, x: object, what: str) -> int:
        value = _as_int(x)
        if value is None:
            raise TypeError(f"{what} must be an int, not {type(x).__name__}")
        return value % self.modulus

    def _scalar_mont(self, x: int) -> np.ndarray:
        """(1, 4) Montgomery limbs of an int reduced mod p."""
        return ints_to_limbs([x % self.modulus * MONT_R % self.modulus])

    def _check_same(self, other: FieldArray) -> None:
        if other._field is not self:
            raise FieldMismatch(f"expected an {self.name} array, not an {other._field.name} array")

    def _check_size(self, n: object) -> int:
        size = _as_int(n)
        if size is None or size < 0:
            raise MalformedInput(f"size must be a non-negative int, not {n!r}")
        return size


Fq = PrimeField("Fq", Q, 3, 1, "q (the base field modulus)")
Fr = PrimeField("Fr", R, FR_GENERATOR, FR_TWO_ADICITY, "r (the scalar field modulus)")
_FIELDS = {"Fq": Fq, "Fr": Fr}

class FieldArray:
    """A vector of elements of Fq or Fr (Montgomery limbs inside); build one with Fr.array, Fr.random, ..."""

    __slots__ = ("_field", "_mont")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, field: PrimeField, mont: np.ndarray) -> None:
        """Internal: use the field's constructors (Fr.array, Fr.from_limbs, Fr.from_montgomery)."""
        self._field = field
        #: internal: (n, 4) C-contiguous uint64 Montgomery limbs
        self._mont = mont

    # ------------------------------------------------------------------ container protocol

    @property
    def field(self) -> PrimeField:
        """Fq or Fr."""
        return self._field

    @property
    def montgomery(self) -> np.ndarray:
        """The (n, 4) C-contiguous uint64 Montgomery limbs, not a copy (write only into arrays you own)."""
        return self._mont

    @property
    def shape(self) -> tuple[int]:
        """(n,)."""
        return (self._mont.shape[0],)

    def __len__(self) -> int:
        return self._mont.shape[0]

    def __getitem__(self, key: int | slice | np.ndarray | Sequence[int]) -> int | FieldArray:
        """An int index gives a Python int; a slice, an index array or a boolean mask gives a FieldArray."""
        index = _as_int(key)
        if index is not None:
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"index {index} is out of range for an {self._field.name} array of length {n}")
            row = self._mont[index].astype("<u8", copy=False).tobytes()
            return int.from_bytes(row, "little") * self._field._r_inv % self._field.modulus
        if isinstance(key, tuple):
            raise IndexError(f"an {self._field.name} array is one-dimensional; index it with one key, not {key!r}")
        return FieldArray(self._field, np.ascontiguousarray(self._mont[key]))

    def __iter__(self):
        return iter(self.to_ints())

    def __repr__(self) -> str:
        n = len(self)
        if n <= 6:
            return f"{self._field.name}.array({self.to_ints()})"
        head = ", ".join(map(str, self[:3].to_ints()))
        tail = ", ".join(map(str, self[-2:].to_ints()))
        return f"{self._field.name}.array([{head}, ..., {tail}]) (length {n})"

    def __reduce__(self):
        return (_rebuild, (self._field.name, self._mont))

    def to_ints(self) -> list[int]:
        """The elements as Python ints in [0, p)."""
        return montgomery_to_ints(self._mont, self._field.modulus)

    def tolist(self) -> list[int]:
        """Same as to_ints (NumPy's name)."""
        return self.to_ints()

    def limbs(self) -> np.ndarray:
        """A new (n, 4) uint64 array of the elements in normal form (little-endian limbs)."""
        return from_montgomery(self._mont, self._field.modulus)

    def copy(self) -> FieldArray:
        """A copy that shares no memory."""
        return FieldArray(self._field, self._mont.copy())

    def concatenate(self, *others: FieldArray) -> FieldArray:
        """This array followed by others."""
        return self._field.concatenate([self, *others])

    # ------------------------------------------------------------------ arithmetic

    def _operand(self, other: object, op: str) -> np.ndarray | None:
        """Montgomery rows of the other operand (same length, or one row to broadcast), None if unsupported."""
        if isinstance(other, FieldArray):
            if other._field is not self._field:
                raise FieldMismatch(
                    f"{op} expects two {self._field.name} operands, not {self._field.name} and {other._field.name}"
                )
            if len(other) != len(self) and len(other) != 1 and len(self) != 1:
                raise ShapeMismatch(
                    f"{op} expects arrays of equal length (or length 1), not {len(self)} and {len(other)}"
                )
            return other._mont
        value = _as_int(other)
        if value is None:
            return None
        return self._field._scalar_mont(value)

    def _binary(self, kernel, a: np.ndarray, b: np.ndarray) -> FieldArray:
        n = len(a) if len(b) == 1 else len(b)
        out = np.empty((n, 4), dtype=np.uint64)
        kernel(a, b, out, self._field._is_fr)
        return FieldArray(self._field, out)

    def _unary(self, kernel) -> FieldArray:
        out = np.empty_like(self._mont)
        kernel(self._mont, out, self._field._is_fr)
        return FieldArray(self._field, out)

    def __add__(self, other: FieldArray | int) -> FieldArray:
        b = self._operand(other, "+")
        return NotImplemented if b is None else self._binary(_k._add, self._mont, b)

    __radd__ = __add__

    def __sub__(self, other: FieldArray | int) -> FieldArray:
        b = self._operand(other, "-")
        return NotImplemented if b is None else self._binary(_k._sub, self._mont, b)

    def __rsub__(self, other: FieldArray | int) -> FieldArray:
        b = self._operand(other, "-")
        return NotImplemented if b is None else self._binary(_k._sub, b, self._mont)

    def __mul__(self, other: FieldArray | int) -> FieldArray:
        b = self._operand(other, "*")
        return NotImplemented if b is None else self._binary(_k._mul, self._mont, b)

    __rmul__ = __mul__

    def __truediv__(self, other: FieldArray | int) -> FieldArray:
        if isinstance(other, FieldArray):
            self._operand(other, "/")  # field and length checks before the inversion
            return self * other.inverse()
        value = _as_int(other)
        if value is None:
            return NotImplemented
        return self * self._field.inv(value)

    def __rtruediv__(self, other: FieldArray | int) -> FieldArray:
        value = _as_int(other)
        if value is None:
            return NotImplemented
        return self.inverse() * value

    def __neg__(self) -> FieldArray:
        return self._unary(_k._neg)

    def __pos__(self) -> FieldArray:
        return self

    def __pow__(self, exponent: int, modulo: None = None) -> FieldArray:
        """Elementwise power by one int exponent; a negative exponent inverts first (zero raises)."""
        e = _as_int(exponent)
        if e is None or modulo is not None:
            return NotImplemented
        base = self.inverse() if e < 0 else self
        e = abs(e)
        if e == 0:
            return self._field.ones(len(self))
        if e == 1:
            return base if base is not self else self.copy()
        if e == 2:
            return base.square()
        p = self._field.modulus
        e = e % (p - 1) or p - 1  # Fermat; p - 1 (not 0) keeps 0^e = 0
        out = np.empty_like(base._mont)
        _k._pow(base._mont, int_to_limbs(e), out, self._field._is_fr)
        return FieldArray(self._field, out)

    def square(self) -> FieldArray:
        """Elementwise square."""
        return self._unary(_k._sqr)

    def inverse(self) -> FieldArray:
        """Elementwise inverse (Montgomery's trick); NotInvertible naming the first zero."""
        return self.batch_inverse()

    def batch_inverse(self, skip_zeros: bool = False) -> FieldArray:
        """Elementwise inverse, one inversion per thread chunk; zeros raise NotInvertible, or map to 0 with skip_zeros."""
        if not skip_zeros:
            i = int(_k._first_zero(self._mont))
            if i >= 0:
                raise NotInvertible(f"{self._field.name} element {i} must be nonzero to invert, not 0")
        out = np.empty_like(self._mont)
        _k._batch_inverse(self._mont, out, _nchunks(len(self)), self._field._is_fr)
        return FieldArray(self._field, out)

    def is_square(self) -> np.ndarray:
        """Boolean array: which elements are squares (zero is), by Euler's criterion."""
        out = np.empty(len(self), dtype=np.bool_)
        _k._is_square(self._mont, out, self._field._is_fr)
        return out

    def sqrt(self) -> FieldArray:
        """Elementwise smaller square root (s <= p - s); MalformedInput naming the first non-square."""
        out = np.empty_like(self._mont)
        ok = np.empty(len(self), dtype=np.bool_)
        _k._sqrt(self._mont, out, ok, self._field._is_fr)
        if not ok.all():
            i = int(np.argmin(ok))
            raise MalformedInput(
                f"{self._field.name} element {i} must be a square to have a square root, not {self[i]} (a non-residue)"
            )
        return FieldArray(self._field, out)

    def is_zero(self) -> np.ndarray:
        """Boolean array: which elements are zero."""
        return ~self._mont.any(axis=1)

    def sum(self) -> int:
        """Sum of the elements, as a Python int."""
        total = _k._sum(self._mont, _nchunks(len(self)), self._field._is_fr)
        return montgomery_to_ints(total, self._field.modulus)[0]

    def dot(self, other: FieldArray) -> int:
        """Inner product sum(self[i] * other[i]) of two arrays of equal length, as a Python int."""
        if not isinstance(other, FieldArray):
            raise TypeError(f"dot expects an {self._field.name} array, not {type(other).__name__}")
        self._operand(other, "dot")
        if len(other) != len(self):
            raise ShapeMismatch(f"dot expects arrays of equal length, not {len(self)} and {len(other)}")
        total = _k._dot(self._mont, other._mont, _nchunks(len(self)), self._field._is_fr)
        return montgomery_to_ints(total, self._field.modulus)[0]

    # ------------------------------------------------------------------ comparison

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Elementwise equality (an int is reduced mod p): a boolean array."""
        b = self._operand(other, "==")
        if b is None:
            return NotImplemented
        return np.all(self._mont == b, axis=1)  # Montgomery form is canonical

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Elementwise inequality: a boolean array."""
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else ~equal


def _rebuild(field_name: str, mont: np.ndarray) -> FieldArray:
    """Unpickle a FieldArray."""
    return _FIELDS[field_name].from_montgomery(mont)


def concatenate(arrays: Sequence[FieldArray]) -> FieldArray:
    """One FieldArray of several of the same field, end to end (at least one array)."""
    if not arrays:
        raise MalformedInput("concatenate expects at least one FieldArray, not an empty sequence")
    first = arrays[0]
    if not isinstance(first, FieldArray):
        raise TypeError(f"concatenate expects FieldArrays, not {type(first).__name__}")
    return first._field.concatenate(arrays)


def warmup() -> None:
    """Compile (or load from numba's disk cache) every field kernel, on two elements of each field."""
    for F in (Fq, Fr):
        a = F.array([4, 9])
        b = (a + a - 1) * a * 2
        (-b).square().inverse()
        (a ** 5).is_square()
        a.sqrt()
        a.sum()
        a.dot(b)
        F.random(2, 0)
