"""`zkl contract`: the settlement contracts in Solidity (sources, ABI, bytecode).

    zkl contract export OUT_DIR       every contract's ABI (NAME.abi.json), creation bytecode (NAME.bin) and sources
    zkl contract info                 the contracts: size, functions, events, errors, compiler
"""

from __future__ import annotations

from pathlib import Path

import click

from zkl.commands._output import bad_input, json_flag, show, show_json, table


@click.group("contract")
def command() -> None:
    """The rollup's Solidity contracts (ZklRollup, BatchVerifier, ExitVerifier)."""


@command.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False))
@json_flag
def export(out_dir: str, as_json: bool) -> None:
    """Write each contract's ABI JSON and creation bytecode, and the Solidity sources, to OUT_DIR."""
    import json

    from zkl._binfile import atomic_write
    from zkl.settlement.solidity.build import artifacts, sources

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, art in artifacts().items():
            atomic_write(out / f"{name}.abi.json", (json.dumps(art.abi, indent=1) + "\n").encode())
            atomic_write(out / f"{name}.bin", (art.bytecode.hex() + "\n").encode())
            written += [f"{name}.abi.json", f"{name}.bin"]
        for name, text in sources().items():
            atomic_write(out / name, text.encode())
            written.append(name)
    except OSError as e:
        raise bad_input(e) from None
    if as_json:
        return show_json({"out_dir": str(out), "files": written})
    show(f"wrote {len(written)} files to {out}: ABI, bytecode and sources of {', '.join(artifacts())}.")


@command.command("info")
@json_flag
def info(as_json: bool) -> None:
    """Show the committed contracts: bytecode size, functions, events and errors."""
    import json

    from zkl.settlement.solidity.build import ARTIFACTS, artifacts

    compiler = json.loads(ARTIFACTS.read_text())["compiler"]
    rows = []
    for name, art in artifacts().items():
        count = {kind: sum(1 for e in art.abi if e["type"] == kind) for kind in ("function", "event", "error")}
        rows.append((name, len(art.bytecode), count["function"], count["event"], count["error"]))
    if as_json:
        return show_json({"compiler": compiler, "contracts": [
            {"name": n, "bytecode_bytes": b, "functions": f, "events": e, "errors": r} for n, b, f, e, r in rows]})
    show(table(f"contracts ({compiler})", ["contract", "bytecode bytes", "functions", "events", "errors"],
               [(n, f"{b:,}", f, e, r) for n, b, f, e, r in rows]))
