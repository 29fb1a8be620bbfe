// require('bert-wasm') on a Node that cannot require() an ES module (before 20.19 and 22.12; newer ones
// load node.js directly): a coded error that says what to do instead.
const error = new Error(
  "bert-wasm is an ES module, and this Node cannot require() one: use `import { BertModel } from 'bert-wasm'`, " +
    "or `const { BertModel } = await import('bert-wasm')` from CommonJS (or Node 20.19+ / 22.12+)",
);
error.name = 'BertError';
error.code = 'E_ESM_ONLY';
throw error;
