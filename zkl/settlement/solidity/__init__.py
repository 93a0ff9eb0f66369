"""Solidity sources of the settlement contracts, the generators that write them, and their compiled artifacts."""
