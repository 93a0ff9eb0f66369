pragma circom 2.0.0;

// A public output, a public input, two private inputs and a constant coefficient.
template Multiplier() {
    signal input k;        // public
    signal input a;
    signal input b;
    signal output c;
    signal t;
    t <== a * b;
    c <== 3 * t + k;
}

component main {public [k]} = Multiplier();
