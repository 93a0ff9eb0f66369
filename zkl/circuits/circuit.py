"""Circuits as classes: declared inputs, parameters, `define(self, api)`; compile and solve.

    class Mul(Circuit):
        x = Public()          # a public input
        y = Secret()          # a secret input; Secret(n) or Secret((n, m)) for arrays

        def define(self, api):
            api.assert_equal(api.mul(self.y, self.y), self.x)

    r1cs = compile(Mul())                   # cached on disk per class, parameters and code
    witness = solve(Mul(), {"x": 9, "y": 3})

Parameters are the `__init__` arguments (`Chain(n=256)`); `__init__` may also declare inputs
whose shape depends on them (`self.path = Secret(depth)`). Inputs are laid out in circom's
order: after the constant one, every public input in declaration order, then every secret
one; arrays flattened row-major. `define` sees each input as a variable (arrays as nested
lists of variables).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from zkl.circuits import cache as _cache
from zkl.circuits import program as _program
from zkl.circuits.field import check_element
from zkl.circuits.r1cs import R1CS
from zkl.circuits.solver import HintOverride, Solver
from zkl.circuits.witness import Witness
from zkl.errors import CircuitError, MalformedInput, ShapeMismatch


class Input:
    """A declared circuit input of a given shape (() for a scalar); see Public and Secret."""

    public: bool = False

    def __init__(self, shape: int | tuple[int, ...] | None = None) -> None:
        if shape is None:
            shape = ()
        elif isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (int(shape),)
        if not isinstance(shape, tuple) or not all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape):
            raise CircuitError(f"an input shape must be None, a size or a tuple of sizes >= 0, not {shape!r}")
        self.shape: tuple[int, ...] = tuple(int(n) for n in shape)

    @property
    def size(self) -> int:
        """Number of wires (product of the shape)."""
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.shape if self.shape else ''})"


class Public(Input):
    """A public input: part of the statement the verifier sees."""

    public = True


class Secret(Input):
    """A secret input: known to the prover only."""

    public = False


def _bind_params(cls: type, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Return the arguments of cls.__init__ by name, defaults applied."""
    init = cls.__init__
    if init is object.__init__:
        return {}
    try:
        bound = inspect.signature(init).bind(None, *args, **kwargs)
    except TypeError:
        return {}  # __init__ itself will raise the proper error
    bound.apply_defaults()
    params: dict[str, Any] = {}
    for i, (name, value) in enumerate(bound.arguments.items()):
        if i == 0:
            continue
        kind = inspect.signature(init).parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            params.update(value)
        else:
            params[name] = value
    return params


class Circuit:
    """Base class of circuits: declare Public/Secret inputs, take parameters in __init__, and
    write `define(self, api)` with the methods of `zkl.circuits.api.API`."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Circuit:
        self = super().__new__(cls)
        self._params = _bind_params(cls, args, kwargs)
        return self

    def define(self, api: Any) -> None:
        """Constrain the inputs (override in subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define define(self, api)")

    def params(self) -> dict[str, Any]:
        """Return the circuit's parameters (its __init__ arguments): part of its cache key."""
        return dict(getattr(self, "_params", {}))

    def inputs(self) -> list[tuple[str, Input]]:
        """Return the declared inputs as (name, declaration): public ones first, then secret ones."""
        found: dict[str, Input] = {}
        for space in [vars(k) for k in reversed(type(self).__mro__)] + [vars(self)]:
            for name, value in space.items():
                if isinstance(value, Input):
                    found[name] = value
                elif name in found:
                    del found[name]
        items = list(found.items())
        return [it for it in items if it[1].public] + [it for it in items if not it[1].public]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def compile(self, *, cache: bool = True) -> R1CS:
        """Return the R1CS of this circuit (see zkl.circuits.compile)."""
        return compile(self, cache=cache)

    def solve(self, assignment: Mapping[str, Any] | None = None, /, **values: Any) -> Witness:
        """Return the witness for input values given as a mapping and/or keywords (strict)."""
        return solve(self, {**(assignment or {}), **values})


def input_names(circuit: Circuit) -> list[str]:
    """Return the name of every input wire in order ('x', 'y[0]', 'm[1][2]', ...)."""
    names: list[str] = []
    for name, decl in circuit.inputs():
        if not decl.shape:
            names.append(name)
        else:
            names.extend(name + "".join(f"[{i}]" for i in idx) for idx in np.ndindex(*decl.shape))
    return names


def _nest(flat: list, shape: tuple[int, ...]) -> Any:
    """Return a flat list as nested lists of the given shape (a scalar for shape ())."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _run(circuit: Circuit, api: _program.Recorder | Solver) -> None:
    """Run define on a copy of the circuit whose inputs are the api's input variables."""
    clone = object.__new__(type(circuit))
    clone.__dict__.update(circuit.__dict__)
    wire = 1
    for name, decl in circuit.inputs():
        flat = [api.input(wire + i) for i in range(decl.size)]
        wire += decl.size
        setattr(clone, name, _nest(flat, decl.shape))
    clone.define(api)


def _assignment_values(circuit: Circuit, assignment: Mapping[str, Any]) -> list[int]:
    """Return the input values in wire order, validated (names, shapes, range [0, r))."""
    declared = circuit.inputs()
    names = [n for n, _ in declared]
    unknown = sorted(set(assignment) - set(names))
    if unknown:
        raise MalformedInput(f"unknown input {unknown[0]!r}; {type(circuit).__name__} declares {', '.join(names)}")
    values: list[int] = []
    for name, decl in declared:
        if name not in assignment:
            raise MalformedInput(f"missing a value for input {name!r} of {type(circuit).__name__}")
        value = assignment[name]
        if not decl.shape:
            values.append(check_element(value, name))
            continue
        arr = np.empty(0, dtype=object)
        try:
            arr = np.array(value, dtype=object)
        except ValueError:
            pass
        if arr.shape != decl.shape:
            raise ShapeMismatch(f"input {name!r} must have shape {decl.shape}, not {np.shape(arr)}")
        values.extend(check_element(v, f"{name}{list(idx)}") for idx, v in np.ndenumerate(arr))
    return values


def compile(circuit: Circuit, *, cache: bool = True, apart: bool = False) -> R1CS:
    """Return the R1CS of a circuit, from the cache when this shape was compiled before.

    apart=True: a cacheable circuit not in the cache is compiled in a child process, and its R1CS then
    read from the cache: the compile's Python objects (about three times the R1CS: 2.7 GiB for a batch
    of 64), which CPython's allocator keeps after they are freed, never enter a long-lived process.
    """
    if not isinstance(circuit, Circuit):
        raise CircuitError(f"expected a Circuit instance, not {type(circuit).__name__}")
    key = _cache.cache_key(circuit) if cache else None
    if key is not None:
        hit = _cache.load(key)
        if hit is not None:
            return hit
        if apart and _record_apart(circuit, key):
            hit = _cache.load(key)
            if hit is not None:
                return hit
    return _record(circuit, key)[0]


#: what the child of `compile(..., apart=True)` runs: argv module, qualname, JSON parameters
_CHILD = """
import importlib, json, sys
obj = importlib.import_module(sys.argv[1])
for part in sys.argv[2].split("."):
    obj = getattr(obj, part)
from zkl.circuits.circuit import compile
compile(obj(**json.loads(sys.argv[3])))
"""


def _record_apart(circuit: Circuit, key: str) -> bool:
    """Compile a cacheable circuit in a child process (which stores its R1CS and program); whether it did.

    A circuit whose parameters do not round-trip through JSON, or a child that fails for any reason
    (its error is the in-process compile's to raise), leaves the compile to this process."""
    import json
    import os
    import subprocess
    import sys

    params = circuit.params()
    try:
        text = json.dumps(params)
        if json.loads(text) != params:
            return False
    except (TypeError, ValueError):
        return False
    cls = type(circuit)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # this process's modules
    done = subprocess.run([sys.executable, "-c", _CHILD, cls.__module__, cls.__qualname__, text], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return done.returncode == 0 and _program.load(key) is not None


def _record(circuit: Circuit, key: str | None) -> tuple[R1CS, _program.Program]:
    """Run define once in compile mode: the R1CS and the solving program (both cached under key)."""
    n_public = sum(d.size for _, d in circuit.inputs() if d.public)
    recorder = _program.Recorder(input_names(circuit), n_public)
    _run(circuit, recorder)
    r1cs = recorder.finish()
    program = recorder.program(r1cs)
    if key is not None:
        _cache.store(key, r1cs)
        _program.remember(key, program)
    return r1cs, program


def _compiled_solver(circuit: Circuit) -> tuple[_program.Program, Callable[[], R1CS]] | None:
    """The solving program of a cacheable circuit (recorded on first use) and a function returning its R1CS
    (which a solve needs only to word a failed constraint), or None."""
    key = _cache.cache_key(circuit)
    if key is None:
        return None
    program = _program.load(key)
    if program is None or program.rows is None:
        r1cs, program = _record(circuit, key)
    return None if program.interpreted else (program, lambda: compile(circuit))


def solve(circuit: Circuit, assignment: Mapping[str, Any], *, r1cs: R1CS | None = None, strict: bool = True,
          hint_override: HintOverride | None = None, compiled: bool = True) -> Witness:
    """Return the full witness of a circuit for the given input values.

    A strict solve of a cacheable circuit runs its compiled solving program (zkl.circuits.program,
    recorded once per shape); otherwise, or with `compiled=False`, define runs on values (the
    Solver). Raises UnsatisfiedConstraint (index and scoped label) at the first failed
    constraint unless `strict=False`, in which case failures are listed in `witness.failures`.
    `hint_override(fn, inputs, honest_outputs)` replaces hint outputs (to play a malicious
    prover). With `r1cs`, checks that the witness has as many wires and the circuit as many
    constraints as that R1CS.
    """
    if not isinstance(circuit, Circuit):
        raise CircuitError(f"expected a Circuit instance, not {type(circuit).__name__}")
    inputs = _assignment_values(circuit, assignment)
    n_public = sum(d.size for _, d in circuit.inputs() if d.public)
    solver = _compiled_solver(circuit) if strict and hint_override is None and compiled else None
    if solver is not None:
        program, own = solver
        _check_shape(circuit, r1cs, program.n_wires, program.n_constraints)
        x, az, bz = _program.run(program, own, [1, *inputs])
        witness = Witness.from_limbs(x, n_public)
        witness._products = (az, bz)
        return witness
    solver = Solver([1, *inputs], strict=strict, hint_override=hint_override)
    _run(circuit, solver)
    _check_shape(circuit, r1cs, solver.n_wires, solver.n_constraints)
    return Witness(solver.values, n_public, solver.failures)


def _check_shape(circuit: Circuit, r1cs: R1CS | None, n_wires: int, n_constraints: int) -> None:
    """Raise CircuitError unless a solve's wires and constraints are those of the given R1CS."""
    if r1cs is not None and (n_wires != r1cs.n_wires or n_constraints != r1cs.n_constraints):
        raise CircuitError(
            f"solving {type(circuit).__name__} made {n_wires} wires and {n_constraints} "
            f"constraints, compiling made {r1cs.n_wires} and {r1cs.n_constraints}: the structure of define "
            "must not depend on input values")
