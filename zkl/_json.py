"""JSON from outside, read with bounds: nesting at most MAX_NESTING, numbers of at most MAX_DIGITS digits, no NaN.

Python's json recurses once per nesting level in C (a nesting bomb can crash the interpreter, not just
raise RecursionError) and turns a 5,000-digit literal into ValueError: `parse_json` measures the
nesting first and refuses both with a FormatError naming the file and, for nesting, the path. Every
reader of JSON made outside zkl goes through it (snarkjs JSON, input.json, batch files, transactions).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from zkl.errors import FormatError

__all__ = ["MAX_NESTING", "MAX_DIGITS", "parse_json", "read_json"]

PathLike = str | os.PathLike

#: deepest JSON nesting the readers accept (snarkjs's files need 5: vk_alphabeta_12 in the key object)
MAX_NESTING = 64
#: longest number literal (and decimal string) the readers accept: field elements have at most 78 digits
MAX_DIGITS = 100
_NOT_DIGITS = re.compile(r"[^0-9]")
#: a JSON string, or an unterminated one to the end of the text (possessive: linear time, no backtracking)
_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def read_json(path: PathLike, what: str = "JSON file") -> Any:
    """Read a JSON file with bounded nesting and number sizes (FormatError naming the file otherwise)."""
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read {name}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{name} must be UTF-8 JSON text") from None
    del raw
    return parse_json(text, name if what == "JSON file" else f"{what} {name}")


def parse_json(text: str, what: str) -> Any:
    """Parse JSON text whose nesting is at most MAX_NESTING and whose numbers have at most MAX_DIGITS digits."""
    if not isinstance(text, str):
        raise FormatError(f"{what} must be JSON text (str), not {type(text).__name__}")
    depth = _nesting(text)
    if depth > 4 * MAX_NESTING:  # never hand json a nesting bomb: its C parser recurses once per level
        raise FormatError(f"{what}: JSON nesting must be at most {MAX_NESTING} levels deep, not {depth}")
    try:
        obj = json.loads(text, parse_int=lambda t: _number(t, int, what), parse_float=lambda t: _number(t, float, what),
                         parse_constant=lambda t: _constant(t, what))
    except FormatError:
        raise
    except json.JSONDecodeError as e:
        raise FormatError(f"{what} is not valid JSON: {e}") from None
    except RecursionError:
        raise FormatError(f"{what}: JSON nesting must be at most {MAX_NESTING} levels deep, not as deep as "
                          "Python's recursion limit (about 1000)") from None
    except ValueError as e:  # anything else json refuses
        raise FormatError(f"{what} is not valid JSON: {e}") from None
    found, where = _deepest(obj)
    if found > MAX_NESTING:
        raise FormatError(f"{what}: JSON nesting must be at most {MAX_NESTING} levels deep, not {max(depth, found)} "
                          f"(at {where if len(where) <= 80 else where[:77] + '...'})")
    return obj


def _nesting(text: str) -> int:
    """The deepest bracket nesting of JSON text, strings skipped (an upper bound for invalid text)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return 0  # too few brackets to matter
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets:
        return 0
    import numpy as np

    b = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((b == 0x5B) | (b == 0x7B), np.int32(1), np.int32(-1))
    return int(np.cumsum(steps, dtype=np.int64 if len(b) >= 2**31 else np.int32).max())


def _number(text: str, kind: type, what: str) -> int | float:
    """A JSON number literal, refused when it has more than MAX_DIGITS digits."""
    digits = len(text) - len(_NOT_DIGITS.findall(text)) if len(text) > MAX_DIGITS else 0
    if digits > MAX_DIGITS:
        raise FormatError(f"{what}: a JSON number must have at most {MAX_DIGITS} digits, not {digits} "
                          f"({text[:20]}...)")
    return kind(text)


def _constant(text: str, what: str) -> None:
    """NaN and Infinity are not JSON."""
    raise FormatError(f"{what}: JSON numbers must be finite, not {text}")


def _deepest(obj: Any) -> tuple[int, str]:
    """(nesting depth, path of the deepest container) of parsed JSON, without recursion."""
    best, found = 0, None
    stack: list[tuple[Any, int, Any, Any]] = [(obj, 1, None, None)]  # node, depth, key, parent entry
    while stack:
        entry = stack.pop()
        node, depth = entry[0], entry[1]
        if not isinstance(node, (list, dict)):
            continue
        if depth > best:
            best, found = depth, entry
            if depth > MAX_NESTING:
                break
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, depth + 1, k, entry) for k, v in items if isinstance(v, (list, dict)))
    keys = []
    while found is not None and found[3] is not None:
        keys.append(f"[{found[2]!r}]")
        found = found[3]
    return best, "$" + "".join(reversed(keys))
