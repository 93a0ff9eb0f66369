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


class StaleStateRoot(SettlementError):
    """A batch was built on a state root that is not the current one."""


class ExecutionError(ZklError):
    """The execution layer refused a transaction or a batch."""


class FieldMismatch(MalformedInput, TypeError):
    """An operation mixes elements of two different fields (Fq and Fr)."""
