"""`zkl groth16`: setup, prove, fullprove and verify, with snarkjs's argument order.

    zkl groth16 setup circuit.r1cs circuit.zkey [--ptau pot.ptau]
    zkl groth16 prove circuit.zkey witness.wtns proof.json public.json
    zkl groth16 fullprove input.json MODULE:CLASS circuit.zkey proof.json public.json [key=value ...]
    zkl groth16 verify verification_key.json public.json proof.json [--json]

`setup` without --ptau draws fresh toxic waste and erases it (a key for development and
tests: nobody else contributed to it); with --ptau it makes the key `snarkjs groth16 setup`
makes from that prepared powers-of-tau file, byte for byte.  `fullprove` compiles the zkl
Python circuit MODULE:CLASS (parameters as key=value, values read as JSON), solves it for
the inputs in input.json, checks every constraint, and proves.  setup, prove and fullprove
exit 0 on success and 2 on malformed or unreadable input (one line `Error: ...`).

`verify` prints `OK` and exits 0 for a valid proof; prints `INVALID: proof does not
verify` and exits 1 for a well-formed proof that does not verify; prints
`ERROR: <what is malformed>` and exits 2 for unreadable or malformed input (missing keys,
wrong protocol or curve, a public input >= r, a point off its curve or outside the
subgroup, a coordinate >= q, the wrong number of public inputs, JSON nested too deep or
with too long numbers).  With --json, one JSON object on stdout:
{"valid": bool, "status": "ok" | "invalid" | "error", "reason": str | null,
"n_public": int | null, "seconds": float}, same exit codes.  Importing this module (and
running verify) loads neither zkl.prover nor zkl.circuits, nor numba: verify runs the checks
and pairings of zkl.verifier.oneshot in plain Python (one proof: faster than loading kernels).
"""

from __future__ import annotations

import json
import time
from typing import Any

import click

from zkl.commands._output import bad_input

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.group("groth16")
def command() -> None:
    """Groth16 on BN254: setup, prove and verify, compatible with snarkjs files."""


@command.command("setup")
@click.argument("r1cs_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("zkey_file", type=click.Path(dir_okay=False))
@click.option("--ptau", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A prepared powers-of-tau file: make the key snarkjs makes from it.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def setup_cmd(r1cs_file: str, zkey_file: str, ptau: str | None, as_json: bool, quiet: bool) -> None:
    """Make a proving key (.zkey) for a circom .r1cs."""
    from zkl.circuits import read_r1cs
    from zkl.errors import ZklError
    from zkl.prover.setup import setup, setup_from_ptau
    from zkl.prover.zkey import write_zkey

    try:
        r1cs = read_r1cs(r1cs_file)
        started = time.perf_counter()
        progress = not (quiet or as_json)
        pk = setup_from_ptau(r1cs, ptau, progress=progress) if ptau else setup(r1cs, progress=progress)
        seconds = time.perf_counter() - started
        write_zkey(pk, zkey_file)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    summary = {"zkey": zkey_file, "constraints": r1cs.n_constraints, "wires": r1cs.n_wires,
               "public": r1cs.n_public, "domain_size": pk.domain_size, "ptau": ptau, "seconds": round(seconds, 3)}
    _report(summary, as_json)


@command.command("prove")
@click.argument("zkey_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("wtns_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("proof_file", type=click.Path(dir_okay=False))
@click.argument("public_file", type=click.Path(dir_okay=False))
@click.option("--trusted", is_flag=True, help="Skip the curve and subgroup checks of the key's points.")
@click.option("--no-key-cache", "no_key_cache", is_flag=True,
              help="Check the key's points even if this file passed before (see $ZKL_ZKEY_CHECK_CACHE).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def prove_cmd(zkey_file: str, wtns_file: str, proof_file: str, public_file: str, trusted: bool, no_key_cache: bool,
              as_json: bool, quiet: bool) -> None:
    """Prove with a .zkey and a .wtns; write snarkjs's proof.json and public.json.

    The key's points are checked the first time a file is used; its SHA-256 digest is then
    recorded under $ZKL_CACHE_DIR, and later runs on the same bytes skip those checks (every
    structural check is still made).
    """
    from zkl._numba_cache import skip_scipy_probe

    skip_scipy_probe()
    from zkl.circuits.circom import read_wtns_limbs
    from zkl.errors import ZklError
    from zkl.prover.groth16 import prove, public_inputs
    from zkl.prover.zkey import read_zkey

    try:
        started = time.perf_counter()
        pk = read_zkey(zkey_file, validate=not trusted, check_cache=False if no_key_cache else None)
        witness = read_wtns_limbs(wtns_file)
        loaded = time.perf_counter()
        proof = prove(pk, witness, progress=not (quiet or as_json))
        proved = time.perf_counter()
        public = public_inputs(pk, witness)
        _write_proof(proof, public, proof_file, public_file)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    _report({"proof": proof_file, "public": public_file, "n_public": len(public), "domain_size": pk.domain_size,
             "load_seconds": round(loaded - started, 3), "prove_seconds": round(proved - loaded, 3)}, as_json)


@command.command("fullprove")
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("target")
@click.argument("zkey_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("proof_file", type=click.Path(dir_okay=False))
@click.argument("public_file", type=click.Path(dir_okay=False))
@click.argument("params", nargs=-1)
@click.option("--trusted", is_flag=True, help="Skip the curve and subgroup checks of the key's points.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def fullprove_cmd(input_file: str, target: str, zkey_file: str, proof_file: str, public_file: str,
                  params: tuple[str, ...], trusted: bool, as_json: bool, quiet: bool) -> None:
    """Solve the zkl circuit MODULE:CLASS for input.json and prove with the .zkey."""
    from zkl.circuits import compile, solve
    from zkl.commands.circuit import _load_circuit, _read_input
    from zkl.errors import ZklError
    from zkl.prover.groth16 import prove
    from zkl.prover.zkey import read_zkey

    circuit = _load_circuit(target, params)
    try:
        inputs = _read_input(input_file)
        started = time.perf_counter()
        r1cs = compile(circuit)
        witness = solve(circuit, inputs, r1cs=r1cs)
        solved = time.perf_counter()
        pk = read_zkey(zkey_file, validate=not trusted)
        proof = prove(pk, witness.values, r1cs=r1cs, progress=not (quiet or as_json))
        proved = time.perf_counter()
        _write_proof(proof, witness.public, proof_file, public_file)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    _report({"proof": proof_file, "public": public_file, "n_public": len(witness.public),
             "solve_seconds": round(solved - started, 3), "prove_seconds": round(proved - solved, 3)}, as_json)


@command.command("verify")
@click.argument("verification_key", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False))
@click.argument("public", metavar="PUBLIC", type=click.Path(dir_okay=False))
@click.argument("proof", metavar="PROOF", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a line of text.")
def verify_command(verification_key: str, public: str, proof: str, as_json: bool) -> None:
    """Verify a Groth16 proof from snarkjs files (verification_key.json public.json proof.json)."""
    from zkl.errors import ZklError
    from zkl.verifier import oneshot
    from zkl.verifier.snarkjs_json import read_proof, read_public, read_verifying_key

    n_public = None
    start = time.perf_counter()
    try:  # the checks and their order of zkl.verifier (key, public.json, proof, inputs), in plain Python
        vk = read_verifying_key(verification_key, validate=False)
        oneshot.validate_verifying_key(vk, f"verification key {verification_key}")
        n_public = vk.n_public
        inputs = read_public(public)
        pi = read_proof(proof, validate=False)
        oneshot.validate_proof(pi, f"proof {proof}")
        valid = oneshot.verify(vk, inputs, pi, validated=True)
    except ZklError as e:
        _verdict("error", " ".join(str(e).split()), n_public, as_json, time.perf_counter() - start)
        raise SystemExit(EXIT_ERROR) from None
    if valid:
        _verdict("ok", None, n_public, as_json, time.perf_counter() - start)
        return
    _verdict("invalid", "proof does not verify", n_public, as_json, time.perf_counter() - start)
    raise SystemExit(EXIT_INVALID)


def _write_proof(proof: Any, public: list[int], proof_file: str, public_file: str) -> None:
    """proof.json and public.json as snarkjs writes them."""
    from zkl.verifier import write_proof, write_public

    write_proof(proof, proof_file)
    write_public(public, public_file)


def _report(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary))
        return
    from zkl.commands._output import kv_table, show

    show(kv_table(None, [(key.replace("_", " "), value) for key, value in summary.items() if value is not None]))


def _verdict(status: str, reason: str | None, n_public: int | None, as_json: bool, seconds: float) -> None:
    if as_json:
        click.echo(json.dumps({"valid": status == "ok", "status": status, "reason": reason, "n_public": n_public,
                               "seconds": round(seconds, 6)}))
    elif status == "ok":
        click.echo("OK")
    elif status == "invalid":
        click.echo(f"INVALID: {reason}")
    else:
        click.echo(f"ERROR: {reason}")
