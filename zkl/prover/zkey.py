"""snarkjs Groth16 `.zkey` files: read (memory-mapped, points validated in bulk) and write.

Layout (snarkjs 0.7 `zkey_new.js`, `zkey_utils.js`; an iden3 binfile, magic "zkey",
version 1; every integer little-endian):

====  ===========  ==========================================================================
 id   name         payload
====  ===========  ==========================================================================
  1   header       u32 protocol (1 = Groth16)
  2   groth16      u32 n8q (32), q, u32 n8r (32), r, u32 nVars, u32 nPublic (outputs + public
                   inputs, without the one), u32 domainSize, then alpha1 G1, beta1 G1, beta2 G2,
                   gamma2 G2, delta1 G1, delta2 G2
  3   IC           nPublic + 1 G1 points: [(beta u_i + alpha v_i + w_i)(tau) / gamma]_1
  4   coeffs       u32 count, then count entries (u32 matrix 0=A/1=B, u32 constraint,
                   u32 wire, 32-byte value); the value is stored as v * 2^512 mod r
                   ("double Montgomery": a Montgomery multiplication by a normal-form witness
                   value gives the Montgomery form of the product)
  5   A            nVars G1 points [u_i(tau)]_1
  6   B1           nVars G1 points [v_i(tau)]_1
  7   B2           nVars G2 points [v_i(tau)]_2
  8   C            nVars - nPublic - 1 G1 points [(beta u_i + alpha v_i + w_i)(tau) / delta]_1
  9   H            domainSize G1 points [L_{2j+1}(tau) / delta]_1 (Lagrange basis of the domain
                   of size 2 * domainSize: the odd points, i.e. the coset the prover uses)
 10   contribs     64-byte circuit hash (blake2b-512), u32 count, the MPC contributions
====  ===========  ==========================================================================

A G1 point is x || y, a G2 point x.c0 || x.c1 || y.c0 || y.c1, each coordinate 32 bytes of
Montgomery form (x * 2^256 mod q) little-endian; the point at infinity is all zero bytes.
That is exactly the bulk layout of zkl.algebra.points, so point sections become NumPy
arrays without conversion.  snarkjs writes the sections in the order 1, 2, 4, 3, 9, 8, 5, 6,
7, 10, and so does `write_zkey` (a key made by `setup_from_ptau` is byte-identical to
`snarkjs groth16 setup`'s).  The u_i, v_i, w_i are the QAP polynomials of the R1CS with
snarkjs's extra rows `w_s * 0 = 0` for s = 0 .. nPublic (row nConstraints + s), which is why
the domain has more than nConstraints + nPublic rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from collections.abc import Iterator

import numpy as np

from zkl.algebra.constants import Q, R
from zkl.algebra.curve import validate_g1_array, validate_g2_array
from zkl.algebra.limbs import check_below, from_montgomery, limbs_to_ints, to_montgomery
from zkl.algebra.points import g1_from_array, g1_to_array, g2_from_array, g2_to_array
from zkl.errors import FormatError, MalformedInput
from zkl._binfile import BinFile, SizedChunks, aligned, drop_pages, field_header, write_binfile
from zkl.prover import _checked
from zkl.prover.keys import ProvingKey, SectionCoefficients, ZkeyCoefficients
from zkl.verifier.keys import VerifyingKey

__all__ = ["read_zkey", "write_zkey", "read_zkey_verifying_key", "circuit_hash"]

MAGIC = b"zkey"
GROTH16 = 1
G1_BYTES = 64
G2_BYTES = 128
_HEADER_BYTES = 4 + 32 + 4 + 32 + 12 + 3 * G1_BYTES + 3 * G2_BYTES
#: coefficient entries range-checked at once (a bounded, aligned copy each)
_CHECK_CHUNK = 1 << 20
_COEF = np.dtype([("matrix", "<u4"), ("constraint", "<u4"), ("wire", "<u4"), ("value", "<u8", (4,))])
#: points checked at once (a bounded copy each where the section is unaligned)
_POINT_CHUNK = 1 << 18
#: the order in which snarkjs's zkey_new writes the sections
_SECTION_ORDER = (1, 2, 4, 3, 9, 8, 5, 6, 7, 10)


def read_zkey(path: str | os.PathLike, *, validate: bool = True, mmap: bool = True,
              check_cache: bool | None = None) -> ProvingKey:
    """Read a snarkjs Groth16 .zkey; points are checked on their curves (G2 also in the subgroup) unless validate=False.

    With mmap=True (default) the query sections (A, B1, B2, C, H) are copy-on-write views of
    a memory map, left unaligned where their section is (the prover aligns one at a time,
    `zkl._binfile.aligned`), so loading costs no reading time; validation then reads every
    page once, in bounded chunks whose pages it hands back.  validate=False is for trusted files.

    The point checks are made once per file content: a file whose SHA-256 digest is recorded
    in zkl.prover._checked (it passed them before) is not re-checked; every structural and
    size check is made at every load.  check_cache=False (or $ZKL_ZKEY_CHECK_CACHE=0) checks
    the points every time and records nothing; None follows the environment.
    """
    f = BinFile(path, MAGIC, 2, use_mmap=mmap)
    # the file's digest, hashed beside the parsing: it says whether the points were checked before
    hashing = _checked.Digest(f.data) if validate and _checked.enabled(check_cache) else None
    try:
        header, ic, coefficients, a, b1, b2, c, h, mpc = _sections(f)
    except BaseException:
        if hashing is not None:
            hashing.wait()  # no thread may read the map once this call has returned (the file may change)
        raise
    n_vars, n_public, domain = header["n_vars"], header["n_public"], header["domain"]
    if validate:
        digest = hashing.value() if hashing is not None else None
        if digest is None or not _checked.known(digest):
            _validate(f.path, header["g1"], header["g2"], ic, a, b1, b2, c, h)
            if digest is not None:
                _checked.remember(digest)
    g1 = g1_from_array(header["g1"])
    g2 = g2_from_array(header["g2"])
    vk = VerifyingKey(alpha_g1=g1[0], beta_g2=g2[0], gamma_g2=g2[1], delta_g2=g2[2],
                      gamma_abc_g1=tuple(g1_from_array(ic)))
    return ProvingKey(vk=vk, beta_g1=g1[1], delta_g1=g1[2], a_query=a, b_g1_query=b1, b_g2_query=b2, h_query=h,
                      l_query=c, n_wires=n_vars, n_public=n_public, domain_size=domain,
                      coefficients=coefficients, mpc=mpc)


def read_zkey_verifying_key(path: str | os.PathLike, *, validate: bool = True) -> VerifyingKey:
    """Read only the verifying key (header and IC sections) of a .zkey."""
    f = BinFile(path, MAGIC, 2, use_mmap=True)
    header = _read_header(f)
    ic = f.points(3, "IC points", header["n_public"] + 1)
    if validate:
        _check_g1(f.path, "IC", ic)
        _check_g1(f.path, "header", header["g1"])
        _check_g2(f.path, "header", header["g2"])
    g1 = g1_from_array(header["g1"])
    g2 = g2_from_array(header["g2"])
    return VerifyingKey(alpha_g1=g1[0], beta_g2=g2[0], gamma_g2=g2[1], delta_g2=g2[2],
                        gamma_abc_g1=tuple(g1_from_array(ic)))


def write_zkey(pk: ProvingKey, path: str | os.PathLike) -> None:
    """Write a proving key as a snarkjs Groth16 .zkey (sections in snarkjs's order; atomic)."""
    _check_key(pk)
    groth = (struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<I", 32) + R.to_bytes(32, "little")
             + struct.pack("<III", pk.n_wires, pk.n_public, pk.domain_size))
    head_g1 = g1_to_array([pk.vk.alpha_g1, pk.beta_g1, pk.delta_g1])
    head_g2 = g2_to_array([pk.vk.beta_g2, pk.vk.gamma_g2, pk.vk.delta_g2])
    ic = g1_to_array(list(pk.vk.gamma_abc_g1))
    mpc = pk.mpc if pk.mpc is not None else circuit_hash(pk) + struct.pack("<I", 0)
    sections = {
        1: [struct.pack("<I", GROTH16)],
        2: [groth, head_g1[0], head_g1[1], head_g2[0], head_g2[1], head_g1[2], head_g2[2]],
        3: [ic],
        4: _coefficient_chunks(pk.coefficients),
        5: [pk.a_query],
        6: [pk.b_g1_query],
        7: [pk.b_g2_query],
        8: [pk.l_query],
        9: [pk.h_query],
        10: [mpc],
    }
    write_binfile(path, MAGIC, 1, [(k, sections[k]) for k in _SECTION_ORDER])


def circuit_hash(pk: ProvingKey, h_points: np.ndarray | None = None) -> bytes:
    """snarkjs's 64-byte circuit hash (blake2b-512 of the key's points, uncompressed big-endian, with counts).

    snarkjs hashes the initial key (delta = 1) and, for H, the points [tau^i (tau^n - 1)]_1
    it takes from the .ptau; `setup_from_ptau` passes those as `h_points`.  Without them the
    key's own H section is hashed, which is what a key made without a .ptau can offer.
    """
    hasher = hashlib.blake2b(digest_size=64)
    hasher.update(g1_uncompressed(g1_to_array([pk.vk.alpha_g1, pk.beta_g1])))
    hasher.update(g2_uncompressed(g2_to_array([pk.vk.beta_g2, pk.vk.gamma_g2])))
    hasher.update(g1_uncompressed(g1_to_array([pk.delta_g1])))
    hasher.update(g2_uncompressed(g2_to_array([pk.vk.delta_g2])))
    h = pk.h_query if h_points is None else h_points
    groups = [(g1_to_array(list(pk.vk.gamma_abc_g1)), g1_uncompressed), (h, g1_uncompressed),
              (pk.l_query, g1_uncompressed), (pk.a_query, g1_uncompressed), (pk.b_g1_query, g1_uncompressed),
              (pk.b_g2_query, g2_uncompressed)]
    for points, encode in groups:
        hasher.update(struct.pack(">I", points.shape[0]))
        for lo in range(0, points.shape[0], 1 << 16):
            hasher.update(encode(points[lo: lo + (1 << 16)]))
    return hasher.digest()


def g1_uncompressed(points: np.ndarray) -> bytes:
    """ffjavascript's uncompressed encoding of a (n, 2, 4) Montgomery G1 array: x, y big-endian (infinity: zeros)."""
    normal = from_montgomery(aligned(np.ascontiguousarray(points)), Q)
    return np.ascontiguousarray(normal[..., ::-1]).astype(">u8").tobytes()


def g2_uncompressed(points: np.ndarray) -> bytes:
    """ffjavascript's uncompressed encoding of a (n, 2, 2, 4) G2 array: per coordinate c1 then c0, big-endian."""
    normal = from_montgomery(aligned(np.ascontiguousarray(points)), Q)
    return np.ascontiguousarray(normal[..., ::-1, ::-1]).astype(">u8").tobytes()


# ----------------------------------------------------------------------------------------------


def _sections(f: BinFile) -> tuple:
    """Sections 1-10 of a .zkey, sizes checked: header, IC, coefficients, A, B1, B2, C, H, contributions."""
    header = _read_header(f)
    n_vars, n_public, domain = header["n_vars"], header["n_public"], header["domain"]
    ic = f.points(3, "IC points", n_public + 1)
    coefficients = _read_coefficients(f, n_vars, domain)
    a = f.points(5, "A points", n_vars, copy_unaligned=False)
    b1 = f.points(6, "B1 points", n_vars, copy_unaligned=False)
    b2 = f.points(7, "B2 points", n_vars, g2=True, copy_unaligned=False)
    c = f.points(8, "C points", n_vars - n_public - 1, copy_unaligned=False)
    h = f.points(9, "H points", domain, copy_unaligned=False)
    mpc = f.bytes_of(10, "contributions") if f.has(10) else None
    if mpc is not None and len(mpc) < 68:
        raise FormatError(f"{f.path}: contributions section must hold at least 68 bytes, not {len(mpc)}")
    return header, ic, coefficients, a, b1, b2, c, h, mpc


def _read_header(f: BinFile) -> dict:
    """Parse sections 1 and 2: sizes and the six header points (as arrays)."""
    pos = f.expect_size(1, "header", 4)
    (protocol,) = struct.unpack_from("<I", f.data, pos)
    if protocol != GROTH16:
        raise FormatError(f"{f.path}: only Groth16 keys (protocol 1) are supported, not protocol {protocol}")
    pos = f.expect_size(2, "Groth16 header", _HEADER_BYTES)
    pos = field_header(f.data, pos, Q, "base field q", f.path)
    pos = field_header(f.data, pos, R, "scalar field r", f.path)
    n_vars, n_public, domain = struct.unpack_from("<III", f.data, pos)
    pos += 12
    if not 1 <= n_public + 1 <= n_vars:
        raise FormatError(f"{f.path}: nPublic must be below nVars ({n_vars}), not {n_public}")
    if domain < 1 or domain & (domain - 1) or domain > 1 << 28:
        raise FormatError(f"{f.path}: domainSize must be a power of two at most 2^28, not {domain}")
    raw = np.frombuffer(f.data, dtype="<u8", count=(3 * G1_BYTES + 3 * G2_BYTES) // 8, offset=pos).astype(np.uint64)
    a1, b1, b2, g2, d1, d2 = np.split(raw, np.cumsum([8, 8, 16, 16, 8]))
    g1s = np.stack([a1, b1, d1]).reshape(3, 2, 4)
    g2s = np.stack([b2, g2, d2]).reshape(3, 2, 2, 4)
    return {"n_vars": n_vars, "n_public": n_public, "domain": domain, "g1": g1s, "g2": g2s}


def _read_coefficients(f: BinFile, n_vars: int, domain: int) -> ZkeyCoefficients:
    """Section 4, range-checked entry by entry (values below r) without a copy of the section; its
    fields (values in normal form) are made on first use (`SectionCoefficients`)."""
    pos, size = f.section(4, "coefficients")
    if size < 4:
        raise FormatError(f"{f.path}: coefficients section must hold at least 4 bytes, not {size}")
    (count,) = struct.unpack_from("<I", f.data, pos)
    if size != 4 + count * _COEF.itemsize:
        raise FormatError(f"{f.path}: coefficients section must be {4 + count * _COEF.itemsize} bytes "
                          f"for {count} entries, not {size}")
    entries = np.frombuffer(f.data, dtype=_COEF, count=count, offset=pos + 4)
    for start in range(0, count, _CHECK_CHUNK):  # in bounded chunks, each chunk's pages handed back once read
        part = entries[start:start + _CHECK_CHUNK]
        for name, bound in (("matrix", 2), ("constraint", domain), ("wire", n_vars)):
            bad = np.flatnonzero(part[name] >= bound)
            if bad.size:
                raise FormatError(f"{f.path}: coefficient {start + int(bad[0])} must have {name} below {bound}, "
                                  f"not {int(part[name][bad[0]])}")
        chunk = np.ascontiguousarray(part["value"], dtype=np.uint64)  # the values are 4-byte aligned in the file
        drop_pages(part)  # a prover from the solver's products never reads the section again
        try:
            check_below(chunk, R, "coefficient")
        except MalformedInput:
            first = next(i for i, v in enumerate(limbs_to_ints(chunk)) if v >= R)
            raise FormatError(f"{f.path}: coefficient {start + first} must be below r (the scalar field "
                              f"modulus), not {limbs_to_ints(chunk[first:first + 1])[0]}") from None
    return SectionCoefficients(entries)


def _coefficient_chunks(coefficients: ZkeyCoefficients | None) -> list[bytes | SizedChunks]:
    """Section 4 payload: count, then the packed entries with values times 2^512 mod r, made _CHECK_CHUNK
    entries at a time as they are written."""
    if coefficients is None:
        return [struct.pack("<I", 0)]
    n = len(coefficients)

    def packed() -> Iterator[np.ndarray]:
        for matrix, constraint, wire, value in coefficients.chunks(_CHECK_CHUNK):
            entries = np.zeros(matrix.shape[0], dtype=_COEF)
            entries["matrix"], entries["constraint"], entries["wire"] = matrix, constraint, wire
            entries["value"] = to_montgomery(to_montgomery(np.ascontiguousarray(value), R), R)
            yield entries

    return [struct.pack("<I", n), SizedChunks(n * _COEF.itemsize, packed())]


def _check_g1(path: str, what: str, points: np.ndarray) -> None:
    _check_points(path, what, points, validate_g1_array)


def _check_g2(path: str, what: str, points: np.ndarray) -> None:
    _check_points(path, what, points, validate_g2_array)


def _check_points(path: str, what: str, points: np.ndarray, check) -> None:
    """Check a point section in aligned chunks of _POINT_CHUNK points, handing back each chunk's mapped pages."""
    for start in range(0, max(1, points.shape[0]), _POINT_CHUNK):
        chunk = points[start:start + _POINT_CHUNK]
        try:
            check(aligned(chunk))
        except MalformedInput as e:
            message = str(e)
            if start:  # the checkers name the point by its index in what they were given
                message = re.sub(r"\bpoint (\d+)", lambda m: f"point {start + int(m.group(1))}", message, count=1)
            raise type(e)(f"{path}: {what} section: {message}") from None
        drop_pages(chunk)


def _validate(path: str, head_g1, head_g2, ic, a, b1, b2, c, h) -> None:
    """Every point on its curve, G2 points in the subgroup (G1's cofactor is 1)."""
    for what, points in (("header", head_g1), ("IC", ic), ("A", a), ("B1", b1), ("C", c), ("H", h)):
        _check_g1(path, what, points)
    _check_g2(path, "header", head_g2)
    _check_g2(path, "B2", b2)


def _check_key(pk: ProvingKey) -> None:
    """Shapes of a key before writing it."""
    if not isinstance(pk, ProvingKey):
        raise MalformedInput(f"expected a ProvingKey, not {type(pk).__name__}")
    expect = {"a_query": (pk.n_wires, 2, 4), "b_g1_query": (pk.n_wires, 2, 4), "b_g2_query": (pk.n_wires, 2, 2, 4),
              "l_query": (pk.n_wires - pk.n_public - 1, 2, 4), "h_query": (pk.domain_size, 2, 4)}
    for name, shape in expect.items():
        arr = getattr(pk, name)
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint64 or arr.shape != shape:
            raise MalformedInput(f"ProvingKey.{name} must be a uint64 array of shape {shape}, "
                                 f"not {getattr(arr, 'shape', type(arr).__name__)}")
    if len(pk.vk.gamma_abc_g1) != pk.n_public + 1:
        raise MalformedInput(f"the verifying key must have {pk.n_public + 1} IC points, not {len(pk.vk.gamma_abc_g1)}")
    if pk.mpc is not None and len(pk.mpc) < 68:
        raise MalformedInput(f"ProvingKey.mpc must hold at least 68 bytes (hash and count), not {len(pk.mpc)}")
