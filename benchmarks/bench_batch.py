"""Batch benchmark: witness generation vs Groth16 proof for batches of 4, 16, 64 transfers at depth 16.

    python benchmarks/bench_batch.py [--quick] [--sizes 4,16,64] [--depth 16] [--no-prove] [--repeats 3] [--json]

The same as `zkl bench batch` (zkl.bench.batch): a table, or one JSON object with --json.
Compiled circuits are cached in $ZKL_CACHE_DIR (default ~/.cache/zkl).
"""

import sys

from zkl.commands.bench import batch

if __name__ == "__main__":
    batch.main(sys.argv[1:], prog_name="bench_batch.py")
