"""A devnet: the L2 node, the prover and the L1 rollup contract over one data directory.

    from zkl.devnet import Devnet

    net = Devnet.init("data/", batch_size=4, depth=16)   # L1 genesis, keys (cached), contract deployed
    net.add_user("alice", l1_funds=10**6)                 # a wallet (L2 key) and a funded L1 address
    net.deposit("alice", 1000)                            # L1 deposit; the L2 node sees the queue
    net.seal()                                            # build, prove and settle the next batch
    net.transfer("alice", "bob", 100); net.withdraw("bob", 50); net.seal()
    net.claim("bob")                                      # L1 pays the final withdrawals
    net.sync()["match"]                                   # L2 state rebuilt from L1 data alone

This package is the composition root: the only place that wires the layers together (the
execution layer never imports the prover or the base layer, the base layer never imports the
execution layer). `zkl.devnet.demo` runs the whole story (`zkl demo`).

The base layer is chosen at `init` (`l1=`: ``embedded``, ``evm`` or ``rpc`` with `rpc_url`;
see `zkl.devnet.l1`) and kept in ``devnet.json``. The data directory holds the L1 (embedded:
``ledger.sqlite3``; evm: ``evm.sqlite3``, pyrevm's journal; rpc: the node at the URL),
``node.db`` (the L2 node, zkl.execution), ``devnet.json`` (parameters, the base layer and the
devnet's wallets: private keys in clear, L1 keys too on rpc, a devnet only), ``devnet.db``
(which L2 batches are known settled, and the hash of a submission sent to an rpc node) and
``proofs/`` (one JSON proof per proven batch). The Groth16 proving key of
BatchCircuit(batch_size, depth) is made once by a local setup and cached by `zkl.prover.cache`
under ``$ZKL_CACHE_DIR/keys`` (default ~/.cache/zkl/keys); its verifying key is deployed. The L2
node serves the contract's deployment domain (the chain id, drawn at genesis off an rpc node,
and the contract's address): the devnet's wallets sign for it, and a transaction signed for
another devnet is refused.

Sealing is crash safe. `seal` = (1) build the batch on L2 (one SQLite transaction), (2) prove
it (the proof is written atomically to proofs/), (3) submit it to L1 (one L1 transaction; on
an rpc node its hash is recorded once the node has it), (4) mark it settled in devnet.db.
Every call first runs `recover`, which pulls the L1 deposit queue into the node, marks the
batches final in L1 blocks, and proves and submits every L2 batch that L1 lacks, in order
(waiting for a recorded submission still pending, sending again one dropped or reverted); a
process killed at any step therefore converges on restart, with nothing lost or doubled.
With an executor (`zkl.prover.cluster`: a process pool, or Dask on a cluster; `seal_all(executor=...)`)
sealing is pipelined: batch k+1 is built and sent to be solved and proven while batch k is proven;
a proof that comes back (in any order) is checked and written to proofs/ at once, and batches
are submitted to L1 strictly in order, here, one at a time. A task whose worker died is
submitted again (Dask reruns it by itself); the crash-safety story is the same, since proofs/
and `recover` (which proves what L1 lacks on the executor too) never depended on the order.
ZKL_DEVNET_CRASH_AT=<point> SIGKILLs the process at a named point (tests only):
seal.before_build, seal.built, seal.proved, seal.submitted (and ZKL_SETTLEMENT_CRASH_AT:
rpc.sent, evm.executed, submit_batch.mid below it).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import secrets
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkl._binfile import atomic_write
from zkl.circuits import compile, solve
from zkl.circuits.exit import ExitCircuit, exit_assignment
from zkl.circuits.r1cs import R1CS
from zkl.circuits.rollup import BatchCircuit
from zkl.crypto import eddsa
from zkl.crypto.protocol import TxType, exit_message
from zkl.errors import ClusterError, ExecutionError, MalformedInput, NotInExodus, ReplayedBatch
from zkl.execution import Batch, Node, State, Wallet, rebuild
from zkl.prover import ProvingKey, prove
from zkl.prover.cache import cached_setup, key_path
from zkl.prover.cluster import TaskError, key_location, prove_batch
from zkl.devnet.l1 import BASES, L1, Deployment, create_l1, open_l1
from zkl.errors import L1TransactionPending
from zkl.settlement import L1BatchHeader, address_hex, named_address, to_address
from zkl.verifier import PreparedVerifyingKey, Proof, prepare_verifying_key, verify
from zkl.verifier.snarkjs_json import proof_from_snarkjs_json, proof_to_snarkjs_json

__all__ = ["BASES", "CRASH_ENV", "Devnet", "SealPipeline", "l1_header", "l1_transaction_ids", "proving_key"]

CRASH_ENV = "ZKL_DEVNET_CRASH_AT"
CONFIG = "devnet.json"
#: the node service's operator token, in the data directory
OPERATOR_TOKEN = "operator.token"
FORMAT = "zkl-devnet-1"
SEQUENCER = "sequencer"
#: the L1 account that deposits for keys the devnet has no user of (`deposit_key`: the node service's faucet)
DEPOSIT_FAUCET = "faucet:deposits"
#: how many times a batch's proof is asked of the executor before sealing gives up (a lost worker, a bad proof)
PROVE_ATTEMPTS = 4


def _crash_point(name: str) -> None:
    """SIGKILL this process if ZKL_DEVNET_CRASH_AT names this point (crash tests only)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def proving_key(batch_size: int, depth: int, progress: Callable[[str], None] | None = None, *,
                setup_progress: bool | Callable[[str, int, int], None] = False) -> tuple[ProvingKey, R1CS, bool]:
    """(ProvingKey, R1CS, made_now) of BatchCircuit(batch_size, depth): from the key cache, else a local setup.

    progress: called with each phase ("compile", "setup"); setup_progress: the `progress` argument of
    `zkl.prover.setup` (True: a rich bar; a callable: (step, index, total) per setup step).
    """
    circuit = BatchCircuit(batch_size, depth)
    if progress:
        progress("compile")
    r1cs = compile(circuit, apart=True)  # a first compile's garbage stays in its own process
    if progress:
        progress("setup")
    pk, made = cached_setup(circuit, r1cs, progress=setup_progress)
    return pk, r1cs, made


def exit_proving_key(depth: int) -> tuple[ProvingKey, R1CS]:
    """(ProvingKey, R1CS) of ExitCircuit(depth): from the key cache, else a local setup."""
    circuit = ExitCircuit(depth)
    r1cs = compile(circuit)
    pk, _ = cached_setup(circuit, r1cs)
    return pk, r1cs


def l1_transaction_ids(contract: Any) -> Counter:
    """How many times each transfer's and withdrawal's id (its signed message) is in the contract's final
    batches, from L1 data alone: a record holds no nonce, but a sender's nonce is the count of its earlier ones."""
    nonces: Counter = Counter()
    ids: Counter = Counter()
    domain = contract.domain.element
    for batch in contract.batches():
        for r in batch.records():
            if r.type in (TxType.TRANSFER, TxType.WITHDRAW):
                ids[f"{r.message(nonces[r.from_index], domain):064x}"] += 1
                nonces[r.from_index] += 1
    return ids


def l1_header(batch: Batch) -> L1BatchHeader:
    """The header the L1 contract takes for an L2 batch: number, roots, fee account, commitment."""
    return L1BatchHeader(batch.number, batch.old_root, batch.new_root, batch.header.fee_account, batch.commitment)


def _wallet(seed: int | None, name: str) -> Wallet:
    """A fresh random wallet, or with a seed the one derived from (seed, name)."""
    if seed is None:
        return Wallet.generate()
    return Wallet(hashlib.sha256(f"zkl-devnet:{seed}:{name}".encode()).digest())


def _l1_account(base: str, seed: int | None, name: str) -> tuple[int, str | None]:
    """A user's L1 address and, on an rpc node, the secp256k1 key (hex) that signs for it."""
    if base != "rpc":
        return named_address(SEQUENCER if name == SEQUENCER else f"user:{name}"), None
    from eth_account import Account

    key = os.urandom(32) if seed is None else hashlib.sha256(f"zkl-devnet-l1:{seed}:{name}".encode()).digest()
    return int(Account.from_key(key).address, 16), key.hex()


@dataclass
class _Proven:
    """A batch's proof and where it came from (worker None, no times: read from proofs/)."""

    proof: Proof
    witness_s: float = 0.0
    groth16_s: float = 0.0
    worker: str | None = None
    attempts: int = 0
    wait_s: float = 0.0


@dataclass
class _Job:
    """A batch in the sealing pipeline: its proving task in flight, or its proof."""

    batch: Batch
    future: cf.Future | None = None
    proven: _Proven | None = None
    attempts: int = 0
    submitted_at: float = 0.0
    build_s: float | None = None
    dropped: dict[str, str] = field(default_factory=dict)


class SealPipeline:
    """Batches in flight on an executor: built ahead, proven in any order, settled strictly in order.

        pipe = SealPipeline(net, executor)        # the batches L2 holds and L1 lacks are sent to be proven
        if pipe.has_room(): pipe.build()          # build the next batch (None: nothing waits) and send it
        infos = pipe.poll(timeout=0)              # keep the proofs that came back; settle the proven head(s)

    `Devnet.seal_all(executor)` drives one to the end; a node service polls one between admissions.
    """

    def __init__(self, net: Devnet, executor: cf.Executor, *, ahead: int | None = None) -> None:
        self.net, self.executor = net, executor
        self.location = net._key_location()
        workers = getattr(executor, "workers", None) or getattr(executor, "_max_workers", None) or 1
        self.window = max(1, ahead) if ahead is not None else max(2, 2 * int(workers))
        self.next_number = net._l1_batches() + 1
        self.jobs: dict[int, _Job] = {}
        for number in range(self.next_number, net.node.next_batch):
            self.jobs[number] = net._launch(executor, self.location, net.node.batch(number))

    def has_room(self) -> bool:
        """Whether another batch may be built now (fewer than `window` in flight)."""
        return len(self.jobs) < self.window

    def build(self, *, allow_empty: bool = False) -> Batch | None:
        """Build the next batch on L2 and send it to be proven; None when nothing waits (unless allow_empty)."""
        net = self.net
        built = net._build(allow_empty)
        if built is None:
            return None
        batch, build_s = built
        self.jobs[batch.number] = net._launch(self.executor, self.location, batch, build_s=build_s,
                                              dropped=dict(net.node.last_dropped))
        return batch

    def poll(self, timeout: float | None = 0) -> list[dict[str, Any]]:
        """Keep every proof that came back, then settle the batches at the head that are proven, in order.

        timeout: how long to wait for the head's proof (None: until it comes; 0: not at all). Returns the
        settled batches' infos (with build_s for those this pipeline built).
        """
        net, out = self.net, []
        while self.jobs:
            head = self.jobs[self.next_number]
            if head.proven is None:
                futures = [j.future for j in self.jobs.values() if j.future is not None]
                done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
                for job in list(self.jobs.values()):  # proofs come back in any order: keep each as it comes
                    if job.future is not None and job.future in done:
                        net._collect(self.executor, self.location, job)
                if head.proven is None:
                    if not done:
                        break
                    continue
            info = net._settle(head.batch, head.proven)
            del self.jobs[self.next_number]
            self.next_number += 1
            if head.build_s is not None:
                info["build_s"] = head.build_s
                info["dropped"] = head.dropped
            info["wait_s"] = head.proven.wait_s
            out.append(info)
            timeout = 0  # the next heads only if already proven
        return out

    def close(self) -> None:
        """Cancel the proving tasks still in flight (their batches are proven again by `recover`)."""
        for job in self.jobs.values():
            if job.future is not None:
                job.future.cancel()


class Devnet:
    """L1 ledger + rollup contract + L2 node + prover over one data directory (see the module docstring)."""

    def __init__(self, data_dir: str | os.PathLike, *, recover: bool = True) -> None:
        self.data_dir = Path(data_dir)
        config_path = self.data_dir / CONFIG
        if not config_path.exists():
            raise ExecutionError(f"no devnet in {data_dir} (no {CONFIG}); create one with `zkl rollup init`")
        config = json.loads(config_path.read_text())
        if config.get("format") != FORMAT:
            raise MalformedInput(f"{config_path} must be a {FORMAT} file")
        self.config = config
        self.batch_size: int = int(config["batch_size"])
        self.depth: int = int(config["depth"])
        self.wallets: dict[str, Wallet] = {name: Wallet.from_json(u["wallet"]) for name, u in config["users"].items()}
        self.l1_addresses: dict[str, int] = {name: to_address(u["l1_address"]) for name, u in config["users"].items()}
        keys = {to_address(u["l1_address"]): bytes.fromhex(u["l1_key"]) for u in config["users"].values()
                if u.get("l1_key")}
        self.l1: L1 = open_l1(self.data_dir, config.get("l1", {}), keys=keys)
        self.contract: Any = self.l1.contract
        """the rollup contract: `zkl.settlement.RollupContract` (embedded) or `zkl.settlement.evm.EvmRollup`"""
        self.node = Node(self.data_dir)
        if self.node.domain != self.contract.domain:
            raise ExecutionError(f"the L2 node in {data_dir} serves {self.node.domain}, not the contract's "
                                 f"deployment {self.contract.domain}")
        self._db = sqlite3.connect(str(self.data_dir / "devnet.db"), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS settled (number INTEGER PRIMARY KEY, l1_height INTEGER)")
        # L1 transactions that submit a batch, recorded once the node has them (an rpc node): after a crash
        # the node may still mine one, or have dropped it
        self._db.execute("CREATE TABLE IF NOT EXISTS sent (number INTEGER PRIMARY KEY, tx_hash TEXT NOT NULL)")
        # how each batch was settled (what an explorer shows): written with its `settled` row
        self._db.execute("CREATE TABLE IF NOT EXISTS receipts (number INTEGER PRIMARY KEY, l1_height INTEGER, "
                         "gas INTEGER, verify_ms REAL, prove_s REAL, witness_s REAL, worker TEXT, settled_at REAL)")
        (self.data_dir / "proofs").mkdir(exist_ok=True)
        self._pk: ProvingKey | None = None
        self._pvk: PreparedVerifyingKey | None = None
        self.timings: list[dict[str, Any]] = []
        """per settled batch: number, transactions, build_s, prove_s, verify_ms, submit_s"""
        if recover:
            self.recover()

    # -- creation ------------------------------------------------------------------------------

    @classmethod
    def init(cls, data_dir: str | os.PathLike, *, batch_size: int = 4, depth: int = 16, fee_floor: int = 1,
             deposit_deadline: int = 100, seed: int | None = None, chain_id: int | None = None,
             l1: str = "embedded", rpc_url: str | None = None, gas_price: int | None = None,
             progress: Callable[[str], None] | None = None) -> Devnet:
        """Create a devnet in data_dir: L1 genesis (faucet, sequencer), batch circuit keys, contract, L2 node.

        With a seed, every wallet's key derives from (seed, user name): runs are reproducible (tests).
        chain_id: the L1's id (default: random, so every devnet is its own deployment domain; on an rpc
        node, the node's). l1: the base layer, one of BASES (`zkl.devnet.l1`); rpc_url: the rpc node; gas_price:
        wei per gas of the devnet's transactions there (default: the node's).
        """
        directory = Path(data_dir)
        if (directory / CONFIG).exists():
            raise ExecutionError(f"{data_dir} already holds a devnet")
        if l1 == "rpc":  # the node first: a setup is minutes for nothing if it is not there
            if not rpc_url:
                raise MalformedInput("the rpc base layer needs the node's URL (--rpc URL)")
            from zkl.settlement.evm import RpcEvm

            RpcEvm(rpc_url)
        pk, _, _ = proving_key(batch_size, depth, progress)
        exit_pk, _ = exit_proving_key(depth)
        if l1 not in BASES:
            raise MalformedInput(f"the base layer must be one of {', '.join(BASES)}, not {l1!r}")
        sequencer = _wallet(seed, SEQUENCER)
        seq_l1, seq_key = _l1_account(l1, seed, SEQUENCER)
        genesis_root = State(depth).root
        directory.mkdir(parents=True, exist_ok=True)
        if progress:
            progress("genesis")
        base = create_l1(l1, directory, Deployment(pk.vk, exit_pk.vk, genesis_root, depth, seq_l1, deposit_deadline,
                                                   chain_id),
                         url=rpc_url, gas_price=gas_price, keys={seq_l1: bytes.fromhex(seq_key)} if seq_key else None)
        try:
            vk_digest = base.contract.status().vk_hash
            domain = base.contract.domain
        finally:
            base.close()
        Node.init(directory, depth=depth, batch_size=batch_size, fee_pubkey=sequencer.pubkey, domain=domain,
                  fee_floor=fee_floor).close()
        seq_user: dict[str, Any] = {"wallet": sequencer.to_json(), "l1_address": address_hex(seq_l1)}
        if seq_key:
            seq_user["l1_key"] = seq_key
        config = {"format": FORMAT, "batch_size": batch_size, "depth": depth, "vk_hash": vk_digest, "seed": seed,
                  "l1": base.config, "users": {SEQUENCER: seq_user}}
        atomic_write(directory / CONFIG, json.dumps(config, indent=1).encode())
        net = cls(directory)
        net.operator_token()
        net.deposit(SEQUENCER, 1)  # the fee account: fees need an L2 account of the sequencer's key
        return net

    def operator_token(self) -> str:
        """The bearer token of the node service's operator endpoints (``operator.token``, mode 0600; made once)."""
        path = self.data_dir / OPERATOR_TOKEN
        try:
            token = path.read_text().strip()
            if token:
                return token
        except FileNotFoundError:
            pass
        token = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others, even briefly
        with os.fdopen(fd, "w") as f:
            f.write(token)
            f.flush()
            os.fsync(f.fileno())
        return token

    def close(self) -> None:
        """Close the databases."""
        self.node.close()
        self.l1.close()
        self._db.close()

    def __enter__(self) -> Devnet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- users ---------------------------------------------------------------------------------

    def add_user(self, name: str, l1_funds: int = 0) -> dict[str, Any]:
        """Create a user: an L2 wallet and an L1 address (on an rpc node, of an L1 key), funded from the faucet."""
        if not isinstance(name, str) or not name or name in self.wallets:
            raise MalformedInput(f"a new user needs a fresh non-empty name, not {name!r}")
        wallet = _wallet(self.config.get("seed"), name)
        address, key = _l1_account(self.l1.kind, self.config.get("seed"), name)
        entry = {"wallet": wallet.to_json(), "l1_address": address_hex(address)}
        if key:
            entry["l1_key"] = key
            self.l1.chain.add_key(bytes.fromhex(key))
        self.config["users"][name] = entry
        atomic_write(self.data_dir / CONFIG, json.dumps(self.config, indent=1).encode())
        self.wallets[name], self.l1_addresses[name] = wallet, address
        if l1_funds:
            self.fund(name, l1_funds)
        return {"name": name, "l1_address": address_hex(address), "pubkey": [str(v) for v in wallet.pubkey]}

    def _user(self, name: str) -> Wallet:
        if name not in self.wallets:
            raise MalformedInput(f"no user {name!r}; users: {', '.join(sorted(self.wallets))}")
        return self.wallets[name]

    def fund(self, name: str, amount: int) -> int:
        """Send L1 tokens from the devnet's faucet to a user's L1 address; returns the L1 height."""
        self._user(name)
        self.l1.fund(self.l1_addresses[name], amount)
        return self.l1.height

    def account_index(self, name: str) -> int | None:
        """The L2 account index of a user's key (the lowest, if several), or None before its first deposit is sealed."""
        found = self.node.state.find(self._user(name).pubkey)
        return min(found) if found else None

    def _index(self, name: str) -> int:
        index = self.account_index(name)
        if index is None:
            raise ExecutionError(f"{name} has no L2 account yet: deposit, then seal a batch")
        return index

    def balance(self, name: str) -> dict[str, int | None]:
        """A user's L1 balance, L2 balance and nonce (None without an account), and claimable L1 withdrawals."""
        index = self.account_index(name)
        account = None if index is None else self.node.account(index)
        return {"l1": self.l1.balance(self.l1_addresses[name]), "l2": None if account is None else account.balance,
                "nonce": None if account is None else account.nonce, "index": index,
                "claimable": self.contract.claimable(self.l1_addresses[name])}

    # -- transactions --------------------------------------------------------------------------

    def deposit(self, name: str, amount: int) -> int:
        """Deposit a user's L1 tokens to its L2 key (an L1 transaction); the node sees the queue. Returns its index."""
        wallet = self._user(name)
        deposit = self.contract.deposit(wallet.pubkey, amount, sender=self.l1_addresses[name])
        self.pull_deposits()
        return deposit.index

    def deposit_key(self, pubkey: tuple[int, int], amount: int) -> int:
        """Deposit `amount` from the devnet's faucet to an L2 key (funds a faucet L1 address, then an L1 deposit);
        the node sees the queue. Returns the deposit's queue index."""
        if self.l1.kind == "rpc":  # an rpc node signs for the devnet's own keys only: the sequencer's pays
            sender = self.l1_addresses[SEQUENCER]
        else:
            sender = named_address(DEPOSIT_FAUCET)
        self.l1.fund(sender, amount)
        deposit = self.contract.deposit((int(pubkey[0]), int(pubkey[1])), amount, sender=sender)
        self.pull_deposits()
        return deposit.index

    def pull_deposits(self) -> int:
        """Give the L2 node every L1 deposit it has not seen, in queue order; returns how many."""
        seen = self.node.deposit_count()
        new = [d for d in self.contract.deposits() if d.index > seen]
        for d in new:
            self.node.add_deposit(d.pubkey, d.amount, d.index)
        return len(new)

    def _nonce(self, index: int) -> int:
        account = self.node.account(index)
        return (0 if account is None else account.nonce) + self.node.mempool.pending(index).count

    def transfer(self, sender: str, receiver: str, amount: int, fee: int | None = None) -> str:
        """Sign and submit an L2 transfer between two users; returns the transaction id."""
        frm, to = self._index(sender), self._index(receiver)
        fee = self.node.min_fee if fee is None else fee
        tx = self._user(sender).transfer(frm, to, amount, fee=fee, nonce=self._nonce(frm), domain=self.node.domain)
        return self.node.submit(tx)

    def withdraw(self, name: str, amount: int, fee: int | None = None, l1_address: int | str | None = None) -> str:
        """Sign and submit an L2 withdrawal to the user's L1 address (or another); returns the transaction id."""
        frm = self._index(name)
        fee = self.node.min_fee if fee is None else fee
        address = self.l1_addresses[name] if l1_address is None else l1_address
        tx = self._user(name).withdraw(frm, amount, fee=fee, l1_address=address, nonce=self._nonce(frm),
                                       domain=self.node.domain)
        return self.node.submit(tx)

    def claim(self, name: str) -> int:
        """Pay a user's final withdrawals on L1; returns the amount."""
        self._user(name)
        return self.contract.claim(self.l1_addresses[name])

    # -- batches -------------------------------------------------------------------------------

    def _keys(self) -> tuple[ProvingKey, PreparedVerifyingKey]:
        """The batch circuit's proving key, checked against the contract's key, and the prepared key (the
        R1CS is not kept: the compiled solver carries the rows it reads)."""
        if self._pk is None or self._pvk is None:
            pk, _, _ = proving_key(self.batch_size, self.depth)
            if self.contract.vk_hash_of(pk.vk) != self.contract.status().vk_hash:
                raise ExecutionError("the cached proving key does not match the verifying key of the contract "
                                     "(was the key cache replaced?)")
            self._pk = pk
            self._pvk = prepare_verifying_key(pk.vk)  # e(alpha, beta) and the G2 lines, once per devnet
        return self._pk, self._pvk

    def receipt(self, number: int) -> dict[str, Any] | None:
        """How batch `number` was settled (L1 height, gas, verify_ms, prove_s, witness_s, worker, settled_at), or
        None while it is not (a batch settled before a crash that lost its receipt has only its L1 height)."""
        row = self._db.execute("SELECT l1_height, gas, verify_ms, prove_s, witness_s, worker, settled_at FROM receipts "
                               "WHERE number = ?", (number,)).fetchone()
        if row is not None:
            return dict(zip(("l1_height", "gas", "verify_ms", "prove_s", "witness_s", "worker", "settled_at"), row))
        row = self._db.execute("SELECT l1_height FROM settled WHERE number = ?", (number,)).fetchone()
        return None if row is None else {"l1_height": row[0]}

    def proven(self, number: int) -> dict[str, Any] | None:
        """The saved snarkjs-JSON proof of batch `number` (proofs/), or None while it is not proven."""
        try:
            return json.loads(self._proof_path(number).read_text())["proof"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def settled(self) -> list[int]:
        """The L2 batch numbers marked settled."""
        return [n for n, in self._db.execute("SELECT number FROM settled ORDER BY number")]

    def recover(self, executor: cf.Executor | None = None) -> dict[str, int]:
        """Converge after a crash: pull deposits, mark batches L1 holds, prove and submit L2 batches L1 lacks.

        executor: prove those batches on it, in parallel (`zkl.prover.cluster`); they are submitted in order.
        """
        pulled, marked, l1, l2 = self._catch_up()
        if executor is None:
            for number in range(l1 + 1, l2 + 1):
                self._settle(self.node.batch(number))
            submitted = l2 - l1
        else:
            submitted = len(self._pipeline(executor, build=False, recovered=True))
        return {"deposits_pulled": pulled, "marked": marked, "submitted": submitted}

    def _catch_up(self) -> tuple[int, int, int, int]:
        """Pull the L1 deposit queue and mark the batches L1 holds: (pulled, marked, L1 batches, L2 batches)."""
        pulled = self.pull_deposits()
        # what L1 holds in blocks (a node's "pending" views also count transactions in its pool)
        l1, l2 = self._l1_batches(), self.node.next_batch - 1
        if l1 > l2:
            raise ExecutionError(f"L1 holds {l1} batches but the L2 node only {l2}: the node lost data "
                                 "(`zkl rollup sync` rebuilds the state from L1)")
        marked = self._mark_settled()
        return pulled, marked, l1, l2

    def _mark_settled(self) -> int:
        known = set(self.settled())
        rows = [(b.number, b.height) for b in self.contract.batches(max(known, default=0) + 1) if b.number not in known]
        self._db.executemany("INSERT OR IGNORE INTO settled VALUES (?, ?)", rows)
        return len(rows)

    def _proof_path(self, number: int) -> Path:
        return self.data_dir / "proofs" / f"batch-{number}.json"

    def _saved_proof(self, batch: Batch) -> Proof | None:
        """The proof of a batch saved in proofs/ (for these public inputs), or None."""
        path = self._proof_path(batch.number)
        try:
            saved = json.loads(path.read_text())
            if saved.get("public_inputs") == [str(v) for v in batch.public_inputs]:
                return proof_from_snarkjs_json(saved["proof"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError, MalformedInput):  # damaged: proven again
            pass
        return None

    def _save_proof(self, batch: Batch, proof_json: dict[str, Any]) -> None:
        atomic_write(self._proof_path(batch.number), json.dumps(
            {"public_inputs": [str(v) for v in batch.public_inputs], "proof": proof_json}).encode())

    def _proof(self, batch: Batch) -> _Proven:
        """The batch's proof: from proofs/ if proven before, else proven now, here (and saved atomically)."""
        saved = self._saved_proof(batch)
        if saved is not None:
            return _Proven(saved)
        pk, _ = self._keys()
        start = time.perf_counter()
        witness = solve(BatchCircuit(batch.batch_size, batch.depth), batch.assignment())
        solved = time.perf_counter()
        proof = prove(pk, witness)
        end = time.perf_counter()
        self._save_proof(batch, proof_to_snarkjs_json(proof))
        return _Proven(proof, witness_s=solved - start, groth16_s=end - solved, worker="in-process", attempts=1)

    def _settle(self, batch: Batch, proven: _Proven | None = None) -> dict[str, Any]:
        """Submit an L2 batch to L1 with its proof (given, else from proofs/, else proven here) and mark it
        settled."""
        if proven is None:
            proven = self._proof(batch)
        proof = proven.proof
        _crash_point("seal.proved")
        _, pvk = self._keys()
        start = time.perf_counter()
        ok = verify(pvk, batch.public_inputs, proof)
        verify_ms = (time.perf_counter() - start) * 1000
        if not ok:
            self._proof_path(batch.number).unlink(missing_ok=True)
            raise ExecutionError(f"the proof of batch {batch.number} does not verify")
        start = time.perf_counter()
        height, gas = self._sent_before(batch.number)
        if height is None:
            chain = self.l1.chain
            if hasattr(chain, "on_sent"):  # an rpc node: keep the hash before waiting for the receipt
                chain.on_sent = lambda tx_hash: self._db.execute("INSERT OR REPLACE INTO sent VALUES (?, ?)",
                                                                 (batch.number, tx_hash))
            try:
                record = self.contract.submit_batch(l1_header(batch), batch.pubdata, proof,
                                                    sender=self.l1_addresses[SEQUENCER])
                height, gas = record.height, self.l1.last_gas()
            except ReplayedBatch:  # submitted before a crash: L1 has it, or has it pending
                held = self._await_batch(batch.number)
                height = held.height
                if held.new_root != batch.new_root:
                    raise
            finally:
                if hasattr(chain, "on_sent"):
                    chain.on_sent = None
        submit_s = time.perf_counter() - start
        _crash_point("seal.submitted")
        settled_at = time.time()
        self._db.execute("BEGIN")
        self._db.execute("INSERT OR IGNORE INTO settled VALUES (?, ?)", (batch.number, height))
        self._db.execute("INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (batch.number, height, gas, verify_ms, proven.witness_s + proven.groth16_s, proven.witness_s,
                          proven.worker, settled_at))
        self._db.execute("DELETE FROM sent WHERE number <= ?", (batch.number,))
        self._db.execute("COMMIT")
        info = {"number": batch.number, "transactions": sum(r.type != TxType.NOOP for r in batch.records),
                "prove_s": proven.witness_s + proven.groth16_s, "witness_s": proven.witness_s,
                "groth16_s": proven.groth16_s, "worker": proven.worker, "attempts": proven.attempts,
                "verify_ms": verify_ms, "submit_s": submit_s, "l1_height": height, "gas": gas,
                "new_root": batch.new_root, "settled_at": settled_at}
        self.timings.append(info)
        return info

    # -- pipelined sealing on an executor --------------------------------------------------------

    def _key_location(self) -> str:
        """Where the workers read the batch circuit's proving key: the key cache's file (its absolute path)."""
        self._keys()  # made if missing, and checked against the contract's verifying key
        path = key_path(BatchCircuit(self.batch_size, self.depth))
        if path is None or not path.exists():
            raise ExecutionError("the batch circuit's proving key is not in the key cache, so workers cannot read it")
        return key_location(path)

    def _launch(self, executor: cf.Executor, location: str, batch: Batch, **extra: Any) -> _Job:
        """A job for a batch: its saved proof, or a proving task submitted to the executor."""
        job = _Job(batch, **extra)
        saved = self._saved_proof(batch)
        if saved is not None:
            job.proven = _Proven(saved)
        else:
            self._submit(executor, location, job)
        return job

    def _submit(self, executor: cf.Executor, location: str, job: _Job) -> None:
        b = job.batch
        job.attempts += 1
        job.submitted_at = time.perf_counter()
        try:
            job.future = executor.submit(prove_batch, b.batch_size, b.depth, b.assignment(), location,
                                         threads=getattr(executor, "threads", None), number=b.number)
        except Exception as e:  # noqa: BLE001 - shut down, broken (a plain ProcessPoolExecutor stays broken), ...
            raise ClusterError(f"the executor refused the proof of batch {b.number}: {type(e).__name__}: {e}") from e

    def _collect(self, executor: cf.Executor, location: str, job: _Job) -> None:
        """Take a finished task's result: check and save its proof, or submit the task again (a lost worker, a
        proof that does not verify) up to PROVE_ATTEMPTS times."""
        future, job.future = job.future, None
        assert future is not None
        number = job.batch.number
        try:
            result = future.result()
        except TaskError:
            raise
        except Exception as e:  # a worker or the pool went away (KilledWorker, BrokenProcessPool, ...), or worse
            if job.attempts >= PROVE_ATTEMPTS:
                raise ClusterError(f"proving batch {number} failed {job.attempts} times "
                                   f"({type(e).__name__}: {e})") from e
            self._submit(executor, location, job)
            return
        if result.get("public_inputs") != [str(v) for v in job.batch.public_inputs]:
            raise ClusterError(f"worker {result.get('worker')} solved batch {number} to other public inputs: "
                               "its zkl differs from the devnet's")
        _, pvk = self._keys()
        try:
            proof = proof_from_snarkjs_json(result["proof"])
            ok = verify(pvk, job.batch.public_inputs, proof)
        except MalformedInput:
            ok = False
        if not ok:
            if job.attempts >= PROVE_ATTEMPTS:
                raise ClusterError(f"the proofs of batch {number} from the workers do not verify "
                                   f"({job.attempts} tries; the last from {result.get('worker')}): "
                                   "do the workers read the devnet's proving key?")
            self._submit(executor, location, job)
            return
        self._save_proof(job.batch, result["proof"])
        job.proven = _Proven(proof, witness_s=float(result["witness_s"]), groth16_s=float(result["prove_s"]),
                             worker=str(result.get("worker")), attempts=job.attempts,
                             wait_s=time.perf_counter() - job.submitted_at)

    def _pipeline(self, executor: cf.Executor, *, build: bool, allow_empty: bool = False, limit: int | None = None,
                  ahead: int | None = None, recovered: bool = False) -> list[dict[str, Any]]:
        """Settle in order every L2 batch L1 lacks and, with `build`, every batch built meanwhile (at most
        `limit`), proving them on the executor with up to `ahead` batches in flight. Returns the settled
        batches' infos (`recovered`: also those built before)."""
        pipe = SealPipeline(self, executor, ahead=ahead)
        out: list[dict[str, Any]] = []
        built = 0
        try:
            while True:
                # build ahead: never waits for a proof, only for room in the window
                while build and pipe.has_room() and (limit is None or built < limit):
                    if built:
                        self.pull_deposits()
                    if pipe.build(allow_empty=allow_empty and built == 0) is None:
                        break
                    built += 1
                if not pipe.jobs:
                    return out
                out.extend(info for info in pipe.poll(timeout=None) if "build_s" in info or recovered)
        finally:
            pipe.close()

    def _sent_before(self, number: int) -> tuple[int | None, int | None]:
        """(L1 height, gas) of the submission of batch `number` sent before a crash and mined since (waiting while
        it is pending); (None, None) if none was sent, or it was dropped or reverted: then it is sent again."""
        row = self._db.execute("SELECT tx_hash FROM sent WHERE number = ?", (number,)).fetchone()
        if row is None or not hasattr(self.l1.chain, "sent"):
            return None, None
        receipt = self.l1.chain.sent(row[0])
        if receipt is None or not receipt.success:
            self._db.execute("DELETE FROM sent WHERE number = ?", (number,))
            return None, None
        return receipt.height, receipt.gas

    def _await_batch(self, number: int, timeout: float = 120.0) -> Any:
        """L1's record of batch `number`, waiting while the transaction that submits it is pending on the node."""
        deadline = time.monotonic() + timeout
        while not (found := self.contract.batches(number, number + 1)):
            if time.monotonic() > deadline:
                raise L1TransactionPending(f"batch {number} is pending on L1 and was not mined within {timeout:g} s; "
                                           "seal again once it is mined or dropped")
            time.sleep(0.2)
        return found[0]

    def _l1_batches(self) -> int:
        """The number of the last batch final in an L1 block."""
        known = max(self.settled(), default=0)
        return max((b.number for b in self.contract.batches(known + 1)), default=known)

    def _build(self, allow_empty: bool) -> tuple[Batch, float] | None:
        """Build the next batch on L2 (between the crash points seal.before_build and seal.built): (batch, seconds)."""
        _crash_point("seal.before_build")
        start = time.perf_counter()
        batch = self.node.seal(allow_empty=allow_empty)
        if batch is None:
            return None
        build_s = time.perf_counter() - start
        _crash_point("seal.built")
        return batch, build_s

    def seal(self, *, allow_empty: bool = False, executor: cf.Executor | None = None) -> dict[str, Any] | None:
        """Build, prove and settle the next batch (after `recover`); None when nothing waits.

        executor: prove it there (and what `recover` proves), see `zkl.prover.cluster`.
        """
        self.recover(executor)
        if executor is not None:
            infos = self._pipeline(executor, build=True, allow_empty=allow_empty, limit=1)
            return infos[-1] if infos else None
        built = self._build(allow_empty)
        if built is None:
            return None
        batch, build_s = built
        info = self._settle(batch)
        info["build_s"] = build_s
        info["dropped"] = dict(self.node.last_dropped)
        return info

    def pipeline(self, executor: cf.Executor, *, ahead: int | None = None) -> SealPipeline:
        """Catch up with L1 (deposits, batches final there), then a SealPipeline on the executor (see its doc)."""
        self._catch_up()
        return SealPipeline(self, executor, ahead=ahead)

    def seal_all(self, executor: cf.Executor | None = None, *, ahead: int | None = None) -> list[dict[str, Any]]:
        """Seal batches until no deposit or transaction waits; the infos of the batches built.

        executor: pipelined (see the module docstring): batches are built while earlier ones are proven on
        the executor, at most `ahead` in flight (default twice its workers), and settled in order.
        """
        if executor is None:
            out = []
            while (info := self.seal()) is not None:
                out.append(info)
            return out
        self._catch_up()
        return self._pipeline(executor, build=True, ahead=ahead)

    # -- exodus and sync -----------------------------------------------------------------------

    def rebuild(self) -> State:
        """The L2 state rebuilt from the public data the L1 contract holds (an in-memory State)."""
        return rebuild(self.contract.depth, [(b.fee_account, b.records()) for b in self.contract.batches()])

    def sync(self) -> dict[str, Any]:
        """Rebuild the L2 state from L1 data alone and compare it with the L1 root and the L2 node's state."""
        state = self.rebuild()
        l1_root = self.contract.state_root
        node_accounts = dict(self.node.state.accounts())
        rebuilt_accounts = dict(state.accounts())
        settled_l2 = self.contract.batch_number == self.node.next_batch - 1
        return {"batches": self.contract.batch_number, "rebuilt_root": str(state.root), "l1_root": str(l1_root),
                "l2_root": str(self.node.root), "accounts": len(rebuilt_accounts),
                "match": state.root == l1_root and (not settled_l2 or (state.root == self.node.root
                                                                       and node_accounts == rebuilt_accounts))}

    def exit(self, name: str, l1_address: int | str | None = None) -> int:
        """In exodus mode (activated here if due), withdraw a user's whole L2 balance at the last final root to L1."""
        status = self.contract.status()
        if not status.exodus:
            raise NotInExodus(f"the rollup is not in exodus mode (next deposit deadline: block "
                                  f"{status.next_deadline}, now {status.height})")
        wallet = self._user(name)
        if not status.exodus_activated:
            self.contract.activate_exodus(sender=self.l1_addresses[name])
        address = self.l1_addresses[name] if l1_address is None else to_address(l1_address)
        state = self.rebuild()
        found = state.find(wallet.pubkey)
        if not found:
            raise ExecutionError(f"{name} has no account in the last final state")
        index = min(found)
        account = state.account(index)
        domain = self.contract.domain.element
        signature = eddsa.sign(wallet.private_key, exit_message(domain, index, address))
        pk, r1cs = exit_proving_key(self.depth)
        assignment = exit_assignment(self.depth, state.root, domain, index, account.pubkey, account.balance,
                                     account.nonce, state.proof(index), address, signature)
        proof = prove(pk, solve(ExitCircuit(self.depth), assignment, r1cs=r1cs))
        return self.contract.exit(index, address, account.balance, proof, sender=self.l1_addresses[name])

    def refund(self, name: str) -> int:
        """In exodus mode, get back every deposit of a user that no batch processed; the amount refunded."""
        address = self.l1_addresses[name]
        return sum(self.contract.refund_deposit(d.index, sender=address) for d in self.contract.queued_deposits()
                   if d.depositor == address)

    # -- views ---------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """L1 and L2 at a glance, and every user's balances."""
        l1 = self.contract.status()
        return {
            "data_dir": str(self.data_dir), "batch_size": self.batch_size, "depth": self.depth,
            "domain": l1.domain.to_json(),
            "l1": {"base": self.l1.kind, "height": l1.height, "state_root": str(l1.state_root),
                   "batches": l1.batch_number,
                   "queued_deposits": l1.queue_length, "exodus": l1.exodus, "escrow": l1.escrow},
            "l2": {"state_root": str(self.node.root), "batches": self.node.next_batch - 1,
                   "mempool": len(self.node.mempool), "pending_deposits": len(self.node.pending_deposits()),
                   "min_fee": self.node.min_fee, "settled": len(self.settled())},
            "users": {name: self.balance(name) for name in sorted(self.wallets)},
        }
