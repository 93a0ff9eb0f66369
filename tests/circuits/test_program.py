"""The compiled solver (zkl.circuits.program): the witness it makes equals the interpreted Solver's for
every kind of step, it fails where the Solver fails with the same index, label and values, and its
programs round-trip through the disk cache (a corrupt entry is recorded again)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from zkl.circuits import Circuit, Public, Secret, cache, compile, program, solve
from zkl.circuits.field import R, limbs_to_ints
from zkl.circuits.witness import qap_products
from zkl.circuits.std import arith, babyjubjub, poseidon
from zkl.errors import UnsatisfiedConstraint


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "zkl-cache"))
    cache.clear_memory()
    program.clear_memory()


def pair_hint(xs: list[int], k: int) -> list[int]:
    """A hint the kernel does not know: (x0 + x1 + k, x0 * x1) from a nested list input."""
    return [(xs[0] + xs[1] + k) % R, xs[0] * xs[1] % R]


class Kinds(Circuit):
    """Every step kind: rows, checks, bits, division, inverse, the alias check's runs, the ladder's
    scalar bits, identity, a b + c and a b - c hints, and a Python hint over a nested input."""

    x = Public()
    y = Secret()
    k = Secret()

    def define(self, api):
        bits = api.to_binary(self.x, 254)                      # bits + alias-check runs
        api.assert_equal(api.from_binary(bits), self.x)
        api.range_check(self.y, 40)
        q = api.div_unchecked(self.x, self.y)                  # division
        api.assert_nonzero(self.y)
        inv = api.inverse(api.add(self.y, 3))                  # inverse
        api.assert_equal(api.mul(inv, api.add(self.y, 3)), 1)
        zs = babyjubjub._ladder_scalar(api, self.k)            # the ladder's scalar bits (an offset)
        api.assert_equal(api.lincomb([(1, z) for z in zs[:3]]), api.lincomb([(1, z) for z in zs[:3]]))
        same = api.hint(arith.identity_hint, self.y)
        api.assert_equal(same, self.y)
        ma = api.hint(arith.mul_add_hint, self.x, self.y, 7)
        api.constraint(self.x, self.y, api.sub(ma, 7))
        ms = api.hint(arith.mul_sub_hint, self.x, q, self.k)
        api.constraint(self.x, q, api.add(ms, self.k))
        s, p = api.hint(pair_hint, [self.x, api.add(self.y, 1)], 5, n_outputs=2)
        api.assert_equal(s, api.lincomb([(1, self.x), (1, self.y)], 6))
        api.assert_equal(p, api.mul(self.x, api.add(self.y, 1)))
        api.mul_add(self.x, self.y, self.k)
        api.mul_sub(q, self.y, 3)


class Printing(Circuit):
    """A circuit that prints while solving: solved by the interpreter so the values show."""

    x = Public()

    def define(self, api):
        api.println("x is", self.x)
        api.assert_equal(api.mul(self.x, self.x), api.mul(self.x, self.x))


class Shared(Circuit):
    """Operands of several terms used again by later rows (an S-box x^5 of a linear combination,
    the same wires under other coefficients, a Poseidon hash): kept in registers."""

    x = Public()
    y = Secret()
    k = Secret()

    def define(self, api):
        s = api.lincomb([(3, self.x), (5, self.y), (1, self.k)], 2)
        x2 = api.mul(s, s)                                              # A and B the same
        x4 = api.mul(x2, x2)
        x5 = api.mul(x4, s)                                             # B: s again
        other = api.mul(api.lincomb([(3, self.x), (5, self.y), (2, self.k)], 2), x5)  # not s
        api.assert_equal(api.mul(s, other), api.mul(other, s))
        h = poseidon.poseidon(api, [self.x, x5, other])
        api.assert_equal(h, poseidon.poseidon(api, [self.x, x5, other]))


def unnamed_circuit():
    """A circuit whose hint cannot be named (a lambda): its program lives in memory only."""
    class Unnamed(Kinds):
        def define(self, api):
            h = api.hint(lambda v: v * 2 % R, self.x)
            api.assert_equal(h, api.add(self.x, self.x))
    return Unnamed


INPUTS = [{"x": 9, "y": 3, "k": 5}, {"x": R - 1, "y": 2**40 - 1, "k": R - 1},
          {"x": 2**200 + 12345, "y": 77, "k": 0}]


def _program_of(circuit: Circuit) -> program.Program:
    return program.load(cache.cache_key(circuit))


@pytest.mark.parametrize("inputs", INPUTS)
def test_compiled_witness_equals_the_interpreted_one(inputs):
    r1cs = compile(Kinds())
    compiled = solve(Kinds(), inputs, r1cs=r1cs)
    interpreted = solve(Kinds(), inputs, r1cs=r1cs, compiled=False)
    assert compiled._limbs is not None and interpreted._limbs is None  # the two paths ran
    assert compiled.values == interpreted.values
    assert compiled.public == interpreted.public == [inputs["x"]]
    r1cs.check(compiled)


@pytest.mark.parametrize("inputs", INPUTS)
def test_shared_operands_are_kept_in_registers_and_change_no_value(inputs):
    r1cs = compile(Shared())
    prog = _program_of(Shared())
    assert prog.n_regs >= 2  # s, and Poseidon's S-box inputs
    loads = prog.lc_regs[prog.lc_regs >= 0] & 1
    assert loads.sum() >= prog.n_regs  # every register is read at least once after it is kept
    compiled = solve(Shared(), inputs, r1cs=r1cs)
    interpreted = solve(Shared(), inputs, r1cs=r1cs, compiled=False)
    assert compiled._limbs is not None and compiled.values == interpreted.values
    r1cs.check(compiled)
    az, bz = qap_products(compiled)
    a_w, b_w, _ = r1cs.evaluate(compiled)
    scale = pow(2, 256, R)
    assert [v * scale % R for v in limbs_to_ints(az)] == list(a_w)
    assert [v * scale % R for v in limbs_to_ints(bz)] == list(b_w)


def test_a_program_without_registers_solves_the_same():
    r1cs = compile(Shared())
    prog = _program_of(Shared())
    bare = program.Program(prog.ops, prog.lc_ptr, prog.lc_wires, prog.lc_cid, prog.lc_table, prog.consts,
                           prog.python_hints, prog.n_wires, prog.n_constraints)
    assert bare.n_regs == 0 and bare.rows is None  # its rows come from the R1CS given to run
    x, _, _ = program.run(bare, r1cs, [1, 9, 3, 5])
    assert limbs_to_ints(x) == solve(Shared(), INPUTS[0], r1cs=r1cs).values


def test_every_step_kind_is_a_kernel_step_but_the_unknown_hint():
    compile(Kinds())
    ops = _program_of(Kinds()).ops
    kinds = collections.Counter(ops[:, 0].tolist())
    for code in (program.ROW, program.CHECK, program.BITS, program.DIV, program.INV, program.RUN, program.COPY,
                 program.MUL_ADD, program.MUL_SUB, program.PYTHON):
        assert kinds[code] > 0, code
    assert kinds[program.PYTHON] == 1
    assert kinds[program.ROW] + kinds[program.CHECK] == compile(Kinds()).n_constraints
    offsets = ops[ops[:, 0] == program.BITS, 4]
    assert sorted(set(offsets.tolist())) == [-1, 0]  # plain bits and the ladder's offset bits


@pytest.mark.parametrize("inputs, failing", [({"x": 9, "y": 0, "k": 5}, "nonzero"),
                                             ({"x": 9, "y": 2**40, "k": 5}, "range"),
                                             ({"x": 9, "y": R - 3, "k": 5}, "inverse")])
def test_a_failing_constraint_is_reported_as_the_solver_reports_it(inputs, failing):
    r1cs = compile(Kinds())
    with pytest.raises(UnsatisfiedConstraint) as interpreted:
        solve(Kinds(), inputs, r1cs=r1cs, compiled=False)
    with pytest.raises(UnsatisfiedConstraint) as compiled:
        solve(Kinds(), inputs, r1cs=r1cs)
    assert str(compiled.value) == str(interpreted.value)
    assert compiled.value.index == interpreted.value.index


def test_programs_round_trip_through_the_disk_cache_and_a_corrupt_one_is_recorded_again():
    inputs = INPUTS[1]
    expected = solve(Kinds(), inputs, compiled=False).values
    solve(Kinds(), inputs)
    path = program._path(cache.cache_key(Kinds()))
    assert path.exists()
    stored = path.read_bytes()
    program.clear_memory()
    cache.clear_memory()
    loaded = _program_of(Kinds())
    assert loaded is not None and loaded.python_hints[0][0] is pair_hint
    assert solve(Kinds(), inputs).values == expected
    program.clear_memory()
    path.write_bytes(b"not a program" + stored[:100])
    assert program.load(cache.cache_key(Kinds())) is None
    program.clear_memory()
    assert solve(Kinds(), inputs).values == expected
    assert program.load(cache.cache_key(Kinds())) is not None and path.read_bytes()[:2] == b"PK"


def test_a_hint_without_a_name_keeps_its_program_in_memory_only():
    cls = unnamed_circuit()
    # a class defined in a function has no cache key: the interpreter solves it
    assert cache.cache_key(cls()) is None
    witness = solve(cls(), INPUTS[0])
    assert witness._limbs is None and witness.values == solve(cls(), INPUTS[0], compiled=False).values
    rec = program.Recorder(["x", "y", "k"], 1)
    rec.hint(lambda v: v, rec.input(1))
    assert not rec.program().nameable


def test_a_printing_circuit_is_solved_by_the_interpreter(capsys):
    solve(Printing(), {"x": 4})
    assert "x is 4" in capsys.readouterr().out
    assert _program_of(Printing()).interpreted


def test_a_program_for_another_shape_is_refused():
    r1cs = compile(Kinds())
    other = compile(Printing())
    with pytest.raises(Exception, match="is not the one of the R1CS"):
        program.run(_program_of(Kinds()), other, [1, 9, 3, 5])
    x, az, bz = program.run(_program_of(Kinds()), r1cs, [1, 9, 3, 5])
    assert np.array_equal(x, solve(Kinds(), INPUTS[0]).to_limbs())


def test_the_solver_keeps_each_rows_products_for_the_prover():
    r1cs = compile(Kinds())
    witness = solve(Kinds(), INPUTS[2], r1cs=r1cs)
    az, bz = qap_products(witness)
    a_w, b_w, _ = r1cs.evaluate(witness)
    scale = pow(2, 256, R)  # the products are kept divided by R = 2^256
    assert [v * scale % R for v in limbs_to_ints(az)] == list(a_w)
    assert [v * scale % R for v in limbs_to_ints(bz)] == list(b_w)
    assert qap_products(witness.with_values({1: 5})) is None
    assert qap_products(solve(Kinds(), INPUTS[2], compiled=False)) is None


_DOT_CHECK = """
import random
import numpy as np
from zkl.circuits import _program_kernels as k
from zkl.circuits.field import R, ints_to_limbs, limbs_to_ints
from zkl.circuits.program import interned
rng = random.Random(3)
for n in SIZES:
    for trial in range(3):
        cf = [rng.choice([1, R - 1, rng.randrange(R), pow(2, rng.randrange(254), R)]) for _ in range(n)]
        xs = [rng.choice([0, 1, R - 1, rng.randrange(R)]) for _ in range(n)]
        if trial == 0:
            cf, xs = [R - 1] * n, [R - 1] * n  # the largest sum the accumulator holds
        ptr, idx = np.array([0, n], dtype=np.int64), np.arange(n, dtype=np.int32)
        (cid,), tab = interned(ints_to_limbs(cf).reshape(-1, 4))
        assert len(tab) == len(set(cf)) and limbs_to_ints(tab[cid]) == cf  # one id per distinct coefficient
        got = k._dot_over_r(ptr, idx, cid, tab, ints_to_limbs(xs).reshape(-1, 4), 0)
        assert limbs_to_ints(np.array([got], dtype=np.uint64))[0] == sum(
            a * b for a, b in zip(cf, xs)) * pow(2, -256, R) % R, (n, trial)
print("ok")
"""


def test_a_dot_product_sums_unreduced_and_reduces_once_exactly():
    # one term, a few, and past the 512 products an accumulator holds at once
    exec(_DOT_CHECK.replace("SIZES", "(1, 2, 3, 9, 100, 511, 512, 513, 1100)"), {})


def test_the_dot_product_without_jit(tmp_path):
    """The accumulator intrinsics' Python twins (NUMBA_DISABLE_JIT=1) give the same sums."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "ZKL_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _DOT_CHECK.replace("SIZES", "(1, 2, 5, 513)")],
                          cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_program_carries_the_rows_it_reads_and_a_solve_loads_no_r1cs(monkeypatch):
    r1cs = compile(Kinds())
    prog = _program_of(Kinds())
    assert prog.rows is not None
    for matrix, (ptr, idx, cid) in zip(r1cs.matrices, (prog.rows.a, prog.rows.b, prog.rows.c)):
        assert np.array_equal(ptr, matrix.indptr) and np.array_equal(idx, matrix.indices)
        assert np.array_equal(prog.rows.table[cid], matrix.coeffs.reshape(-1, 4))  # ids into distinct values
        assert cid.dtype == np.uint32
    assert len(prog.rows.table) == len({tuple(v) for m in r1cs.matrices for v in m.coeffs.reshape(-1, 4).tolist()})
    program.clear_memory()
    cache.clear_memory()
    loads = []
    real = cache.read_npz
    monkeypatch.setattr(cache, "read_npz", lambda path: loads.append(path) or real(path))
    assert solve(Kinds(), INPUTS[0]).values == solve(Kinds(), INPUTS[0], compiled=False).values
    assert loads == []  # the stored program alone
    with pytest.raises(UnsatisfiedConstraint, match=r"constraint \d+ \(\w+\) is not satisfied: 0 \* 0 != 9"):
        solve(Kinds(), {"x": 9, "y": 0, "k": 5})
    assert len(loads) == 1  # the R1CS read to word the failure


def test_a_stored_program_with_rows_out_of_range_is_recorded_again():
    expected = solve(Kinds(), INPUTS[1]).values
    path = program._path(cache.cache_key(Kinds()))
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files}
    arrays["b_idx"] = arrays["b_idx"].copy()
    arrays["b_idx"][0] = 10**6  # a wire the circuit does not have
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    program.clear_memory()
    assert program.load(cache.cache_key(Kinds())) is None
    assert solve(Kinds(), INPUTS[1]).values == expected
    assert program.load(cache.cache_key(Kinds())).rows.b[1][0] < 10**6
