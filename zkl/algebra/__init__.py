"""zkl.algebra."""
