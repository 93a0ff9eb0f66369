"""zkl.client: talk to a zkl node over HTTP — `NodeClient`, and the wallet's encrypted keystore.

    from zkl.client import NodeClient

    node = NodeClient("http://127.0.0.1:8545")
    node.status()["l2"]["min_fee"]; node.account(3); tx_id = node.submit(tx); node.wait(tx_id, "final")
"""

from zkl.client.node import NodeClient

__all__ = ["NodeClient"]
