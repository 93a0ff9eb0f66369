"""The node service under load over HTTP: admission rate and p50/p99 latency, then (--settle) settlement.

    python benchmarks/bench_service.py [--txs 10000] [--users 120] [--batch-size 8] [--depth 8] [--settle] [--json]

The same as zkl.bench.service (whose docstring defines each figure): a devnet served by `zkl node
serve` in its own process, `txs` pre-signed transactions (a third invalid, in each way the mempool
refuses) sent by one keep-alive HTTP client per user at once; a table, or one JSON object with --json.
"""

import sys

from zkl.bench.service import main

if __name__ == "__main__":
    main(sys.argv[1:])
