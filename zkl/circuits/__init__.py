"""zkl.circuits."""
