"""Seeded mutation fuzzing of every reader of outside bytes: a valid parse or a zkl error, in bounded time and memory.

Readers, each fed mutations of real files made here:

- `.r1cs`, `.sym`, `.wtns`: a small zkl circuit (zkl.circuits), written by zkl;
- `.zkey`: `zkl.prover.setup` of that circuit (read validated, and its verifying key alone);
- `.ptau`: snarkjs's `powersoftau new bn128 4` when node is installed (skipped otherwise), and
  zkl's prepared `write_ptau(2)` always;
- snarkjs JSON: verification_key.json, proof.json and public.json written by zkl (simulated
  keys), and the real files of /work/shared/vectors/snarkjs_artifacts when present;
- input JSON as `zkl circuit compile --wtns` and `zkl groth16 fullprove` read it (read, then
  solved for the circuit);
- two readers of the rollup layer, through their public functions: posted public data
  (`zkl.crypto.pubdata.decode`) and batch JSON (`zkl.execution.batch.Batch.from_json`).

Mutations: byte flips, truncations, insertions, deletions, duplicated chunks, and the
section-table and header fields (section sizes and types, counts in the first words of each
section) set to huge, zero, off-by-one or random values; for JSON also nesting bombs, long
digit strings, quotes and backslashes in the text, and edits of the parsed object (a node
replaced by a huge number, a deep list, a long decimal string, null...).

Every call must return or raise a ZklError subclass, in at most PER_CALL_SECONDS and with at
most PER_CALL_BYTES of allocations traced by tracemalloc (Python objects and NumPy arrays)
above what was live before it.  Escapes already known in readers this module does not own
would be listed in KNOWN_ESCAPES with a strict xfail test reproducing each; the loop tolerates those
and fails on anything else (none is listed today: the two the fuzzer found in Batch.from_json are
fixed, and their tests below stay).

Budget: ZKL_FUZZ_SECONDS (default 60) for the whole module, split over the readers by
weight (making the seed files is not counted); ZKL_FUZZ_SEED (default 20240601) picks the
mutations.  A release run (half an hour):

    ZKL_FUZZ_SECONDS=1800 python -m pytest -q tests/fuzz/test_readers.py

A failure names the reader, the seed, the iteration and the mutation, and keeps the input
under pytest's tmp directory.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import struct
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.circuits import circom_tools
from tests.paths import FIXTURES, VECTORS
from zkl.errors import ZklError
from zkl._json import _nesting

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it

BUDGET = float(os.environ.get("ZKL_FUZZ_SECONDS", "60"))
SEED = int(os.environ.get("ZKL_FUZZ_SEED", "20240601"))
PER_CALL_SECONDS = 5.0
PER_CALL_BYTES = 50 * 2**20
ARTIFACTS = VECTORS / "snarkjs_artifacts"
#: escapes found in readers owned elsewhere: (reader, exception type, message) -> why
KNOWN_ESCAPES: dict[tuple[str, str, str], str] = {}  # (reader, exception type, message): why; none today


# ------------------------------------------------------------------------------------------ seed files


@dataclass
class Reader:
    """A reader under test: seed inputs, how to call it (a path when suffix is set, else the value), how to mutate."""

    seeds: list[Any]
    call: Callable[[Any], Any]
    mutate: Callable[[Any, random.Random], tuple[Any, str]]
    suffix: str = ""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def circuit_files(workdir, tmp_path_factory):
    """A small zkl circuit's .r1cs, .sym, .wtns and .zkey (setup with fresh toxic waste)."""
    os.environ.setdefault("ZKL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "zkl-cache"))
    from zkl.circuits import Circuit, Public, Secret, compile, solve
    from zkl.prover import setup, write_zkey

    class Fuzzed(Circuit):
        """Products, a range check and a public input: every matrix has a few terms."""

        y = Public()
        x = Secret()
        s = Secret(2)

        def define(self, api):  # noqa: ANN001
            api.to_binary(self.s[0], 4)
            v = api.add(api.mul(api.square(self.x), self.x), self.s[1], 5)
            api.assert_equal(v, self.y)

    circuit = Fuzzed()
    r1cs = compile(circuit, cache=False)
    witness = solve(circuit, {"y": 3**3 + 2 + 5, "x": 3, "s": [9, 2]}, r1cs=r1cs)
    r1cs.write(workdir / "c.r1cs", sym=True)
    witness.write(workdir / "c.wtns")
    write_zkey(setup(r1cs), workdir / "c.zkey")
    return workdir


@pytest.fixture(scope="module")
def ptau_files(workdir):
    """zkl's prepared power-2 .ptau, and snarkjs's `powersoftau new bn128 4` when node is installed."""
    from zkl.prover.ptau import write_ptau

    write_ptau(workdir / "zkl.ptau", 2)
    files = [workdir / "zkl.ptau"]
    if circom_tools.available():
        circom_tools.snarkjs("powersoftau", "new", "bn128", "4", workdir / "snarkjs.ptau")
        files.append(workdir / "snarkjs.ptau")
    return files


@pytest.fixture(scope="module")
def json_files(workdir):
    """{kind: [JSON texts]} for verification keys, proofs and public inputs (zkl's, and real ones when present)."""
    from zkl.verifier import write_proof, write_public, write_verifying_key
    from zkl.verifier.testing import simulate

    sim = simulate(n_public=2, count=1, seed=7)
    x, p = sim.items[0]
    write_verifying_key(sim.vk, workdir / "vk.json")
    write_proof(p, workdir / "proof.json")
    write_public(x, workdir / "public.json")
    out = {k: [(workdir / f"{k}.json").read_text()] for k in ("vk", "proof", "public")}
    if ARTIFACTS.is_dir():
        for d in sorted(p for p in ARTIFACTS.iterdir() if p.is_dir()):
            for kind, name in (("vk", "verification_key.json"), ("proof", "proof.json"), ("public", "public.json")):
                if (d / name).exists():
                    out[kind].append((d / name).read_text())
    return out


def _batch_seed() -> dict[str, Any]:
    """A sealed batch's JSON object (two deposits, a signed transfer and a no-op at depth 4)."""
    from zkl.crypto.protocol import Domain, TxType
    from zkl.crypto.pubdata import TxRecord
    from zkl.execution.batch import Batch
    from zkl.execution.execute import MemoryStore, Slot, execute
    from zkl.execution.wallet import Wallet

    wallets = [Wallet(bytes([i + 1]) * 32) for i in range(2)]
    slots = [Slot.from_record(TxRecord(TxType.DEPOSIT, to_index=i, amount=100 * (i + 1), pubkey=w.pubkey))
             for i, w in enumerate(wallets)]
    tx = wallets[0].transfer(0, 1, 10, 0, 0, domain=Domain(1, 2))
    slots += [Slot.from_record(tx.record, tx.signature), Slot(TxType.NOOP)]
    store = MemoryStore(4)
    witness = execute(store, slots, domain=Domain(1, 2).element, batch_number=1, fee_account=0, deposits_before=0)
    return json.loads(json.dumps(Batch(1, [s.record() for s in slots], witness, 1, 2).to_json()))


def _pubdata_seed() -> bytes:
    from zkl.crypto.protocol import TxType
    from zkl.crypto.pubdata import TxRecord, encode

    return encode([TxRecord(TxType.DEPOSIT, to_index=3, amount=7, pubkey=(5, 6)), TxRecord(TxType.NOOP),
                   TxRecord(TxType.TRANSFER, from_index=1, to_index=2, amount=9, fee=1),
                   TxRecord(TxType.WITHDRAW, from_index=2, amount=3, fee=1, l1_address=0xABC)])


# ------------------------------------------------------------------------------------------ mutations


_HUGE = [0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1]


def _fields(data: bytes) -> list[tuple[int, int]]:
    """(offset, width) of an iden3 container's section types and sizes and of the first words of each section."""
    out: list[tuple[int, int]] = [(8, 4)] if len(data) >= 12 else []
    pos = 12
    while pos + 12 <= len(data):
        out += [(pos, 4), (pos + 4, 8)]
        size = struct.unpack_from("<Q", data, pos + 4)[0]
        out += [(pos + 12 + 4 * k, 4) for k in range(24) if pos + 16 + 4 * k <= len(data)]
        if size > len(data):
            break
        pos += 12 + size
    return out


def mutate_binary(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One to three random mutations of a binary file; returns (bytes, description)."""
    out = bytearray(data)
    done = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.choice(("flip", "flip", "byte", "truncate", "insert", "delete", "duplicate", "field", "field",
                           "field"))
        n = len(out)
        if kind == "flip" and n:
            i = rng.randrange(n)
            out[i] ^= 1 << rng.randrange(8)
        elif kind == "byte" and n:
            i = rng.randrange(n)
            out[i] = rng.choice((0, 0xFF, rng.randrange(256)))
        elif kind == "truncate":
            i = rng.randrange(n + 1)
            del out[i:]
        elif kind == "insert":
            i = rng.randrange(n + 1)
            out[i:i] = rng.randbytes(rng.choice((1, 4, 8, 12, 32, rng.randrange(1, 200))))
        elif kind == "delete" and n:
            i = rng.randrange(n)
            del out[i: i + rng.choice((1, 4, 8, 12, 32, rng.randrange(1, 200)))]
        elif kind == "duplicate" and n:
            i = rng.randrange(n)
            chunk = out[i: i + rng.randrange(1, 256)]
            j = rng.randrange(n + 1)
            out[j:j] = chunk
        elif kind == "field":
            fields = _fields(bytes(out))
            if not fields:
                continue
            pos, width = rng.choice(fields)
            old = int.from_bytes(out[pos: pos + width], "little")
            value = rng.choice(_HUGE + [old + 1, max(old - 1, 0), 2 * old, len(out), rng.randrange(2 ** (8 * width))])
            out[pos: pos + width] = (value % 2 ** (8 * width)).to_bytes(width, "little")
            kind = f"field@{pos}={value}"
        done.append(kind if kind.startswith("field") else f"{kind}")
    return bytes(out), "+".join(done)


_BIG_TOKENS = ["9" * 5000, "1" * 101, "-" + "7" * 400, "1e" + "9" * 400, '"' + "1" * 5000 + '"', '"' + "9" * 101 + '"',
               "[" * 100_000, "[" * 65 + "]" * 65, "{" * 3000, '{"a":' * 70 + "0" + "}" * 70, "NaN", "Infinity",
               '"\\ud800"', '"\\', "\\", '"', "null", "true", "1.5", "[]", "{}", '"0x12"', '"-1"', '""']
_VALUES: list[Any] = [None, True, False, 0, -1, 1.5, "", "x", "0x12", "-5", "1" * 78, "1" * 200, [], {}, [[[]]],
                      ["1", "2"], ["1", "2", "0"], [["1", "0"], ["0", "0"]], 2**64, 10**80, {"a": 1}, "groth16",
                      "bn128", "00" * 32]
_SENTINEL = "\u0000ZKL-FUZZ\u0000"


def _paths(obj: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, path + (i,))
    return out


def mutate_object(obj: Any, rng: random.Random) -> tuple[Any, str]:
    """A copy of a parsed JSON object with one node replaced, deleted, wrapped or extended."""
    obj = copy.deepcopy(obj)
    path = rng.choice(_paths(obj))
    value = copy.deepcopy(rng.choice(_VALUES))
    if not path:
        return value, f"root={value!r:.40}"
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    op = rng.choice(("replace", "replace", "replace", "delete", "wrap", "extend", "sentinel"))
    if op == "delete":
        del parent[key]
    elif op == "wrap":
        parent[key] = [parent[key]]
    elif op == "extend" and isinstance(parent[key], list):
        parent[key] = parent[key] + [copy.deepcopy(parent[key][0]) if parent[key] else value]
    elif op == "extend" and isinstance(parent[key], dict):
        parent[key]["zkl_fuzz"] = value
    elif op == "sentinel":
        parent[key] = _SENTINEL
    else:
        parent[key] = value
    return obj, f"{op}@{path!r:.80}"


def mutate_json_text(text: str, rng: random.Random) -> tuple[str, str]:
    """JSON text mutated as text (bytes, bombs, long numbers) or through its parsed object."""
    kind = rng.choice(("object", "object", "object", "token", "token", "char", "truncate", "bomb"))
    if kind == "object":
        obj, what = mutate_object(json.loads(text), rng)
        out = json.dumps(obj, indent=rng.choice((None, 1)))
        token = rng.choice(_BIG_TOKENS)
        if "sentinel" in what:
            what += f" token={token[:20]!r}"
        return out.replace(json.dumps(_SENTINEL), token), what
    if kind == "token":
        i = rng.randrange(len(text) + 1)
        token = rng.choice(_BIG_TOKENS)
        if rng.random() < 0.5:  # replace a number or a string after i with the token
            j = text.find('"', i)
            k = text.find('"', j + 1) if j >= 0 else -1
            if j >= 0 and k >= 0:
                return text[:j] + token + text[k + 1:], f"token@{j}={token[:20]!r}"
        return text[:i] + token + text[i:], f"insert@{i}={token[:20]!r}"
    if kind == "char":
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice('[]{}",:\\0123456789 -.eE\u00ff\ud800x')
        return "".join(chars), "chars"
    if kind == "truncate":
        i = rng.randrange(len(text))
        return text[:i], f"truncate@{i}"
    depth = rng.choice((65, 300, 1000, 5000, 200_000))
    return rng.choice(("[", "{\"a\":")) * depth + text, f"bomb{depth}"


# ------------------------------------------------------------------------------------------ the readers


def _readers(request) -> dict[str, Reader]:
    """Every reader, built lazily (only the requested one's seed files are made)."""
    def r1cs() -> Reader:
        from zkl.circuits import read_r1cs

        d = request.getfixturevalue("circuit_files")
        return Reader([(d / "c.r1cs").read_bytes()], lambda p: read_r1cs(p, sym=False), mutate_binary, ".r1cs")

    def sym() -> Reader:
        from zkl.circuits import read_r1cs

        d = request.getfixturevalue("circuit_files")

        def call(p: Path) -> Any:
            shutil.copyfile(d / "c.r1cs", p.with_suffix(".r1cs"))
            return read_r1cs(p.with_suffix(".r1cs"), sym=p)

        def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
            if rng.random() < 0.5:
                return mutate_binary(data, rng)
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            parts = lines[i].split(b",")
            j = rng.randrange(len(parts))
            parts[j] = rng.choice((b"9" * 5000, b"-1", b"", b"x", b"\xff\xfe", b"1" * 21, b"18446744073709551616",
                                   b"a,b,c,d,e", b"\r", b"0"))
            lines[i] = b",".join(parts)
            return b"\n".join(lines), f"sym line {i} field {j}"

        return Reader([(d / "c.sym").read_bytes()], call, mutate, ".sym")

    def wtns() -> Reader:
        from zkl.circuits import read_wtns

        d = request.getfixturevalue("circuit_files")
        return Reader([(d / "c.wtns").read_bytes()], read_wtns, mutate_binary, ".wtns")

    def zkey() -> Reader:
        from zkl.prover import read_zkey, read_zkey_verifying_key

        d = request.getfixturevalue("circuit_files")

        calls = [0]

        def call(p: Path) -> Any:
            calls[0] += 1
            read_zkey_verifying_key(p)
            return read_zkey(p, mmap=calls[0] % 2 == 0)  # memory-mapped and read, alternately

        return Reader([(d / "c.zkey").read_bytes()], call, mutate_binary, ".zkey")

    def ptau() -> Reader:
        from zkl.prover import read_ptau

        files = request.getfixturevalue("ptau_files")

        def call(p: Path) -> Any:
            pt = read_ptau(p)
            if pt.prepared:
                for which in ("tau_g1", "tau_g2", "alpha_g1", "beta_g1"):
                    pt.lagrange(which, 1)
            return pt

        return Reader([f.read_bytes() for f in files], call, mutate_binary, ".ptau")

    def snarkjs_json(kind: str) -> Callable[[], Reader]:
        def build() -> Reader:
            from zkl.verifier import read_proof, read_public, read_verifying_key

            texts = request.getfixturevalue("json_files")[kind]
            call = {"vk": read_verifying_key, "proof": read_proof, "public": read_public}[kind]
            return Reader([t.encode() for t in texts], call, _text(mutate_json_text), ".json")
        return build

    def input_json() -> Reader:
        from zkl.circuits import solve
        from zkl.commands.circuit import _load_circuit, _read_input

        circuit = _load_circuit(f"{FIXTURES / 'cli_circuits.py'}:Power", ("n=3",))

        def call(p: Path) -> Any:
            return solve(circuit, _read_input(str(p)))

        seed = json.dumps({"y": str(5**3), "x": "5"}).encode()
        return Reader([seed, b'{"y": 125, "x": 5}'], call, _text(mutate_json_text), ".json")

    def pubdata() -> Reader:
        from zkl.crypto.pubdata import decode

        return Reader([_pubdata_seed()], decode, mutate_binary)

    def batch() -> Reader:
        from zkl.execution.batch import Batch

        def mutate(obj: Any, rng: random.Random) -> tuple[Any, str]:
            if rng.random() < 0.8:
                return mutate_object(obj, rng)
            text, what = mutate_json_text(json.dumps(obj), rng)
            if _nesting(text) > 200:  # json's C parser recurses per level: a bomb may crash it, not raise
                return obj, what + " (too deep to parse: seed)"
            try:
                return json.loads(text), what
            except ValueError:
                return obj, what + " (unparsed: seed)"

        return Reader([_batch_seed()], Batch.from_json, mutate)

    return {"r1cs": r1cs, "sym": sym, "wtns": wtns, "zkey": zkey, "ptau": ptau, "vk_json": snarkjs_json("vk"),
            "proof_json": snarkjs_json("proof"), "public_json": snarkjs_json("public"), "input_json": input_json,
            "pubdata": pubdata, "batch": batch}


def _text(mutate: Callable[[str, random.Random], tuple[str, str]]) -> Callable[[bytes, random.Random], tuple]:
    """A text mutation applied to UTF-8 bytes (lone surrogates kept as they are, i.e. not UTF-8)."""
    def run(data: bytes, rng: random.Random) -> tuple[bytes, str]:
        text, what = mutate(data.decode("utf-8"), rng)
        return text.encode("utf-8", "surrogatepass"), what
    return run


WEIGHTS = {"r1cs": 10, "sym": 4, "wtns": 5, "zkey": 12, "ptau": 8, "vk_json": 8, "proof_json": 8, "public_json": 5,
           "input_json": 5, "pubdata": 3, "batch": 5}


# ------------------------------------------------------------------------------------------ the loop


def _call(reader: Reader, name: str, value: Any, path: Path) -> str:
    """Feed one input; return 'ok', 'zkl error' or a known escape; fail on anything else or on time or memory."""
    if reader.suffix:
        path.write_bytes(value)
        arg: Any = path
    else:
        arg = value
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        reader.call(arg)
        outcome = "ok"
    except ZklError:
        outcome = "zkl error"
    except Exception as e:  # noqa: BLE001 - the point: nothing else may come out
        key = (name, type(e).__name__, str(e))
        if key not in KNOWN_ESCAPES:
            raise AssertionError(f"{name}: {type(e).__name__}: {str(e)[:300]}") from e
        outcome = "known escape"
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - before
    assert seconds < PER_CALL_SECONDS, f"{name}: one call took {seconds:.1f} s"
    assert peak < PER_CALL_BYTES, f"{name}: one call allocated {peak / 2**20:.1f} MB"
    return outcome


@pytest.mark.parametrize("name", list(WEIGHTS))
def test_reader_gives_a_value_or_a_zkl_error(name, request, tmp_path):
    """Mutations of real files: only zkl errors come out, each call in bounded time and memory."""
    reader = _readers(request)[name]()
    budget = BUDGET * WEIGHTS[name] / sum(WEIGHTS.values())
    rng = random.Random(f"{SEED}-{name}")
    path = tmp_path / f"input{reader.suffix}"
    outcomes = [_call(reader, name, seed, path) for seed in reader.seeds]  # warms compiled kernels up, too
    assert outcomes[0] == "ok"  # zkl's own file parses (a real one may be refused: snarkjs 0.1's legacy key)
    counts: dict[str, int] = {}
    tracemalloc.start()
    try:
        deadline = time.perf_counter() + budget
        iteration = 0
        while iteration < 20 or time.perf_counter() < deadline:
            seed = rng.choice(reader.seeds)
            value, what = reader.mutate(seed, rng)
            try:
                outcome = _call(reader, name, value, path)
            except AssertionError as e:
                raise AssertionError(f"{e}\n  seed {SEED}, iteration {iteration}, mutation {what}; input kept in "
                                     f"{path}") from e.__cause__
            counts[outcome] = counts.get(outcome, 0) + 1
            iteration += 1
    finally:
        tracemalloc.stop()
    print(f"{name}: {iteration} inputs in {budget:.1f} s: {counts}")
    assert counts.get("zkl error", 0) > 0  # the mutations reach the checks


def test_fuzz_helpers_find_the_structure():
    """The field list covers section sizes and the counts of a header (what the 'field' mutation edits)."""
    data = b"r1cs" + struct.pack("<II", 1, 1) + struct.pack("<IQ", 1, 8) + struct.pack("<II", 5, 6)
    fields = _fields(data)
    assert (8, 4) in fields and (12, 4) in fields and (16, 8) in fields and (24, 4) in fields and (28, 4) in fields


# --------------------------------------------------------------- escapes found once, fixed, kept as tests


@pytest.mark.parametrize("key", ["old_root", "new_root", "commitment"])
def test_batch_from_json_without_a_root_is_a_zkl_error(key):
    from zkl.execution.batch import Batch

    obj = _batch_seed()
    del obj[key]
    with pytest.raises(ZklError):
        Batch.from_json(obj)


@pytest.mark.parametrize("text", ["1e999", "Infinity"])
def test_batch_from_json_with_an_infinite_number_is_a_zkl_error(text):
    from zkl.execution.batch import Batch

    obj = _batch_seed()
    obj["witness"]["fee"]["balance"] = _SENTINEL
    parsed = json.loads(json.dumps(obj).replace(json.dumps(_SENTINEL), text))  # what Batch.load does with such a file
    with pytest.raises(ZklError):
        Batch.from_json(parsed)
