"""Gadgets over the circuit api, each a function `gadget(api, ...)` behind an `API` method.

- `arith`: inverse, div, is_zero, materialize
- `bits`: to_binary, from_binary, range_check, assert_boolean, bits <= constant
- `logic`: not, and, or, xor of booleans
- `select`: select (mux), lookup of 2**k entries
- `comparators`: assert_less_or_equal, less_than, cmp on bounded values
"""
