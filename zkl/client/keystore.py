"""A wallet's key on disk, encrypted with a passphrase: Web3 Secret Storage v3 (scrypt, AES-128-CTR) plus zkl fields.

    keystore.save("zkl-wallet.json", Wallet.generate(), "passphrase")   # refuses to overwrite; mode 0600
    wallet = keystore.load("zkl-wallet.json", "passphrase")             # WrongPassphrase if it is wrong
    x, y = keystore.pubkey("zkl-wallet.json")                           # no passphrase needed

The file is what `eth_keyfile.create_keyfile_json(key, passphrase, kdf="scrypt")` makes (the
"crypto" object of the Web3 Secret Storage definition, version 3), without its secp256k1 "address"
(the key is an EdDSA-Poseidon key, not an Ethereum one), and with

    "zkl": {"format": "zkl-keystore-1", "pubkey": ["<x>", "<y>"]}

so the public key can be shown without the passphrase; `load` checks that it is the public key
of the decrypted private key. The v3 MAC covers the ciphertext only: a wrong passphrase and an
altered ciphertext or MAC look the same (`WrongPassphrase`).

scrypt's cost N is a power of two in [MIN_N, MAX_N] (r = 8, p = 1): DEFAULT_N (2^18, the
standard geth parameters, about 1.5 s on a slow machine) unless told otherwise; tests use a cheap
one. A file asking for more than MAX_N (1 GiB of memory) is refused before any work is done.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from zkl._json import read_json
from zkl.errors import FormatError, MalformedInput, WrongPassphrase
from zkl.execution.wallet import Wallet

__all__ = ["DEFAULT_N", "FORMAT", "MAX_N", "MIN_N", "check_n", "load", "pubkey", "save", "to_json"]

#: the zkl fields' format name
FORMAT = "zkl-keystore-1"
#: scrypt's default cost (N; r = 8, p = 1): geth's "standard" parameters
DEFAULT_N = 1 << 18
#: the cheapest N accepted (tests); the dearest (128 * r * N bytes of memory: 1 GiB)
MIN_N, MAX_N = 1 << 10, 1 << 20

_HEX = re.compile(r"[0-9a-fA-F]+")
_DECIMAL = re.compile(r"[0-9]{1,78}")


def check_n(n: object) -> int:
    """scrypt's cost N, checked: an int, a power of two in [MIN_N, MAX_N] (MalformedInput otherwise)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < MIN_N or n > MAX_N or n & (n - 1):
        raise MalformedInput(f"scrypt's N must be a power of two from 2^{MIN_N.bit_length() - 1} to "
                             f"2^{MAX_N.bit_length() - 1}, not {n!r:.40}")
    return n


def _secret(passphrase: str | bytes) -> bytes:
    """The passphrase as bytes (UTF-8)."""
    if isinstance(passphrase, str):
        return passphrase.encode("utf-8")
    if isinstance(passphrase, (bytes, bytearray)):
        return bytes(passphrase)
    raise MalformedInput(f"a passphrase is a str, not {type(passphrase).__name__}")


def to_json(wallet: Wallet, passphrase: str | bytes, *, n: int = DEFAULT_N) -> dict[str, Any]:
    """The keystore object of a wallet (scrypt cost `n`), encrypted with `passphrase`."""
    from eth_keyfile import create_keyfile_json

    if not isinstance(wallet, Wallet):
        raise MalformedInput(f"a keystore holds a zkl Wallet, not {type(wallet).__name__}")
    secret = _secret(passphrase)
    if not secret:
        raise MalformedInput("the passphrase is empty")
    try:
        data = create_keyfile_json(wallet.private_key, secret, kdf="scrypt", iterations=check_n(n))
    except Exception as e:  # eth-keyfile checks the key as a secp256k1 one: 0 < key < N (all but ~2^-128 of keys)
        if isinstance(e, MalformedInput):
            raise
        raise MalformedInput(f"eth-keyfile cannot store this key: {e}") from None
    data.pop("address", None)
    data["zkl"] = {"format": FORMAT, "pubkey": [str(wallet.pubkey[0]), str(wallet.pubkey[1])]}
    return data


def save(path: str | os.PathLike, wallet: Wallet, passphrase: str | bytes, *, n: int = DEFAULT_N) -> None:
    """Write a wallet's keystore file (mode 0600, atomically); refuses to overwrite an existing file."""
    path = Path(path)
    data = json.dumps(to_json(wallet, passphrase, n=n), indent=2) + "\n"
    exists = MalformedInput(f"{os.fspath(path)} already exists (a keystore is never overwritten)")
    if path.exists() or path.is_symlink():
        raise exists
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # atomic, and fails if the path exists (unlike rename)
        except FileExistsError:
            raise exists from None
    finally:
        os.unlink(tmp)
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _read(path: str | os.PathLike) -> dict[str, Any]:
    """A keystore file's object, its structure checked (MalformedInput naming what is wrong)."""
    name = os.fspath(path)
    data = read_json(path, "keystore")
    if not isinstance(data, dict):
        raise FormatError(f"keystore {name} is not a JSON object")
    zkl = data.get("zkl")
    if not isinstance(zkl, dict) or zkl.get("format") != FORMAT:
        raise FormatError(f"{name} is not a zkl keystore (no \"zkl\": {{\"format\": \"{FORMAT}\"}} field)")
    key = zkl.get("pubkey")
    if not isinstance(key, list) or len(key) != 2 or not all(isinstance(v, str) and _DECIMAL.fullmatch(v)
                                                              for v in key):
        raise FormatError(f"keystore {name}: zkl.pubkey must be two decimal strings [x, y]")
    if data.get("version") != 3:
        raise FormatError(f"keystore {name}: version must be 3 (Web3 Secret Storage v3), "
                          f"not {data.get('version')!r:.20}")
    crypto = data.get("crypto")
    if not isinstance(crypto, dict):
        raise FormatError(f"keystore {name} has no \"crypto\" object")
    if crypto.get("cipher") != "aes-128-ctr":
        raise FormatError(f"keystore {name}: the cipher must be aes-128-ctr, not {crypto.get('cipher')!r:.30}")
    if crypto.get("kdf") != "scrypt":
        raise FormatError(f"keystore {name}: the kdf must be scrypt, not {crypto.get('kdf')!r:.30}")
    iv = (crypto.get("cipherparams") or {}).get("iv") if isinstance(crypto.get("cipherparams"), dict) else None
    for field, value, size in (("cipherparams.iv", iv, 32), ("ciphertext", crypto.get("ciphertext"), 64),
                               ("mac", crypto.get("mac"), 64)):
        if not isinstance(value, str) or len(value) != size or not _HEX.fullmatch(value):
            raise FormatError(f"keystore {name}: crypto.{field} must be {size} hex digits")
    params = crypto.get("kdfparams")
    if not isinstance(params, dict):
        raise FormatError(f"keystore {name} has no crypto.kdfparams")
    try:
        check_n(params.get("n"))
    except MalformedInput as e:
        raise FormatError(f"keystore {name}: {e}") from None
    if params.get("r") != 8 or params.get("p") != 1 or params.get("dklen") != 32:
        raise FormatError(f"keystore {name}: scrypt's parameters must be r = 8, p = 1, dklen = 32")
    salt = params.get("salt")
    if not isinstance(salt, str) or not 16 <= len(salt) <= 128 or len(salt) % 2 or not _HEX.fullmatch(salt):
        raise FormatError(f"keystore {name}: crypto.kdfparams.salt must be 16 to 64 bytes of hex")
    return data


def _pubkey_of(data: dict[str, Any]) -> tuple[int, int]:
    x, y = data["zkl"]["pubkey"]
    return int(x), int(y)


def pubkey(path: str | os.PathLike) -> tuple[int, int]:
    """The public key a keystore file names (no passphrase needed; `load` checks it against the key)."""
    return _pubkey_of(_read(path))


def load(path: str | os.PathLike, passphrase: str | bytes) -> Wallet:
    """Decrypt a keystore file: its Wallet (WrongPassphrase if the passphrase is wrong or the file was altered)."""
    from eth_keyfile import decode_keyfile_json

    data = _read(path)
    try:
        key = decode_keyfile_json(data, _secret(passphrase))
    except Exception as e:
        if isinstance(e, MalformedInput):
            raise
        if "MAC mismatch" in str(e):
            raise WrongPassphrase(f"wrong passphrase for the keystore {os.fspath(path)} (or its ciphertext or MAC "
                                  f"was altered: the MAC does not match)") from None
        raise FormatError(f"keystore {os.fspath(path)} cannot be decrypted: {type(e).__name__}: {e}") from None
    wallet = Wallet(bytes(key))
    if wallet.pubkey != _pubkey_of(data):
        raise FormatError(f"keystore {os.fspath(path)}: zkl.pubkey is not the public key of the stored private key")
    return wallet
