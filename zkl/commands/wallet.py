"""`zkl wallet`: a key in an encrypted keystore, and what it does on a node: balance, send, withdraw, history.

    zkl wallet new [--wallet zkl-wallet.json] [--scrypt-n 262144]     make a key, save it encrypted
    zkl wallet address                              the public key (and its accounts on the node)
    zkl wallet balance [--account I]                balance, nonce, what the mempool holds
    zkl wallet send TO_INDEX AMOUNT [--fee N] [--wait final|in_batch|proven]
    zkl wallet withdraw AMOUNT --l1-address 0x... [--fee N] [--wait ...]
    zkl wallet history [--limit 20]                 the account's transactions and their status
    zkl wallet deposit AMOUNT [--token-file DIR/operator.token] [--wait]    a devnet faucet deposit (operator)

Every command takes --wallet PATH (env ZKL_WALLET, default zkl-wallet.json) and --node URL (env
ZKL_NODE); the passphrase comes from --passphrase-file FILE, else env ZKL_WALLET_PASSPHRASE, else a
hidden prompt (confirmed for `new`). Only `new`, `send` and `withdraw` need it: the keystore names
its public key in clear. A key's account is its lowest account index on the node unless --account
says otherwise. Each command prints a table or a sentence, or exactly one JSON object with --json;
errors are one line (exit code 1; 2 for a malformed keystore or argument).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, NoReturn

import click

from zkl.commands._output import bad_input, fail, json_flag, kv_table, show, show_json, table
from zkl.commands.node import _node, _token
from zkl.commands.rollup import DATA_DIR_ENV, DEFAULT_DATA_DIR

WALLET_ENV = "ZKL_WALLET"
PASSPHRASE_ENV = "ZKL_WALLET_PASSPHRASE"
DEFAULT_WALLET = "zkl-wallet.json"
#: the statuses `--wait` can wait for, in order
WAIT_STATUSES = ("in_batch", "proven", "final")
_U64 = click.IntRange(0, (1 << 64) - 1)

_wallet = click.option("--wallet", "wallet_path", type=click.Path(dir_okay=False), envvar=WALLET_ENV,
                       default=DEFAULT_WALLET, show_default=True, help=f"The keystore file (env {WALLET_ENV}).")
_passphrase = click.option("--passphrase-file", type=click.Path(dir_okay=False), default=None,
                           help=f"Read the passphrase from this file (else env {PASSPHRASE_ENV}, else a prompt).")
_account_opt = click.option("--account", "account", type=click.IntRange(0), default=None,
                            help="The account index to use (default: the key's lowest on the node).")
_wait = click.option("--wait", "wait", type=click.Choice(WAIT_STATUSES), default=None,
                     help="Wait until the transaction reaches this status, and print the outcome.")
_timeout = click.option("--timeout", type=click.FloatRange(0.1, 86_400), default=180.0, show_default=True,
                        help="Seconds --wait waits.")


@click.group("wallet")
def command() -> None:
    """A key in an encrypted keystore: its balance, transfers and withdrawals on a node."""


# -- helpers ---------------------------------------------------------------------------------------


def _client(url: str) -> Any:
    from zkl.client import NodeClient
    from zkl.errors import ZklError

    try:
        return NodeClient(url)
    except ZklError as e:
        raise bad_input(e) from None


def _call(fn: Any) -> Any:
    from zkl.errors import ZklError

    try:
        return fn()
    except ZklError as e:
        fail(e)


def _passphrase_of(passphrase_file: str | None, *, confirm: bool = False) -> str:
    """The passphrase: from the file (one trailing newline dropped), the environment, or a hidden prompt."""
    if passphrase_file is not None:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as e:
            raise bad_input(e) from None
        except UnicodeDecodeError:
            raise bad_input(ValueError(f"the passphrase file {passphrase_file} is not UTF-8 text")) from None
        secret = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    elif os.environ.get(PASSPHRASE_ENV):
        secret = os.environ[PASSPHRASE_ENV]
    else:
        secret = click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    if not secret:
        raise bad_input(ValueError("the passphrase is empty"))
    return secret


def _missing(path: str) -> NoReturn:
    fail(f"no wallet at {path}; make one with `zkl wallet new --wallet {path}`")


def _pubkey(path: str) -> tuple[int, int]:
    """The keystore's public key (no passphrase)."""
    from zkl.client import keystore
    from zkl.errors import ZklError

    if not Path(path).exists():
        _missing(path)
    try:
        return keystore.pubkey(path)
    except ZklError as e:
        raise bad_input(e) from None


def _unlock(path: str, passphrase_file: str | None) -> Any:
    """The keystore's Wallet, decrypted with the passphrase."""
    from zkl.client import keystore
    from zkl.errors import MalformedInput, ZklError

    if not Path(path).exists():
        _missing(path)
    _pubkey(path)  # a malformed file is named before the passphrase is asked for
    secret = _passphrase_of(passphrase_file)
    try:
        return keystore.load(path, secret)
    except MalformedInput as e:
        raise bad_input(e) from None
    except ZklError as e:
        fail(e)


def _key_json(pubkey: tuple[int, int]) -> list[str]:
    return [str(pubkey[0]), str(pubkey[1])]


def _account(client: Any, url: str, pubkey: tuple[int, int], index: int | None) -> dict[str, Any]:
    """The wallet's account on the node: `index` (checked to be the key's) or the key's lowest."""
    from zkl.errors import NotFound, ZklError

    if index is not None:
        try:
            info = client.account(index)
        except NotFound:
            fail(f"the node at {url} has no account {index}")
        except ZklError as e:
            fail(e)
        if [str(v) for v in info["pubkey"]] != _key_json(pubkey):
            fail(f"account {index} belongs to another key than the wallet's")
        return info
    accounts = _call(lambda: client.accounts_of(pubkey))
    if not accounts:
        queued = [d for d in _call(client.deposits).get("queued", []) if d.get("pubkey") == _key_json(pubkey)]
        if queued:
            total = sum(int(d["amount"]) for d in queued)
            fail(f"the wallet's key has no account on the node at {url} yet: a deposit of {total} is queued "
                 f"and the account appears once a batch takes it")
        fail(f"the wallet's key has no account on the node at {url} yet: deposit first "
             f"(`zkl wallet deposit AMOUNT`)")
    return accounts[0]


def _refused(what: str, error: Exception) -> NoReturn:
    fail(f"the node refused the {what}: {type(error).__name__}: {error}")


def _submit(client: Any, url: str, what: str, tx: Any, wait: str | None, timeout: float,
            fields: dict[str, Any], as_json: bool, sentence: str) -> None:
    """Submit a signed transaction, wait if asked, print what happened."""
    from zkl.errors import ExecutionError, ServiceError, ZklError

    try:
        tx_id = client.submit(tx)
    except ServiceError as e:  # unreachable, rate-limited, starting: not a refusal of the transaction
        fail(e)
    except ZklError as e:  # the mempool's refusal: InsufficientBalance, NonceMismatch, FeeTooLow, ...
        _refused(what, e)
    out: dict[str, Any] = {"id": tx_id, "status": "pending", **fields}
    if wait:
        try:
            info = client.wait(tx_id, wait, timeout=timeout)
        except ExecutionError as e:  # dropped by the sequencer
            fail(f"{e} (transaction {tx_id})")
        except ZklError as e:
            fail(f"{e}; follow it with `zkl node tx {tx_id} --node {url}`")
        out["status"] = info["status"]
        for key in ("batch", "slot", "l1"):
            if info.get(key) is not None:
                out[key] = info[key]
    if as_json:
        return show_json(out)
    where = f" in batch {out['batch']}" if "batch" in out else ""
    l1 = f", L1 block {out['l1']['height']}" if out.get("l1") else ""
    show(f"{sentence}: transaction {tx_id} is {out['status']}{where}{l1}.")


# -- commands --------------------------------------------------------------------------------------


@command.command("new")
@_wallet
@_passphrase
@click.option("--scrypt-n", "scrypt_n", type=int, default=None,
              help="scrypt's cost N, a power of two (default 262144; cheaper is weaker).")
@json_flag
def new(wallet_path: str, passphrase_file: str | None, scrypt_n: int | None, as_json: bool) -> None:
    """Make a new key and save it, encrypted with a passphrase (never overwrites a file)."""
    from zkl.client import keystore
    from zkl.errors import ZklError
    from zkl.execution.wallet import Wallet

    if Path(wallet_path).exists():
        fail(f"{wallet_path} already exists (a keystore is never overwritten); choose another --wallet")
    n = keystore.DEFAULT_N if scrypt_n is None else scrypt_n
    try:
        keystore.check_n(n)
    except ZklError as e:
        raise bad_input(e) from None
    secret = _passphrase_of(passphrase_file, confirm=True)
    wallet = Wallet.generate()
    try:
        keystore.save(wallet_path, wallet, secret, n=n)
    except ZklError as e:
        fail(e)
    except OSError as e:
        raise bad_input(e) from None
    if as_json:
        return show_json({"wallet": wallet_path, "pubkey": _key_json(wallet.pubkey)})
    show(f"Made a new wallet in {wallet_path} (keep the file and its passphrase: nothing else can spend its "
         f"funds).", kv_table(None, [("public key x", wallet.pubkey[0]), ("public key y", wallet.pubkey[1])]))


@command.command("address")
@_wallet
@_node
@json_flag
def address(wallet_path: str, url: str, as_json: bool) -> None:
    """The wallet's public key, and its accounts on the node if the node can be reached."""
    from zkl.errors import ZklError

    key = _pubkey(wallet_path)
    accounts: list[int] | None = None
    node_error = None
    try:
        with _client(url) as client:
            accounts = [int(a["index"]) for a in client.accounts_of(key)]
    except ZklError as e:
        node_error = str(e)
    if as_json:
        return show_json({"wallet": wallet_path, "pubkey": _key_json(key), "node": url, "accounts": accounts,
                          "node_error": node_error})
    on_node = (f"not known: {node_error}" if node_error is not None else
               ", ".join(map(str, accounts)) if accounts else "none yet (deposit first)")
    show(kv_table(f"wallet {wallet_path}", [("public key x", key[0]), ("public key y", key[1]),
                                            (f"accounts on {url}", on_node)]))


@command.command("balance")
@_wallet
@_node
@_account_opt
@json_flag
def balance(wallet_path: str, url: str, account: int | None, as_json: bool) -> None:
    """The account's balance, nonce, and what the mempool holds for it."""
    key = _pubkey(wallet_path)
    with _client(url) as client:
        info = _account(client, url, key, account)
    if as_json:
        return show_json(info)
    pending = int(info["next_nonce"]) - int(info["nonce"])
    show(kv_table(f"account {info['index']} on {url}", [
        ("balance", f"{int(info['balance']):,}"), ("nonce", info["nonce"]), ("next nonce", info["next_nonce"]),
        ("pending", f"{pending} transaction{'s' if pending != 1 else ''}, debit {int(info['pending_debit']):,}"),
    ]))


@command.command("send")
@click.argument("to_index", type=click.IntRange(0))
@click.argument("amount", type=_U64)
@click.option("--fee", type=_U64, default=None, help="The fee (default the node's current minimum fee).")
@_wallet
@_node
@_passphrase
@_account_opt
@_wait
@_timeout
@json_flag
def send(to_index: int, amount: int, fee: int | None, wallet_path: str, url: str, passphrase_file: str | None,
         account: int | None, wait: str | None, timeout: float, as_json: bool) -> None:
    """Sign a transfer of AMOUNT to account TO_INDEX and submit it to the node."""
    wallet = _unlock(wallet_path, passphrase_file)
    with _client(url) as client:
        info = _account(client, url, wallet.pubkey, account)
        domain = _call(client.domain)
        fee = _call(client.min_fee) if fee is None else fee
        nonce = int(info["next_nonce"])
        tx = _call(lambda: wallet.transfer(int(info["index"]), to_index, amount, fee, nonce, domain=domain))
        fields = {"type": "transfer", "from": int(info["index"]), "to": to_index, "amount": str(amount),
                  "fee": str(fee), "nonce": nonce}
        _submit(client, url, "transfer", tx, wait, timeout, fields, as_json,
                f"Sent {amount:,} from account {info['index']} to account {to_index} (fee {fee:,}, nonce {nonce})")


@command.command("withdraw")
@click.argument("amount", type=_U64)
@click.option("--l1-address", "l1_address", required=True, help="The base-layer address paid (0x and 40 hex digits).")
@click.option("--fee", type=_U64, default=None, help="The fee (default the node's current minimum fee).")
@_wallet
@_node
@_passphrase
@_account_opt
@_wait
@_timeout
@json_flag
def withdraw(amount: int, l1_address: str, fee: int | None, wallet_path: str, url: str,
             passphrase_file: str | None, account: int | None, wait: str | None, timeout: float,
             as_json: bool) -> None:
    """Sign a withdrawal of AMOUNT to an L1 address and submit it (claimable on L1 once final)."""
    import re

    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", l1_address):
        raise bad_input(ValueError(f"--l1-address must be 0x and 40 hex digits, not {l1_address!r:.60}"))
    wallet = _unlock(wallet_path, passphrase_file)
    with _client(url) as client:
        info = _account(client, url, wallet.pubkey, account)
        domain = _call(client.domain)
        fee = _call(client.min_fee) if fee is None else fee
        nonce = int(info["next_nonce"])
        tx = _call(lambda: wallet.withdraw(int(info["index"]), amount, fee, l1_address, nonce, domain=domain))
        fields = {"type": "withdraw", "from": int(info["index"]), "l1_address": l1_address.lower(),
                  "amount": str(amount), "fee": str(fee), "nonce": nonce}
        _submit(client, url, "withdrawal", tx, wait, timeout, fields, as_json,
                f"Withdrew {amount:,} from account {info['index']} to {l1_address} (fee {fee:,}, nonce {nonce})")


@command.command("history")
@_wallet
@_node
@_account_opt
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@json_flag
def history(wallet_path: str, url: str, account: int | None, limit: int, as_json: bool) -> None:
    """The account's latest transactions (pending first, then newest first) and their status."""
    key = _pubkey(wallet_path)
    with _client(url) as client:
        info = _account(client, url, key, account)
        txs = _call(lambda: client.history(int(info["index"]), limit=limit))
    if as_json:
        return show_json({"index": info["index"], "transactions": txs})
    if not txs:
        return show(f"Account {info['index']} on {url} has no transactions yet.")
    rows = []
    for t in txs:
        fields = t.get("tx") or {}
        to = fields.get("l1_address") if fields.get("type") == "withdraw" else fields.get("to")
        rows.append((t["id"], fields.get("type"), fields.get("from"), to, fields.get("amount"), fields.get("fee"),
                     t["status"], t.get("batch")))
    show(table(f"transactions of account {info['index']} on {url}",
               ["id", "type", "from", "to", "amount", "fee", "status", "batch"], rows,
               right=("from", "amount", "fee", "batch")))


@command.command("deposit")
@click.argument("amount", type=click.IntRange(1, (1 << 64) - 1))
@_wallet
@_node
@click.option("--token-file", type=click.Path(dir_okay=False), default=None,
              help="The node's operator token (default DATA_DIR/operator.token).")
@click.option("--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV, default=DEFAULT_DATA_DIR,
              show_default=True, help="Where the operator token is, without --token-file.")
@click.option("--wait", "wait", is_flag=True, help="Wait until a batch takes the deposit (the account exists).")
@_timeout
@json_flag
def deposit(amount: int, wallet_path: str, url: str, token_file: str | None, data_dir: str, wait: bool,
            timeout: float, as_json: bool) -> None:
    """Deposit AMOUNT to the wallet's key from the devnet node's faucet (operator token)."""
    from zkl.errors import ZklError

    key = _pubkey(wallet_path)
    with _client(url) as client:
        client.token = _token(token_file, data_dir)
        queue_index = _call(lambda: client.deposit(key, amount))
        out: dict[str, Any] = {"queue_index": queue_index, "amount": str(amount), "pubkey": _key_json(key),
                               "consumed": False}
        if wait:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if int(client.deposits()["processed"]) >= queue_index:
                        break
                except ZklError as e:
                    fail(e)
                if time.monotonic() > deadline:
                    fail(f"deposit {queue_index} is still queued after {timeout:g} s")
                time.sleep(0.25)
            out["consumed"] = True
            out["accounts"] = [int(a["index"]) for a in _call(lambda: client.accounts_of(key))]
    if as_json:
        return show_json(out)
    if wait:
        show(f"Deposited {amount:,} to the wallet's key (deposit {queue_index}); a batch took it: account"
             f"{'s' if len(out['accounts']) != 1 else ''} {', '.join(map(str, out['accounts']))}.")
    else:
        show(f"Deposited {amount:,} to the wallet's key (deposit {queue_index} in the queue); the account is "
             f"credited once a batch takes it.")
