"""Step progress for long setups and proofs: silent by default, a rich bar (after a delay) or a callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: a progress callback receives (step name, step index from 0, number of steps)
ProgressCallback = Callable[[str, int, int], None]


class Steps:
    """Report named steps of a computation.

    `report` False: nothing; True: a transient rich progress bar on stderr that appears only
    once the work has run `delay` seconds (short proofs stay quiet); a callable: called with
    (step name, index, total) at the start of each step.  Use as a context manager.
    """

    def __init__(self, report: bool | ProgressCallback, title: str, total: int, delay: float = 1.0) -> None:
        self.title = title
        self.total = total
        self.index = -1
        self.name = ""
        self.callback = report if callable(report) else None
        self.rich = report is True
        self.delay = delay
        self._bar = None
        self._task = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.started = time.perf_counter()
        if self.rich:
            self._timer = threading.Timer(delay, self._show)
            self._timer.daemon = True
            self._timer.start()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def step(self, name: str) -> None:
        """Start the next step."""
        self.index += 1
        self.name = name
        if self.callback is not None:
            self.callback(name, self.index, self.total)
        with self._lock:
            if self._bar is not None:
                self._bar.update(self._task, completed=self.index, description=f"{self.title}: {name}")

    def _show(self) -> None:
        """Start the rich bar (from the timer thread)."""
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._closed:
                return
            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task(f"{self.title}: {self.name}", total=self.total,
                                            completed=max(self.index, 0))
            self._bar.start()

    def close(self) -> None:
        """Stop the bar (if shown) and the timer."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.update(self._task, completed=self.total)
                self._bar.stop()
                self._bar = None
