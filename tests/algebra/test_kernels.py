"""The kernel interface of zkl.algebra (zkl.algebra._kernels), its row accessors, constants and thread counts."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

import zkl
from zkl.algebra import _kernels
from zkl.algebra._kernels import rows
from zkl.algebra.constants import G2_B, Q, Q_LIMBS, R, R_LIMBS, XI
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkl.algebra.limbs import ints_to_limbs
from zkl.algebra.points import G1Point, G2Point, g1_to_array, g2_to_array
from zkl.algebra.threads import PARALLEL_MIN_ROWS, numba_threads, serial_below
from zkl.algebra.tower import Fq2
from zkl.errors import MalformedInput

_PACKAGE = Path(zkl.__file__).resolve().parent


# --------------------------------------------------------------------------- the interface


def test_every_interface_name_resolves_to_its_kernel():
    assert _kernels.__all__ and all(not name.startswith("_") for name in _kernels.__all__)
    for name in _kernels.__all__:
        module, attr = _kernels._WHERE[name]
        assert getattr(_kernels, name) is getattr(importlib.import_module(f"zkl.algebra._kernels.{module}"), attr)
    assert _kernels.FR_R2 == importlib.import_module("zkl.algebra._kernels.fr").R2
    with pytest.raises(AttributeError):
        _kernels.jac_frobnicate  # noqa: B018


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every `from zkl... import ...` and `import zkl...` in a source file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zkl"):
            out.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("zkl")]
    return out


def test_other_packages_use_only_the_public_kernel_interface():
    """Outside zkl.algebra nobody imports a kernel submodule or an underscore name of zkl.algebra."""
    bad = []
    for path in sorted(_PACKAGE.rglob("*.py")):
        rel = path.relative_to(_PACKAGE)
        if rel.parts[0] == "algebra":
            continue
        for line, module, names in _imports(path):
            if not module.startswith("zkl.algebra"):
                continue
            private = [p for p in module.split(".")[2:] if p.startswith("_")]
            if (private and module != "zkl.algebra._kernels") or any(n.startswith("_") for n in names):
                bad.append(f"{rel}:{line}: {module} {names}")
    assert bad == []


# --------------------------------------------------------------------------- row accessors


@njit(cache=True)
def _copy_rows(fe, pts, jac, out_fe, out_pts, out_jac):
    for i in range(fe.shape[0]):
        rows.store_fe(out_fe, i, rows.load_fe(fe, i))
        for k in range(2):
            rows.store_coord(out_pts, i, k, rows.load_coord(pts, i, k))
        rows.store_jac(out_jac, i, rows.load_jac(jac, i))


@njit(cache=True)
def _copy_g1(a, out):
    for i in range(a.shape[0]):
        x, y = rows.load_g1(a, i)
        rows.store_g1(out, i, x, y)


@njit(cache=True)
def _copy_g2(a, out):
    for i in range(a.shape[0]):
        x, y = rows.load_g2(a, i)
        rows.store_g2(out, i, x, y)


@pytest.mark.parametrize("tail", [(4,), (2, 4)], ids=["Fq", "Fq2"])
def test_row_accessors_round_trip_both_fields_with_and_without_jit(tail):
    rng = np.random.default_rng(3)
    fe = rng.integers(0, 1 << 63, size=(3, *tail), dtype=np.uint64)
    pts = rng.integers(0, 1 << 63, size=(3, 2, *tail), dtype=np.uint64)
    jac = rng.integers(0, 1 << 63, size=(3, 3, *tail), dtype=np.uint64)
    for copy in (_copy_rows, _copy_rows.py_func):
        outs = [np.zeros_like(fe), np.zeros_like(pts), np.zeros_like(jac)]
        copy(fe, pts, jac, *outs)
        assert all((o == a).all() for o, a in zip(outs, (fe, pts, jac)))
    expected_x = tuple(fe[1]) if len(tail) == 1 else (tuple(fe[1, 0]), tuple(fe[1, 1]))
    assert rows.load_fe(fe, 1) == expected_x
    copy_point = _copy_g1 if len(tail) == 1 else _copy_g2
    for copy in (copy_point, copy_point.py_func):
        out = np.zeros_like(pts)
        copy(pts, out)
        assert (out == pts).all()


# --------------------------------------------------------------------------- point validation


def test_serial_point_check_agrees_with_the_parallel_one():
    from zkl.algebra._kernels import curve as K
    from zkl.verifier.testing import twist_point_outside_subgroup

    g1 = g1_to_array([g1_mul(G1_GENERATOR, k) for k in (2, 3, 4)] + [G1Point(0, 0)])
    g2 = g2_to_array([g2_mul(G2_GENERATOR, 5), twist_point_outside_subgroup(), G2Point.infinity()])
    off = g1.copy()
    off[1, 1, 0] ^= np.uint64(1)
    high = g1.copy()
    high[2, 0] = ints_to_limbs([Q])[0]
    for points, subgroup, want in ((g1, True, (-1, 0)), (off, True, (1, 2)), (high, False, (2, 1)),
                                   (g2, False, (-1, 0)), (g2, True, (1, 3))):
        assert tuple(int(v) for v in _kernels.first_invalid_point(points, subgroup)) == want
        assert tuple(int(v) for v in K._validate_points(points, subgroup)) == want
        assert [int(_kernels.check_point(points, i, subgroup)) for i in range(len(points))].count(0) \
            == len(points) - (want[0] >= 0)


# --------------------------------------------------------------------------- constants


def test_constants_have_one_source():
    from zkl.algebra import curve
    from zkl.circuits import field as circuit_field

    assert [int(v) for v in R_LIMBS] == [(R >> (64 * k)) % 2**64 for k in range(4)]
    assert [int(v) for v in Q_LIMBS] == [(Q >> (64 * k)) % 2**64 for k in range(4)]
    assert not R_LIMBS.flags.writeable and not Q_LIMBS.flags.writeable
    assert Fq2(*G2_B) * Fq2(*XI) == Fq2(3, 0)
    assert curve.G2_B is G2_B
    assert circuit_field.R is R and circuit_field.R_LIMBS is R_LIMBS


def test_constants_load_no_numba_and_points_no_curve():
    script = ("import sys\n"
              "from zkl.algebra.constants import R\n"
              "import zkl.circuits.field\n"
              "print('numba' in sys.modules)\n"
              "from zkl.algebra.points import G1Point\n"
              "print('zkl.algebra.curve' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.split() == ["False", "False"], done.stdout + done.stderr[-2000:]


# --------------------------------------------------------------------------- point operators


def test_point_operators_need_no_import_of_curve():
    """points.py defines the operators itself: they work in a process that never imported zkl.algebra.curve."""
    script = ("from zkl.algebra.points import G1Point, G2Point\n"
              "from zkl.algebra.constants import G2_GENERATOR\n"
              "p, q = G1Point(1, 2), G2Point(*G2_GENERATOR)\n"
              "assert p + p == 2 * p == p * 2 and (p - p).is_infinity() and -(-p) == p and 3 * p - p == p + p\n"
              "assert q + q == 2 * q and (q + -q).is_infinity()\n"
              "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_point_operators_reject_other_operands():
    p, q = G1Point(1, 2), G2_GENERATOR
    for bad in (lambda: p + q, lambda: q - p, lambda: p * 1.5, lambda: True * p, lambda: p + 1):
        with pytest.raises(TypeError):
            bad()
    assert np.int64(2) * p == p + p


# --------------------------------------------------------------------------- thread counts


def test_numba_threads_and_serial_below():
    import numba

    current = numba.get_num_threads()
    with numba_threads(None) as n:
        assert n == current
    with numba_threads(None, rows=PARALLEL_MIN_ROWS - 1) as n:
        assert n == 1 == numba.get_num_threads()
    with numba_threads(None, rows=PARALLEL_MIN_ROWS) as n:
        assert n == current
    with numba_threads(1, rows=10**9) as n:
        assert n == 1
    with serial_below(5):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == current
    for bad in (0, True, 2.0, 10**6):
        with pytest.raises(MalformedInput, match="threads must be an int"):
            with numba_threads(bad):
                pass


# --------------------------------------------------------------------------- warm-up


def test_each_package_has_its_warmup_and_zkl_warmup_only_schedules():
    from zkl import warmup

    for module in ("zkl.algebra.field", "zkl.algebra.curve", "zkl.algebra.ntt", "zkl.algebra.msm",
                   "zkl.algebra.pairing", "zkl.verifier.groth16", "zkl.circuits.r1cs", "zkl.prover",
                   "zkl.crypto.eddsa_batch"):
        assert callable(importlib.import_module(module).warmup), module
    source = (_PACKAGE / "warmup.py").read_text(encoding="utf-8")
    assert "zkl.algebra import" not in source and "from zkl.verifier" not in source
    with pytest.raises(MalformedInput):
        importlib.import_module("zkl.algebra.curve").warmup(("g3",))
    assert [name for name, _ in warmup.STEPS] == ["curve_g1", "field", "ntt", "eddsa", "curve_g2", "pairing",
                                                  "msm_g1", "msm_g2", "verifier", "circuits", "prover"]
