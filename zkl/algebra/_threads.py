"""One thread for small inputs: starting numba's parallel workers costs more than tiny work saves.

Measured with the OpenMP layer on the 2-core machine: a parallel kernel on 4 rows takes
1.5 us on one thread but 2.5-8 ms on two when the other core is busy (the worker waits
to be scheduled).  Public functions wrap their parallel kernel calls in `serial_below(n)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba

#: inputs with fewer rows than this run on the calling thread
PARALLEL_MIN_ROWS = 2048


@contextmanager
def serial_below(rows: int, minimum: int = PARALLEL_MIN_ROWS) -> Iterator[None]:
    """Run the block on one numba thread when `rows` < `minimum`, else with the current thread count."""
    if rows >= minimum:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)
