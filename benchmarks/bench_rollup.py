"""End-to-end rollup benchmark: transactions per second proven and settled on L1, per batch size.

    python benchmarks/bench_rollup.py [--quick] [--sizes 4,16,64] [--depth 16] [--batches 2] [--users 8] [--json]
                                      [--no-progress] [--in-process] [--cluster local:2] [--workers 1,2]
                                      [--pipeline-batches 4] [--no-pipeline]

The same as `zkl bench rollup` (zkl.bench.rollup, whose docstring defines each figure): each
size in a fresh process unless --in-process; progress on stderr; a table, or one JSON object
with --json. Per size also the pipelined figures: per worker count (--workers, default 1 and 2)
tx_per_s of --pipeline-batches batches proven on an executor (--cluster: processes by default, local
for a Dask LocalCluster, tcp://HOST:PORT for a running scheduler) and settled in order.
"""

import sys

from zkl.commands.bench import rollup

if __name__ == "__main__":
    rollup.main(sys.argv[1:], prog_name="bench_rollup.py")
