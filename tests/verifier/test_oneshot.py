"""The plain-Python verification of `zkl groth16 verify` (zkl.algebra.pure, zkl.verifier.oneshot) against the kernels."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zkl.algebra import pure
from zkl.algebra.constants import G1_GENERATOR, G2_GENERATOR, Q, R
from zkl.algebra.pairing import pairing
from zkl.algebra.points import G1Point, G2Point
from zkl.errors import FieldElementOutOfRange, NotInSubgroup, NotOnCurve, ShapeMismatch
from zkl.verifier import groth16, oneshot
from zkl.verifier.keys import Proof
from zkl.verifier.snarkjs_json import write_proof, write_public, write_verifying_key
from zkl.verifier.testing import simulate, twist_point_outside_subgroup


def _flat(f):
    return tuple(c for half in f for c2 in half for c in c2)


def test_pairing_equals_kernels():
    for a, b in ((1, 1), (7, 11), (R - 3, 5)):
        p = pure.g1_mul(G1_GENERATOR, a)
        q = pure._g2_mul(G2_GENERATOR, b)
        mine = pure.final_exponentiation(pure.miller_loop([(p, q)]))
        assert _flat(mine) == pairing(G1Point(*p), G2Point(*q)).to_ints()


def test_final_exponent_digits():
    from zkl.algebra.constants import BN_X as x

    digits = (-36 * x**3 - 30 * x**2 - 18 * x - 2, -36 * x**3 - 18 * x**2 - 12 * x + 1, 6 * x**2 + 1, 1)
    assert sum(d * Q**i for i, d in enumerate(digits)) == (Q**4 - Q**2 + 1) // R


def test_pairing_check_and_points():
    p = pure.g1_mul(G1_GENERATOR, 6)
    assert pure.pairing_is_one([(p, G2_GENERATOR), (pure.g1_neg(pure.g1_mul(G1_GENERATOR, 3)),
                                                    pure._g2_mul(G2_GENERATOR, 2))])
    assert not pure.pairing_is_one([(p, G2_GENERATOR), (pure.g1_neg(G1_GENERATOR), G2_GENERATOR)])
    assert pure.pairing_is_one([(None, G2_GENERATOR), (p, None)])
    assert pure.g1_add(p, pure.g1_neg(p)) is None
    assert pure.g2_check(G2_GENERATOR) == 0 and pure.g2_check(None) == 0
    outside = twist_point_outside_subgroup()
    assert pure.g2_check((outside.x, outside.y)) == 3
    assert pure.g2_check(((1, 2), (3, 4))) == 2
    assert pure.g1_on_curve((1, 2)) and not pure.g1_on_curve((1, 3))


def test_fast_subgroup_criterion_is_the_order():
    """psi's criterion (63-bit scalar) against [r]P = 0, on G2, outside it, and on the cofactor's image."""
    import random

    outside = twist_point_outside_subgroup()
    o = (outside.x, outside.y)
    rng = random.Random(7)
    for k in [1, 2, 3, R - 1] + [rng.randrange(1, R) for _ in range(4)]:
        g = pure._g2_mul(G2_GENERATOR, k)
        b = pure._g2_mul(o, k)
        assert pure.in_g2_subgroup(g) and pure.in_g2_subgroup_by_order(g)
        assert not pure.in_g2_subgroup(b) and not pure.in_g2_subgroup_by_order(b)
        mixed = pure._g2_add(g, b)
        assert not pure.in_g2_subgroup(mixed) and not pure.in_g2_subgroup_by_order(mixed)
        assert pure._g2_mul(G2_GENERATOR, k) == pure._g2_mul_reference(G2_GENERATOR, k)
        assert pure._g2_mul(o, k) == pure._g2_mul_reference(o, k)
    cleared = pure._g2_mul(o, 2 * Q - R)  # the twist has r (2q - r) points: the cofactor lands in G2
    assert cleared is not None and pure.in_g2_subgroup(cleared) and pure.in_g2_subgroup_by_order(cleared)


def test_verify_agrees_with_kernels():
    sim = simulate(n_public=3, count=3, seed=5)
    for x, proof in sim.items:
        assert oneshot.verify(sim.vk, x, proof) is True
        assert groth16.verify(sim.vk, x, proof) is True
    (x0, p0), (x1, p1) = sim.items[0], sim.items[1]
    assert oneshot.verify(sim.vk, x0, p1) is False
    assert oneshot.verify(sim.vk, [x0[0], x0[1], (x0[2] + 1) % R], p0) is False


def test_same_errors_as_kernels():
    sim = simulate(n_public=2, count=1, seed=2)
    x, p = sim.items[0]
    outside = twist_point_outside_subgroup()
    cases = [
        (sim.vk, x[:1], p, ShapeMismatch),
        (sim.vk, [x[0], R], p, FieldElementOutOfRange),
        (sim.vk, x, Proof(G1Point(1, 3), p.b, p.c), NotOnCurve),
        (sim.vk, x, Proof(p.a, p.b, G1Point(1, 3)), NotOnCurve),
        (sim.vk, x, Proof(p.a, outside, p.c), NotInSubgroup),
        (sim.vk, x, Proof(p.a, G2Point((1, 2), (3, 4)), p.c), NotOnCurve),
    ]
    for vk, xs, proof, error in cases:
        with pytest.raises(error) as mine:
            oneshot.verify(vk, xs, proof)
        with pytest.raises(error) as theirs:
            groth16.verify(vk, xs, proof)
        assert str(mine.value) == str(theirs.value)
    bad_vk = type(sim.vk)(sim.vk.alpha_g1, outside, sim.vk.gamma_g2, sim.vk.delta_g2, sim.vk.gamma_abc_g1)
    with pytest.raises(NotInSubgroup) as mine:
        oneshot.validate_verifying_key(bad_vk, "verification key k.json")
    with pytest.raises(NotInSubgroup) as theirs:
        groth16.validate_verifying_key(bad_vk, "verification key k.json")
    assert str(mine.value) == str(theirs.value)


_PROBE = """
import sys
from zkl.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted(m for m in sys.modules if m == "numba" or m.startswith(("zkl.algebra.msm", "zkl.prover", "zkl.circuits",
                                                                  "zkl.algebra.pairing", "zkl.algebra._kernels")))
print("COMMANDS", ",".join(sorted(m for m in sys.modules if m.startswith("zkl.commands."))))
print("LOADED", ",".join(heavy))
"""


def test_cli_verify_loads_no_kernels(tmp_path):
    """`zkl groth16 verify` as a process imports neither numba nor the prover, the MSM or the pairing kernels."""
    sim = simulate(n_public=2, count=2, seed=3)
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_public(sim.items[0][0], tmp_path / "public.json")
    write_proof(sim.items[0][1], tmp_path / "proof.json")
    write_proof(sim.items[1][1], tmp_path / "other.json")
    for proof, want in (("proof.json", "OK"), ("other.json", "INVALID: proof does not verify")):
        done = subprocess.run([sys.executable, "-c", _PROBE, "groth16", "verify", str(tmp_path / "vk.json"),
                               str(tmp_path / "public.json"), str(tmp_path / proof)],
                              capture_output=True, text=True, timeout=120)
        lines = done.stdout.strip().splitlines()
        assert lines[0] == want, done.stderr[-2000:]
        assert lines[-1].strip() == "LOADED", lines[-1]
        assert lines[-2] == "COMMANDS zkl.commands._output,zkl.commands.groth16"  # the other nouns not imported
    obj = json.loads((tmp_path / "proof.json").read_text())
    obj["pi_a"][1] = str((int(obj["pi_a"][1]) + 1) % Q)
    (tmp_path / "bad.json").write_text(json.dumps(obj))
    done = subprocess.run([sys.executable, "-m", "zkl.cli", "groth16", "verify", str(tmp_path / "vk.json"),
                           str(tmp_path / "public.json"), str(tmp_path / "bad.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout.startswith(f"ERROR: proof {tmp_path / 'bad.json'}: A (pi_a) must be a point of G1")


def test_cli_lists_every_noun_lazily():
    from click.testing import CliRunner

    from zkl.cli import _command_modules, main

    out = CliRunner().invoke(main, ["--help"])
    assert out.exit_code == 0
    for name in _command_modules():
        assert f"  {name} " in out.output, name
    assert set(_command_modules()) >= {"bench", "circuit", "groth16", "rollup", "zkey"}
