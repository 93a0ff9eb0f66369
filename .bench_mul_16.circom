pragma circom 2.0.0;
template MulChain(n) {
    signal input a;
    signal input b;
    signal output out;
    signal c[n];
    c[0] <== a * b;
    for (var i = 1; i < n; i++) {
        c[i] <== c[i - 1] * b;
    }
    out <== c[n - 1] * b;
}
component main = MulChain(65533);
