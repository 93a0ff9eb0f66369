"""`zkl groth16 verify VERIFICATION_KEY PUBLIC PROOF`: snarkjs's verify, argument order included.

    zkl groth16 verify verification_key.json public.json proof.json [--json]

Prints `OK` and exits 0 for a valid proof; prints `INVALID: proof does not
verify` and exits 1 for a well-formed proof that does not verify; prints
`ERROR: <what is malformed>` and exits 2 for unreadable or malformed input
(missing keys, wrong protocol or curve, a public input >= r, a point off its
curve or outside the subgroup, a coordinate >= q, the wrong number of public
inputs).  With --json, one JSON object on stdout:
{"valid": bool, "status": "ok" | "invalid" | "error", "reason": str | null,
"n_public": int | null}, same exit codes.

This module holds the command only; the `zkl groth16` group (zkl/commands/groth16.py)
mounts it with `group.add_command(verify_command)`.
"""

from __future__ import annotations

import json
import time

import click

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.command("verify")
@click.argument("verification_key", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False))
@click.argument("public", metavar="PUBLIC", type=click.Path(dir_okay=False))
@click.argument("proof", metavar="PROOF", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a line of text.")
def verify_command(verification_key: str, public: str, proof: str, as_json: bool) -> None:
    """Verify a Groth16 proof from snarkjs files (verification_key.json public.json proof.json)."""
    from zkl.errors import MalformedInput
    from zkl.verifier.groth16 import verify
    from zkl.verifier.snarkjs_json import read_proof, read_public, read_verifying_key

    n_public = None
    start = time.perf_counter()
    try:
        vk = read_verifying_key(verification_key)
        n_public = vk.n_public
        inputs = read_public(public)
        pi = read_proof(proof)
        valid = verify(vk, inputs, pi)
    except MalformedInput as e:
        _report("error", str(e), n_public, as_json, time.perf_counter() - start)
        raise SystemExit(EXIT_ERROR) from None
    if valid:
        _report("ok", None, n_public, as_json, time.perf_counter() - start)
        return
    _report("invalid", "proof does not verify", n_public, as_json, time.perf_counter() - start)
    raise SystemExit(EXIT_INVALID)


def _report(status: str, reason: str | None, n_public: int | None, as_json: bool, seconds: float) -> None:
    if as_json:
        click.echo(json.dumps({"valid": status == "ok", "status": status, "reason": reason, "n_public": n_public,
                               "seconds": round(seconds, 6)}))
    elif status == "ok":
        click.echo("OK")
    elif status == "invalid":
        click.echo(f"INVALID: {reason}")
    else:
        click.echo(f"ERROR: {reason}")
