"""Gadgets over the circuit api, each a function `gadget(api, ...)` behind an `API` method.

- `arith`: inverse, div, is_zero, materialize
- `bits`: to_binary, from_binary, range_check, assert_boolean, bits <= constant (one
  constraint per run of equal bits of the constant)
- `logic`: not, and, or, xor of booleans
- `select`: select (mux), lookup of 2**k entries
- `comparators`: assert_less_or_equal, less_than, cmp on bounded values

Writing a gadget (Poseidon, EdDSA, Merkle... live beside these, built the same way):

- a function `gadget(api, ...)` using only `API` methods, so the one code path both compiles
  (Builder) and solves (Solver); never branch on `api.solving` or on values;
- wrap it in `with api.scope("name"):` so failed constraints name it;
- keep products cheap: linear combinations are free, `api.lincomb` sums many terms in one
  pass, `api.materialize` cuts a long combination that many products would copy, and
  `api.mul_add` / `api.mul_sub` make a * b +- c one wire for the price of the product (chained
  formulas then never copy growing combinations);
- hints are module-level functions over ints (not lambdas), so tests can target them:
  register known attacks on them at import with `zkl.circuits.adversaries.register(hint,
  attacks)` (assert_circuit tries them), and constrain every output;
- call `api.mark_bits(x, n)` only when constraints already enforce x < 2**n (gadgets then
  skip range checks on x);
- test with `assert_circuit(valid=..., invalid=...)` against the native twin in `zkl.crypto`.
"""

# the crypto gadgets, each beside its native twin in zkl.crypto (none imports the api at runtime)
from zkl.circuits.std import babyjubjub, eddsa, merkle, poseidon  # noqa: E402
from zkl.circuits.std.eddsa import verify_eddsa  # noqa: E402
from zkl.circuits.std.merkle import assert_membership, assert_update, merkle_root, merkle_update  # noqa: E402
