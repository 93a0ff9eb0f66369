"""zkl.commands."""
