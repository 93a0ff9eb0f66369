"""zkl.execution."""
