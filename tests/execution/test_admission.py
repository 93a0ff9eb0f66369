"""Group admission (`Node.submit_many`): one SQLite transaction for many submissions, signatures checked in
one batch, and for every item exactly the answer `Node.submit` gives when the same items come one by one."""

from __future__ import annotations

import shutil

import pytest

from zkl.crypto.protocol import Domain
from zkl.errors import MalformedInput, ZklError
from zkl.execution import Node, Wallet

DOMAIN = Domain(31337, 0xC0FFEE)
OTHER = Domain(1, 0xC0FFEE)


def _wallet(n: int) -> Wallet:
    return Wallet(bytes([n + 1]) * 32)


@pytest.fixture(scope="module")
def base_node(tmp_path_factory: pytest.TempPathFactory):
    """A node with the sequencer (0), alice (1) and bob (2) funded; returns its directory."""
    path = tmp_path_factory.mktemp("admission") / "node"
    seq, alice, bob = _wallet(0), _wallet(1), _wallet(2)
    with Node.init(path, depth=4, batch_size=4, fee_pubkey=seq.pubkey, domain=DOMAIN, fee_floor=1) as node:
        node.add_deposit(seq.pubkey, 0)
        node.add_deposit(alice.pubkey, 10_000)
        node.add_deposit(bob.pubkey, 500)
        node.seal()
        assert [node.account(i).balance for i in range(3)] == [0, 10_000, 500]
    return path


def _copy(base, tmp_path, name):
    path = tmp_path / name
    shutil.copytree(base, path)
    return Node(path)


def _items(node: Node) -> list:
    """A sequence with every kind of refusal, and items whose answer depends on an earlier one."""
    alice, bob, mallory = _wallet(1), _wallet(2), _wallet(3)
    d, f = node.domain, node.min_fee
    good = alice.transfer(1, 2, 100, fee=f, nonce=0, domain=d)
    sig = good.to_json()["signature"]
    bad_s = sig[:64] + "ff" * 32  # S >= l
    bad_r = "ff" * 32 + sig[64:]  # R8 not on the curve
    forged = mallory.transfer(1, 2, 100, fee=f, nonce=1, domain=d)  # signed by the wrong key
    return [
        good.to_json(),
        good.to_json(),                                                 # the same again: its nonce is now used
        alice.transfer(1, 2, 100, fee=f, nonce=5, domain=d).to_json(),  # nonce ahead
        forged.to_json(),                                               # bad signature
        {**good.to_json(), "signature": bad_s},                         # malformed S
        {**good.to_json(), "signature": bad_r},                         # malformed R8
        alice.transfer(1, 2, 100, fee=f - 1, nonce=1, domain=d).to_json(),  # fee too low
        alice.transfer(1, 9, 100, fee=f, nonce=1, domain=d).to_json(),  # unknown receiver
        alice.transfer(1, 99, 100, fee=f, nonce=1, domain=d).to_json(),  # outside the tree
        alice.transfer(1, 2, 100, fee=f, nonce=1, domain=OTHER).to_json(),  # another deployment
        {"type": "transfer", "from": 1},                                # malformed
        "not an object",
        {**good.to_json(), "amount": str(1 << 64)},                     # amount out of range
        bob.transfer(2, 1, 300, fee=f, nonce=0, domain=d).to_json(),    # bob: 500 -> 200 - f left
        bob.transfer(2, 1, 300, fee=f, nonce=1, domain=d).to_json(),    # over what is left: insufficient
        bob.transfer(2, 1, 100, fee=f, nonce=1, domain=d),              # a SignedTx, not JSON
        alice.withdraw(1, 50, fee=f, l1_address=0xABC, nonce=1, domain=d).to_json(),
        _wallet(4).transfer(7, 1, 1, fee=f, nonce=0, domain=d).to_json(),  # unknown sender
    ]


def _answer(result) -> tuple:
    return ("error", type(result).__name__, str(result)) if isinstance(result, ZklError) else ("id", result)


def test_a_group_answers_as_one_by_one(base_node, tmp_path) -> None:
    one, many = _copy(base_node, tmp_path, "one"), _copy(base_node, tmp_path, "many")
    items = _items(one)
    expected = []
    for item in items:
        try:
            expected.append(("id", one.submit(item)))
        except ZklError as e:
            expected.append(("error", type(e).__name__, str(e)))
    got = [_answer(r) for r in many.submit_many(items)]
    assert got == expected
    kinds = [e[1] if e[0] == "error" else "ok" for e in expected]
    assert kinds.count("ok") == 4 and {"NonceMismatch", "InvalidSignature", "FieldElementOutOfRange",
                                       "FeeTooLow", "UnknownAccount", "MalformedInput", "WrongDomain",
                                       "AmountOutOfRange", "InsufficientBalance"} <= set(kinds)
    assert [tx.to_json() for tx in many.mempool.transactions()] == [tx.to_json() for tx in one.mempool.transactions()]
    # durable: a reopened node holds the admitted ones, and seals them as the one-by-one node does
    many.close()
    again = Node(tmp_path / "many")
    assert len(again.mempool) == 4
    batch_a, batch_b = one.seal(), again.seal()
    assert batch_a.new_root == batch_b.new_root and batch_a.pubdata == batch_b.pubdata
    assert again.tx_status(expected[0][1]) == {"status": "in_batch", "batch": 2, "slot": 0}
    one.close()
    again.close()


def test_a_refused_group_changes_nothing(base_node, tmp_path) -> None:
    node = _copy(base_node, tmp_path, "n")
    root, before = node.root, node.mempool.transactions()
    items = [it for it in _items(node)[1:13] if not (isinstance(it, dict) and it.get("nonce") == 0)]
    results = node.submit_many(items)
    assert all(isinstance(r, ZklError) for r in results)
    assert node.mempool.transactions() == before and node.root == root and len(node.mempool) == 0
    assert node.submit_many([]) == []
    node.close()


def test_a_malformed_signature_is_refused_as_parse_tx_refuses_it(base_node, tmp_path) -> None:
    from zkl.execution import parse_tx

    node = _copy(base_node, tmp_path, "n")
    good = _wallet(1).transfer(1, 2, 100, fee=node.min_fee, nonce=0, domain=node.domain).to_json()
    candidates = ["ff" * 64, good["signature"][:64] + "ff" * 32]
    candidates += [f"{y:02x}" + "00" * 31 + good["signature"][64:] for y in range(2, 12)]  # y = 2..11: some off the curve
    refused = 0
    for signature in candidates:
        item = {**good, "signature": signature}
        try:
            parse_tx(item)
            continue
        except MalformedInput as e:
            single = e
        refused += 1
        (result,) = node.submit_many([item])
        assert type(result) is type(single) and str(result) == str(single)
    assert refused >= 3
    node.close()
