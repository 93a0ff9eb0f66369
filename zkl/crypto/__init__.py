"""zkl.crypto."""
