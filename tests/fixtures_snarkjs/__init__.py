"""snarkjs artifacts for the verifier's interop tests, built at test time (see build.py)."""
