"""zkl.settlement."""
