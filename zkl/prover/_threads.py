"""Numba thread count for one call: small proofs and setups run on one thread.

Below a few thousand rows a parallel region costs more to start and join than it saves, and on
a busy machine each join can wait for a descheduled worker; so work on small domains runs
single-threaded unless the caller asks otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from zkl.algebra._threads import numba_threads as _algebra_threads

#: domains up to this size run on one thread by default
SMALL_DOMAIN = 1 << 12


@contextmanager
def numba_threads(threads: int | None, domain_size: int) -> Iterator[int]:
    """Run the block with `threads` numba threads (None: 1 for small domains, else the current setting)."""
    if threads is None and domain_size <= SMALL_DOMAIN:
        threads = 1
    with _algebra_threads(threads) as count:
        yield count
