"""zkl.verifier."""
