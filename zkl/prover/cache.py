"""On-disk cache of proving keys, next to the circuit cache: each circuit shape gets one local setup.

Entries live in `$ZKL_CACHE_DIR/keys/<circuit cache key>.zkey` (default `~/.cache/zkl/keys/`),
keyed like the compiled circuits of `zkl.circuits.cache` (class, parameters, source hash), as
snarkjs `.zkey` files written whole or not at all. A cached key is read memory-mapped and its
points are not re-validated: the cache is zkl's own (a G2 subgroup check per B2 point costs ~40 s
at 10^6 constraints), and a damaged key can only make proofs that the verifier rejects, never a
false one. A key whose wire count does not match the circuit, or that cannot be read, is remade.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from zkl.circuits.cache import cache_dir, cache_key
from zkl.circuits.circuit import Circuit
from zkl.circuits.r1cs import R1CS
from zkl.errors import ZklError
from zkl.prover.keys import ProvingKey
from zkl.prover.setup import setup
from zkl.prover.zkey import read_zkey, write_zkey

__all__ = ["cached_setup", "key_path"]


def key_path(circuit: Circuit) -> Path | None:
    """Where the proving key of a circuit is cached (None for a circuit without a stable cache key)."""
    key = cache_key(circuit)
    return None if key is None else cache_dir() / "keys" / f"{key}.zkey"


def cached_setup(circuit: Circuit, r1cs: R1CS, *,
                 progress: bool | Callable[[str, int, int], None] = False) -> tuple[ProvingKey, bool]:
    """(proving key of `circuit`, whether it was made now): from the key cache, else a local setup, cached.

    r1cs: the circuit's compiled constraint system; progress: `zkl.prover.setup`'s progress argument.
    """
    path = key_path(circuit)
    if path is not None and path.exists():
        try:
            pk = read_zkey(path, validate=False)
            if pk.n_wires == r1cs.n_wires:
                return pk, False
        except (ZklError, OSError):  # a broken cache entry is remade
            pass
    pk = setup(r1cs, progress=progress)
    if path is None:
        return pk, True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    write_zkey(pk, tmp)
    os.replace(tmp, path)
    del pk  # as large as the file: free it before the file is mapped and read (halves the peak memory)
    return read_zkey(path, validate=False), True  # memory-mapped, as a later run sees it
