"""End-to-end rollup benchmark: transactions per second proven and settled on L1, per batch size.

    python benchmarks/bench_rollup.py [--quick] [--sizes 4,16,64] [--depth 16] [--batches 2] [--users 8] [--json]
                                      [--no-progress] [--in-process]

The same as `zkl bench rollup` (zkl.bench.rollup, whose docstring defines each figure): each
size in a fresh process unless --in-process; progress on stderr; a table, or one JSON object
with --json.
"""

import sys

from zkl.commands.bench import rollup

if __name__ == "__main__":
    rollup.main(sys.argv[1:], prog_name="bench_rollup.py")
