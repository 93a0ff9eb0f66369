pragma circom 2.0.0;

// Fixture of tests/test_verifier_snarkjs.py: two public inputs (x, y), two private ones,
// a product and circomlib's Poseidon(2); public signals [c, h, x, y] (outputs first).
include "circomlib/circuits/poseidon.circom";

template VerifierFixture() {
    signal input x;
    signal input y;
    signal input a;
    signal input b;
    signal output c;
    signal output h;
    signal t;
    t <== a * b;
    c <== t + x;
    component p = Poseidon(2);
    p.inputs[0] <== a;
    p.inputs[1] <== y;
    h <== p.out;
}

component main {public [x, y]} = VerifierFixture();
