// Compile the test contracts with solc-js (npm `solc`, pinned in evm-tools/package.json) into compiled.json,
// which is committed: the tests and the demo read it and need no compiler. Reproduce with
//   bash scripts/evm-tools.sh && node cointrail/simulation/evm_contracts/compile.js
// and tests/chains/ethereum/test_contracts.py checks that the committed file is what this script makes.
const fs = require("fs");
const path = require("path");
const solc = require(path.join(__dirname, "../../../evm-tools/node_modules/solc"));

const sources = {};
for (const name of fs.readdirSync(__dirname).filter((n) => n.endsWith(".sol")).sort()) {
  sources[name] = { content: fs.readFileSync(path.join(__dirname, name), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const contracts = {};
for (const file of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    const c = output.contracts[file][name];
    contracts[name] = { source: file, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object,
                        runtime: "0x" + c.evm.deployedBytecode.object };
  }
}
const result = { compiler: "solc-js " + solc.version(), settings: input.settings, contracts };
const out = process.argv[2] || path.join(__dirname, "compiled.json");
fs.writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
