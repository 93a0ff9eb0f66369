"""zkl.prover."""
