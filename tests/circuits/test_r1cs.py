"""The compiled R1CS: checking given vectors, the disk cache, and circom file I/O (pure Python)."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest

from zkl.circuits import R1CS, Circuit, Public, R, Secret, SparseRows, Witness, compile, read_r1cs, read_wtns, solve
from zkl.circuits import cache, circom
from zkl.circuits.field import ints_to_limbs, limbs_below_modulus, limbs_to_ints
from zkl.errors import FieldElementOutOfRange, FormatError, MalformedInput, ShapeMismatch, UnsatisfiedConstraint
from tests.paths import ROOT


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class Poly(Circuit):
    """y = x^5 + c per round, a few gadgets, labelled scopes."""

    x = Secret()
    y = Public()
    flag = Secret()

    def __init__(self, rounds: int = 3):
        self.rounds = rounds

    def define(self, api):
        v = self.x
        for i in range(self.rounds):
            with api.scope(f"round{i}"):
                x2 = api.square(v)
                v = api.add(api.mul(api.square(x2), v), i + 1)
        with api.scope("tail"):
            api.assert_equal(api.select(self.flag, v, 0), self.y)


def poly_native(x: int, rounds: int) -> int:
    for i in range(rounds):
        x = (pow(x, 5, R) + i + 1) % R
    return x


def naive_evaluate(r1cs: R1CS, w: list[int]) -> list[tuple[int, int, int]]:
    """Slow, obviously correct (A.w, B.w, C.w) per constraint."""
    out = []
    for i in range(r1cs.n_constraints):
        out.append(tuple(sum(c * w[k] for k, c in m.row(i).items()) % R for m in r1cs.matrices))
    return out


@pytest.fixture(scope="module")
def poly():
    circuit = Poly(3)
    r1cs = compile(circuit, cache=False)
    witness = solve(circuit, {"x": 3, "y": poly_native(3, 3), "flag": 1}, r1cs=r1cs)
    return r1cs, witness


# -- checking a given assignment ----------------------------------------------------------------


def test_evaluate_matches_the_naive_reference(poly):
    r1cs, witness = poly
    rng = random.Random(1)
    for w in (witness.values, [1] + [rng.randrange(R) for _ in range(r1cs.n_wires - 1)]):
        az, bz, cz = r1cs.evaluate(w)
        assert list(zip(az, bz, cz)) == naive_evaluate(r1cs, w)


def test_check_reports_the_first_tampered_constraint_with_its_label(poly):
    r1cs, witness = poly
    r1cs.check(witness)
    assert r1cs.is_satisfied(witness.values) and r1cs.is_satisfied(witness.to_limbs())
    wire = r1cs.wire_names.index("round1/mul")
    tampered = witness.with_values({wire: (witness[wire] + 1) % R})
    with pytest.raises(UnsatisfiedConstraint) as err:
        r1cs.check(tampered)
    assert err.value.label == "round1/mul" and r1cs.labels[err.value.index] == "round1/mul"
    assert not r1cs.is_satisfied(tampered.to_limbs())
    assert list(r1cs.unsatisfied(tampered)) == [err.value.index, err.value.index + 1]
    public = witness.with_values({1: 0})
    with pytest.raises(UnsatisfiedConstraint, match="tail/assert_equal"):
        r1cs.check(public)


def test_check_validates_the_vector(poly):
    r1cs, witness = poly
    with pytest.raises(ShapeMismatch, match=f"must have {r1cs.n_wires} values"):
        r1cs.check(witness.values[:-1])
    with pytest.raises(FieldElementOutOfRange, match="wire 2"):
        r1cs.check(witness.with_values({2: R}))
    with pytest.raises(MalformedInput, match="wire 0"):
        r1cs.check(witness.with_values({0: 2}))
    with pytest.raises(ShapeMismatch):
        r1cs.check(np.zeros((r1cs.n_wires, 3), dtype=np.uint64))


def test_describe_and_wire_kinds(poly):
    r1cs, _ = poly
    assert r1cs.describe(0) == "(x) * (x) = (round0/mul)"
    assert [r1cs.wire_kind(w) for w in range(4)] == ["one", "public input", "private input", "private input"]
    assert r1cs.wire_kind(r1cs.n_wires - 1) == "internal"


def test_limb_conversions_round_trip():
    rng = random.Random(2)
    values = [0, 1, R - 1, 2**64, 2**192 + 5] + [rng.randrange(R) for _ in range(50)]
    limbs = ints_to_limbs(values)
    assert limbs.dtype == np.uint64 and limbs.shape == (len(values), 4)
    assert limbs_to_ints(limbs) == values
    assert limbs[3].tolist() == [0, 1, 0, 0]
    assert limbs_below_modulus(limbs).all()
    over = ints_to_limbs([R, 2**256 - 1, R - 1])
    assert limbs_below_modulus(over).tolist() == [False, False, True]


# -- cache ---------------------------------------------------------------------------------


def test_cache_hits_memory_then_disk_and_keys_on_parameters(tmp_path):
    first = compile(Poly(2))
    assert compile(Poly(2)) is first
    files = list((tmp_path / "cache" / "r1cs").glob("*.npz"))
    assert len(files) == 1 and files[0].name.startswith("Poly-")
    assert not list((tmp_path / "cache" / "r1cs").glob("*.tmp"))
    cache.clear_memory()
    loaded = compile(Poly(2))
    assert loaded is not first
    for x, y in zip(loaded.matrices, first.matrices):
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.coeffs, y.coeffs)
    assert loaded.labels == first.labels and loaded.wire_names == first.wire_names
    assert compile(Poly(4)).n_constraints != first.n_constraints
    assert len(list((tmp_path / "cache" / "r1cs").glob("*.npz"))) == 2
    assert cache.cache_key(Poly(2)) != cache.cache_key(Poly(3))


def test_memory_cache_is_bounded_in_bytes(tmp_path, monkeypatch):
    small = compile(Poly(2))
    size = cache._nbytes(compile(Poly(40)))
    monkeypatch.setattr(cache, "_MEMORY_BYTES", size + cache._nbytes(small))
    assert compile(Poly(2)) is small and compile(Poly(40)) is compile(Poly(40))  # both fit
    monkeypatch.setattr(cache, "_MEMORY_BYTES", size - 1)
    big = compile(Poly(41))  # alone above the bound: read again from disk next time, and the others let go
    assert compile(Poly(41)) is not big and compile(Poly(41)).n_constraints == big.n_constraints
    assert compile(Poly(2)) is not small


def test_compile_apart_records_in_a_child_process(tmp_path, monkeypatch):
    from zkl.circuits import circuit as circuit_module
    from zkl.circuits import program

    recorded = []
    real = circuit_module._record
    monkeypatch.setattr(circuit_module, "_record", lambda c, key: recorded.append(key) or real(c, key))
    apart = compile(Poly(7), apart=True)
    assert recorded == []  # the child recorded it: this process read the cache
    assert program.load(cache.cache_key(Poly(7))) is not None  # the solving program stored beside it
    here = compile(Poly(7), cache=False)
    assert recorded == [None]
    for x, y in zip(apart.matrices, here.matrices):
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.coeffs, y.coeffs)
    assert apart.labels == here.labels
    monkeypatch.setattr(circuit_module, "_CHILD", "raise SystemExit(3)")  # a child that fails
    cache.clear_memory()
    assert compile(Poly(9), apart=True).n_constraints == 9 * 3 + 3
    assert recorded[-1] == cache.cache_key(Poly(9))


def test_corrupt_cache_entry_is_recompiled(tmp_path):
    compile(Poly(5))
    cache.clear_memory()
    (path,) = (tmp_path / "cache" / "r1cs").glob("*.npz")
    path.write_bytes(b"garbage")
    assert compile(Poly(5)).n_constraints == 5 * 3 + 3
    cache.clear_memory()
    assert compile(Poly(5)).n_constraints == 5 * 3 + 3


def test_local_classes_are_not_cached():
    class Local(Circuit):
        x = Public()

        def define(self, api):
            api.assert_boolean(self.x)

    assert cache.cache_key(Local()) is None
    assert cache.cache_key(Poly()) is not None


# -- circom files, zkl to zkl ---------------------------------------------------------------


def test_r1cs_and_wtns_files_round_trip(tmp_path, poly):
    r1cs, witness = poly
    r1cs.write(tmp_path / "poly.r1cs", sym=True)
    witness.write(tmp_path / "poly.wtns")
    back = read_r1cs(tmp_path / "poly.r1cs")
    assert (back.n_wires, back.n_constraints, back.n_public_inputs, back.n_private_inputs) == (
        r1cs.n_wires, r1cs.n_constraints, 1, 2)
    for x, y in zip(back.matrices, r1cs.matrices):
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.coeffs, y.coeffs)
    assert back.wire_names == r1cs.wire_names
    assert read_wtns(tmp_path / "poly.wtns") == witness.values
    back.check(Witness.read(tmp_path / "poly.wtns"))
    assert read_r1cs(tmp_path / "poly.r1cs", sym=False).wire_names is None


def test_file_layout_is_circoms(tmp_path, poly):
    r1cs, witness = poly
    r1cs.write(tmp_path / "p.r1cs")
    data = (tmp_path / "p.r1cs").read_bytes()
    assert data[:12] == b"r1cs" + struct.pack("<II", 1, 3)
    kind, size = struct.unpack_from("<IQ", data, 12)
    assert (kind, size) == (1, 64)
    n8, = struct.unpack_from("<I", data, 24)
    assert n8 == 32 and int.from_bytes(data[28:60], "little") == R
    assert struct.unpack_from("<IIIIQI", data, 60) == (r1cs.n_wires, 0, 1, 2, r1cs.n_wires, r1cs.n_constraints)
    kind, size = struct.unpack_from("<IQ", data, 88)
    # first constraint: x * x = round0/mul, three terms of one wire with coefficient 1
    assert kind == 2 and struct.unpack_from("<II", data, 100) == (1, 2)
    assert int.from_bytes(data[108:140], "little") == 1
    witness.write(tmp_path / "p.wtns")
    w = (tmp_path / "p.wtns").read_bytes()
    assert w[:12] == b"wtns" + struct.pack("<II", 2, 2)
    assert struct.unpack_from("<IQI", w, 12) == (1, 40, 32)
    assert struct.unpack_from("<IQ", w, 12 + 12 + 40) == (2, 32 * len(witness))


def _patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def test_malformed_files_raise_format_errors(tmp_path, poly):
    r1cs, witness = poly
    r1cs.write(tmp_path / "ok.r1cs")
    witness.write(tmp_path / "ok.wtns")
    data = (tmp_path / "ok.r1cs").read_bytes()
    cases = {
        "magic": b"r1cz" + data[4:],
        "version": _patched(data, 4, struct.pack("<I", 2)),
        "truncated": data[:-9],
        "prime": _patched(data, 28, (R + 2).to_bytes(32, "little")),
        "field size": _patched(data, 24, struct.pack("<I", 48)),
        "wire": _patched(data, 104, struct.pack("<I", 10**6)),
        "coefficient": _patched(data, 108, R.to_bytes(32, "little")),
        "constraints count": _patched(data, 84, struct.pack("<I", r1cs.n_constraints + 1)),
    }
    for name, blob in cases.items():
        (tmp_path / "bad.r1cs").write_bytes(blob)
        with pytest.raises(FormatError):
            read_r1cs(tmp_path / "bad.r1cs")
    wdata = (tmp_path / "ok.wtns").read_bytes()
    for blob in (b"wtnz" + wdata[4:], wdata[:-1], _patched(wdata, 28 + 12 + 32 + 12, R.to_bytes(32, "little"))):
        (tmp_path / "bad.wtns").write_bytes(blob)
        with pytest.raises(FormatError):
            read_wtns(tmp_path / "bad.wtns")
    with pytest.raises(FieldElementOutOfRange):
        circom.write_wtns([1, R], tmp_path / "never.wtns")


def _r1cs_bytes(n_wires: int, m: int, constraints: bytes, labels: bytes | None, n_out: int = 1,
                n_prv: int = 0) -> bytes:
    """A hand-made .r1cs: header, constraints section, wire2label section (when labels is not None)."""
    header = struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<IIIIQI", n_wires, n_out, 0, n_prv,
                                                                            n_wires, m)
    sections = [(1, header), (2, constraints)] + ([(3, labels)] if labels is not None else [])
    body = b"".join(struct.pack("<IQ", k, len(p)) + p for k, p in sections)
    return b"r1cs" + struct.pack("<II", 1, len(sections)) + body


_RSS_SCRIPT = """
import resource, sys
import numpy as np
from zkl.circuits import read_r1cs
from zkl.circuits._kernels import _lc_offsets
_lc_offsets(np.zeros(1, dtype=np.uint32), 1, 9)  # compiled or loaded before measuring
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_r1cs(sys.argv[1], sym=False)
except Exception as e:
    print(type(e).__name__, e)
print("grew_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.parametrize("m", [2**24, 2**32 - 1])
def test_r1cs_constraint_count_is_checked_before_allocating(tmp_path, m):
    """Defect: a ~200-byte .r1cs declaring m constraints made read_r1cs allocate 24 m bytes (385 MB for m = 2^24,
    MemoryError for 2^32 - 1) before any size check.  Measured as the peak RSS growth of a fresh interpreter (the
    allocation was a numba array, which tracemalloc does not see)."""
    import os
    import subprocess
    import sys

    lc = struct.pack("<I", 1) + struct.pack("<I", 0) + (1).to_bytes(32, "little")  # 1 * one
    constraints = (lc * 3)[:40]
    blob = _r1cs_bytes(2, m, constraints, struct.pack("<QQ", 0, 1))
    assert len(blob) < 256
    (tmp_path / "x.r1cs").write_bytes(blob)
    import zkl

    here = str(Path(zkl.__file__).resolve().parents[1])  # the zkl this test imports, in the child too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(tmp_path / "x.r1cs")], cwd=here, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    error, grew = done.stdout.strip().splitlines()
    assert error == (f"FormatError {tmp_path / 'x.r1cs'}: header declares {m} constraints, the constraints section "
                     "of 40 bytes can hold at most 3")
    assert int(grew.split()[1]) < 16 * 1024, grew  # KiB
    with pytest.raises(FormatError, match="can hold at most 3"):
        read_r1cs(tmp_path / "x.r1cs")


def test_r1cs_wire_count_needs_bytes_behind_it(tmp_path):
    """A header's wire count is backed by the wire2label section (8 bytes a wire), or bounded without it."""
    empty = b""
    (tmp_path / "w.r1cs").write_bytes(_r1cs_bytes(2**31 - 2, 0, empty, None))
    with pytest.raises(FormatError, match="header declares 2147483646 wires, a file without a wire2label section "
                                          "may declare at most 65536"):
        read_r1cs(tmp_path / "w.r1cs")
    (tmp_path / "w.r1cs").write_bytes(_r1cs_bytes(2**31 - 2, 0, empty, bytes(16)))
    with pytest.raises(FormatError, match="wire2label section must be 17179869168 bytes, not 16"):
        read_r1cs(tmp_path / "w.r1cs")
    (tmp_path / "w.r1cs").write_bytes(_r1cs_bytes(3, 0, empty, None))
    assert read_r1cs(tmp_path / "w.r1cs").n_wires == 3  # small files without labels are still read
    (tmp_path / "w.r1cs").write_bytes(_r1cs_bytes(1, 0, empty, bytes(8)))
    with pytest.raises(FormatError, match="1 wires cannot hold the one wire and 1 public outputs/inputs"):
        read_r1cs(tmp_path / "w.r1cs")


def test_removed_private_inputs_are_read_from_the_labels(tmp_path):
    """circom 2.2's `o <== 2 * a` at --O2: 2 wires, 1 output, 1 private input without a wire (label 2 unused)."""
    (tmp_path / "o2.r1cs").write_bytes(_r1cs_bytes(2, 0, b"", struct.pack("<QQ", 0, 1), n_prv=1))
    (tmp_path / "o2.sym").write_text("1,1,0,main.o\n2,-1,0,main.a\n")
    r1cs = read_r1cs(tmp_path / "o2.r1cs")
    assert (r1cs.n_private_inputs, r1cs.n_removed_inputs, r1cs.n_private_input_wires) == (1, 1, 0)
    assert r1cs.removed_input_names == ["main.a"] and r1cs.wire_names == ["one", "main.o"]
    with pytest.raises(ShapeMismatch, match="2 wires cannot hold the one wire and 2 inputs/outputs"):
        R1CS(*r1cs.matrices, n_wires=2, n_public_outputs=1, n_public_inputs=0, n_private_inputs=1)


def test_sym_must_be_utf8_text(tmp_path, poly):
    """Defect: a .sym with bytes that are not UTF-8 raised UnicodeDecodeError."""
    r1cs, _ = poly
    r1cs.write(tmp_path / "p.r1cs")
    (tmp_path / "p.sym").write_bytes(b"1,1,0,main.\xff\n")
    with pytest.raises(FormatError, match="p.sym: a .sym file must be UTF-8 text"):
        read_r1cs(tmp_path / "p.r1cs")
    (tmp_path / "p.sym").write_text("1" * 5000 + ",1,0,x\n")
    with pytest.raises(FormatError, match="label id must be an integer of at most 20 digits"):
        read_r1cs(tmp_path / "p.r1cs")


class Chain(Circuit):
    x = Secret()
    y = Public()

    def __init__(self, n: int = 1 << 12):
        self.n = n

    def define(self, api):
        v = self.x
        for _ in range(self.n):
            v = api.add(api.mul(v, v), 1)
        api.assert_equal(v, self.y)


def test_big_file_round_trip(tmp_path):
    circuit = Chain(1 << 12)
    r1cs = compile(circuit)
    y = 2
    for _ in range(circuit.n):
        y = (y * y + 1) % R
    witness = solve(circuit, {"x": 2, "y": y}, r1cs=r1cs)
    r1cs.write(tmp_path / "c.r1cs")
    witness.write(tmp_path / "c.wtns")
    back = read_r1cs(tmp_path / "c.r1cs")
    assert back.n_constraints == (1 << 12) + 1
    back.check(circom.read_wtns_limbs(tmp_path / "c.wtns"))


# -- the numba check against the Python-int reference ---------------------------------------------


def _random_r1cs(rng: random.Random, m: int, n_wires: int, index_dtype=np.int32) -> R1CS:
    """Random rows with edge coefficients (1, r - 1, 2^64, r - 2^64...) and empty rows."""
    edge = [1, 2, R - 1, R - 2, 2**64 - 1, 2**64, 2**128, R - 2**64]
    mats = []
    for _ in range(3):
        rows = []
        for _ in range(m):
            k = rng.choice([0, 1, 1, 2, 3, 8])
            wires = rng.sample(range(n_wires), k)
            rows.append({w: rng.choice(edge) if rng.random() < 0.4 else rng.randrange(1, R) for w in wires})
        counts = [len(r) for r in rows]
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        indices = np.array([w for r in rows for w in r], dtype=index_dtype)
        mats.append(SparseRows(indptr, indices, ints_to_limbs([c for r in rows for c in r.values()])))
    return R1CS(*mats, n_wires=n_wires, n_public_outputs=0, n_public_inputs=1, n_private_inputs=1)


@pytest.mark.parametrize("parallel", [False, True])
def test_kernel_check_matches_the_python_reference(parallel, monkeypatch):
    from zkl.circuits import r1cs as r1cs_module

    if parallel:  # the blocks of the parallel kernels on small data (many blocks of few rows)
        monkeypatch.setattr(r1cs_module, "PARALLEL_SIZE", 0)
        monkeypatch.setattr(r1cs_module, "_chunks", lambda m: max(1, min(7, m)))
    rng = random.Random(21)
    for index_dtype in (np.int32, np.int64):
        r1cs = _random_r1cs(rng, 300, 40, index_dtype)
        edge = [0, 1, R - 1, 2**64 - 1, 2**255 % R, (R + 1) // 2]
        w = [1] + [rng.choice(edge) if rng.random() < 0.3 else rng.randrange(R) for _ in range(39)]
        az, bz, cz = r1cs.evaluate(w)
        obj = np.array(w, dtype=object)
        for got, mat in zip((az, bz, cz), r1cs.matrices):
            assert list(got) == list(mat.evaluate(obj)) == [sum(c * w[k] for k, c in mat.row(i).items()) % R
                                                            for i in range(mat.n_rows)]
        expected = [i for i in range(300) if (az[i] * bz[i] - cz[i]) % R]
        assert 0 < len(expected) < 300  # rows with empty A or B and C hold, the others fail
        assert r1cs.unsatisfied(w).tolist() == expected
        assert r1cs.unsatisfied(ints_to_limbs(w)).tolist() == expected
    r1cs, w = _satisfiable_r1cs(rng)
    r1cs.check(w)
    assert r1cs.is_satisfied(w) and r1cs.unsatisfied(w).tolist() == []
    for wire in range(1, r1cs.n_wires):
        bad = list(w)
        bad[wire] = (bad[wire] + rng.randrange(1, R)) % R
        failing = r1cs.unsatisfied(bad).tolist()
        using = [i for i in range(r1cs.n_constraints) if any(wire in m.row(i) for m in r1cs.matrices)]
        assert failing and set(failing) <= set(using)
        if wire >= 3:
            assert wire - 3 in failing  # the row that defines it
        with pytest.raises(UnsatisfiedConstraint) as err:
            r1cs.check(bad)
        assert err.value.index == failing[0]
        a, b, c = (sum(k * bad[j] for j, k in mat.row(failing[0]).items()) % R for mat in r1cs.matrices)
        assert f"A.w = {a}, B.w = {b}, C.w = {c}" in str(err.value)


def _satisfiable_r1cs(rng: random.Random) -> tuple[R1CS, list[int]]:
    """x_{i+1} = (sum of random earlier wires) * (another sum): a random R1CS and a satisfying vector."""
    w = [1, rng.randrange(R), rng.randrange(R)]
    a_rows, b_rows, c_rows = [], [], []
    for _ in range(60):
        a = {j: rng.choice([1, R - 1, rng.randrange(R)]) for j in rng.sample(range(len(w)), min(3, len(w)))}
        b = {j: rng.randrange(R) for j in rng.sample(range(len(w)), 2)}
        value = (sum(c * w[j] for j, c in a.items()) * sum(c * w[j] for j, c in b.items())) % R
        c_rows.append({len(w): 1})
        a_rows.append(a)
        b_rows.append(b)
        w.append(value)
    from zkl.circuits.builder import _rows

    return R1CS(_rows(a_rows), _rows(b_rows), _rows(c_rows), n_wires=len(w), n_public_outputs=0,
                n_public_inputs=1, n_private_inputs=1), w


def test_builder_rows_flatten_exactly():
    from zkl.circuits.builder import _rows

    rng = random.Random(22)
    few = [1, R - 1, 7, 2**200]
    for rows in ([{rng.randrange(50): rng.choice(few) for _ in range(rng.randrange(4))} for _ in range(200)],
                 [{rng.randrange(50): rng.randrange(R) for _ in range(rng.randrange(4))} for _ in range(200)],
                 [], [{}, {}]):
        sparse = _rows(rows)
        assert sparse.indptr.dtype == np.int64 and sparse.indices.dtype == np.int32
        assert sparse.coeffs.dtype == np.uint64 and sparse.coeffs.shape == (sparse.nnz, 4)
        assert sparse.n_rows == len(rows)
        assert [sparse.row(i) for i in range(len(rows))] == rows
        assert [list(sparse.row(i)) for i in range(len(rows))] == [list(r) for r in rows]  # term order kept


def test_kernel_check_without_jit(tmp_path):
    """The check kernels are correct under NUMBA_DISABLE_JIT=1 (pure-Python intrinsics)."""
    import os
    import subprocess
    import sys

    code = """
import random
from zkl.circuits import R
import tests.circuits.test_r1cs as t
rng = random.Random(5)
r1cs, w = t._satisfiable_r1cs(rng)
r1cs.check(w)
bad = list(w); bad[7] = (bad[7] + 1) % R
az, bz, cz = r1cs.evaluate(bad)
expected = [i for i in range(r1cs.n_constraints) if (az[i] * bz[i] - cz[i]) % R]
assert expected and r1cs.unsatisfied(bad).tolist() == expected, expected
obj = [sum(c * bad[k] for k, c in m.row(i).items()) % R for m in r1cs.matrices for i in range(m.n_rows)]
assert obj == list(az) + list(bz) + list(cz)
print("ok")
"""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "ZKL_CACHE_DIR": str(tmp_path)}
    root = ROOT
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_warmup_compiles_the_check_kernels():
    from zkl.circuits import _kernels
    from zkl.circuits.r1cs import warmup

    warmup()
    for kernel in (_kernels._csr_dot_rows, _kernels._csr_dot_parallel, _kernels._unsatisfied_rows,
                   _kernels._unsatisfied_parallel, _kernels._lc_offsets):
        assert kernel.signatures, kernel
