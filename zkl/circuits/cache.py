"""On-disk cache of compiled circuits, so each circuit shape is compiled once.

An entry is keyed by the circuit class's qualified name, its parameters and a hash of the
source code it may depend on: the files of the classes in its MRO, the `zkl.circuits`
package and `zkl.crypto` (native constants of gadgets). Entries live in
`$ZKL_CACHE_DIR/r1cs/` (default `~/.cache/zkl/r1cs/`) as `.npz` files holding the CSR arrays
and deduplicated labels; writes go to a temporary file renamed into place, so a reader never
sees half a file. Circuits without a stable key (classes defined inside functions, which may
close over variables, or parameters whose repr shows an address or is truncated) are not cached;
parameters must otherwise have a repr that determines them (ints, strings, tuples...).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zkl._binfile import atomic_file
from zkl.circuits.r1cs import R1CS, SparseRows

if TYPE_CHECKING:
    from zkl.circuits.circuit import Circuit

FORMAT_VERSION = 1
_MEMORY: OrderedDict[str, R1CS] = OrderedDict()
_MEMORY_SIZE = 8
#: the in-memory entries' matrices together stay below this; a larger R1CS is read from disk when asked again
#: (a solve never asks: the compiled solver carries the rows it reads)
_MEMORY_BYTES = 512 << 20
_PACKAGE_HASHES: dict[str, str] = {}


def cache_dir() -> Path:
    """Return the cache directory: $ZKL_CACHE_DIR, or ~/.cache/zkl."""
    env = os.environ.get("ZKL_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "zkl"


def _hash_tree(root: Path) -> str:
    """Return a hash of every .py file under root (memoized per process)."""
    key = str(root)
    if key not in _PACKAGE_HASHES:
        h = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
        _PACKAGE_HASHES[key] = h.hexdigest()
    return _PACKAGE_HASHES[key]


def code_version(cls: type) -> str | None:
    """Return a hash of the source code a circuit class may depend on, or None if unknown."""
    import zkl

    zkl_root = Path(zkl.__file__).parent
    h = hashlib.sha256()
    for sub in ("circuits", "crypto"):
        if (zkl_root / sub).is_dir():
            h.update(_hash_tree(zkl_root / sub).encode())
    for klass in cls.__mro__:
        if klass is object or klass.__module__.startswith("zkl.circuits"):
            continue
        try:
            source_file = inspect.getsourcefile(klass)
        except (TypeError, OSError):
            return None
        if source_file is None or not os.path.exists(source_file):
            return None
        h.update(Path(source_file).read_bytes())
    return h.hexdigest()


def cache_key(circuit: Circuit) -> str | None:
    """Return the cache key of a circuit instance, or None if it cannot be cached safely."""
    cls = type(circuit)
    if "<locals>" in cls.__qualname__:
        return None
    params = repr(sorted(circuit.params().items()))
    if " at 0x" in params or "..." in params:  # an address or a truncated (numpy) repr: not a faithful key
        return None
    version = code_version(cls)
    if version is None:
        return None
    blob = json.dumps([FORMAT_VERSION, f"{cls.__module__}.{cls.__qualname__}", params, version])
    return f"{cls.__qualname__}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}"


def load(key: str) -> R1CS | None:
    """Return the cached R1CS for key (memory first, then disk), or None."""
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    path = cache_dir() / "r1cs" / f"{key}.npz"
    if not path.exists():
        return None
    try:
        r1cs = read_npz(path)
    except Exception:  # a corrupt or foreign entry is a miss, and gets rewritten
        return None
    _remember(key, r1cs)
    return r1cs


def store(key: str, r1cs: R1CS) -> None:
    """Keep r1cs in memory and write it to disk atomically (temporary file + rename)."""
    _remember(key, r1cs)
    directory = cache_dir() / "r1cs"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_file(directory / f"{key}.npz") as f:
            write_npz(r1cs, f)
    except OSError:
        return  # an unwritable (or full) cache only costs speed


def clear_memory() -> None:
    """Forget the in-memory entries (the disk cache stays)."""
    _MEMORY.clear()


def _remember(key: str, r1cs: R1CS) -> None:
    """Insert into the in-memory LRU, bounded in entries and in bytes."""
    _MEMORY[key] = r1cs
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_SIZE or (_MEMORY and sum(map(_nbytes, _MEMORY.values())) > _MEMORY_BYTES):
        _MEMORY.popitem(last=False)


def _nbytes(r1cs: R1CS) -> int:
    """Bytes of an R1CS's matrices."""
    return sum(m.indptr.nbytes + m.indices.nbytes + m.coeffs.nbytes for m in r1cs.matrices)


def _dedup(strings: list[str]) -> tuple[list[str], np.ndarray]:
    """Return (distinct strings, int32 index of each input string)."""
    table: dict[str, int] = {}
    index = np.fromiter((table.setdefault(s, len(table)) for s in strings), dtype=np.int32, count=len(strings))
    return list(table), index


def write_npz(r1cs: R1CS, file) -> None:
    """Write an R1CS, names and labels included, as an uncompressed .npz (no pickles)."""
    arrays: dict[str, np.ndarray] = {}
    for name, m in zip("abc", r1cs.matrices):
        arrays[f"{name}_indptr"], arrays[f"{name}_indices"], arrays[f"{name}_coeffs"] = m.indptr, m.indices, m.coeffs
    meta: dict[str, object] = {
        "format": FORMAT_VERSION, "n_wires": r1cs.n_wires, "n_public_outputs": r1cs.n_public_outputs,
        "n_public_inputs": r1cs.n_public_inputs, "n_private_inputs": r1cs.n_private_inputs,
        "n_labels": r1cs.n_labels, "prime": str(r1cs.prime),
    }
    if r1cs.wire_names is not None:
        meta["wire_name_table"], arrays["wire_name_index"] = _dedup(r1cs.wire_names)
    if r1cs.labels is not None:
        meta["label_table"], arrays["label_index"] = _dedup(r1cs.labels)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(file, **arrays)


def read_npz(path: str | Path) -> R1CS:
    """Read an R1CS written by write_npz."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"cache format {meta.get('format')} is not {FORMAT_VERSION}")
        rows = [SparseRows(z[f"{n}_indptr"], z[f"{n}_indices"], z[f"{n}_coeffs"]) for n in "abc"]
        names = labels = None
        if "wire_name_table" in meta:
            table = meta["wire_name_table"]
            names = [table[i] for i in z["wire_name_index"].tolist()]
        if "label_table" in meta:
            table = meta["label_table"]
            labels = [table[i] for i in z["label_index"].tolist()]
    return R1CS(*rows, n_wires=meta["n_wires"], n_public_outputs=meta["n_public_outputs"],
                n_public_inputs=meta["n_public_inputs"], n_private_inputs=meta["n_private_inputs"],
                wire_names=names, labels=labels, n_labels=meta["n_labels"], prime=int(meta["prime"]))
