"""CLI command modules: each defines `command`, a click command or group added to `zkl` by zkl.cli."""
