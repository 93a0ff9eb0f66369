"""zkl.prover without JS: setup against a naive QAP in Python ints, the prover's algebra, .zkey/.ptau I/O, CLI.

References are independent of the kernels under test: Lagrange polynomials and polynomial
evaluation with Python ints (O(n^2) formulas), points via zkl.algebra.curve and py_ecc,
proofs checked with the pairing equation of zkl.algebra.pairing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from py_ecc import optimized_bn128 as ref

from zkl.algebra.constants import R
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, g1_add, g1_mul, g1_neg, g2_mul
from zkl.algebra.limbs import ints_to_limbs, limbs_to_ints
from zkl.algebra.ntt import domain
from zkl.algebra.pairing import pairing_check
from zkl.algebra.points import G1Point, G2Point, g1_from_array, g2_from_array
from zkl.circuits import Circuit, Public, Secret, compile, solve
from zkl.circuits.witness import qap_products
from zkl.errors import FieldElementOutOfRange, FormatError, MalformedInput, NotInSubgroup, NotOnCurve, \
    ShapeMismatch, UnsatisfiedConstraint
from zkl.prover import (
    ToxicWaste,
    domain_size,
    prove,
    public_inputs,
    read_ptau,
    read_zkey,
    read_zkey_verifying_key,
    setup,
    setup_from_ptau,
    write_zkey,
    zkey_coefficients,
)
from zkl.prover import qap
from zkl.prover.keys import ZkeyCoefficients
from zkl.prover.ptau import write_ptau
from zkl.verifier.keys import Proof, VerifyingKey
from tests.paths import ROOT

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it

TOXIC = ToxicWaste(tau=0x1234567890ABCDEF1234567890, alpha=31337, beta=0xBEEF ** 5, gamma=97, delta=2 ** 200 + 3)
#: a point of the G2 twist outside the order-r subgroup (tests/test_curve.py's twist_point, random.Random(7))
TWIST_POINT = G2Point(
    (6215087815076330926179520016461010917137519558660815034878824735059242618923,
     15951728188012883138265176510482648277956245750475693862477712774865526280408),
    (3883977897564888010651085404774470414463111034944669274151467203191618805695,
     19498073560140031588371260485875504435560004141507859856993853994986969832168))


class Poly(Circuit):
    """x^3 + 3x + k + 5 == out: two products, a constant coefficient, two public inputs."""

    out = Public()
    k = Public()
    x = Secret()

    def define(self, api):
        x3 = api.mul(api.mul(self.x, self.x), self.x)
        api.assert_equal(api.add(x3, api.mul(self.x, 3), self.k, 5), self.out)


def poly_inputs(x: int, k: int) -> dict:
    return {"out": (x ** 3 + 3 * x + k + 5) % R, "k": k, "x": x}


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def poly():
    circuit = Poly()
    r1cs = compile(circuit, cache=False)
    witness = solve(circuit, poly_inputs(3, 11), r1cs=r1cs)
    return r1cs, witness


@pytest.fixture(scope="module")
def pk(poly):
    return setup(poly[0], toxic=TOXIC)


# --------------------------------------------------------------------------- references


def lagrange_at(tau: int, points: list[int], k: int) -> int:
    """L_k(tau) for the interpolation points `points` (Python ints, product formula)."""
    num, den = 1, 1
    for j, x in enumerate(points):
        if j != k:
            num = num * (tau - x) % R
            den = den * (points[k] - x) % R
    return num * pow(den, -1, R) % R


def naive_qap(r1cs, tau: int) -> tuple[list[int], list[int], list[int], int]:
    """u_i(tau), v_i(tau), w_i(tau) with snarkjs's public rows, and the domain size."""
    n = domain_size(r1cs.n_constraints, r1cs.n_public)
    w = domain(n.bit_length() - 1)
    pts = [pow(w, j, R) for j in range(n)]
    lag = [lagrange_at(tau, pts, j) for j in range(n)]
    polys = []
    for mat in r1cs.matrices:
        acc = [0] * r1cs.n_wires
        for row in range(r1cs.n_constraints):
            for wire, c in mat.row(row).items():
                acc[wire] = (acc[wire] + c * lag[row]) % R
        polys.append(acc)
    for s in range(r1cs.n_public + 1):
        polys[0][s] = (polys[0][s] + lag[r1cs.n_constraints + s]) % R
    return polys[0], polys[1], polys[2], n


def groth16_holds(vk: VerifyingKey, public: list[int], proof: Proof) -> bool:
    """e(A, B) == e(alpha, beta) e(sum x_i IC_i, gamma) e(C, delta), with zkl.algebra's pairing."""
    acc = vk.gamma_abc_g1[0]
    for x, p in zip(public, vk.gamma_abc_g1[1:]):
        acc = g1_add(acc, g1_mul(p, x % R))
    return pairing_check([(g1_neg(proof.a), proof.b), (vk.alpha_g1, vk.beta_g2), (acc, vk.gamma_g2),
                          (proof.c, vk.delta_g2)])


def to_ref_g1(p: G1Point):
    return (ref.FQ(p.x), ref.FQ(p.y), ref.FQ(1))


# --------------------------------------------------------------------------- setup


def test_domain_size_is_snarkjs_rule():
    def snarkjs(m: int, p: int) -> int:  # zkey_new.js: log2(V) is floor(log2(V)), 0 for V = 0
        v = m + p
        return 2 ** ((v.bit_length() - 1 if v else 0) + 1)

    for m, p in [(0, 0), (1, 0), (1, 1), (3, 2), (6, 2), (7, 1), (8, 0), (1000, 24), (65535, 1), (65536, 0)]:
        assert domain_size(m, p) == snarkjs(m, p) > m + p


def test_zkey_coefficients_order(poly):
    r1cs, _ = poly
    co = zkey_coefficients(r1cs)
    m, npub = r1cs.n_constraints, r1cs.n_public
    expect = []
    for row in range(m):
        for which, mat in enumerate(r1cs.matrices[:2]):
            expect += [(which, row, wire, c) for wire, c in mat.row(row).items()]
    expect += [(0, m + s, s, 1) for s in range(npub + 1)]
    got = list(zip(co.matrix.tolist(), co.constraint.tolist(), co.wire.tolist(), limbs_to_ints(co.value)))
    assert got == expect
    assert any(c not in (1, R - 1) for *_, c in got)  # a real coefficient (3) is in there
    for size in (1, 2, 3, 5, len(expect) + 1):  # the runs of rows a writer takes: whole rows, in order
        fresh = zkey_coefficients(r1cs)
        runs = list(fresh.chunks(size))
        assert "value" not in vars(fresh)  # made a run at a time, the whole never
        flat = [(int(m_), int(c_), int(w_), v_) for mats, cons, wires, vals in runs
                for m_, c_, w_, v_ in zip(mats, cons, wires, limbs_to_ints(vals))]
        assert flat == expect, size
        assert all(len(run[0]) <= size or len({int(c) for c in run[1]}) == 1 for run in runs[:-1])


def test_a_zkey_written_in_chunks_is_the_same_file(tmp_path, poly, pk, monkeypatch):
    from zkl.prover import zkey as zkey_module

    write_zkey(pk, tmp_path / "whole.zkey")
    monkeypatch.setattr(zkey_module, "_CHECK_CHUNK", 3)
    fresh = dataclasses.replace(pk, coefficients=zkey_coefficients(poly[0]))
    write_zkey(fresh, tmp_path / "chunked.zkey")
    assert (tmp_path / "chunked.zkey").read_bytes() == (tmp_path / "whole.zkey").read_bytes()
    assert "value" not in vars(fresh.coefficients)
    back = read_zkey(tmp_path / "whole.zkey")  # a read key written again, its section a chunk at a time
    write_zkey(back, tmp_path / "again.zkey")
    assert (tmp_path / "again.zkey").read_bytes() == (tmp_path / "whole.zkey").read_bytes()
    assert "value" not in vars(back.coefficients)


def test_setup_points_match_naive_qap(poly, pk):
    r1cs, _ = poly
    u, v, w, n = naive_qap(r1cs, TOXIC.tau)
    assert pk.domain_size == n == 8 and pk.n_public == 2 and pk.n_wires == 6
    a, b1, b2 = g1_from_array(pk.a_query), g1_from_array(pk.b_g1_query), g2_from_array(pk.b_g2_query)
    for i in range(r1cs.n_wires):
        assert a[i] == g1_mul(G1_GENERATOR, u[i])
        assert b1[i] == g1_mul(G1_GENERATOR, v[i])
        assert b2[i] == g2_mul(G2_GENERATOR, v[i])
    mixed = [(TOXIC.beta * u[i] + TOXIC.alpha * v[i] + w[i]) % R for i in range(r1cs.n_wires)]
    ic = [g1_mul(G1_GENERATOR, mixed[i] * pow(TOXIC.gamma, -1, R) % R) for i in range(3)]
    assert list(pk.vk.gamma_abc_g1) == ic
    l_query = g1_from_array(pk.l_query)
    assert l_query == [g1_mul(G1_GENERATOR, mixed[i] * pow(TOXIC.delta, -1, R) % R) for i in range(3, 6)]
    big = [pow(domain(4), k, R) for k in range(2 * n)]  # the domain of size 2n; H uses its odd points
    h = g1_from_array(pk.h_query)
    for j in range(n):
        assert h[j] == g1_mul(G1_GENERATOR, lagrange_at(TOXIC.tau, big, 2 * j + 1) * pow(TOXIC.delta, -1, R) % R)
    assert pk.vk.alpha_g1 == g1_mul(G1_GENERATOR, TOXIC.alpha)
    assert pk.beta_g1 == g1_mul(G1_GENERATOR, TOXIC.beta) and pk.delta_g1 == g1_mul(G1_GENERATOR, TOXIC.delta)
    assert pk.vk.gamma_g2 == g2_mul(G2_GENERATOR, TOXIC.gamma)
    # one point against py_ecc, independently of zkl.algebra.curve
    expect = ref.normalize(ref.multiply(ref.G1, u[3]))
    assert (a[3].x, a[3].y) == (int(expect[0]), int(expect[1]))


def test_fresh_setups_differ_and_prove(poly):
    r1cs, witness = poly
    pk1, pk2 = setup(r1cs), setup(r1cs)
    assert pk1.vk.alpha_g1 != pk2.vk.alpha_g1 and not np.array_equal(pk1.h_query, pk2.h_query)
    proof = prove(pk1, witness)
    assert groth16_holds(pk1.vk, witness.public, proof)
    assert not groth16_holds(pk2.vk, witness.public, proof)


def test_setup_rejects_bad_input(poly):
    with pytest.raises(MalformedInput):
        setup("not an r1cs")
    with pytest.raises(MalformedInput):
        setup(poly[0], toxic=ToxicWaste(0, 1, 1, 1, 1))
    tau_in_domain = ToxicWaste(domain(3), 1, 1, 1, 1)
    with pytest.raises(MalformedInput):
        setup(poly[0], toxic=tau_in_domain)
    assert "<secret>" in repr(TOXIC) and str(TOXIC.tau) not in repr(TOXIC)


# --------------------------------------------------------------------------- proving


def test_prove_verifies_and_rejects(poly, pk):
    r1cs, witness = poly
    proof = prove(pk, witness)
    assert public_inputs(pk, witness) == witness.public == [(27 + 9 + 11 + 5), 11]
    assert groth16_holds(pk.vk, witness.public, proof)
    assert not groth16_holds(pk.vk, [witness.public[0] + 1, 11], proof)
    assert not groth16_holds(pk.vk, witness.public, Proof(proof.a, proof.b, g1_add(proof.c, G1_GENERATOR)))
    again = prove(pk, witness)
    assert again.a != proof.a and groth16_holds(pk.vk, witness.public, again)  # fresh r, s


def test_prove_key_path_equals_r1cs_path(poly, pk):
    r1cs, witness = poly
    blinding = (123456789, 987654321)
    assert prove(pk, witness, blinding=blinding) == prove(pk, witness, r1cs=r1cs, blinding=blinding)
    limbs = prove(pk, witness.to_limbs(), blinding=blinding)
    assert limbs == prove(pk, list(witness.values), blinding=blinding)


def test_unblinded_a_and_b_are_the_key_sums(poly, pk):
    _, witness = poly
    proof = prove(pk, witness, blinding=(0, 0))
    a, b2 = g1_from_array(pk.a_query), g2_from_array(pk.b_g2_query)
    expect_a = pk.vk.alpha_g1
    expect_b = pk.vk.beta_g2
    for wi, ai, bi in zip(witness.values, a, b2):
        expect_a = g1_add(expect_a, g1_mul(ai, wi))
        expect_b = expect_b + g2_mul(bi, wi)
    assert proof.a == expect_a and proof.b == expect_b
    r = 5
    assert prove(pk, witness, blinding=(r, 0)).a == g1_add(expect_a, g1_mul(pk.delta_g1, r))


def test_unsatisfying_witness(poly, pk):
    r1cs, witness = poly
    bad = witness.with_values({4: 10})  # x^2 wire wrong
    with pytest.raises(UnsatisfiedConstraint) as info:
        prove(pk, bad, r1cs=r1cs)
    assert info.value.index == 0
    assert not groth16_holds(pk.vk, bad.public, prove(pk, bad))  # from the key: no check, a useless proof


def test_witness_validation(poly, pk):
    _, witness = poly
    values = list(witness.values)
    with pytest.raises(ShapeMismatch):
        prove(pk, values[:-1])
    with pytest.raises(MalformedInput):
        prove(pk, [2] + values[1:])
    with pytest.raises(FieldElementOutOfRange):
        prove(pk, values[:-1] + [R])
    with pytest.raises(MalformedInput):
        prove(pk, "witness")
    with pytest.raises(MalformedInput):
        prove(pk, values, blinding=(R, 1))
    with pytest.raises(MalformedInput):
        prove("key", values)


def test_progress_callback(poly, pk):
    seen = []
    prove(pk, poly[1], progress=lambda name, i, total: seen.append((name, i, total)))
    assert [i for _, i, _ in seen] == list(range(8)) and seen[0][2] == 8
    assert seen[0][0].startswith("A.w") and seen[-1][0] == "blinding"


# --------------------------------------------------------------------------- QAP


def _naive_quotient(a: list[int], b: list[int], c: list[int]) -> list[int]:
    """(A B - C)(g w^j) for the polynomials through the domain evaluations (Python ints, O(n^2))."""
    n = len(a)
    w, g = domain(n.bit_length() - 1), domain(n.bit_length())
    w_inv, n_inv = pow(w, -1, R), pow(n, -1, R)

    def coeffs(values):
        return [sum(v * pow(w_inv, i * k, R) for i, v in enumerate(values)) * n_inv % R for k in range(n)]

    def evaluate(cs, x):
        return sum(ck * pow(x, k, R) for k, ck in enumerate(cs)) % R

    pa, pb, pc = coeffs(a), coeffs(b), coeffs(c)
    return [(evaluate(pa, x) * evaluate(pb, x) - evaluate(pc, x)) % R for x in (g * pow(w, j, R) % R for j in range(n))]


def test_quotient_on_coset_matches_naive(pyrng):
    for n in (2, 8, 16):
        a, b, c = ([pyrng.randrange(R) for _ in range(n)] for _ in range(3))
        c[0] = 0
        a[1] = R - 1
        got = qap.quotient_on_coset(ints_to_limbs(a), ints_to_limbs(b), ints_to_limbs(c))
        assert limbs_to_ints(got) == _naive_quotient(a, b, c)


def test_evaluations_from_key_and_r1cs_agree(poly, pk):
    r1cs, witness = poly
    w = witness.to_limbs()
    a1, b1, c1 = qap.evaluations_from_coefficients(pk.coefficients, w, pk.domain_size)
    a2, b2, c2 = qap.evaluations_from_r1cs(r1cs, w, pk.domain_size)
    for x, y in ((a1, a2), (b1, b2), (c1, c2)):
        assert np.array_equal(x, y)
    az, bz, cz = r1cs.evaluate(witness.values)
    m = r1cs.n_constraints
    assert limbs_to_ints(a1[:m]) == list(az) and limbs_to_ints(b1[:m]) == list(bz)
    assert limbs_to_ints(a1[m: m + 3]) == witness.values[:3] and not a1[m + 3:].any()


def test_evaluations_from_a_coefficient_section_in_any_order(poly, pk, rng):
    """A section in snarkjs's order runs as parallel row ranges; one in no order (shuffled) takes the
    sorting path; both give the same evaluations; rows or wires beyond the key are refused."""
    r1cs, witness = poly
    w = witness.to_limbs()
    coef = pk.coefficients
    expected = qap.evaluations_from_coefficients(coef, w, pk.domain_size)
    assert qap._plan(coef, pk.domain_size, w.shape[0]) is not None
    blocked = np.argsort(coef.matrix, kind="stable")  # all of A, then all of B: one run per matrix
    by_matrix = ZkeyCoefficients(coef.matrix[blocked], coef.constraint[blocked], coef.wire[blocked],
                                 coef.value[blocked])
    assert qap._plan(by_matrix, pk.domain_size, w.shape[0]) is not None
    for x, y in zip(expected, qap.evaluations_from_coefficients(by_matrix, w, pk.domain_size)):
        assert np.array_equal(x, y)
    order = rng.permutation(len(coef))
    shuffled = ZkeyCoefficients(coef.matrix[order], coef.constraint[order], coef.wire[order], coef.value[order])
    assert qap._plan(shuffled, pk.domain_size, w.shape[0]) is None
    for x, y in zip(expected, qap.evaluations_from_coefficients(shuffled, w, pk.domain_size)):
        assert np.array_equal(x, y)
    with pytest.raises(ShapeMismatch, match="witness"):
        qap.evaluations_from_coefficients(coef, w[:1], pk.domain_size)
    with pytest.raises(ShapeMismatch, match="domain"):
        qap.evaluations_from_coefficients(coef, w, int(coef.constraint.max()))


# --------------------------------------------------------------------------- .zkey


def test_zkey_roundtrip(tmp_path, poly, pk):
    path = tmp_path / "k.zkey"
    write_zkey(pk, path)
    data = path.read_bytes()
    assert data[:4] == b"zkey" and struct.unpack_from("<II", data, 4) == (1, 10)
    back = read_zkey(path)
    for name in ("a_query", "b_g1_query", "b_g2_query", "h_query", "l_query"):
        assert np.array_equal(getattr(back, name), getattr(pk, name)), name
    assert back.vk == pk.vk and (back.beta_g1, back.delta_g1) == (pk.beta_g1, pk.delta_g1)
    assert (back.n_wires, back.n_public, back.domain_size) == (pk.n_wires, pk.n_public, pk.domain_size)
    for name in ("matrix", "constraint", "wire", "value"):
        assert np.array_equal(getattr(back.coefficients, name), getattr(pk.coefficients, name))
    assert len(back.mpc) == 68 and back.mpc[64:] == b"\0\0\0\0"
    write_zkey(back, tmp_path / "again.zkey")
    assert (tmp_path / "again.zkey").read_bytes() == data
    assert read_zkey(path, mmap=False).vk == pk.vk
    assert read_zkey_verifying_key(path) == pk.vk
    # the file stores coefficients times 2^512 mod r
    pos = data.index(struct.pack("<IQ", 4, 4 + 44 * len(pk.coefficients))) + 12
    first = int.from_bytes(data[pos + 4 + 12: pos + 4 + 44], "little")
    assert first == limbs_to_ints(pk.coefficients.value[:1])[0] * pow(2, 512, R) % R
    proof = prove(back, poly[1])
    assert groth16_holds(pk.vk, poly[1].public, proof)


def test_a_read_keys_coefficients_are_converted_only_when_used(tmp_path, poly, pk):
    from zkl.prover.keys import SectionCoefficients

    write_zkey(pk, tmp_path / "k.zkey")
    back = read_zkey(tmp_path / "k.zkey")
    assert isinstance(back.coefficients, SectionCoefficients) and len(back.coefficients) == len(pk.coefficients)
    assert "value" not in vars(back.coefficients)  # nothing converted by the reader
    # a prover starting from the compiled solver's products leaves the values in the file
    assert groth16_holds(pk.vk, poly[1].public, prove(back, poly[1]))
    assert qap_products(poly[1]) is not None and "value" not in vars(back.coefficients)
    assert np.array_equal(back.coefficients.value, pk.coefficients.value)
    assert back.coefficients.value is back.coefficients.value  # converted once


def _resident_file_bytes() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile:")) * 1024


def test_a_read_key_is_a_map_aligned_per_msm_and_handed_back(tmp_path, poly, pk, monkeypatch):
    """Unaligned query sections stay views of the file (no copy at load); each MSM gets an aligned array;
    a proof leaves none of the query pages resident."""
    import zkl._binfile as binfile
    from zkl.prover import groth16 as groth16_module

    write_zkey(pk, tmp_path / "k.zkey")
    back = read_zkey(tmp_path / "k.zkey")
    queries = [back.a_query, back.b_g1_query, back.b_g2_query, back.l_query, back.h_query]
    assert all(not q.flags.owndata for q in queries)  # views of the map, none copied
    assert {q.flags.aligned for q in queries} == {True, False}  # section headers are 12 bytes: every other one
    given, released = [], []
    real_msm, real_drop = groth16_module.msm_g1_unchecked, groth16_module.drop_pages
    monkeypatch.setattr(groth16_module, "msm_g1_unchecked",
                        lambda points, scalars, **kw: given.append(points.flags.aligned) or real_msm(points, scalars, **kw))
    monkeypatch.setattr(groth16_module, "drop_pages", lambda a: released.append(real_drop(a)) or released[-1])
    assert groth16_holds(pk.vk, poly[1].public, prove(back, poly[1]))
    assert given[:4] == [True] * 4  # the four G1 queries, aligned for their MSMs
    assert len(released) == 5
    if sys.platform.startswith("linux"):
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(64 << 20))
        import mmap as mmap_module

        with open(big, "rb") as fh:
            data = mmap_module.mmap(fh.fileno(), 0, access=mmap_module.ACCESS_COPY)
        view = np.frombuffer(data, dtype="<u8", offset=4, count=((64 << 20) - 8) // 8)  # unaligned, like a section
        total = int(view.sum(dtype=np.uint64))
        before = _resident_file_bytes()
        assert binfile.drop_pages(view) >= (64 << 20) - 2 * mmap_module.PAGESIZE
        assert _resident_file_bytes() < before - (48 << 20)  # handed back
        assert int(view.sum(dtype=np.uint64)) == total  # and read again from the file
        assert binfile.drop_pages(np.zeros(1 << 16, dtype=np.uint64)) == 0  # not a map: nothing to do


def test_point_checks_in_chunks_name_the_point(tmp_path, pk, monkeypatch):
    from zkl.prover import zkey as zkey_module

    path = tmp_path / "k.zkey"
    write_zkey(pk, path)
    data = bytearray(path.read_bytes())
    pos, _ = _sections(bytes(data))[9]  # H points
    index = pk.domain_size - 3
    data[pos + 64 * index + 32] ^= 0x01
    (tmp_path / "bad.zkey").write_bytes(bytes(data))
    monkeypatch.setattr(zkey_module, "_POINT_CHUNK", 4)  # the bad point in a later chunk
    with pytest.raises(NotOnCurve, match=rf"H section: G1 point {index} must be on the curve"):
        read_zkey(tmp_path / "bad.zkey", check_cache=False)


def _sections(data: bytes) -> dict[int, tuple[int, int]]:
    out, pos = {}, 12
    for _ in range(struct.unpack_from("<I", data, 8)[0]):
        kind, size = struct.unpack_from("<IQ", data, pos)
        out[kind] = (pos + 12, size)
        pos += 12 + size
    return out


def test_zkey_malformed(tmp_path, pk):
    path = tmp_path / "k.zkey"
    write_zkey(pk, path)
    data = bytearray(path.read_bytes())
    sec = _sections(bytes(data))
    bad = tmp_path / "bad.zkey"

    def expect(blob: bytes, error: type, match: str, **kw) -> None:
        bad.write_bytes(blob)
        with pytest.raises(error, match=match):
            read_zkey(bad, **kw)

    expect(b"ptau" + bytes(data[4:]), FormatError, "magic")
    expect(bytes(data[:-5]), FormatError, r"section \d+ declares \d+ bytes, only \d+ remain")
    proto = bytearray(data)
    proto[sec[1][0]] = 2
    expect(bytes(proto), FormatError, "protocol")
    prime = bytearray(data)
    prime[sec[2][0] + 4] ^= 1
    expect(bytes(prime), FormatError, "base field")
    wire = bytearray(data)
    struct.pack_into("<I", wire, sec[4][0] + 4 + 8, pk.n_wires)  # first coefficient's wire
    expect(bytes(wire), FormatError, "wire")
    value = bytearray(data)
    last = len(pk.coefficients) - 1
    value[sec[4][0] + 4 + 44 * last + 12: sec[4][0] + 4 + 44 * last + 44] = b"\xff" * 32  # the last value
    expect(bytes(value), FormatError, f"coefficient {last} must be below r")
    off = bytearray(data)
    off[sec[5][0] + 64 * 1 + 40] ^= 1  # A point 1, y coordinate
    expect(bytes(off), NotOnCurve, "A section")
    bad.write_bytes(bytes(off))
    assert read_zkey(bad, validate=False).n_wires == pk.n_wires  # trusted: not checked
    big = bytearray(data)
    big[sec[9][0]: sec[9][0] + 32] = b"\xff" * 32
    expect(bytes(big), FieldElementOutOfRange, "H section")
    twist = bytearray(data)
    from zkl.algebra.points import g2_to_array

    twist[sec[7][0] + 128 * 2: sec[7][0] + 128 * 3] = g2_to_array([TWIST_POINT]).astype("<u8").tobytes()
    expect(bytes(twist), NotInSubgroup, "B2 section")


# --------------------------------------------------------------------------- .ptau


@pytest.fixture(scope="module")
def ptau_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ptau") / "pot4.ptau"
    write_ptau(path, 4, tau=TOXIC.tau, alpha=TOXIC.alpha, beta=TOXIC.beta)
    return path


def test_ptau_layout(ptau_file):
    pt = read_ptau(ptau_file)
    assert (pt.power, pt.ceremony_power, pt.n_contributions, pt.prepared) == (4, 4, 0, True)
    assert pt.tau_g1.shape == (31, 2, 4) and pt.tau_g2.shape == (16, 2, 2, 4)
    tau, n = TOXIC.tau, 16
    assert g1_from_array(pt.tau_g1[5:6])[0] == g1_mul(G1_GENERATOR, pow(tau, 5, R))
    assert g1_from_array(pt.beta_tau_g1[3:4])[0] == g1_mul(G1_GENERATOR, TOXIC.beta * pow(tau, 3, R) % R)
    assert pt.beta_g2 == g2_mul(G2_GENERATOR, TOXIC.beta)
    for log_m in (0, 2, 4):
        pts = [pow(domain(log_m), j, R) for j in range(1 << log_m)]
        block = g1_from_array(pt.lagrange("tau_g1", log_m))
        assert block == [g1_mul(G1_GENERATOR, lagrange_at(tau, pts, j)) for j in range(1 << log_m)]
    alpha_block = g1_from_array(pt.lagrange("alpha_g1", 2))
    assert alpha_block[1] == g1_mul(G1_GENERATOR, TOXIC.alpha * lagrange_at(tau, [pow(domain(2), j, R)
                                                                                   for j in range(4)], 1) % R)
    # the last tauG1 block (size 2n) lacks the tau^(2n-1) term, as snarkjs's prepare phase2 computes it
    top = g1_from_array(pt.lagrange("tau_g1", 5))
    pts = [pow(domain(5), j, R) for j in range(2 * n)]
    for j in (0, 7):
        full = lagrange_at(tau, pts, j)
        assert top[j] == g1_mul(G1_GENERATOR, (full - pts[j] * pow(tau, 2 * n - 1, R) * pow(2 * n, -1, R)) % R)
    with pytest.raises(MalformedInput):
        pt.lagrange("tau_g2", 5)


def test_setup_from_ptau_equals_local_setup(poly, ptau_file):
    r1cs, witness = poly
    from_ptau = setup_from_ptau(r1cs, ptau_file)
    local = setup(r1cs, toxic=ToxicWaste(TOXIC.tau, TOXIC.alpha, TOXIC.beta, 1, 1))
    for name in ("a_query", "b_g1_query", "b_g2_query", "h_query", "l_query"):
        assert np.array_equal(getattr(from_ptau, name), getattr(local, name)), name
    assert from_ptau.vk == local.vk and from_ptau.beta_g1 == local.beta_g1 and from_ptau.delta_g1 == G1_GENERATOR
    assert len(from_ptau.mpc) == 68
    assert groth16_holds(from_ptau.vk, witness.public, prove(from_ptau, witness))


def test_ptau_errors(tmp_path, poly, ptau_file):
    small = tmp_path / "pot2.ptau"
    write_ptau(small, 2)
    with pytest.raises(FormatError, match="2\\^2"):
        setup_from_ptau(poly[0], small)  # the circuit needs 2^3 rows
    data = ptau_file.read_bytes()
    sec = _sections(data)
    cut = data[: sec[12][0] - 12]  # phase-1 only: drop sections 12..15
    unprepared = tmp_path / "phase1.ptau"
    unprepared.write_bytes(cut[:8] + struct.pack("<I", 7) + cut[12:])
    pt = read_ptau(unprepared)
    assert not pt.prepared
    with pytest.raises(FormatError, match="prepare phase2"):
        setup_from_ptau(poly[0], pt)
    wrong = tmp_path / "x.ptau"
    wrong.write_bytes(b"zkey" + data[4:])
    with pytest.raises(FormatError, match="magic"):
        read_ptau(wrong)
    off = bytearray(data)
    lo, _ = sec[12]
    off[lo + 64 * 7 + 8] ^= 1  # a point of the size-8 Lagrange block
    broken = tmp_path / "off.ptau"
    broken.write_bytes(bytes(off))
    with pytest.raises(NotOnCurve):
        setup_from_ptau(poly[0], broken)


# --------------------------------------------------------------------------- CLI


CIRCUIT_SOURCE = textwrap.dedent('''
    from zkl.circuits import Circuit, Public, Secret

    class Poly(Circuit):
        out = Public()
        k = Public()
        x = Secret()

        def define(self, api):
            x3 = api.mul(api.mul(self.x, self.x), self.x)
            api.assert_equal(api.add(x3, api.mul(self.x, 3), self.k, 5), self.out)
''')


def test_cli_setup_prove_export_fullprove(tmp_path, poly):
    from zkl.cli import main

    r1cs, witness = poly
    r1cs.write(str(tmp_path / "c.r1cs"))
    witness.write(str(tmp_path / "c.wtns"))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("groth16", "setup", tmp_path / "c.r1cs", tmp_path / "c.zkey", "--quiet")
    out = run("groth16", "prove", tmp_path / "c.zkey", tmp_path / "c.wtns", tmp_path / "proof.json",
              tmp_path / "public.json", "--json")
    assert json.loads(out.strip().splitlines()[-1])["n_public"] == 2
    run("zkey", "export", "verificationkey", tmp_path / "c.zkey", tmp_path / "vk.json")
    vk_json = json.loads((tmp_path / "vk.json").read_text())
    assert vk_json["nPublic"] == 2 and len(vk_json["IC"]) == 3 and vk_json["protocol"] == "groth16"
    public = [int(x) for x in json.loads((tmp_path / "public.json").read_text())]
    assert public == witness.public
    pk = read_zkey(tmp_path / "c.zkey")
    proof_obj = json.loads((tmp_path / "proof.json").read_text())
    proof = Proof(G1Point(*map(int, proof_obj["pi_a"][:2])),
                  G2Point(*(tuple(map(int, c)) for c in proof_obj["pi_b"][:2])),
                  G1Point(*map(int, proof_obj["pi_c"][:2])))
    assert groth16_holds(pk.vk, public, proof)
    (tmp_path / "poly_circuit.py").write_text(CIRCUIT_SOURCE)
    (tmp_path / "input.json").write_text(json.dumps({k: str(v) for k, v in poly_inputs(4, 2).items()}))
    run("groth16", "fullprove", tmp_path / "input.json", f"{tmp_path / 'poly_circuit.py'}:Poly",
        tmp_path / "c.zkey", tmp_path / "proof2.json", tmp_path / "public2.json", "--quiet")
    assert json.loads((tmp_path / "public2.json").read_text()) == [str(64 + 12 + 2 + 5), "2"]
    (tmp_path / "input.json").write_text(json.dumps({"out": "1", "k": "2", "x": "4"}))
    result = runner.invoke(main, ["groth16", "fullprove", str(tmp_path / "input.json"),
                                  f"{tmp_path / 'poly_circuit.py'}:Poly", str(tmp_path / "c.zkey"),
                                  str(tmp_path / "p3.json"), str(tmp_path / "pub3.json"), "--quiet"])
    assert result.exit_code != 0 and "not satisfied" in result.output


def test_cli_malformed_inputs_exit_2_on_one_line(tmp_path, poly, pk):
    """setup, prove, fullprove and zkey export turn zkl errors (and unwritable outputs) into `Error: ...`, exit 2."""
    from zkl.cli import main

    r1cs, witness = poly
    r1cs.write(str(tmp_path / "c.r1cs"))
    witness.write(str(tmp_path / "c.wtns"))
    write_zkey(pk, tmp_path / "c.zkey")
    zkey = (tmp_path / "c.zkey").read_bytes()
    (tmp_path / "cut.zkey").write_bytes(zkey[: len(zkey) // 2])
    huge = bytearray(zkey)
    struct.pack_into("<Q", huge, 12 + 4, 2**63)  # the first section's declared size
    (tmp_path / "huge.zkey").write_bytes(bytes(huge))
    (tmp_path / "cut.r1cs").write_bytes((tmp_path / "c.r1cs").read_bytes()[:-7])
    (tmp_path / "cut.wtns").write_bytes((tmp_path / "c.wtns").read_bytes()[:-7])
    (tmp_path / "bomb.json").write_text("[" * 100_000)
    (tmp_path / "poly_circuit.py").write_text(CIRCUIT_SOURCE)
    t = lambda name: str(tmp_path / name)  # noqa: E731
    poly_target = f"{t('poly_circuit.py')}:Poly"
    cases = [
        (["groth16", "setup", t("cut.r1cs"), t("x.zkey"), "--quiet"], "cut.r1cs"),
        (["groth16", "setup", t("c.r1cs"), t("no/such/dir/x.zkey"), "--quiet"], "x.zkey"),
        (["groth16", "prove", t("cut.zkey"), t("c.wtns"), t("p.json"), t("x.json"), "--quiet"], "cut.zkey"),
        (["groth16", "prove", t("huge.zkey"), t("c.wtns"), t("p.json"), t("x.json"), "--quiet"], "huge.zkey"),
        (["groth16", "prove", t("c.zkey"), t("cut.wtns"), t("p.json"), t("x.json"), "--quiet"], "cut.wtns"),
        (["groth16", "fullprove", t("bomb.json"), poly_target, t("c.zkey"), t("p.json"), t("x.json"), "--quiet"],
         "bomb.json"),
        (["zkey", "export", "verificationkey", t("cut.zkey"), t("vk.json")], "cut.zkey"),
        (["zkey", "export", "verificationkey", t("huge.zkey"), t("vk.json")], "huge.zkey"),
    ]
    for args, named in cases:
        result = CliRunner().invoke(main, args)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), (args, result.output)
        assert named in lines[0], (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)


# --------------------------------------------------------------------------- no JIT


NOJIT_SCRIPT = textwrap.dedent('''
    import json, sys
    from zkl.circuits import Circuit, Public, Secret, compile, solve
    from zkl.prover import ToxicWaste, setup, prove
    from tests.prover.test_groth16 import Poly, TOXIC, poly_inputs
    r1cs = compile(Poly(), cache=False)
    w = solve(Poly(), poly_inputs(3, 11), r1cs=r1cs)
    pk = setup(r1cs, toxic=TOXIC)
    p = prove(pk, w, blinding=(5, 7))
    print(json.dumps([p.a.x, p.a.y, list(p.b.x), list(p.b.y), p.c.x, p.c.y]))
''')


@pytest.mark.slow
def test_kernels_without_jit(poly, pk):
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", NOJIT_SCRIPT], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    p = prove(pk, poly[1], blinding=(5, 7))
    assert got == [p.a.x, p.a.y, list(p.b.x), list(p.b.y), p.c.x, p.c.y]



def test_a_proof_from_the_solvers_products_equals_one_from_the_key(poly, pk):
    """The compiled solver's per-row products stand in for the key's coefficient pass; the proof is
    the same, and products of another shape are not used."""
    from zkl.circuits.witness import qap_products

    r1cs, _ = poly
    witness = solve(Poly(), poly_inputs(5, 7), r1cs=r1cs)
    assert qap_products(witness) is not None
    plain = witness.with_values({})  # the same values, no products
    assert qap_products(plain) is None
    blinding = (12345, 67890)
    assert prove(pk, witness, blinding=blinding) == prove(pk, plain, blinding=blinding)
    assert qap.products_fit(pk, qap_products(witness))
    az, bz = qap_products(witness)
    assert not qap.products_fit(pk, (az[:-1], bz[:-1]))
    a, b, c = qap.evaluations_from_products(az, bz, witness.to_limbs(), pk.n_public, pk.domain_size)
    for x, y in zip((a, b, c), qap.evaluations_from_coefficients(pk.coefficients, witness.to_limbs(),
                                                                  pk.domain_size)):
        assert np.array_equal(x, y)
