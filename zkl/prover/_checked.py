"""A small on-disk record of the .zkey files whose points passed the full curve and subgroup checks.

Checking every point of a key (on its curve; G2 points in the order-r subgroup) is most of the
time of loading it: about 1.4 s of a 2^16 key.  A key file does not change between proofs, so
`read_zkey` checks a file's points once and records here that the file with this SHA-256 digest
(of all its bytes) passed; the next load of the same bytes skips the point checks and still does
every structural and size check.  Any other or modified file has another digest and is checked
again.

An entry is an empty file `$ZKL_CACHE_DIR/zkey-checked/v1/<sha256 hex>` (default cache
directory ~/.cache/zkl, as zkl.circuits.cache), written atomically; the `v1` names the checks
made, so a change of what is checked starts a new record.  `ZKL_ZKEY_CHECK_CACHE=0` (or
`read_zkey(..., check_cache=False)`, `zkl groth16 prove --no-key-cache`) disables it: then the
points are checked at every load and nothing is recorded.  An unreadable or unwritable cache only
costs speed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["Digest", "digest", "enabled", "entry", "known", "remember"]

#: the version of the checks an entry vouches for
CHECKS_VERSION = "v1"
_ENV = "ZKL_ZKEY_CHECK_CACHE"


def enabled(choice: bool | None = None) -> bool:
    """Whether to use the record: `choice` when given, else unless $ZKL_ZKEY_CHECK_CACHE is 0/false/no/off."""
    if choice is not None:
        return bool(choice)
    return os.environ.get(_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def digest(data: object) -> str:
    """SHA-256 (hex) of a buffer: the bytes or memory map of the whole file (hashed without copying)."""
    return hashlib.sha256(data).hexdigest()  # type: ignore[arg-type]


class Digest:
    """`digest(data)` computed in a background thread (hashlib releases the GIL): the key's
    sections are parsed meanwhile; `value()` waits for it."""

    def __init__(self, data: object) -> None:
        import threading

        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(data,), daemon=True)
        self._thread.start()

    def _run(self, data: object) -> None:
        try:
            self._value = digest(data)
        except BaseException as e:  # noqa: BLE001 - handed to the caller of value()
            self._error = e

    def wait(self) -> None:
        """Wait for the hashing to end (its result or error dropped)."""
        self._thread.join()

    def value(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _root() -> Path:
    env = os.environ.get("ZKL_CACHE_DIR")
    return (Path(env) if env else Path.home() / ".cache" / "zkl") / "zkey-checked" / CHECKS_VERSION


def entry(hex_digest: str) -> Path:
    """The record's file for a digest."""
    return _root() / hex_digest


def known(hex_digest: str) -> bool:
    """Whether a file with this digest passed the point checks before."""
    try:
        return entry(hex_digest).is_file()
    except OSError:
        return False


def remember(hex_digest: str) -> None:
    """Record that the file with this digest passed the point checks (atomic; errors ignored)."""
    path = entry(hex_digest)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(b"")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
