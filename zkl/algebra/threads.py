"""numba's thread count for one block of work: the one thread-count mechanism of zkl.

    with numba_threads(threads):                       # a caller's choice, validated (None: keep numba's)
    with numba_threads(None, rows=n):                  # one thread for fewer than PARALLEL_MIN_ROWS rows
    with serial_below(n):                              # the same, as the algebra's wrappers write it
    with numba_threads(threads, rows=domain, min_rows=DOMAIN_MIN_ROWS):  # the prover's default

Measured with the OpenMP layer on the 2-core machine: a parallel kernel on 4 rows takes
1.5 us on one thread but 2.5-8 ms on two when the other core is busy (the worker waits
to be scheduled).  Public functions wrap their parallel kernel calls in `serial_below(n)`;
the prover and the setup run whole domains below DOMAIN_MIN_ROWS (up to 2^12 rows) on one
thread, where a parallel region costs more to start and join than it saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np

from zkl.errors import MalformedInput

__all__ = ["DOMAIN_MIN_ROWS", "PARALLEL_MIN_ROWS", "numba_threads", "serial_below"]

#: inputs with fewer rows than this run on the calling thread
PARALLEL_MIN_ROWS = 2048
#: prover and setup domains (powers of two) smaller than this, up to 2^12 rows, run on one thread by default
DOMAIN_MIN_ROWS = 1 << 13


@contextmanager
def numba_threads(threads: int | None, *, rows: int | None = None, min_rows: int = PARALLEL_MIN_ROWS
                  ) -> Iterator[int]:
    """Run the block on `threads` numba threads (None: one if rows < min_rows, else numba's); yields the count."""
    if threads is None and rows is not None and rows < min_rows:
        threads = 1
    previous = numba.get_num_threads()
    if threads is None:
        yield previous
        return
    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= limit:
        raise MalformedInput(f"threads must be an int in [1, {limit}], not {threads!r}")
    numba.set_num_threads(int(threads))
    try:
        yield int(threads)
    finally:
        numba.set_num_threads(previous)


@contextmanager
def serial_below(rows: int, minimum: int = PARALLEL_MIN_ROWS) -> Iterator[None]:
    """Run the block on one numba thread when `rows` < `minimum`, else with the current thread count."""
    with numba_threads(None, rows=rows, min_rows=minimum):
        yield
