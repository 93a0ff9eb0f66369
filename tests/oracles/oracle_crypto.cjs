// Test oracle for zkl.crypto: answers a batch of requests with circomlibjs and blake-hash.
//
// Usage: node tests/js/oracle_crypto.cjs < request.json > answer.json
// The js/ folder (with node_modules) is $ZKL_JS_DIR, or ../../js from this file.
// Request: an object whose keys are operations, each a list of arguments (numbers as decimal
// strings, bytes as hex). The answer has the same keys, one result per argument:
//   poseidon: [inputs]               -> decimal string   (buildPoseidon, the wasm one)
//   blake512: hex                    -> hex digest       (blake-hash "blake512")
//   prv2pub: hex private key         -> [x, y]
//   sign: [hex private key, msg]     -> {r8: [x, y], s, packed: hex}   (signPoseidon)
//   verify: {msg, r8, s, a}          -> bool             (verifyPoseidon)
//   pack: [x, y]                     -> hex              (babyJub.packPoint)
//   unpack: hex                      -> [x, y] or null   (babyJub.unpackPoint)
//   add: [[x, y], [x, y]]            -> [x, y]
//   mul: [[x, y], k]                 -> [x, y]           (mulPointEscalar)
//   in_subgroup: [x, y]              -> bool
"use strict";

const path = require("path");

const jsDir = process.env.ZKL_JS_DIR || path.join(__dirname, "..", "..", "js");
const modules = path.join(jsDir, "node_modules");
const circomlibjs = require(path.join(modules, "circomlibjs"));
const createBlakeHash = require(path.join(modules, "blake-hash"));

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on("data", (c) => chunks.push(c));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

async function main() {
    const request = JSON.parse(await readStdin());
    // buildEddsa builds buildPoseidon() and buildBabyjub() too: reuse them
    const eddsa = await circomlibjs.buildEddsa();
    const poseidon = eddsa.poseidon;
    const babyJub = eddsa.babyJub;
    const F = babyJub.F;
    const toPoint = (p) => [F.e(BigInt(p[0])), F.e(BigInt(p[1]))];
    const fromPoint = (p) => [F.toObject(p[0]).toString(), F.toObject(p[1]).toString()];
    const hex = (b) => Buffer.from(b).toString("hex");

    const handlers = {
        poseidon: (inputs) => poseidon.F.toObject(poseidon(inputs.map((v) => BigInt(v)))).toString(),
        blake512: (data) => createBlakeHash("blake512").update(Buffer.from(data, "hex")).digest("hex"),
        prv2pub: (key) => fromPoint(eddsa.prv2pub(Buffer.from(key, "hex"))),
        sign: ([key, msg]) => {
            const sig = eddsa.signPoseidon(Buffer.from(key, "hex"), F.e(BigInt(msg)));
            return { r8: fromPoint(sig.R8), s: sig.S.toString(), packed: hex(eddsa.packSignature(sig)) };
        },
        verify: ({ msg, r8, s, a }) =>
            eddsa.verifyPoseidon(F.e(BigInt(msg)), { R8: toPoint(r8), S: BigInt(s) }, toPoint(a)),
        pack: (p) => hex(babyJub.packPoint(toPoint(p))),
        unpack: (data) => {
            const p = babyJub.unpackPoint(Uint8Array.from(Buffer.from(data, "hex")));
            return p === null ? null : fromPoint(p);
        },
        add: ([p, q]) => fromPoint(babyJub.addPoint(toPoint(p), toPoint(q))),
        mul: ([p, k]) => fromPoint(babyJub.mulPointEscalar(toPoint(p), BigInt(k))),
        in_subgroup: (p) => babyJub.inSubgroup(toPoint(p)),
    };

    const answer = {};
    for (const [op, args] of Object.entries(request)) {
        if (!(op in handlers)) throw new Error(`unknown operation ${op}`);
        answer[op] = args.map(handlers[op]);
    }
    process.stdout.write(JSON.stringify(answer));
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err && err.stack ? err.stack : err);
        process.exit(1);
    },
);
