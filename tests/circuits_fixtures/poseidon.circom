pragma circom 2.0.0;

include "node_modules/circomlib/circuits/poseidon.circom";

// circomlib's Poseidon over two inputs: a few hundred constraints with large coefficients.
template Hash2() {
    signal input in[2];
    signal output out;
    component h = Poseidon(2);
    h.inputs[0] <== in[0];
    h.inputs[1] <== in[1];
    out <== h.out;
}

component main = Hash2();
