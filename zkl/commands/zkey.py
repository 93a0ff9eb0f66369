"""`zkl zkey`: operations on snarkjs .zkey files.

    zkl zkey export verificationkey circuit.zkey verification_key.json

Exit codes: 0 success, 2 for a malformed or unreadable .zkey (one line `Error: ...`).
"""

from __future__ import annotations

import click


@click.group("zkey")
def command() -> None:
    """snarkjs .zkey files (Groth16 proving keys)."""


@command.group("export")
def export() -> None:
    """Export parts of a .zkey."""


@export.command("verificationkey")
@click.argument("zkey_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("vk_file", type=click.Path(dir_okay=False), default="verification_key.json", required=False)
@click.option("--trusted", is_flag=True, help="Skip the curve and subgroup checks of the key's points.")
def export_verificationkey(zkey_file: str, vk_file: str, trusted: bool) -> None:
    """Write the verification_key.json of a .zkey, as `snarkjs zkey export verificationkey` does."""
    from zkl.commands.circuit import _fail
    from zkl.errors import ZklError
    from zkl.prover.zkey import read_zkey_verifying_key
    from zkl.verifier import write_verifying_key

    try:
        vk = read_zkey_verifying_key(zkey_file, validate=not trusted)
        write_verifying_key(vk, vk_file)
    except (ZklError, OSError) as e:
        raise _fail(e) from None
    click.echo(f"wrote {vk_file} ({vk.n_public} public inputs)")
