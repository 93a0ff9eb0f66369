"""Compiled witness solving: the solving steps of a circuit recorded once per shape, run by a numba kernel.

The interpreted Solver runs `define` in Python for every witness (about 2 us a wire). The
structure of a circuit never depends on its input values, so the steps that make each wire
are the same for every witness of a shape: `compile` records them beside the R1CS (`Recorder`,
a Builder that also writes the program), circom-style, and `run` replays them in a kernel
(zkl.circuits._program_kernels) over (n_wires, 4) normal-form limbs:

- ROW i, w, alone: wire w = (A_i.x) (B_i.x) - (C_i.x), x[w] still 0 (a `mul` or
  `mul_add`/`mul_sub` row, whose C holds w with coefficient one; alone = 1: C is w alone); an
  A or B of several terms that a later ROW uses again (Poseidon's S-box input is in three rows
  of its x^5) is computed once and kept in a register (`lc_regs`);
- CHECK i: an explicit constraint, checked after the wires are made (in parallel) and reported
  as the Solver reports it: the first failing one, with its label;
- a hint of a known function (inverse, division, bits, the alias check's runs, the ladder's
  scalar bits, identity, a b + c, a b - c) as one kernel step over linear combinations;
- any other hint: the kernel stops, Python calls the function on the values, and the kernel
  resumes after it.

The program holds what solving reads of the R1CS (`Rows`: the CSR rows of A, B and C, their
coefficients as 4-byte ids into one table of the distinct values), so a solve never loads the
R1CS itself (a quarter of its size: 1.1 GiB at 2.2 million constraints), only to word a
failed constraint. A program is stored as `$ZKL_CACHE_DIR/program/<key>.npz` (the R1CS cache's
key; arrays and a JSON header, hint functions by module and qualified name). A circuit that prints (`println`)
or calls a hint that cannot be named keeps the interpreted Solver; so do non-strict solves and
`hint_override` (the soundness tests' malicious provers).
"""

from __future__ import annotations

import importlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zkl._binfile import atomic_file
from zkl.circuits.builder import Builder, _terms
from zkl.circuits.field import R, ints_to_limbs, limbs_to_ints
from zkl.circuits.lincomb import LinComb, Variable
from zkl.circuits.r1cs import R1CS
from zkl.circuits.solver import hint_outputs
from zkl.errors import CircuitError, UnsatisfiedConstraint

FORMAT_VERSION = 3

# opcodes (ops rows are [code, a, b, c, d]); kept in step with zkl.circuits._program_kernels
ROW, CHECK, BITS, DIV, INV, RUN, COPY, MUL_ADD, MUL_SUB, PYTHON = range(10)

_MEMORY: OrderedDict[str, Program] = OrderedDict()
_MEMORY_SIZE = 8


def interned(*arrays: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """(the (k,) uint32 ids of each (k, 4) coefficient array, the (n, 4) table of their distinct values)."""
    from zkl.circuits import _program_kernels as _k

    seen = _k.coefficient_dict()
    ids = [_k.intern_coefficients(np.ascontiguousarray(a, dtype=np.uint64).reshape(-1, 4), seen) for a in arrays]
    return ids, _k.coefficient_table(seen)


@dataclass(frozen=True, eq=False)
class Rows:
    """The R1CS matrices as the solver reads them: per matrix A, B, C its CSR (indptr int64, indices
    int32, coefficient ids uint32), the ids into `table`, the distinct coefficients (normal form)."""

    a: tuple[np.ndarray, np.ndarray, np.ndarray]
    b: tuple[np.ndarray, np.ndarray, np.ndarray]
    c: tuple[np.ndarray, np.ndarray, np.ndarray]
    table: np.ndarray

    @classmethod
    def of(cls, r1cs: R1CS) -> Rows:
        """The rows of an R1CS (its index arrays shared, its coefficients interned)."""
        ids, table = interned(*(m.coeffs for m in r1cs.matrices))
        a, b, c = ((np.asarray(m.indptr, dtype=np.int64), np.asarray(m.indices, dtype=np.int32), cid)
                   for m, cid in zip(r1cs.matrices, ids))
        return cls(a, b, c, table)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(A's indptr, indices, ids, B's, C's, the table): the kernels' arguments."""
        return (*self.a, *self.b, *self.c, self.table)

    def check(self, n_wires: int, n_constraints: int) -> None:
        """Raise ValueError unless the arrays are consistent CSR rows of that shape (a stored program's)."""
        for ptr, idx, cid in (self.a, self.b, self.c):
            if ptr.shape != (n_constraints + 1,) or ptr[0] != 0 or int(ptr[-1]) != idx.shape[0] \
                    or cid.shape != idx.shape or np.any(ptr[1:] < ptr[:-1]):
                raise ValueError("inconsistent rows")
            if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n_wires or int(cid.max()) >= len(self.table)):
                raise ValueError("rows out of range")


@dataclass(eq=False)
class Program:
    """The recorded solving steps of one circuit shape (see the module docstring for the opcodes)."""

    ops: np.ndarray                 # int64 (n_ops, 5)
    lc_ptr: np.ndarray              # int64 (n_lcs + 1,): the linear combinations hints read
    lc_wires: np.ndarray            # int64 (nnz,)
    lc_cid: np.ndarray              # uint32 (nnz,): coefficient ids into lc_table
    lc_table: np.ndarray            # uint64 (t, 4): the distinct coefficients, normal form
    consts: np.ndarray              # uint64 (k, 4): integer offsets of BITS steps
    python_hints: list[tuple[Callable[..., Any], Any, int | None]]  # (fn, nested LC indices, n_outputs)
    n_wires: int
    n_constraints: int
    interpreted: bool = False       # println seen: solve with the Solver
    nameable: bool = True           # every Python hint can be imported by name: storable
    lc_regs: np.ndarray | None = None  # int64 (n_ops, 2): the ROW operands' registers (-1: none)
    rows: Rows | None = None        # the R1CS rows (None: taken from the R1CS given to `run`)
    checks: np.ndarray = field(init=False)
    n_regs: int = field(init=False)

    def __post_init__(self) -> None:
        self.checks = np.ascontiguousarray(self.ops[self.ops[:, 0] == CHECK, 1])
        if self.lc_regs is None:
            self.lc_regs = np.full((self.ops.shape[0], 2), -1, dtype=np.int64)
        self.n_regs = int(self.lc_regs.max(initial=-1) // 2 + 1)


class Recorder(Builder):
    """A Builder that also records the solving program of the circuit (`program()`)."""

    def __init__(self, input_names: list[str], n_public: int) -> None:
        super().__init__(input_names, n_public)
        self._ops: list[tuple[int, int, int, int, int]] = []
        self._lc_terms: list[dict[int, int]] = []
        self._consts: list[int] = []
        self._python: list[tuple[Callable[..., Any], Any, int | None]] = []
        self._prints = False
        self._nameable = True

    def mul(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        if more:  # Builder chains the products through self.mul, which records each
            return super().mul(a, b, *more)
        before = len(self._labels)
        out = super().mul(a, b)
        if len(self._labels) > before:
            self._ops.append((ROW, before, len(self._names) - 1, 1, 0))
        return out

    def _product_wire(self, a: LinComb, b: LinComb, rest: dict[int, int], label: str) -> LinComb:
        out = super()._product_wire(a, b, rest, label)
        self._ops.append((ROW, len(self._labels) - 1, len(self._names) - 1, 0, 0))
        return out

    def constraint(self, a: Variable, b: Variable, c: Variable, label: str = "constraint") -> None:
        before = len(self._labels)
        super().constraint(a, b, c, label)
        if len(self._labels) > before:
            self._ops.append((CHECK, before, 0, 0, 0))

    def hint(self, fn: Callable[..., Any], *inputs: Any, n_outputs: int | None = None) -> Any:
        out_wire = len(self._names)
        out = super().hint(fn, *inputs, n_outputs=n_outputs)
        k = 1 if n_outputs is None else n_outputs
        step = _known_step(self, fn, inputs, k, n_outputs)
        if step is None:
            self._nameable = self._nameable and _name_of(fn) is not None
            self._python.append((fn, self._nested(inputs), n_outputs))
            step = (PYTHON, len(self._python) - 1, k, 0)
        code, a, c, d = step
        self._ops.append((code, a, out_wire, c, d))
        return out

    def println(self, *args: Any) -> None:
        self._prints = True

    def lc(self, x: Any) -> int:
        """Return the index of a new linear combination of the table holding variable or constant x."""
        self._lc_terms.append(_terms(x))
        return len(self._lc_terms) - 1

    def const(self, value: int) -> int:
        """Return the index of an integer constant (an offset of a BITS step)."""
        self._consts.append(value)
        return len(self._consts) - 1

    def _nested(self, x: Any) -> Any:
        """The hint inputs as nested lists of LC indices."""
        if isinstance(x, (list, tuple)):
            return [self._nested(y) for y in x]
        return self.lc(x)

    def program(self, r1cs: R1CS | None = None) -> Program:
        """Return the recorded program (call after `finish`; with its R1CS, the program carries its rows and
        shared operands get registers)."""
        counts = np.fromiter(map(len, self._lc_terms), dtype=np.int64, count=len(self._lc_terms))
        ptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        wires = np.fromiter((w for t in self._lc_terms for w in t), dtype=np.int64, count=int(ptr[-1]))
        (cid,), table = interned(ints_to_limbs([c for t in self._lc_terms for c in t.values()]).reshape(-1, 4))
        ops = np.array(self._ops, dtype=np.int64).reshape(-1, 5)
        consts = ints_to_limbs(self._consts).reshape(-1, 4)
        regs = rows = None
        if r1cs is not None:
            from zkl.circuits import _program_kernels as _k

            rows = Rows.of(r1cs)
            regs = _k.lc_registers(ops, *rows.a, *rows.b)[0]
        return Program(ops, ptr, wires, cid, table, consts, list(self._python), len(self._names), len(self._labels),
                       interpreted=self._prints, nameable=self._nameable, lc_regs=regs, rows=rows)


def _int_arg(x: Any) -> int | None:
    return x if type(x) is int else None


def _known_step(rec: Recorder, fn: Callable[..., Any], inputs: tuple, k: int,
                n_outputs: int | None) -> tuple[int, int, int, int] | None:
    """(code, a, c, d) of a hint the kernel computes itself (its step is [code, a, out, c, d]), or None."""
    from zkl.circuits.std import arith, babyjubjub, bits

    def scalars(n: int) -> bool:
        return len(inputs) == n and not any(isinstance(x, (list, tuple)) for x in inputs)

    single = n_outputs is None
    if fn is bits.bits_hint and len(inputs) == 2 and _int_arg(inputs[1]) == k and not isinstance(inputs[0], list):
        return BITS, rec.lc(inputs[0]), k, -1
    if fn is babyjubjub.ladder_scalar_hint and scalars(1) and k == babyjubjub._LADDER_BITS + 1:
        return BITS, rec.lc(inputs[0]), k, rec.const(babyjubjub._Z_LOW)
    if fn is arith.inverse_hint and scalars(1) and single:
        return INV, rec.lc(inputs[0]), 0, 0
    if fn is arith.identity_hint and scalars(1) and single:
        return COPY, rec.lc(inputs[0]), 0, 0
    if fn is arith.div_hint and scalars(2) and single:
        a = rec.lc(inputs[0])
        return DIV, a, rec.lc(inputs[1]), 0
    if fn is bits.run_hint and scalars(2) and k == 2:
        p = rec.lc(inputs[0])
        return RUN, p, rec.lc(inputs[1]), 0
    if fn in (arith.mul_add_hint, arith.mul_sub_hint, babyjubjub.product_minus_hint) and scalars(3) and single:
        a = rec.lc(inputs[0])
        b = rec.lc(inputs[1])
        return (MUL_ADD if fn is arith.mul_add_hint else MUL_SUB), a, b, rec.lc(inputs[2])
    return None


def _name_of(fn: Callable[..., Any]) -> str | None:
    """'module:qualname' of a function importable by that name, else None."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    try:
        return f"{module}:{qualname}" if _load_name(f"{module}:{qualname}") is fn else None
    except Exception:
        return None


def _load_name(name: str) -> Any:
    module, qualname = name.split(":", 1)
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


# ----------------------------------------------------------------------------- the cache


_ROW_ARRAYS = ("a_ptr", "a_idx", "a_cid", "b_ptr", "b_idx", "b_cid", "c_ptr", "c_idx", "c_cid", "row_table")


def _path(key: str) -> Path:
    from zkl.circuits.cache import cache_dir

    return cache_dir() / "program" / f"{key}.npz"


def remember(key: str, program: Program) -> None:
    """Keep a program in memory and, when every hint is nameable, on disk (atomically)."""
    _MEMORY[key] = program
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_SIZE:
        _MEMORY.popitem(last=False)
    if not program.nameable:
        return
    meta = {"format": FORMAT_VERSION, "n_wires": program.n_wires, "n_constraints": program.n_constraints,
            "interpreted": program.interpreted,
            "python": [[_name_of(fn), args, k] for fn, args, k in program.python_hints]}
    try:
        _path(key).parent.mkdir(parents=True, exist_ok=True)
        rows = {} if program.rows is None else dict(zip(_ROW_ARRAYS, program.rows.arrays()))
        with atomic_file(_path(key)) as f:
            np.savez(f, ops=program.ops, lc_regs=program.lc_regs, lc_ptr=program.lc_ptr, lc_wires=program.lc_wires,
                     lc_cid=program.lc_cid, lc_table=program.lc_table, consts=program.consts, **rows,
                     meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    except OSError:
        return  # an unwritable cache only costs speed


def load(key: str) -> Program | None:
    """Return the program stored for key (memory, then disk), or None."""
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    path = _path(key)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if meta.get("format") != FORMAT_VERSION or z["lc_regs"].shape != (z["ops"].shape[0], 2):
                return None
            hints = [(_load_name(name), args, k) for name, args, k in meta["python"]]
            rows = None
            if all(name in z.files for name in _ROW_ARRAYS):
                arrays = [z[name] for name in _ROW_ARRAYS]
                rows = Rows(tuple(arrays[0:3]), tuple(arrays[3:6]), tuple(arrays[6:9]), arrays[9])
                rows.check(meta["n_wires"], meta["n_constraints"])
            program = Program(z["ops"], z["lc_ptr"], z["lc_wires"], z["lc_cid"], z["lc_table"], z["consts"], hints,
                              meta["n_wires"], meta["n_constraints"], interpreted=meta["interpreted"],
                              lc_regs=z["lc_regs"], rows=rows)
    except Exception:  # a corrupt, foreign or stale entry is a miss
        return None
    _MEMORY[key] = program
    return program


def clear_memory() -> None:
    """Forget the in-memory programs (the disk cache stays)."""
    _MEMORY.clear()


# ----------------------------------------------------------------------------- running


def run(program: Program, r1cs: R1CS | Callable[[], R1CS],
        inputs: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the (n_wires, 4) normal-form witness of the input values [1, public..., secret...], and
    the (m, 4) arrays (A.w)/R and (B.w)/R per constraint (made on the way; the prover's QAP starts there).

    r1cs: the R1CS of the program's shape, or a function returning it (called only when the program
    has no rows of its own, or to word a failed constraint). Raises UnsatisfiedConstraint at the first
    explicit constraint that fails (as the Solver)."""
    from zkl.circuits import _program_kernels as _k

    known = r1cs if isinstance(r1cs, R1CS) else None
    if known is not None and (program.n_wires != known.n_wires or program.n_constraints != known.n_constraints):
        raise CircuitError(f"the solving program ({program.n_wires} wires, {program.n_constraints} constraints) "
                           f"is not the one of the R1CS ({known.n_wires} wires, {known.n_constraints} constraints)")

    def the_r1cs() -> R1CS:
        return known if known is not None else r1cs()  # type: ignore[operator]

    rows = program.rows if program.rows is not None else Rows.of(the_r1cs())
    x = np.zeros((program.n_wires, 4), dtype=np.uint64)
    x[: len(inputs)] = ints_to_limbs(inputs)
    az = np.empty((program.n_constraints, 4), dtype=np.uint64)
    bz = np.empty_like(az)
    matrices = rows.arrays()
    table = (program.lc_ptr, program.lc_wires, program.lc_cid, program.lc_table)
    t = np.empty((program.n_regs, 4), dtype=np.uint64)
    start, n_ops = 0, program.ops.shape[0]
    while start < n_ops:
        stop = int(_k.run_steps(program.ops, program.lc_regs, start, *matrices, *table, program.consts, x, az, bz, t))
        if stop >= n_ops:
            break
        _python_step(program, int(program.ops[stop, 1]), int(program.ops[stop, 2]), int(program.ops[stop, 3]), x)
        start = stop + 1
    if program.checks.shape[0]:
        first = int(_k.first_failing_check(program.checks, *matrices, x, az, bz))
        if first >= 0:
            full = the_r1cs()
            raise UnsatisfiedConstraint(first, full.label(first), _detail(full, first, x))
    return x, az, bz


def _lc_value(program: Program, i: int, x: np.ndarray) -> int:
    lo, hi = int(program.lc_ptr[i]), int(program.lc_ptr[i + 1])
    coeffs = limbs_to_ints(program.lc_table[program.lc_cid[lo:hi]])
    values = limbs_to_ints(x[program.lc_wires[lo:hi]])
    return sum(c * v for c, v in zip(coeffs, values)) % R


def _python_step(program: Program, index: int, out_wire: int, k: int, x: np.ndarray) -> None:
    """Run a Python hint on the values of its inputs and write its outputs from out_wire."""
    fn, args, n_outputs = program.python_hints[index]

    def values(a: Any) -> Any:
        return [values(y) for y in a] if isinstance(a, list) else _lc_value(program, a, x)

    out = fn(*values(args))
    out = hint_outputs(fn, [out] if n_outputs is None else list(out), k)
    if k:
        x[out_wire: out_wire + k] = ints_to_limbs(out)


def _detail(r1cs: R1CS, i: int, x: np.ndarray) -> str:
    """'a * b != c' for row i, as the Solver words a failed constraint."""
    va, vb, vc = (sum(c * v for c, v in zip(row.values(), limbs_to_ints(x[list(row)]))) % R if row else 0
                  for row in (m.row(i) for m in r1cs.matrices))
    return f"{va} * {vb} != {vc}"


def warmup() -> None:
    """Compile (or load from numba's disk cache) the solving kernels, for `zkl warmup`."""
    from zkl.circuits import _program_kernels as _k

    ptr = np.array([0, 1], dtype=np.int64)
    idx = np.array([1], dtype=np.int32)
    cid = np.zeros(1, dtype=np.uint32)
    one = np.array([[1, 0, 0, 0]], dtype=np.uint64)
    x = np.array([[1, 0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]], dtype=np.uint64)
    ops = np.array([[ROW, 0, 2, 1, 0], [CHECK, 0, 0, 0, 0]], dtype=np.int64)
    matrices = (ptr, idx, cid, ptr, idx, cid, ptr, idx, cid, one)
    az, bz = np.empty((1, 4), dtype=np.uint64), np.empty((1, 4), dtype=np.uint64)
    regs, n_regs = _k.lc_registers(ops, *matrices[:6])
    _k.run_steps(ops, regs, 0, *matrices, ptr, idx.astype(np.int64), cid, one, one, x, az, bz,
                 np.empty((n_regs, 4), dtype=np.uint64))
    _k.first_failing_check(np.zeros(1, dtype=np.int64), *matrices, x, az, bz)
    interned(one, one)
