"""zkl.bench: the benchmarks behind `zkl bench`, each figure a median beside a peer measured in the same run.

A top floor like the command line: it may import every layer, and no layer imports it.

    algebra    field, curve, NTT, MSM, pairing (peers: Python ints, py_ecc, galois)
    circuits   compiling and solving gadget circuits (peers: circom + snarkjs)
    groth16    proving on the same .zkey and .wtns (peers: snarkjs, groth16py)
    verifier   one verification and a batch (peers: py_ecc, snarkjs)
    batch      a rollup batch's witness beside its proof
    rollup     batches built, proven and settled on L1 through a devnet

`timing` holds what they share (medians, alternating peers, progress, tables, JSON), `_js`
the JavaScript peers of js/. py_ecc and galois come with the `zkl[bench]` extra and are
imported only inside the functions that compare against them.
"""
