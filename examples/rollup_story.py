"""The rollup story through the Python API: devnet, deposits, transfers, withdrawals, proofs, claims, sync.

    python examples/rollup_story.py [DATA_DIR] [--batch-size 4] [--depth 16]

Creates a devnet in DATA_DIR (default: a new temporary directory); the proving key of the batch
circuit comes from the key cache ($ZKL_CACHE_DIR/keys) or a local setup the first time.
"""

from __future__ import annotations

import argparse
import tempfile

from zkl.devnet import Devnet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=None)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--depth", type=int, default=16)
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="zkl-story-")

    net = Devnet.init(data_dir, batch_size=args.batch_size, depth=args.depth,
                      progress=lambda step: print(f"... {step}"))
    print(f"deployment: {net.contract.domain} (every L2 signature names it)")
    for name in ("alice", "bob"):
        net.add_user(name, l1_funds=100_000)         # an L2 key and a faucet-funded L1 address
    net.deposit("alice", 10_000)                      # L1 deposit; the L2 node sees the queue
    net.deposit("bob", 2_000)
    for info in net.seal_all():                       # build, prove, settle on L1
        print(f"batch {info['number']}: {info['transactions']} txs, proof {info['prove_s']:.1f} s, "
              f"verify {info['verify_ms']:.1f} ms")

    net.transfer("alice", "bob", 1_500)
    net.transfer("bob", "alice", 200)
    net.withdraw("bob", 700)                          # to bob's L1 address
    for info in net.seal_all():
        print(f"batch {info['number']}: {info['transactions']} txs, proof {info['prove_s']:.1f} s")

    print(f"bob claims {net.claim('bob')} on L1")
    for name in ("alice", "bob"):
        b = net.balance(name)
        print(f"{name}: L1 {b['l1']}, L2 {b['l2']} at index {b['index']}, nonce {b['nonce']}, claimable {b['claimable']}")
    sync = net.sync()                                 # the L2 state rebuilt from L1's posted data alone
    print(f"final root   {net.contract.state_root}")
    print(f"rebuilt root {sync['rebuilt_root']} match: {sync['match']}")
    assert sync["match"]
    net.close()


if __name__ == "__main__":
    main()
