"""`zkl.client.keystore` (no server) and `zkl wallet` end to end against a served devnet (click's CliRunner).

Keystores here use scrypt's cheapest accepted cost (keystore.MIN_N) so that each unlock takes milliseconds.
"""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkl.client import NodeClient, keystore
from zkl.errors import MalformedInput, WrongPassphrase
from zkl.execution.wallet import Wallet

CHEAP = keystore.MIN_N
WAIT = "300"  # seconds: the first proof after a server starts can take a minute on a busy machine


# -- the keystore ----------------------------------------------------------------------------------


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, Wallet]:
    wallet = Wallet.generate()
    path = tmp_path / "w.json"
    keystore.save(path, wallet, "correct horse", n=CHEAP)
    return path, wallet


def test_round_trip(stored: tuple[Path, Wallet]) -> None:
    path, wallet = stored
    back = keystore.load(path, "correct horse")
    assert back.private_key == wallet.private_key and back.pubkey == wallet.pubkey
    assert keystore.pubkey(path) == wallet.pubkey
    data = json.loads(path.read_text())
    assert data["version"] == 3 and data["crypto"]["kdf"] == "scrypt" and data["crypto"]["kdfparams"]["n"] == CHEAP
    assert data["zkl"] == {"format": "zkl-keystore-1", "pubkey": [str(v) for v in wallet.pubkey]}
    assert "address" not in data  # eth-keyfile's secp256k1 address means nothing for an EdDSA key
    assert wallet.private_key.hex() not in path.read_text()
    from eth_keyfile import decode_keyfile_json  # a standard v3 file: the library reads it as it is

    assert decode_keyfile_json(data, b"correct horse") == wallet.private_key


def test_unicode_passphrase(tmp_path: Path) -> None:
    wallet = Wallet.generate()
    keystore.save(tmp_path / "u.json", wallet, "pässwörd ☃", n=CHEAP)
    assert keystore.load(tmp_path / "u.json", "pässwörd ☃").pubkey == wallet.pubkey


def test_wrong_passphrase(stored: tuple[Path, Wallet]) -> None:
    path, _ = stored
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        keystore.load(path, "correct horsf")


@pytest.mark.parametrize("field", ["ciphertext", "mac"])
def test_tampered(stored: tuple[Path, Wallet], field: str) -> None:
    path, _ = stored
    data = json.loads(path.read_text())
    value = data["crypto"][field]
    data["crypto"][field] = ("0" if value[0] != "0" else "1") + value[1:]
    path.write_text(json.dumps(data))
    with pytest.raises(WrongPassphrase, match="altered"):
        keystore.load(path, "correct horse")


def test_stored_pubkey_must_match(stored: tuple[Path, Wallet]) -> None:
    path, _ = stored
    data = json.loads(path.read_text())
    data["zkl"]["pubkey"] = [str(v) for v in Wallet.generate().pubkey]
    path.write_text(json.dumps(data))
    with pytest.raises(MalformedInput, match="not the public key of the stored private key"):
        keystore.load(path, "correct horse")


def _foreign(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_foreign_files(stored: tuple[Path, Wallet], tmp_path: Path) -> None:
    path, wallet = stored
    good = json.loads(path.read_text())
    from eth_keyfile import create_keyfile_json

    geth = create_keyfile_json(wallet.private_key, b"pw", kdf="scrypt", iterations=CHEAP)
    cases = {
        "not JSON": ("{not json", "keystore"),
        "a list": ([1, 2], "not a JSON object"),
        "a plain key file": (wallet.to_json(), "not a zkl keystore"),
        "an Ethereum keystore": (geth, "not a zkl keystore"),
        "another format": ({**good, "zkl": {**good["zkl"], "format": "zkl-keystore-9"}}, "not a zkl keystore"),
        "bad pubkey": ({**good, "zkl": {**good["zkl"], "pubkey": ["1"]}}, "zkl.pubkey"),
        "version 4": ({**good, "version": 4}, "version must be 3"),
        "pbkdf2": ({**good, "crypto": {**good["crypto"], "kdf": "pbkdf2"}}, "kdf must be scrypt"),
        "no crypto": ({k: v for k, v in good.items() if k != "crypto"}, "crypto"),
        "short iv": ({**good, "crypto": {**good["crypto"], "cipherparams": {"iv": "00"}}}, "iv"),
        "huge N": ({**good, "crypto": {**good["crypto"], "kdfparams": {**good["crypto"]["kdfparams"], "n": 1 << 30}}},
                   "scrypt's N"),
        "odd N": ({**good, "crypto": {**good["crypto"], "kdfparams": {**good["crypto"]["kdfparams"], "n": 3000}}},
                  "power of two"),
    }
    for i, (what, (content, message)) in enumerate(cases.items()):
        foreign = _foreign(tmp_path, f"foreign-{i}.json", content)
        with pytest.raises(MalformedInput, match=message):
            keystore.load(foreign, "pw")
        if what not in ("huge N", "odd N", "short iv", "version 4", "pbkdf2", "no crypto"):
            with pytest.raises(MalformedInput):
                keystore.pubkey(foreign)


def test_file_mode_and_atomic_write(stored: tuple[Path, Wallet]) -> None:
    path, _ = stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["w.json"]  # no temporary file left


def test_no_overwrite(stored: tuple[Path, Wallet]) -> None:
    path, _ = stored
    before = path.read_bytes()
    with pytest.raises(MalformedInput, match="already exists"):
        keystore.save(path, Wallet.generate(), "other", n=CHEAP)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["w.json"]


def test_scrypt_cost_checked(tmp_path: Path) -> None:
    assert keystore.DEFAULT_N >= 1 << 18  # the default is a strong one
    for n in (CHEAP // 2, 5000, keystore.MAX_N * 2):
        with pytest.raises(MalformedInput, match="scrypt's N"):
            keystore.save(tmp_path / "x.json", Wallet.generate(), "pw", n=n)
    with pytest.raises(MalformedInput, match="empty"):
        keystore.save(tmp_path / "x.json", Wallet.generate(), "", n=CHEAP)
    assert not (tmp_path / "x.json").exists()


# -- the command, without a node -------------------------------------------------------------------


def _zkl(*args: str, code: int = 0, env: dict[str, str] | None = None, input: str | None = None,
         prompts: bool = False) -> Result:
    """Run `zkl ARGS` in-process; check the exit code and that an error is one line, never a traceback."""
    from zkl.cli import main

    environment: dict[str, str | None] = {"ZKL_WALLET_PASSPHRASE": None, "ZKL_WALLET": None, "ZKL_NODE": None,
                                          **(env or {})}
    result = CliRunner().invoke(main, list(args), env=environment, input=input)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), result.exception
    if code and not prompts:  # (a prompt writes to stderr too)
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.output
    return result


def _one_json(result: Result) -> dict:
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def _free_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _new(path: Path, passphrase_file: Path) -> dict:
    return _one_json(_zkl("wallet", "new", "--wallet", str(path), "--passphrase-file", str(passphrase_file),
                          "--scrypt-n", str(CHEAP), "--json"))


def test_cli_without_a_node(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("s3cret\n")
    path = tmp_path / "w.json"
    made = _new(path, secret)
    assert made["wallet"] == str(path) and [int(v) for v in made["pubkey"]] == list(keystore.pubkey(path))
    assert keystore.load(path, "s3cret").pubkey == keystore.pubkey(path)  # the file's newline is not the passphrase
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = _zkl("wallet", "new", "--wallet", str(path), "--passphrase-file", str(secret), code=1)
    assert "already exists" in again.stderr

    url = _free_url()
    seen = _one_json(_zkl("wallet", "address", "--wallet", str(path), "--node", url, "--json"))
    assert seen["pubkey"] == made["pubkey"] and seen["accounts"] is None and "cannot reach" in seen["node_error"]
    text = _zkl("wallet", "address", "--wallet", str(path), "--node", url).stdout
    assert made["pubkey"][0] in text and "cannot reach" in text

    down = _zkl("wallet", "balance", "--wallet", str(path), "--node", url, code=1)
    assert "cannot reach the node" in down.stderr
    missing = _zkl("wallet", "balance", "--wallet", str(tmp_path / "none.json"), "--node", url, code=1)
    assert "no wallet at" in missing.stderr and "zkl wallet new" in missing.stderr
    (tmp_path / "junk.json").write_text("[]")
    junk = _zkl("wallet", "balance", "--wallet", str(tmp_path / "junk.json"), "--node", url, code=2)
    assert "not a JSON object" in junk.stderr

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("s3cre7")
    refused = _zkl("wallet", "send", "1", "5", "--wallet", str(path), "--node", url, "--passphrase-file", str(wrong),
                   code=1)
    assert "wrong passphrase" in refused.stderr


def test_cli_prompts_for_the_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    made = _one_json(_zkl("wallet", "new", "--wallet", str(path), "--scrypt-n", str(CHEAP), "--json",
                          input="pw one\npw one\n"))
    assert keystore.load(path, "pw one").pubkey == tuple(int(v) for v in made["pubkey"])
    mismatch = _zkl("wallet", "new", "--wallet", str(tmp_path / "q.json"), "--scrypt-n", str(CHEAP),
                    input="a\nb\n", code=1, prompts=True)  # click asks again, then aborts at the input's end
    assert not (tmp_path / "q.json").exists() and "do not match" in mismatch.stderr
    env = _one_json(_zkl("wallet", "new", "--wallet", str(tmp_path / "e.json"), "--scrypt-n", str(CHEAP), "--json",
                         env={"ZKL_WALLET_PASSPHRASE": "from env", "ZKL_WALLET": str(tmp_path / "e.json")}))
    assert keystore.load(tmp_path / "e.json", "from env").pubkey == tuple(int(v) for v in env["pubkey"])
    bad_n = _zkl("wallet", "new", "--wallet", str(tmp_path / "n.json"), "--scrypt-n", "1000",
                 env={"ZKL_WALLET_PASSPHRASE": "x"}, code=2)
    assert "power of two" in bad_n.stderr


# -- the command against a served node -------------------------------------------------------------


@pytest.fixture(scope="module")
def wallets(served, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two wallets (alice, bob) made with `zkl wallet new`, funded with `zkl wallet deposit --wait`."""
    home = tmp_path_factory.mktemp("wallets")
    secret = home / "pass.txt"
    secret.write_text("open sesame\n")
    token = str(served.data_dir / "operator.token")
    out = {"dir": home, "secret": str(secret), "url": served.url}
    for name, amount in (("alice", 1000), ("bob", 500)):
        path = home / f"{name}.json"
        _new(path, secret)
        dep = _one_json(_zkl("wallet", "deposit", str(amount), "--wallet", str(path), "--node", served.url,
                             "--token-file", token, "--wait", "--timeout", WAIT, "--json"))
        assert dep["consumed"] and len(dep["accounts"]) == 1 and dep["amount"] == str(amount)
        out[name] = {"path": str(path), "index": dep["accounts"][0], "deposited": amount}
    return out


def _w(wallets: dict, who: str, *args: str, code: int = 0) -> Result:
    """`zkl wallet ARGS` as `who`, against the served node (env ZKL_NODE, ZKL_WALLET)."""
    return _zkl("wallet", *args, code=code,
                env={"ZKL_NODE": wallets["url"], "ZKL_WALLET": wallets[who]["path"]})


def test_deposit_first(served, tmp_path: Path) -> None:
    path = tmp_path / "carol.json"
    secret = tmp_path / "pass.txt"
    secret.write_text("pw")
    _new(path, secret)
    for args in (("balance",), ("history",), ("send", "0", "1", "--passphrase-file", str(secret))):
        refused = _zkl("wallet", *args, "--wallet", str(path), "--node", served.url, code=1)
        assert "deposit first" in refused.stderr, refused.stderr
    assert _one_json(_zkl("wallet", "address", "--wallet", str(path), "--node", served.url, "--json"))["accounts"] == []
    no_token = _zkl("wallet", "deposit", "5", "--wallet", str(path), "--node", served.url,
                    "--token-file", str(secret), code=1)
    assert "operator" in no_token.stderr


def test_send_wait_final(wallets: dict) -> None:
    alice, bob = wallets["alice"], wallets["bob"]
    seen = _one_json(_w(wallets, "alice", "address", "--json"))
    assert seen["accounts"] == [alice["index"]] and seen["node_error"] is None
    before = _one_json(_w(wallets, "alice", "balance", "--json"))
    assert before["balance"] == "1000" and before["nonce"] == 0 and before["next_nonce"] == 0

    sent = _one_json(_w(wallets, "alice", "send", str(bob["index"]), "300", "--passphrase-file", wallets["secret"],
                        "--wait", "final", "--timeout", WAIT, "--json"))
    assert sent["status"] == "final" and sent["from"] == alice["index"] and sent["to"] == bob["index"]
    assert sent["amount"] == "300" and sent["nonce"] == 0 and len(sent["id"]) == 64 and sent["batch"] >= 1
    fee = int(sent["fee"])
    assert fee >= 0
    with NodeClient(wallets["url"]) as node:
        assert node.transaction(sent["id"])["status"] == "final"

    a = _one_json(_w(wallets, "alice", "balance", "--json"))
    b = _one_json(_w(wallets, "bob", "balance", "--json"))
    assert (int(a["balance"]), a["nonce"], a["next_nonce"]) == (1000 - 300 - fee, 1, 1)
    assert int(b["balance"]) == 500 + 300 and b["nonce"] == 0
    table = _w(wallets, "alice", "balance").stdout
    assert f"{1000 - 300 - fee:,}" in table and "next nonce" in table

    hist = _one_json(_w(wallets, "alice", "history", "--json"))
    mine = [t for t in hist["transactions"] if t["id"] == sent["id"]]
    assert hist["index"] == alice["index"] and len(mine) == 1 and mine[0]["status"] == "final"
    text = _w(wallets, "alice", "history").stdout
    row = next(line for line in text.splitlines() if sent["id"] in line)
    assert "final" in row and "transfer" in row and "300" in row
    assert sent["id"] in _w(wallets, "bob", "history").stdout  # bob's account sees the transfer too

    # the sentence form (waiting for the batch, so that no transaction is left pending for the next tests)
    again = _w(wallets, "alice", "send", str(bob["index"]), "1", "--passphrase-file", wallets["secret"],
               "--wait", "in_batch", "--timeout", WAIT).stdout
    assert again.startswith("Sent 1 from account") and "nonce 1" in again and " in batch " in again


def test_refused_send_changes_nothing(wallets: dict) -> None:
    with NodeClient(wallets["url"]) as node:
        before = node.account(wallets["alice"]["index"])
        refused = _w(wallets, "alice", "send", str(wallets["bob"]["index"]), str(10**6),
                     "--passphrase-file", wallets["secret"], code=1)
        assert "refused the transfer: InsufficientBalance" in refused.stderr, refused.stderr
        after = node.account(wallets["alice"]["index"])
    assert (after["balance"], after["nonce"], after["next_nonce"], after["pending_debit"]) == \
        (before["balance"], before["nonce"], before["next_nonce"], before["pending_debit"])
    unknown = _w(wallets, "alice", "send", "9", "1", "--passphrase-file", wallets["secret"], code=1)
    assert "UnknownAccount" in unknown.stderr


def test_wrong_passphrase_on_the_node(wallets: dict) -> None:
    wrong = Path(wallets["dir"]) / "wrong.txt"
    wrong.write_text("open sesam")
    with NodeClient(wallets["url"]) as node:
        before = node.account(wallets["alice"]["index"])
        refused = _w(wallets, "alice", "send", str(wallets["bob"]["index"]), "1", "--passphrase-file", str(wrong),
                     code=1)
        assert "wrong passphrase" in refused.stderr
        assert node.account(wallets["alice"]["index"])["next_nonce"] == before["next_nonce"]
    bad = _w(wallets, "alice", "withdraw", "5", "--l1-address", "0x1234", "--passphrase-file", wallets["secret"],
             code=2)
    assert "--l1-address" in bad.stderr


def test_withdraw(wallets: dict) -> None:
    address = "0x" + "ab" * 20
    out = _one_json(_w(wallets, "bob", "withdraw", "50", "--l1-address", address, "--passphrase-file",
                       wallets["secret"], "--wait", "in_batch", "--timeout", WAIT, "--json"))
    assert out["type"] == "withdraw" and out["l1_address"] == address and out["status"] in ("in_batch", "proven",
                                                                                            "final")
    hist = _one_json(_w(wallets, "bob", "history", "--json"))
    assert any(t["id"] == out["id"] and t["tx"]["type"] == "withdraw" for t in hist["transactions"])
