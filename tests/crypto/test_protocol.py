"""The protocol's one definition: e0 packing, tree shape, leaf hash, signed messages and the deployment domain."""

from __future__ import annotations

import hashlib
import random

import pytest

from zkl.algebra.constants import R
from zkl.crypto.poseidon import poseidon_hash
from zkl.crypto.protocol import (
    DOMAIN_BITS,
    E0_AMOUNT_SHIFT,
    E0_FEE_SHIFT,
    E0_FROM_SHIFT,
    E0_TO_SHIFT,
    EXIT_TAG,
    MAX_DEPTH,
    NONCE_BITS,
    PUBLIC_INPUTS,
    Domain,
    TxType,
    check_depth,
    HEADER_BYTES,
    SLOT_BYTES,
    commitment_of,
    header_bytes,
    slot_bytes,
    exit_message,
    leaf_hash,
    levels,
    message_to_sign,
    nonce_word,
    pack_e0,
)
from zkl.errors import MalformedInput


def test_e0_layout():
    assert (E0_FROM_SHIFT, E0_TO_SHIFT, E0_AMOUNT_SHIFT, E0_FEE_SHIFT) == (8, 40, 72, 136)
    top = (1 << 64) - 1
    e0 = pack_e0(TxType.WITHDRAW, (1 << 32) - 1, 0, top, top)
    assert e0 < 1 << 200 and e0 & 0xFF == 3 and e0 >> E0_FEE_SHIFT == top
    rng = random.Random(3)
    seen = set()
    for _ in range(500):
        fields = (rng.randrange(4), rng.randrange(1 << 32), rng.randrange(1 << 32), rng.randrange(1 << 64),
                  rng.randrange(1 << 64))
        seen.add((fields, pack_e0(*fields)))
    assert len({e for _, e in seen}) == len(seen)  # injective on the ranges


def test_tree_shape():
    assert [levels(d) for d in (1, 2, 3, 16, 31, 32)] == [1, 1, 2, 8, 16, 16]
    assert MAX_DEPTH == 32 and check_depth(16) == 16
    for bad in (0, 33, True, "16", 2.0):
        with pytest.raises(MalformedInput):
            check_depth(bad)


def test_leaf_hash_is_poseidon_of_the_account_mod_r():
    assert leaf_hash((1, 2), 3, 4) == poseidon_hash([1, 2, 3, 4])
    assert leaf_hash((R + 1, 2), 3, 4) == leaf_hash((1, 2), 3, 4)


def test_domain_element_is_the_truncated_sha256():
    d = Domain(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)
    digest = hashlib.sha256((31337).to_bytes(32, "big") + bytes.fromhex("5FBDB2315678AFECB367F032D93F642F64180AA3"))
    assert d.element == int.from_bytes(digest.digest(), "big") >> 35 and d.element < 1 << DOMAIN_BITS
    # nonce + 2^32 domain stays below r, so (nonce, domain) is recovered from the message's third input
    assert nonce_word((1 << NONCE_BITS) - 1, (1 << DOMAIN_BITS) - 1) < R
    assert str(d) == "chain 31337, contract 0x5fbdb2315678afecb367f032d93f642f64180aa3"


def test_messages():
    d = Domain(1, 2).element
    assert message_to_sign(7, 9, 3, d) == poseidon_hash([7, 9, 3 + (d << 32)])
    assert exit_message(d, 5, 0xABC) == poseidon_hash([EXIT_TAG, d, 5, 0xABC])
    # an exit message is a 4-input hash: no 3-input transfer message equals it by construction
    assert exit_message(d, 5, 0xABC) != message_to_sign(EXIT_TAG, d, 5, d)
    for bad in [dict(nonce=1 << 32), dict(domain=1 << DOMAIN_BITS), dict(nonce=-1)]:
        args = {"e0": 1, "e1": 2, "nonce": 3, "domain": d, **bad}
        with pytest.raises(MalformedInput):
            message_to_sign(**args)
    with pytest.raises(MalformedInput):
        exit_message(d, 1 << 32, 1)


def test_slots_header_and_commitment():
    assert SLOT_BYTES == 45 and HEADER_BYTES == 116
    slot = slot_bytes(TxType.WITHDRAW, 7, 0, 1000, 2, 0xAB)
    assert len(slot) == SLOT_BYTES and slot[0] == 3 and slot[1:5] == (7).to_bytes(4, "big")
    assert slot[9:17] == (1000).to_bytes(8, "big") and slot[17:25] == (2).to_bytes(8, "big")
    assert slot[25:] == (0xAB).to_bytes(20, "big")
    header = header_bytes(5, 1, 2, 3, 4, 6)
    assert len(header) == HEADER_BYTES and header[:32] == (5).to_bytes(32, "big") and header[-32:] == (6).to_bytes(32, "big")
    c = commitment_of(header, slot)
    assert c == int.from_bytes(hashlib.sha256(header + slot).digest(), "big") >> 3 and c < R
    for bad in [(header[:-1], slot), (header, slot + b"x")]:
        with pytest.raises(MalformedInput):
            commitment_of(*bad)
    with pytest.raises(MalformedInput):
        header_bytes(1 << DOMAIN_BITS, 1, 2, 3, 4, 6)
    with pytest.raises(MalformedInput):
        header_bytes(5, 1, 2, 1 << 64, 4, 6)
    assert PUBLIC_INPUTS == ("old_root", "new_root", "commitment")
