"""Numba thread count for one call: small proofs and setups run on one thread.

Below a few thousand rows a parallel region costs more to start and join than it saves, and on
a busy machine each join can wait for a descheduled worker; so work on small domains runs
single-threaded unless the caller asks otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba

from zkl.errors import MalformedInput

#: domains up to this size run on one thread by default
SMALL_DOMAIN = 1 << 12


@contextmanager
def numba_threads(threads: int | None, domain_size: int) -> Iterator[int]:
    """Run the block with `threads` numba threads (None: 1 for small domains, else the current setting)."""
    limit = numba.config.NUMBA_NUM_THREADS
    if threads is None:
        threads = 1 if domain_size <= SMALL_DOMAIN else numba.get_num_threads()
    elif isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= limit:
        raise MalformedInput(f"threads must be an int in [1, {limit}], not {threads!r}")
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(previous)
