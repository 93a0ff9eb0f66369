"""What every benchmark shares: medians, peers run alternately, progress on stderr, a table, a JSON object.

    median(fn, repeats)           median seconds of warm calls
    timed(fn) -> (wall, cpu)      one call; CPU of this process and the child processes it waited for
    with Stopwatch() as t: ...    the same around a block: t.wall, t.cpu
    median_times(fn, repeats)     median (wall, cpu)
    alternate({"zkl": f, "snarkjs": g}, repeats)   one call of each per round, in turn
    with progress() as say: say("phase", completed, total)
    print_table(title, columns, rows)
    to_json(result)               the one JSON object `--json` prints
    require("py_ecc")             an outside peer, with the `zkl[bench]` extra named when missing

Wall times on a shared machine follow its load; CPU times, given beside them, less so.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

__all__ = ["Say", "Stopwatch", "alternate", "median", "median_times", "peak_rss_mib", "print_table", "progress",
           "require", "timed", "to_json"]

#: progress callback: say(description, completed=None, total=None)
Say = Callable[..., None]


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of the children it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Stopwatch:
    """`with Stopwatch() as t: ...`, then `t.wall` and `t.cpu` seconds (CPU as in `timed`)."""

    wall = cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._cpu, self._wall = _cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, _cpu() - self._cpu


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call of fn; CPU counts every thread and any child process run to its end."""
    with Stopwatch() as t:
        fn()
    return t.wall, t.cpu


def median(fn: Callable[[], object], repeats: int, *, clock: Callable[[], float] = time.perf_counter,
           warm: bool = True) -> float:
    """Median seconds by `clock` of `repeats` calls of fn, after one untimed call if `warm` (compiles, fills caches)."""
    if warm:
        fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def median_times(fn: Callable[[], object], repeats: int, *, warm: bool = False) -> tuple[float, float]:
    """Median wall and median CPU seconds (see `timed`) of `repeats` calls of fn."""
    if warm:
        fn()
    runs = [timed(fn) for _ in range(max(1, repeats))]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def alternate(peers: Mapping[str, Callable[[], object]], repeats: int,
              say: Say | None = None) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each peer's runs, the peers called in turn, one call each per round.

    Alternating spreads a change in the machine's load over every peer alike, where running one
    peer's repeats and then the other's would charge it to whichever ran second.
    """
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in peers}
    for i in range(max(1, repeats)):
        if say is not None:
            say(f"round {i + 1}/{repeats}: {', '.join(peers)}", i, repeats)
        for name, fn in peers.items():
            runs[name].append(timed(fn))
    return runs


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (ru_maxrss), MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextlib.contextmanager
def progress(enabled: bool = True) -> Iterator[Say]:
    """A `say(description, completed=None, total=None)` callback that shows where a long run is, on stderr.

    On a terminal: a rich line (spinner, the description, a bar when the total is known, elapsed
    time). Elsewhere (a log file): one line per new description, with the seconds since the
    start and the peak memory. Nothing when not enabled. stdout stays for the result.
    """
    if not enabled:
        yield lambda description, completed=None, total=None: None
        return
    if not sys.stderr.isatty():
        start, last = time.perf_counter(), [""]

        def log(description: str, completed: float | None = None, total: float | None = None) -> None:
            if description != last[0]:
                last[0] = description
                print(f"[{time.perf_counter() - start:8.1f} s, peak {peak_rss_mib():8.1f} MiB] {description}",
                      file=sys.stderr, flush=True)

        yield log
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(description: str, completed: float | None = None, total: float | None = None) -> None:
            bar.update(task, description=description, completed=completed or 0, total=total)

        yield update


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]], *,
                left: Collection[str] = (), stderr: bool = False) -> None:
    """A rich table: the first column and those named in `left` flush left, the others right (figures).

    Cells: None prints as "-", ints with thousands separators, anything else as str().
    """
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 or column in left else "right")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    stream = sys.stderr if stderr else sys.stdout
    Console(stderr=stderr, width=None if stream.isatty() else 200).print(table)  # piped: room for every column


def to_json(result: Mapping[str, Any]) -> str:
    """The result as one line of JSON (paths and other odd values as strings)."""
    return json.dumps(result, default=str)


def require(module: str) -> ModuleType:
    """Import an outside peer only the benchmarks use (py_ecc, galois); a clear error naming the extra if absent."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        if e.name is None or e.name.split(".")[0] != top:
            raise
        raise ModuleNotFoundError(f"the benchmark compares against {top}, which is not installed: "
                                  f"pip install 'zkl[bench]'", name=top) from None
