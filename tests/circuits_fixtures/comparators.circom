pragma circom 2.0.0;

include "node_modules/circomlib/circuits/comparators.circom";
include "node_modules/circomlib/circuits/bitify.circom";

// circomlib's Num2Bits, LessThan and IsEqual side by side, to compare with zkl's gadgets.
template Comparators() {
    signal input x;
    signal input a;
    signal input b;
    signal output bits[8];
    signal output lt;
    signal output eq;

    component n2b = Num2Bits(8);
    n2b.in <== x;
    for (var i = 0; i < 8; i++) bits[i] <== n2b.out[i];

    component less = LessThan(16);
    less.in[0] <== a;
    less.in[1] <== b;
    lt <== less.out;

    component equal = IsEqual();
    equal.in[0] <== a;
    equal.in[1] <== b;
    eq <== equal.out;
}

component main {public [a]} = Comparators();
