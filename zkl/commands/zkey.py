"""`zkl zkey`: operations on snarkjs .zkey files.

    zkl zkey export verificationkey circuit.zkey verification_key.json
    zkl zkey export solidityverifier circuit.zkey|verification_key.json verifier.sol
    zkl zkey export soliditycalldata public.json proof.json       (verifyProof's arguments, on stdout)

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
    from zkl.commands._output import bad_input
    from zkl.errors import ZklError
    from zkl.prover.zkey import read_zkey_verifying_key
    from zkl.verifier import write_verifying_key

    try:
        vk = read_zkey_verifying_key(zkey_file, validate=not trusted)
        write_verifying_key(vk, vk_file)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    click.echo(f"wrote {vk_file} ({vk.n_public} public inputs)")


def _verifying_key(key_file: str, trusted: bool):  # noqa: ANN202 - a VerifyingKey
    """The verifying key of a .zkey (by its magic bytes) or of a snarkjs verification_key.json."""
    from zkl.prover.zkey import read_zkey_verifying_key
    from zkl.verifier import read_verifying_key

    with open(key_file, "rb") as f:
        magic = f.read(4)
    if magic == b"zkey":
        return read_zkey_verifying_key(key_file, validate=not trusted)
    return read_verifying_key(key_file, validate=not trusted)


@export.command("solidityverifier")
@click.argument("key_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("sol_file", type=click.Path(dir_okay=False), default="verifier.sol", required=False)
@click.option("--contract-name", default="Groth16Verifier", show_default=True, help="The contract's name.")
@click.option("--trusted", is_flag=True, help="Skip the curve and subgroup checks of the key's points.")
def export_solidityverifier(key_file: str, sol_file: str, contract_name: str, trusted: bool) -> None:
    """Write a Solidity verifier for the key of a .zkey or a verification_key.json (snarkjs's verifyProof ABI)."""
    from zkl._binfile import atomic_write
    from zkl.commands._output import bad_input
    from zkl.errors import ZklError
    from zkl.verifier.solidity import solidity_verifier

    try:
        vk = _verifying_key(key_file, trusted)
        atomic_write(sol_file, solidity_verifier(vk, contract_name=contract_name).encode())
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    click.echo(f"wrote {sol_file}: contract {contract_name}, verifyProof for {vk.n_public} public inputs")


@export.command("soliditycalldata")
@click.argument("public_file", type=click.Path(exists=True, dir_okay=False), default="public.json", required=False)
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False), default="proof.json", required=False)
def export_soliditycalldata(public_file: str, proof_file: str) -> None:
    """Print the arguments of verifyProof for a proof, as `snarkjs zkey export soliditycalldata` does."""
    from zkl.commands._output import bad_input
    from zkl.errors import ZklError
    from zkl.verifier import read_proof, read_public
    from zkl.verifier.solidity import solidity_calldata

    try:
        click.echo(solidity_calldata(read_proof(proof_file), read_public(public_file)))
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
