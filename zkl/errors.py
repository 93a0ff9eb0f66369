"""One exception hierarchy for zkl: every error the library raises derives from ZklError."""

from __future__ import annotations


class ZklError(Exception):
    """Base class of every error raised by zkl."""


class MalformedInput(ZklError, ValueError):
    """Input from outside (file, argument, array) is not what was expected."""


class NotOnCurve(MalformedInput):
    """A point does not satisfy the curve equation."""


class NotInSubgroup(MalformedInput):
    """A point is on the curve but outside the prime-order subgroup."""


class FieldElementOutOfRange(MalformedInput):
    """An integer given as a field element or scalar is not below the modulus."""


class ShapeMismatch(MalformedInput):
    """An array or a list does not have the size or shape that was expected."""


class NotInvertible(ZklError, ZeroDivisionError):
    """Division by zero in a field, or inversion of zero."""


class CircuitError(ZklError):
    """A circuit is ill-formed (bad declaration, misuse of the api)."""


class UnsatisfiedConstraint(CircuitError):
    """A witness does not satisfy a constraint; names the constraint and the gadget that made it."""

    def __init__(self, index: int, label: str, detail: str = "") -> None:
        self.index = index
        self.label = label
        self.detail = detail
        message = f"constraint {index} ({label}) is not satisfied"
        if detail:
            message += f": {detail}"
        super().__init__(message)


class FormatError(MalformedInput):
    """A file in an ecosystem format (.r1cs, .wtns, .zkey, .ptau, JSON) is malformed."""


class ProofRejected(ZklError):
    """A proof did not verify."""


class SettlementError(ZklError):
    """The base layer refused an operation."""


class L1TransactionPending(SettlementError):
    """A base-layer transaction was sent but not mined in time: it may still be mined, or have been dropped."""


class L1TransactionReverted(SettlementError):
    """A base-layer transaction was mined but reverted: it changed nothing and can be sent again."""


class StaleStateRoot(SettlementError):
    """A batch was built on a state root that is not the current one."""


class ExecutionError(ZklError):
    """The execution layer refused a transaction or a batch."""


class FieldMismatch(MalformedInput, TypeError):
    """An operation mixes elements of two different fields (Fq and Fr)."""


class WrongDomain(ExecutionError):
    """A transaction is signed for another deployment (another chain id or rollup contract) than this one."""


class InvalidSignature(ExecutionError):
    """A transaction's signature does not verify under its account's public key."""


class NonceMismatch(ExecutionError):
    """A transaction's nonce is not the next one of its account (a replay, or out of order)."""


class InsufficientBalance(ExecutionError):
    """An account's balance does not cover a transaction's amount plus fee."""


class UnknownAccount(ExecutionError):
    """A transaction names an account index that holds no account."""


class FeeTooLow(ExecutionError):
    """A transaction's fee is below the sequencer's current minimum fee (named in the message)."""


class AmountOutOfRange(ExecutionError, MalformedInput):
    """An amount, fee or balance does not fit in its bit width (64 bits; nonces 32)."""


class LedgerError(SettlementError):
    """The L1 ledger's data directory is missing, already exists, or holds an unknown schema."""


class InsufficientFunds(SettlementError):
    """An L1 account's native-token balance does not cover a payment."""


class Unauthorized(SettlementError):
    """An L1 transaction was sent by an address that may not send it (not the sequencer, not the governor)."""


class ExodusMode(SettlementError):
    """The rollup contract is in exodus mode (a deposit passed its deadline): no more deposits or batches."""


class NotInExodus(SettlementError):
    """An exodus-only operation (exit, activation) was attempted while no deposit is past its deadline."""


class ReplayedBatch(SettlementError):
    """A batch's number is one the contract has already finalized."""


class OutOfOrderBatch(SettlementError):
    """A batch's number skips ahead of the next one the contract expects."""


class SkippedDeposit(SettlementError):
    """A batch's deposits are not exactly the next ones in the contract's deposit queue, in order."""


class WrongCommitment(SettlementError):
    """The commitment claimed by a batch differs from the one recomputed from its posted public data."""


class MalformedBatch(SettlementError, MalformedInput):
    """A submitted batch header or its public data cannot be parsed or has out-of-range fields."""


class PublicInputOutOfRange(SettlementError, FieldElementOutOfRange):
    """A public input of a submitted batch (old root, new root, commitment) is not in [0, r)."""


class MalformedProof(SettlementError, MalformedInput):
    """A submitted proof is not well formed (a point off its curve, outside its subgroup, a coordinate >= q)."""


class BadProof(SettlementError, ProofRejected):
    """A well-formed proof does not verify under the contract's verifying key."""


class NothingToClaim(SettlementError):
    """An L1 address has no unclaimed withdrawal."""


class AlreadyClaimed(NothingToClaim):
    """Every withdrawal of an L1 address has already been paid out."""


class AlreadyExited(SettlementError):
    """An L2 account has already exited in exodus mode."""


class BadExitProof(SettlementError):
    """An exit's proof does not verify: its account, balance or L1 address is not what the last final root and
    the account owner's signature say."""


class BatchesPaused(SettlementError):
    """The emergency council has paused new batches (deposits, claims and exits go on)."""


class PauseVoteRefused(SettlementError):
    """A council vote that cannot count: the member already voted this round, or the state is already that."""


class TimelockActive(SettlementError):
    """A governance change was activated before its timelock elapsed, or one is already pending."""


class NoPendingChange(SettlementError):
    """A governance activation or cancellation found no pending change."""


class ClusterError(ZklError):
    """Proving on a cluster failed: a bad executor spec, `distributed` missing, no scheduler, a worker's key."""


class NotFound(ZklError, LookupError):
    """What was asked for does not exist: an account index, a batch number, a transaction id."""


class ServiceError(ZklError):
    """The node service refused a request before looking at it."""


class AuthenticationRequired(ServiceError):
    """An operator request without the operator's bearer token (or with a wrong one)."""


class RateLimited(ServiceError):
    """A client sent more requests than its rate limit allows; it may retry after a moment."""


class RequestTooLarge(ServiceError, MalformedInput):
    """A request body over the service's size limit."""


class ServiceUnavailable(ServiceError):
    """The node service is starting or stopping, or its node thread failed."""


class WrongPassphrase(ZklError):
    """A keystore's passphrase is wrong (or its ciphertext or MAC was altered: the two look the same)."""


class WaitTimeout(ServiceError, TimeoutError):
    """What a client waited for (a transaction's finality) did not happen within its timeout; the node answers."""
