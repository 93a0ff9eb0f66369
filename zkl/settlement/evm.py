"""The rollup contract in Solidity on an EVM: the committed bytecode deployed and driven from Python.

    chain = InProcessEvm()                                   # pyrevm: an EVM in this process
    rollup = EvmRollup.deploy(chain, vk, exit_vk, genesis_root, depth, sequencer=..., ...)
    rollup.deposit(pubkey, amount, sender=alice)             # amount in gwei (the L2's unit)
    rollup.submit_batch(header, public_data, proof)          # the public data goes as calldata
    rollup.last_receipt.gas                                  # what the transaction cost

`EvmRollup` has the methods of `zkl.settlement.contract.RollupContract` (the executable model
the Solidity contract is checked against, by one conformance suite) and raises the same
`zkl.errors` exceptions: a revert's custom error maps to the class of that name. Inputs the
Python contract refuses before its transaction (a malformed proof, a deposit key outside the
prime-order subgroup) are refused here before anything is sent, with the same errors.

A backend is what the rollup needs of a chain: `deploy`, `transact` and `call` as an address,
`balance`, `height`, `mine` (blocks), and the transaction's logs. `InProcessEvm` is pyrevm
(every transaction its own block, as anvil's automining does).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from zkl import errors
from zkl.algebra.points import G1Point, G2Point
from zkl.crypto.protocol import AMOUNT_BITS, EXIT_PUBLIC_INPUTS, INDEX_BITS, PUBLIC_INPUTS, Domain
from zkl.errors import MalformedInput, MalformedProof, SettlementError
from zkl.settlement.contract import (
    BatchRecord,
    Deposit,
    L1BatchHeader,
    RollupStatus,
    Withdrawal,
    _check_header,
    _check_proof,
    _deposit_key,
    _int,
)
from zkl.settlement.governance import PendingChange
from zkl.settlement.solidity.build import Artifact, artifacts
from zkl.settlement.storage import crash_point
from zkl.verifier.keys import Proof, VerifyingKey
from zkl.verifier.solidity import proof_words, verifier_constructor_args

__all__ = ["EvmRollup", "InProcessEvm", "Receipt", "UNIT", "address_of", "proof_words"]

UNIT = 10**9
"""Wei per L2 unit (the L2 counts gwei)."""


def address_of(value: int | str) -> str:
    """A checksum-free 0x address of an int or hex address."""
    n = int(value, 16) if isinstance(value, str) else int(value)
    if not 0 <= n < 1 << 160:
        raise MalformedInput(f"an address is 160 bits, not {value!r}")
    return f"0x{n:040x}"


@dataclass(frozen=True)
class Log:
    """One event a transaction emitted: its contract, topics and data."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class Receipt:
    """What a transaction did: success, its return or revert data, the gas of the whole transaction, its logs."""

    success: bool
    output: bytes
    gas: int
    logs: tuple[Log, ...] = ()
    height: int = 0
    tx_hash: str = ""


class Backend(Protocol):
    """What the rollup needs of a chain."""

    def deploy(self, sender: str, code: bytes, value: int = 0) -> tuple[str, Receipt]: ...
    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int | None = None) -> Receipt: ...
    def call(self, to: str, data: bytes) -> bytes: ...
    def balance(self, address: str) -> int: ...
    def mine(self, blocks: int = 1) -> None: ...
    def logs(self, address: str) -> list[tuple[int, str, Log]]: ...
    def transaction(self, tx_hash: str) -> tuple[str, bytes]: ...
    @property
    def height(self) -> int: ...
    @property
    def chain_id(self) -> int: ...


_MINED_REVERTED = b"mined-reverted"
"""Receipt.output of a transaction mined but reverted (no revert data on a receipt)."""
_REVERT = re.compile(r"output: 0x([0-9a-fA-F]*)")


def _bytes(value: Any) -> bytes:
    """pyrevm hands topics as 0x strings, data as bytes or (data, ...) tuples."""
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def _data(value: Any) -> bytes:
    if isinstance(value, tuple):  # (topics, data) in some pyrevm versions
        value = value[-1]
    return _bytes(value)


class InProcessEvm:
    """pyrevm, Cancun rules: each transaction is mined in a block of its own; one that reverts in none."""

    def __init__(self, chain_id: int = 31337, balances: dict[int | str, int] | None = None) -> None:
        import pyrevm

        self._pyrevm = pyrevm
        self.evm = pyrevm.EVM(env=pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=chain_id)), spec_id="CANCUN")
        self._chain_id = chain_id
        self._height = 0
        self._set_block()
        for address, wei in (balances or {}).items():
            self.evm.set_balance(address_of(address), wei)
        self._history: dict[str, tuple[str, bytes]] = {}  # included transactions: hash -> (sender, input)
        self._logs: list[tuple[int, str, Log]] = []

    def _set_block(self) -> None:
        self.evm.set_block_env(self._pyrevm.BlockEnv(number=self._height, timestamp=1_700_000_000 + 12 * self._height))

    @property
    def height(self) -> int:
        """The number of the last block."""
        return self._height

    @property
    def chain_id(self) -> int:
        """The chain id (EIP-155)."""
        return self._chain_id

    def mine(self, blocks: int = 1) -> None:
        """Mine empty blocks."""
        self._advance(blocks)

    def _advance(self, blocks: int) -> None:
        self._height += blocks
        self._set_block()

    def set_balance(self, address: int | str, wei: int) -> None:
        """Give an account a balance (a test or devnet faucet)."""
        self.evm.set_balance(address_of(address), wei)

    def balance(self, address: int | str) -> int:
        """An account's balance in wei."""
        return int(self.evm.get_balance(address_of(address)))

    def _run(self, fn: Any, sender: str = "", data: bytes = b"") -> Receipt:
        self._advance(1)
        try:
            output, ok = fn(), True
        except RuntimeError as e:  # pyrevm raises on revert and halt; the revert data is in the message
            found = _REVERT.search(str(e))
            output, ok = (bytes.fromhex(found.group(1)) if found else str(e).encode()), False
        result = self.evm.result
        if result is None:  # refused before it ran (the sender cannot pay): nothing is included
            self._height -= 1
            self._set_block()
            message = str(output, errors="replace")
            cls = errors.InsufficientFunds if "LackOfFund" in message else SettlementError
            raise cls(f"the EVM refused the transaction of {address_of(sender) if sender else 'the sender'}: {message}")
        if not ok:  # a transaction that reverts is not included (a client simulates before it sends)
            self._height -= 1
            self._set_block()
        logs = tuple(Log(str(log.address).lower(), tuple(_bytes(t) for t in log.topics), _data(log.data))
                     for log in (result.logs if ok else []))
        tx_hash = ""
        if ok:
            tx_hash = "0x" + hashlib.sha256(b"%d:%d" % (self._height, len(self._history))).hexdigest()
            self._history[tx_hash] = (address_of(sender).lower() if sender else "", bytes(data))
            self._logs += [(self._height, tx_hash, log) for log in logs]
        return Receipt(ok and result.is_success, output if isinstance(output, bytes) else b"", result.gas_used, logs,
                       self._height, tx_hash)

    def logs(self, address: str) -> list[tuple[int, str, Log]]:
        """(block, transaction hash, log) of every log a contract emitted, oldest first."""
        return [entry for entry in self._logs if entry[2].address == address.lower()]

    def transaction(self, tx_hash: str) -> tuple[str, bytes]:
        """(sender, input) of an included transaction."""
        return self._history[tx_hash]

    def deploy(self, sender: str, code: bytes, value: int = 0) -> tuple[str, Receipt]:
        """Deploy creation code; (the new contract's address, the receipt)."""
        box: list[str] = []
        receipt = self._run(lambda: box.append(self.evm.deploy(sender, code, value=value)) or b"")
        if not receipt.success:
            raise _error(receipt.output, "deploy")
        return box[0].lower(), receipt

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int | None = None) -> Receipt:
        """Send a transaction in a new block (gas: its limit, default the block's); its receipt (reverted too)."""
        return self._run(lambda: bytes(self.evm.message_call(sender, to, data, value=value, gas=gas)), sender, data)

    def call(self, to: str, data: bytes) -> bytes:
        """Run a view call on the last block's state as the next block would see it (nothing is kept)."""
        checkpoint = self.evm.snapshot()
        self._height += 1
        self._set_block()
        try:
            return bytes(self.evm.message_call("0x" + "00" * 19 + "01", to, data, is_static=True))
        except RuntimeError as e:
            found = _REVERT.search(str(e))
            raise _error(bytes.fromhex(found.group(1)) if found else b"", "call") from None
        finally:
            self.evm.revert(checkpoint)
            self._height -= 1
            self._set_block()


# ----------------------------------------------------------------------------- ABI


def _abi() -> tuple[dict[str, Any], dict[bytes, tuple[str, list]], dict[bytes, tuple[str, list]]]:
    """(functions by name, errors by selector, events by topic) of the rollup contract."""
    from eth_utils import keccak

    functions, errs, events = {}, {}, {}
    entries = artifacts()["ZklRollup"].abi + [e for e in artifacts()["BatchVerifier"].abi if e["type"] == "error"]
    for entry in entries:
        if entry["type"] not in ("function", "error", "event"):
            continue
        types = [i["type"] for i in entry["inputs"]]
        sig = f"{entry['name']}({','.join(types)})"
        if entry["type"] == "function":
            functions[entry["name"]] = (keccak(text=sig)[:4], types, [o["type"] for o in entry["outputs"]])
        elif entry["type"] == "error":
            errs[keccak(text=sig)[:4]] = (entry["name"], types)
        else:
            events[keccak(text=sig)] = (entry["name"], entry["inputs"])
    return functions, errs, events


_ABI: tuple | None = None


def _tables() -> tuple:
    global _ABI
    if _ABI is None:
        _ABI = _abi()
    return _ABI


def _encode(name: str, *args: Any) -> bytes:
    from eth_abi import encode

    selector, types, _ = _tables()[0][name]
    return selector + encode(types, list(args))


def _decode(name: str, output: bytes) -> tuple:
    from eth_abi import decode

    return tuple(decode(_tables()[0][name][2], output))


_ERROR_CLASSES = {"TransferFailed": SettlementError, "NotEnoughGas": SettlementError, "ProofInvalid": errors.BadProof}


def _error(output: bytes, what: str) -> Exception:
    """The zkl.errors exception a revert's custom error names."""
    from eth_abi import decode

    if output == _MINED_REVERTED:
        return errors.L1TransactionReverted(f"{what} was mined but reverted (its state moved after the simulation, "
                                            "or it ran out of gas); nothing changed, it can be sent again")
    found = _tables()[1].get(bytes(output[:4]))
    if found is None:
        return SettlementError(f"{what} reverted without a known error (data 0x{bytes(output).hex()})")
    name, types = found
    values = decode(types, bytes(output[4:])) if types else ()
    cls = _ERROR_CLASSES.get(name) or getattr(errors, name, SettlementError)
    detail = f"({', '.join(str(v) for v in values)})" if values else ""
    return cls(f"the rollup contract refused {what}: {name}{detail}")


def _decode_event(log: Log) -> tuple[str, dict[str, Any]] | None:
    from eth_abi import decode

    found = _tables()[2].get(log.topics[0]) if log.topics else None
    if found is None:
        return None
    name, inputs = found
    indexed = [i for i in inputs if i["indexed"]]
    plain = [i for i in inputs if not i["indexed"]]
    values = dict(zip((i["name"] for i in plain), decode([i["type"] for i in plain], log.data)))
    for param, topic in zip(indexed, log.topics[1:]):
        values[param["name"]] = decode([param["type"]], topic)[0]
    return name, values


# ----------------------------------------------------------------------------- the rollup


@dataclass
class EvmRollup:
    """The Solidity rollup contract at `address` on a backend."""

    chain: Backend
    address: str
    last_receipt: Receipt | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deploy_gas: int = 0
    """the gas of the deployment: both verifiers, the deposit hasher and the rollup"""

    @classmethod
    def deploy_verifier(cls, chain: Backend, vk: VerifyingKey, name: str, sender: str) -> tuple[str, Receipt]:
        """Deploy a verifier (BatchVerifier or ExitVerifier) for a key; its address and the receipt."""
        art: Artifact = artifacts()[name]
        n_public = len(PUBLIC_INPUTS) if name == "BatchVerifier" else len(EXIT_PUBLIC_INPUTS)
        return chain.deploy(sender, art.bytecode + verifier_constructor_args(vk, n_public=n_public))

    @classmethod
    def deploy(cls, chain: Backend, vk: VerifyingKey, exit_vk: VerifyingKey, genesis_root: int, depth: int, *,
               sequencer: int | str, governor: int | str | None = None, bond: int = 0, deposit_deadline: int = 100,
               vk_timelock: int = 50, council: tuple[int | str, ...] = (), council_threshold: int | None = None,
               ) -> EvmRollup:
        """Deploy both verifiers and the rollup contract (the sequencer sends them and escrows the bond, in gwei)."""
        if vk.n_public != len(PUBLIC_INPUTS) or exit_vk.n_public != len(EXIT_PUBLIC_INPUTS):
            raise MalformedInput(f"the batch key takes {len(PUBLIC_INPUTS)} public inputs and the exit key "
                                 f"{len(EXIT_PUBLIC_INPUTS)}, not {vk.n_public} and {exit_vk.n_public}")
        seq = address_of(sequencer)
        batch_verifier, r1 = cls.deploy_verifier(chain, vk, "BatchVerifier", seq)
        exit_verifier, r2 = cls.deploy_verifier(chain, exit_vk, "ExitVerifier", seq)
        hasher, r3 = chain.deploy(seq, artifacts()["DepositHasher"].bytecode)
        members = [address_of(m) for m in council]
        threshold = len(members) if council_threshold is None else council_threshold
        from eth_abi import encode

        args = encode(["address", "address", "address", "uint256", "uint256", "address", "address", "uint256",
                       "uint256", "address[]", "uint256"],
                      [batch_verifier, exit_verifier, hasher, genesis_root, depth, seq,
                       address_of(sequencer if governor is None else governor), deposit_deadline, vk_timelock,
                       members, threshold])
        address, receipt = chain.deploy(seq, artifacts()["ZklRollup"].bytecode + args, value=bond * UNIT)
        rollup = cls(chain, address, receipt, deploy_gas=r1.gas + r2.gas + r3.gas + receipt.gas)
        rollup._record(receipt)
        return rollup

    # -- plumbing

    def _send(self, what: str, sender: int | str, name: str, *args: Any, value: int = 0) -> Receipt:
        receipt = self.chain.transact(address_of(sender), self.address, _encode(name, *args), value=value)
        self.last_receipt = receipt
        if not receipt.success:
            raise _error(receipt.output, what)
        self._record(receipt)
        return receipt

    def _record(self, receipt: Receipt) -> None:
        for log in receipt.logs:
            if log.address == self.address:
                decoded = _decode_event(log)
                if decoded is not None:
                    self.events.append(decoded)

    def _view(self, name: str, *args: Any) -> tuple:
        return _decode(name, self.chain.call(self.address, _encode(name, *args)))

    def _one(self, name: str, *args: Any) -> Any:
        return self._view(name, *args)[0]

    # -- transactions (the model's names and errors)

    def deposit(self, l2_pubkey: Any, amount: int, *, sender: int | str) -> Deposit:
        """Escrow amount gwei and queue a deposit to an L2 key; returns the queued deposit."""
        pk = _deposit_key(l2_pubkey)
        amount = _int(amount, "amount", AMOUNT_BITS)
        if amount == 0:
            raise MalformedInput("amount must be positive, not 0")
        receipt = self._send("the deposit", sender, "deposit", pk.x, pk.y, value=amount * UNIT)
        fields = self.events[-1][1]
        return Deposit(fields["index"], int(fields["depositor"], 16), (pk.x, pk.y), amount, fields["chainHash"],
                       receipt.height, fields["deadline"], "queued", None)

    def submit_batch(self, header: L1BatchHeader, public_data: bytes, proof: Proof, *,
                     sender: int | str | None = None) -> Receipt:
        """Verify and finalize the next batch; the receipt (gas: `last_receipt.gas`)."""
        header = _check_header(header)
        if not isinstance(public_data, (bytes, bytearray, memoryview)):
            raise errors.MalformedBatch(f"public data must be bytes, not {type(public_data).__name__}")
        proof = _check_proof(proof)
        who = self.sequencer if sender is None else sender
        words = [header.batch_number, header.old_root, header.new_root, header.fee_account, header.commitment]
        return self._send(f"batch {header.batch_number}", who, "submitBatch", words, bytes(public_data),
                          proof_words(proof))

    def claim(self, l1_address: int | str, *, sender: int | str | None = None) -> int:
        """Pay l1_address its final, unclaimed withdrawals; returns the amount in gwei."""
        self._send(f"the claim of {address_of(l1_address)}", l1_address if sender is None else sender, "claim",
                   address_of(l1_address))
        return self.events[-1][1]["amount"]

    def activate_exodus(self, *, sender: int | str = 1) -> dict[str, int]:
        """Enter exodus mode once a deposit is overdue: slashes the bond."""
        before = self.bond
        queued = self.queue_length
        self._send("exodus", sender, "activateExodus")
        return {"refundable": queued, "slashed": before}

    def refund_deposit(self, index: int, *, sender: int | str = 1) -> int:
        """In exodus mode, give an unprocessed deposit back to its depositor, once; the amount in gwei."""
        self._send(f"the refund of deposit {index}", sender, "refundDeposit", _int(index, "index", 64))
        return self.events[-1][1]["amount"]

    def exit(self, account_index: int, l1_address: int | str, balance: int, proof: Proof, *,
             sender: int | str | None = None) -> int:
        """In exodus mode, pay an account's balance to l1_address once, by exit proof; the amount in gwei."""
        account_index = _int(account_index, "account_index", INDEX_BITS)
        balance = _int(balance, "balance", AMOUNT_BITS)
        try:
            proof = _check_proof(proof)
        except MalformedProof as e:
            raise errors.BadExitProof(f"the exit proof is malformed: {e}") from e
        self._send(f"the exit of account {account_index}", l1_address if sender is None else sender, "exit",
                   account_index, address_of(l1_address), balance, proof_words(proof))
        return balance

    def propose_vk_upgrade(self, vk: VerifyingKey, *, sender: int | str) -> str:
        """Governor: deploy a verifier for vk and queue it; returns the verifier's address."""
        if vk.n_public != len(PUBLIC_INPUTS):
            raise MalformedInput(f"the key must take {len(PUBLIC_INPUTS)} public inputs, not {vk.n_public}")
        # what the contract would refuse, refused before a verifier is deployed for nothing
        if address_of(sender) != self._one("governor").lower():
            raise errors.Unauthorized(f"only the governor may propose a verifying key, not {address_of(sender)}")
        if int(self._one("pendingVerifier"), 16):
            raise errors.TimelockActive("a verifying-key upgrade is already pending; cancel it first")
        verifier, _ = self.deploy_verifier(self.chain, vk, "BatchVerifier", address_of(sender))
        self._send("the key upgrade", sender, "proposeVkUpgrade", verifier)
        return verifier

    def cancel_vk_upgrade(self, *, sender: int | str) -> None:
        """Governor: drop the pending upgrade."""
        self._send("the cancellation", sender, "cancelVkUpgrade")

    def activate_vk_upgrade(self, *, sender: int | str = 1) -> None:
        """Apply a pending upgrade whose timelock has elapsed."""
        self._send("the activation", sender, "activateVkUpgrade")

    def vote_pause(self, *, sender: int | str) -> bool:
        """Council member: vote to pause batches; whether this vote paused them."""
        self._send("the pause vote", sender, "votePause")
        return self.paused

    def vote_unpause(self, *, sender: int | str) -> bool:
        """Council member: vote to resume batches; whether this vote resumed them."""
        self._send("the resume vote", sender, "voteUnpause")
        return not self.paused

    # -- views

    @property
    def state_root(self) -> int:
        """The last final state root."""
        return self._one("stateRoot")

    @property
    def batch_number(self) -> int:
        """The number of the last final batch."""
        return self._one("batchNumber")

    @property
    def domain(self) -> Domain:
        """The deployment domain: the chain id and this contract's address."""
        domain = Domain(self.chain.chain_id, int(self.address, 16))
        if domain.element != self._one("domain"):
            raise SettlementError("the contract's domain is not its chain id and address")
        return domain

    @property
    def sequencer(self) -> str:
        """The sequencer's address."""
        return self._one("sequencer").lower()

    @property
    def bond(self) -> int:
        """The sequencer's bond in gwei."""
        return self._one("bond") // UNIT

    @property
    def paused(self) -> bool:
        """Whether the council has paused batches."""
        return self._one("paused")

    @property
    def queue_length(self) -> int:
        """Deposits neither processed nor refunded."""
        count, processed = self._one("depositCount"), self._one("depositsProcessed")
        return sum(1 for i in range(processed + 1, count + 1) if not self._one("refunded", i))

    def exodus(self) -> bool:
        """Whether a transaction in the next block would see exodus mode."""
        return self._one("inExodus")

    def exited(self, account_index: int) -> bool:
        """Whether an account has exited."""
        return self._one("exited", account_index)

    def claimable(self, l1_address: int | str) -> int:
        """Final withdrawals of an address not yet paid, in gwei."""
        return self._one("claimable", address_of(l1_address))

    def deposit_chain(self, index: int) -> int:
        """The deposit chain after deposit `index` (0: before any)."""
        return self._one("depositChain", index)

    def escrow(self) -> int:
        """The contract's balance in gwei."""
        return self.chain.balance(self.address) // UNIT

    @property
    def verifier(self) -> str:
        """The address of the batch verifier in force (a key upgrade replaces it)."""
        return self._one("verifier").lower()

    @property
    def depth(self) -> int:
        """The account tree's depth parameter."""
        return self._one("depth")

    @staticmethod
    def vk_hash_of(vk: VerifyingKey) -> str:
        """The hash a verifier deployed for vk reports (`verifyingKeyHash`): keccak256 of its constructor words."""
        from eth_utils import keccak

        return keccak(verifier_constructor_args(vk)).hex()

    def status(self) -> RollupStatus:
        """The contract's state as a transaction in the next block would see it (the model's `RollupStatus`)."""
        from eth_abi import decode
        from eth_utils import keccak

        queued = self.queued_deposits()
        pending = None
        pending_verifier = self._one("pendingVerifier")
        effective = self._one("effectiveVerifier")
        key = lambda verifier: decode(["bytes32"], self.chain.call(verifier, keccak(text="verifyingKeyHash()")[:4]))[0].hex()  # noqa: E731
        if int(pending_verifier, 16) and effective.lower() != pending_verifier.lower():
            pending = PendingChange(key(pending_verifier), self._one("pendingProposed"), self._one("pendingEffective"))
        return RollupStatus(
            height=self.chain.height, domain=self.domain, state_root=self.state_root, batch_number=self.batch_number,
            depth=self.depth, queue_length=len(queued), next_deadline=min((d.deadline for d in queued), default=None),
            exodus=self.exodus(), exodus_activated=self._one("exodus"), vk_hash=key(effective), pending_vk=pending,
            sequencer=int(self.sequencer, 16), governor=int(self._one("governor"), 16), bond=self.bond,
            escrow=self.escrow(), deposit_deadline=self._one("depositDeadline"), vk_timelock=self._one("vkTimelock"),
            paused=self.paused)

    def deposits(self, status: str | None = None) -> list[Deposit]:
        """Every deposit (or those with a status: 'queued', 'processed', 'refunded'), by index, from the chain's logs."""
        out: list[Deposit] = []
        batch_of: dict[int, int] = {}
        processed = 0
        refunded: set[int] = set()
        found: list[tuple[int, dict[str, Any]]] = []
        for height, _, name, fields in self.history():
            if name == "Deposit":
                found.append((height, fields))
            elif name == "BatchFinalized":
                for i in range(processed + 1, processed + fields["deposits"] + 1):
                    batch_of[i] = fields["number"]
                processed += fields["deposits"]
            elif name == "DepositRefunded":
                refunded.add(fields["index"])
        for height, f in found:
            i = f["index"]
            state = "processed" if i in batch_of else "refunded" if i in refunded else "queued"
            out.append(Deposit(i, int(f["depositor"], 16), (f["pubkeyX"], f["pubkeyY"]), f["amount"], f["chainHash"],
                               height, f["deadline"], state, batch_of.get(i)))
        return [d for d in out if status is None or d.status == status]

    def queued_deposits(self) -> list[Deposit]:
        """The deposit queue: deposits not yet processed by a batch (nor refunded), oldest first."""
        return self.deposits("queued")

    def withdrawals(self, l1_address: int | str | None = None) -> list[Withdrawal]:
        """Withdrawals made claimable by final batches (all, or those of one address), from the chain's logs."""
        out: list[Withdrawal] = []
        open_: dict[int, list[int]] = {}  # address -> positions in out not yet claimed
        for height, _, name, fields in self.history():
            if name == "Withdrawal":
                address = int(fields["l1Address"], 16)
                open_.setdefault(address, []).append(len(out))
                out.append(Withdrawal(len(out) + 1, fields["batch"], fields["position"], address, fields["amount"],
                                      None))
            elif name == "Claim":  # a claim pays everything claimable of the address
                for k in open_.pop(int(fields["l1Address"], 16), []):
                    w = out[k]
                    out[k] = Withdrawal(w.id, w.batch, w.position, w.l1_address, w.amount, height)
        if l1_address is None:
            return out
        wanted = int(address_of(l1_address), 16)
        return [w for w in out if w.l1_address == wanted]

    def batch(self, number: int) -> BatchRecord:
        """A final batch by number."""
        found = self.batches(number, number + 1)
        if not found:
            raise MalformedInput(f"batch number must be in [1, {self.batch_number}], not {number}")
        return found[0]

    # -- history: the L2 from the chain alone

    def history(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        """Every event the contract emitted, from the chain's logs: (block, transaction hash, name, fields)."""
        out = []
        for height, tx_hash, log in self.chain.logs(self.address):
            decoded = _decode_event(log)
            if decoded is not None:
                out.append((height, tx_hash, *decoded))
        return out

    def batches(self, start: int = 1, stop: int | None = None) -> list[BatchRecord]:
        """Final batches with start <= number < stop as the chain holds them (their calldata, the deposit keys of
        the events): the model's records, so the L2 state rebuilds from the base layer alone."""
        from eth_abi import decode

        keys: dict[int, tuple[int, int]] = {}
        out: list[BatchRecord] = []
        processed = 0
        for height, tx_hash, name, fields in self.history():
            if name == "Deposit":
                keys[fields["index"]] = (fields["pubkeyX"], fields["pubkeyY"])
            if name != "BatchFinalized":
                continue
            sender, data = self.chain.transaction(tx_hash)
            selector = _tables()[0]["submitBatch"][0]
            if data[:4] != selector:
                raise SettlementError(f"batch {fields['number']} was not posted by a submitBatch call")
            header, public_data, words = decode(["uint256[5]", "bytes", "uint256[8]"], data[4:])
            first, last = processed, processed + fields["deposits"]
            proof = Proof(G1Point(words[0], words[1]), G2Point((words[3], words[2]), (words[5], words[4])),
                          G1Point(words[6], words[7]))
            out.append(BatchRecord(header[0], header[1], header[2], header[4], header[3], fields["totalFees"], first,
                                   last, self.deposit_chain(first), self.deposit_chain(last), bytes(public_data), proof,
                                   fields["vkHash"].hex(), height, int(sender, 16),
                                   tuple(keys[i] for i in range(first + 1, last + 1))))
            processed = last
        return [b for b in out if start <= b.number and (stop is None or b.number < stop)]


class RpcEvm:
    """Any JSON-RPC node by URL, through web3.py: transactions from accounts the node unlocks (anvil's
    impersonation for a devnet), each simulated first (one that would revert is not sent)."""

    def __init__(self, url: str, *, impersonate: bool = False, gas_price: int | None = None,
                 keys: Sequence[bytes] = (), receipt_timeout: float = 120.0) -> None:
        """impersonate: send as any address (anvil_impersonateAccount); gas_price: fixed (wei), else the node's;
        keys: secp256k1 private keys whose addresses sign here (any node); the rest go as the node's accounts."""
        from web3 import Web3

        self.web3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
        self.url = url
        self.impersonate = impersonate
        self.gas_price = gas_price
        self.receipt_timeout = receipt_timeout
        try:
            self._chain_id = int(self.web3.eth.chain_id)
        except Exception as e:  # noqa: BLE001 - any transport error: the node is not there
            raise SettlementError(f"no JSON-RPC node answers at {url}: {e}") from None
        self._unlocked: set[str] = set()
        self._keys: dict[str, Any] = {}
        self.on_sent: Callable[[str], None] | None = None
        """called with a transaction's hash once the node has it, before its receipt is awaited"""
        for key in keys:
            self.add_key(key)

    def add_key(self, private_key: bytes) -> str:
        """Sign transactions of this key's address here; returns the address."""
        from eth_account import Account

        account = Account.from_key(private_key)
        self._keys[account.address.lower()] = account
        return account.address.lower()

    @property
    def height(self) -> int:
        """The number of the last block."""
        return int(self.web3.eth.block_number)

    @property
    def chain_id(self) -> int:
        """The chain id (EIP-155)."""
        return self._chain_id

    def mine(self, blocks: int = 1) -> None:
        """Mine empty blocks (a devnet node: anvil_mine)."""
        if blocks:
            self.web3.provider.make_request("anvil_mine", [hex(blocks)])

    def set_balance(self, address: int | str, wei: int) -> None:
        """Give an account a balance (a devnet node: anvil_setBalance)."""
        self.web3.provider.make_request("anvil_setBalance", [address_of(address), hex(wei)])

    def balance(self, address: int | str) -> int:
        """An account's balance in wei."""
        return int(self.web3.eth.get_balance(self.web3.to_checksum_address(address_of(address))))

    def _from(self, sender: str) -> str:
        address = self.web3.to_checksum_address(address_of(sender))
        if self.impersonate and address.lower() not in self._keys and address not in self._unlocked:
            self.web3.provider.make_request("anvil_impersonateAccount", [address])
            self._unlocked.add(address)
        return address

    def _simulate(self, tx: dict[str, Any]) -> bytes | None:
        """The revert data if tx would revert in the next block, else None."""
        answer = self.web3.provider.make_request("eth_call", [tx, "pending"])
        error = answer.get("error")
        if error is None:
            return None
        data = error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        return bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else str(error).encode()

    def _send(self, tx: dict[str, Any]) -> Receipt:
        from web3.exceptions import Web3RPCError

        if self.gas_price is not None:
            tx = {**tx, "gasPrice": self.gas_price}
        encoded = {k: (hex(v) if isinstance(v, int) else v) for k, v in tx.items()}
        # the simulation checks the contract's rules at the block's gas limit; a limit the caller set is its own
        reverted = self._simulate({k: v for k, v in encoded.items() if k != "gas"})
        if reverted is not None:
            return Receipt(False, reverted, 0, (), self.height)
        if "gas" not in tx:  # estimated for the block it goes into (web3's own estimate reads the last one)
            answer = self.web3.provider.make_request("eth_estimateGas", [encoded, "pending"])
            if "error" in answer:
                return Receipt(False, self._simulate(encoded) or str(answer["error"]).encode(), 0, (), self.height)
            tx = {**tx, "gas": int(answer["result"], 16) * 5 // 4}
        signer = self._keys.get(str(tx["from"]).lower())
        try:
            if signer is not None:  # signed here: nonce from the pending block, the node's gas price unless fixed
                fields = {k: v for k, v in tx.items() if k != "from"}
                fields.setdefault("gasPrice", int(self.web3.eth.gas_price))
                fields["nonce"] = self.web3.eth.get_transaction_count(signer.address, "pending")
                fields["chainId"] = self._chain_id
                tx_hash = self.web3.eth.send_raw_transaction(signer.sign_transaction(fields).raw_transaction)
            else:
                tx_hash = self.web3.eth.send_transaction(tx)
        except Web3RPCError as e:  # the node refused the transaction
            response = getattr(e, "rpc_response", None) or {}
            message = str(response.get("error", {}).get("message") or e)
            cls = errors.InsufficientFunds if "insufficient funds" in message.lower() else SettlementError
            raise cls(f"the node at {self.url} refused the transaction of {tx['from']}: {message}") from None
        sent = "0x" + bytes(tx_hash).hex()
        if self.on_sent is not None:
            self.on_sent(sent)
        crash_point("rpc.sent")
        return self._receipt(sent)

    def _receipt(self, tx_hash: str) -> Receipt:
        from hexbytes import HexBytes

        try:
            receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout)
        except Exception as e:  # noqa: BLE001 - web3's TimeExhausted: not mined in time (dropped, or a stalled node)
            raise errors.L1TransactionPending(
                f"transaction {tx_hash} was sent but not mined within {self.receipt_timeout:g} s "
                f"({type(e).__name__}); it may still be mined, or dropped: check the chain before sending again"
            ) from None
        logs = tuple(Log(str(log["address"]).lower(), tuple(bytes(HexBytes(t)) for t in log["topics"]),
                         bytes(HexBytes(log["data"]))) for log in receipt["logs"])
        ok = receipt["status"] == 1
        gas, height = int(receipt["gasUsed"]), int(receipt["blockNumber"])
        if not ok:  # it reverted after all (the state moved between simulation and inclusion, or out of gas)
            return Receipt(False, _MINED_REVERTED, gas, (), height, tx_hash)
        if receipt.get("contractAddress"):
            return _Deployed(True, b"", gas, logs, height, tx_hash, str(receipt["contractAddress"]).lower())
        return Receipt(True, b"", gas, logs, height, tx_hash)

    def sent(self, tx_hash: str) -> Receipt | None:
        """The receipt of a transaction sent earlier (waiting while it is pending), or None if the node does not
        know it (dropped, or lost with a node's restart)."""
        from web3.exceptions import TransactionNotFound

        try:
            self.web3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return None
        return self._receipt(tx_hash)

    def logs(self, address: str) -> list[tuple[int, str, Log]]:
        """(block, transaction hash, log) of every log a contract emitted, oldest first (eth_getLogs)."""
        from hexbytes import HexBytes

        found = self.web3.eth.get_logs({"address": self.web3.to_checksum_address(address), "fromBlock": 0,
                                        "toBlock": "latest"})
        return [(int(e["blockNumber"]), "0x" + bytes(e["transactionHash"]).hex(),
                 Log(address.lower(), tuple(bytes(HexBytes(t)) for t in e["topics"]), bytes(HexBytes(e["data"]))))
                for e in found]

    def transaction(self, tx_hash: str) -> tuple[str, bytes]:
        """(sender, input) of an included transaction."""
        tx = self.web3.eth.get_transaction(tx_hash)
        return str(tx["from"]).lower(), bytes(tx["input"])

    def deploy(self, sender: str, code: bytes, value: int = 0) -> tuple[str, Receipt]:
        """Deploy creation code; (the new contract's address, the receipt)."""
        receipt = self._send({"from": self._from(sender), "data": "0x" + code.hex(), "value": value})
        if not isinstance(receipt, _Deployed):
            raise _error(receipt.output, "deploy")
        return receipt.address, receipt

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int | None = None) -> Receipt:
        """Simulate, then send a transaction and wait for its receipt (one that would revert is not sent)."""
        tx: dict[str, Any] = {"from": self._from(sender), "to": self.web3.to_checksum_address(to),
                              "data": "0x" + data.hex(), "value": value}
        if gas is not None:
            tx["gas"] = gas
        return self._send(tx)

    def call(self, to: str, data: bytes) -> bytes:
        """A view call as the next block would see it."""
        tx = {"to": self.web3.to_checksum_address(to), "data": "0x" + data.hex()}
        answer = self.web3.provider.make_request("eth_call", [tx, "pending"])
        if "error" in answer:
            raise _error(self._simulate(tx) or b"", "call")
        return bytes.fromhex(answer["result"][2:])


@dataclass(frozen=True)
class _Deployed(Receipt):
    address: str = ""
