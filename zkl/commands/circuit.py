"""`zkl circuit`: compile Python circuits to circom files, inspect, audit and check them.

    zkl circuit info FILE.r1cs [--json]
    zkl circuit compile MODULE:CLASS [key=value ...] -o out.r1cs [--wtns input.json out.wtns] [--sym]
    zkl circuit audit MODULE:CLASS|FILE.r1cs [key=value ...] [--json]
    zkl circuit check FILE.r1cs FILE.wtns

MODULE is a dotted module name (importable from the current directory) or a path to a .py
file; parameters are passed to the class as keyword arguments, values read as JSON when they
parse (`n=256`, `flags=[1,2]`) and as strings otherwise.

Exit codes: 0 success; 1 for a finding (`audit` found unconstrained wires or removed
inputs, `check` an unsatisfied constraint); 2 for malformed or unreadable input (a zkl
error, a bad argument), reported as one line `Error: ...`, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from zkl.commands._output import bad_input, kv_table, show, table


def _read_input(path: str) -> dict[str, Any]:
    """An input.json: a JSON object of input values (bounded nesting and numbers, zkl errors)."""
    from zkl.errors import FormatError
    from zkl.verifier.snarkjs_json import read_json

    inputs = read_json(path, "input")
    if not isinstance(inputs, dict):
        raise FormatError(f"input {path} must be a JSON object of input values, not {type(inputs).__name__}")
    return inputs


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    """Return {key: value} from key=value arguments (values as JSON when possible)."""
    from zkl.errors import FormatError
    from zkl.verifier.snarkjs_json import parse_json

    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.isidentifier():
            raise click.BadParameter(f"parameters must look like key=value, not {pair[:80]!r}")
        try:
            params[key] = parse_json(text, f"parameter {key}")
        except FormatError as e:  # not JSON (or NaN): a string, as before; too deep or too long: refused
            if "nesting" in str(e) or "digits" in str(e):
                raise click.BadParameter(str(e)) from None
            params[key] = text
    return params


def _load_class(spec: str) -> type:
    """Import MODULE:CLASS where MODULE is a dotted name or a .py path."""
    import importlib
    import importlib.util
    import os
    from pathlib import Path

    from zkl.circuits import Circuit

    module_name, sep, class_name = spec.rpartition(":")
    if not sep or not module_name or not class_name:
        raise click.BadParameter(f"expected MODULE:CLASS or FILE.r1cs, not {spec!r}")
    if module_name.endswith(".py") or os.sep in module_name:
        path = Path(module_name).resolve()
        if not path.exists():
            raise click.BadParameter(f"no such file: {module_name}")
        name = f"_zkl_user_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise click.BadParameter(f"cannot import {module_name}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except (ImportError, SyntaxError, OSError) as e:
            raise click.BadParameter(f"cannot import {module_name}: {e}") from None
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except (ImportError, SyntaxError, ValueError) as e:  # ValueError: an empty or relative name
            raise click.BadParameter(f"cannot import {module_name}: {e}") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Circuit)):
        raise click.BadParameter(f"{spec} is not a Circuit class")
    return cls


def _load_circuit(spec: str, params: tuple[str, ...]) -> Any:
    """Return an instance of the circuit class named by spec, with parameters."""
    cls = _load_class(spec)
    try:
        return cls(**_parse_params(params))
    except TypeError as e:
        raise click.BadParameter(f"bad parameters for {cls.__name__}: {e}") from None


def _summary(r1cs: Any) -> dict[str, Any]:
    """Return the counts `info` shows (removed_inputs only when the compiler removed some, as circom says)."""
    rows = {
        "curve": "bn128", "constraints": r1cs.n_constraints, "wires": r1cs.n_wires,
        "public_outputs": r1cs.n_public_outputs, "public_inputs": r1cs.n_public_inputs,
        "private_inputs": r1cs.n_private_inputs, "labels": r1cs.n_labels,
        "nonzero_terms": sum(m.nnz for m in r1cs.matrices),
    }
    if r1cs.n_removed_inputs:
        rows["removed_inputs"] = r1cs.n_removed_inputs
    return rows


def _print_table(title: str, rows: dict[str, Any]) -> None:
    """Print a two-column table of a summary."""
    show(kv_table(title, [(k.replace("_", " "), f"{v:,}" if isinstance(v, int) else v) for k, v in rows.items()]))


@click.group("circuit")
def circuit() -> None:
    """R1CS circuits: compile Python circuits, inspect, audit and check circom files."""


@circuit.command("info")
@click.argument("r1cs_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(r1cs_file: str, as_json: bool) -> None:
    """Print the counts of a circom .r1cs file."""
    from zkl.circuits import read_r1cs
    from zkl.errors import ZklError

    try:
        r1cs = read_r1cs(r1cs_file)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    rows = _summary(r1cs)
    if as_json:
        click.echo(json.dumps(rows))
    else:
        _print_table(r1cs_file, rows)


@circuit.command("compile")
@click.argument("target")
@click.argument("params", nargs=-1)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .r1cs file to write.")
@click.option("--wtns", nargs=2, type=(click.Path(exists=True, dir_okay=False), click.Path(dir_okay=False)),
              default=None, metavar="INPUT.json OUT.wtns", help="Also solve the witness for these inputs.")
@click.option("--sym", is_flag=True, help="Also write a .sym file of wire names beside the .r1cs.")
@click.option("--no-cache", is_flag=True, help="Compile even if the cache holds this circuit.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def compile_(target: str, params: tuple[str, ...], output: str, wtns: tuple[str, str] | None, sym: bool,
             no_cache: bool, as_json: bool) -> None:
    """Compile MODULE:CLASS [key=value ...] to a circom .r1cs (and a .wtns with --wtns)."""
    from zkl.circuits import compile, solve
    from zkl.errors import ZklError

    circuit_obj = _load_circuit(target, params)
    try:
        start = time.perf_counter()
        r1cs = compile(circuit_obj, cache=not no_cache)
        seconds = time.perf_counter() - start
        r1cs.write(output, sym=sym)
        rows = {**_summary(r1cs), "compile_seconds": round(seconds, 3), "r1cs": output}
        if wtns is not None:
            inputs = _read_input(wtns[0])
            start = time.perf_counter()
            witness = solve(circuit_obj, inputs, r1cs=r1cs)
            rows["solve_seconds"] = round(time.perf_counter() - start, 3)
            witness.write(wtns[1])
            rows["wtns"] = wtns[1]
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    if as_json:
        click.echo(json.dumps(rows))
    else:
        _print_table(f"{target} {' '.join(params)}".strip(), rows)


def _print_audit(report: Any) -> None:
    """Print the findings of an audit as rich tables."""
    data = report.to_dict()
    for key, title in (("unused_wires", "wires in no constraint"),
                       ("unconstrained_secret_inputs", "secret inputs nothing constrains"),
                       ("unused_public_inputs", "public inputs in no constraint"),
                       ("single_use_wires", "internal wires in a single constraint (warning)")):
        if not data[key]:
            continue
        show(table(f"{title}: {len(data[key])}", ["wire", "name", "kind"],
                   [(row["wire"], row["name"], row["kind"]) for row in data[key][:50]], right=("wire",)))
    if report.removed_inputs:
        names = report.removed_input_names
        show(f"private inputs in no constraint (removed by the compiler): {report.removed_inputs}"
             + (f": {', '.join(names[:50])}" if names else " (names need the .sym file)"))
    verdict = ("ok: every wire is constrained" if report.ok else "FAILED: unconstrained wires found"
               if report.unused_wires else "FAILED: private inputs in no constraint")
    show(f"{report.n_constraints} constraints, {report.n_wires} wires: {verdict}")


@circuit.command("audit")
@click.argument("target")
@click.argument("params", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit_(target: str, params: tuple[str, ...], as_json: bool) -> None:
    """Report wires in no constraint and unconstrained secret inputs; exit 1 if any."""
    from zkl.circuits import audit, compile, read_r1cs
    from zkl.errors import ZklError

    try:
        if target.endswith(".r1cs"):
            if params:
                raise click.BadParameter("parameters apply to MODULE:CLASS targets only")
            r1cs = read_r1cs(target)
        else:
            r1cs = compile(_load_circuit(target, params))
        report = audit(r1cs)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        _print_audit(report)
    if not report.ok:
        sys.exit(1)


@circuit.command("check")
@click.argument("r1cs_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("wtns_file", type=click.Path(exists=True, dir_okay=False))
def check(r1cs_file: str, wtns_file: str) -> None:
    """Check a .wtns witness against a .r1cs (like snarkjs wtns check); exit 1 if unsatisfied."""
    from zkl.circuits import read_r1cs
    from zkl.circuits.circom import read_wtns_limbs
    from zkl.errors import UnsatisfiedConstraint, ZklError

    try:
        r1cs = read_r1cs(r1cs_file)
        r1cs.check(read_wtns_limbs(wtns_file))
    except UnsatisfiedConstraint as e:
        click.echo(f"witness is NOT correct: {e}")
        sys.exit(1)
    except (ZklError, OSError) as e:
        raise bad_input(e) from None
    click.echo(f"witness is correct: {r1cs.n_constraints} constraints satisfied")


command = circuit
