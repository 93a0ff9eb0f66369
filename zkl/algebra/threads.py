"""numba's thread count for one block: a caller's choice, validated, or one thread for small inputs.

Measured with the OpenMP layer on the 2-core machine: a parallel kernel on 4 rows takes
1.5 us on one thread but 2.5-8 ms on two when the other core is busy (the worker waits
to be scheduled).  Public functions wrap their parallel kernel calls in `serial_below(n)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np

from zkl.errors import MalformedInput

#: inputs with fewer rows than this run on the calling thread
PARALLEL_MIN_ROWS = 2048


@contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Run the block with `threads` numba threads (None: the current setting); yields the count in use."""
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
    with numba_threads(1 if rows < minimum else None):
        yield
