"""zkl.service: the rollup as a service — an HTTP node over a devnet, with its explorer page.

    zkl node serve DATA_DIR [--host 127.0.0.1] [--port 8545]      # the command line

    from zkl.service.app import create_app                          # the ASGI app (FastAPI on uvicorn)
    app = create_app("data/", seal_interval=2.0)

Modules: `runtime` (NodeService: the node thread that owns the devnet, admits transactions in
group commits and seals in the background), `views` (what the API answers, as JSON-ready
dicts), `app` (the routes, error mapping, body and rate limits), `serve` (uvicorn on a
loopback port) and `explorer.html` (the page at /). A client is `zkl.client.NodeClient`.
"""
