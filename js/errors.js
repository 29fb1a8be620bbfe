// Every failure of the public API is a BertError with a `code` from this one table.

/** The error codes, each with what it means. Codes from the engine are E_ + its status name. */
export const ERROR_CODES = Object.freeze({
  E_INVALID_ARGUMENT: 'a call argument is wrong (type, range, unknown option value)',
  E_BAD_TEXT: 'a text is not valid Unicode (a lone surrogate; invalid UTF-8 in the engine)',
  E_BAD_SOURCE: 'the model source is not a folder URL or path, nor a set of files',
  E_BAD_CONFIG: 'config.json (or a sentence-transformers file) is missing a field, malformed or unsupported',
  E_BAD_VOCAB: 'vocab.txt, tokenizer.json or tokenizer_config.json is unusable',
  E_BAD_WEIGHTS: 'model.safetensors is malformed, or a tensor is missing or has the wrong shape or dtype',
  E_NO_MASK: 'fill-mask on a text without [MASK]',
  E_NO_HEAD: 'the checkpoint has no head for this task (e.g. fill-mask on a classifier)',
  E_TOO_LONG: 'an input is longer than the model allows and truncation is off',
  E_IO: 'a local file could not be read',
  E_FETCH: 'a model file could not be downloaded',
  E_ABORTED: 'the load was cancelled through its AbortSignal',
  E_WASM: 'the WebAssembly engine could not start',
  E_NO_THREADS: 'the threaded build was asked for where shared memory is unavailable',
  E_OUT_OF_MEMORY: 'the weights do not fit in WebAssembly memory (4 GB in wasm32, less where the host will not grow it)',
  E_DISPOSED: 'the model was disposed',
  E_WORKER: 'the model worker failed, or stopped (closed, crashed, out of memory)',
  E_NOT_LOADED: 'the worker has no model loaded',
  E_ESM_ONLY: 'require(\'bert-wasm\') on a Node that cannot require() ES modules (before 20.19 / 22.12): use import',
});

export class BertError extends Error {
  /**
   * @param {keyof typeof ERROR_CODES} code what kind of failure (see ERROR_CODES)
   * @param {string} message what went wrong, naming the file, field or argument
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'BertError';
    this.code = code;
  }
}

// The engine answers {ok: false, code: 'NO_MASK', message} on failure; this unwraps or throws.
export function unwrap(result) {
  if (!result.ok) throw new BertError(`E_${result.code}`, result.message);
  return result;
}
