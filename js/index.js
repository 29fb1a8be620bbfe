// bert-wasm: BERT in WebAssembly for browsers, Node and Electron. This file is the whole public API.
import { BertError, unwrap } from './errors.js';
import { canUseThreads, defaultThreads, startEngine } from './runtime.js';
import { openFile, readText, resolveSource, streamToEngine } from './sources.js';

export { BertError };

// A lone UTF-16 surrogate cannot become UTF-8: Emscripten would silently mangle the text around it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(text, what = 'text') {
  if (typeof text !== 'string') throw new BertError('E_INVALID_ARGUMENT', `${what} must be a string, got ${typeof text}`);
  const bad = text.search(LONE_SURROGATE);
  if (bad >= 0) throw new BertError('E_BAD_TEXT', `${what} has a lone UTF-16 surrogate at index ${bad}: not valid Unicode`);
}

const isIds = (x) => (Array.isArray(x) || ArrayBuffer.isView(x)) && Array.prototype.every.call(x, Number.isInteger);

// An input is a string, or pre-tokenized {inputIds, tokenTypeIds?}. Returns the list the engine takes.
function checkInputs(inputs) {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) throw new BertError('E_INVALID_ARGUMENT', 'texts must not be empty');
  return list.map((input, i) => {
    const what = Array.isArray(inputs) ? `texts[${i}]` : 'text';
    if (typeof input === 'string') {
      checkText(input, what);
      return input;
    }
    if (input && typeof input === 'object' && isIds(input.inputIds) && (input.tokenTypeIds === undefined || isIds(input.tokenTypeIds))) {
      return { inputIds: Array.from(input.inputIds), tokenTypeIds: input.tokenTypeIds && Array.from(input.tokenTypeIds) };
    }
    throw new BertError('E_INVALID_ARGUMENT', `${what} must be a string or {inputIds, tokenTypeIds?} of integer ids`);
  });
}

function positiveInteger(value, name, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new BertError('E_INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Text <-> token ids, exactly as Hugging Face's BertTokenizer. */
class Tokenizer {
  #model;
  constructor(model) {
    this.#model = model;
  }

  /**
   * @example tokenizer.encode('Hello world!') // { inputIds: [101, 7592, 2088, 999, 102], ... }
   */
  encode(text, pair = null, { truncation = true } = {}) {
    checkText(text);
    if (pair !== null && pair !== undefined) checkText(pair, 'pair');
    const r = unwrap(this.#model.engine().tokenize(text, pair ?? null, truncation));
    return {
      inputIds: Array.from(r.inputIds),
      tokenTypeIds: Array.from(r.tokenTypeIds),
      attentionMask: new Array(r.inputIds.length).fill(1),
      tokens: r.tokens,
    };
  }

  /** @example tokenizer.decode([101, 7592, 1045, 1005, 1049, 102]) // "hello i'm" */
  decode(ids, { skipSpecialTokens = true } = {}) {
    const vocabSize = this.#model.info.config.vocabSize;
    if (!isIds(ids) || Array.prototype.some.call(ids, (id) => id < 0 || id >= vocabSize)) {
      throw new BertError('E_INVALID_ARGUMENT', `ids must be an array of integers in [0, ${vocabSize})`);
    }
    return this.#model.engine().decode(Array.from(ids), skipSpecialTokens);
  }
}

export class BertModel {
  #engine;  // the Emscripten module
  #model;   // the bound C++ model
  #info;
  #queue = Promise.resolve();
  #disposed = false;

  /** @internal use BertModel.load */
  constructor(engine, model, info) {
    this.#engine = engine;
    this.#model = model;
    this.#info = info;
    this.tokenizer = new Tokenizer(this);
  }

  /**
   * Loads a Hugging Face BERT checkpoint.
   * @param source a folder URL or local path, or {config, vocab | tokenizer, tokenizerConfig?, weights}
   * @param options {threads, onProgress({loaded, total}), signal, variant: 'simd' | 'simd-threads'}
   * @example const model = await BertModel.load('https://huggingface.co/google-bert/bert-base-uncased/resolve/main/');
   */
  static async load(source, { threads, onProgress, signal, variant } = {}) {
    const files = resolveSource(source);
    const wanted = positiveInteger(threads, 'threads', undefined) ?? (canUseThreads() ? await defaultThreads() : 1);
    if (variant !== undefined && variant !== 'simd' && variant !== 'simd-threads') {
      throw new BertError('E_INVALID_ARGUMENT', `variant must be 'simd' or 'simd-threads', got ${variant}`);
    }
    if (variant === 'simd-threads' && !canUseThreads()) {
      throw new BertError('E_NO_THREADS', 'threads need SharedArrayBuffer: serve the page cross-origin isolated (COOP/COEP)');
    }
    const chosen = variant ?? (wanted > 1 && canUseThreads() ? 'simd-threads' : 'simd');
    const threadCount = chosen === 'simd' ? 1 : wanted;

    // Start the engine while the files' headers arrive; whatever fails, no engine is left running.
    const enginePromise = startEngine(chosen, threadCount);
    let model;
    let opened = [];
    try {
      const open = (spec, optional) => (spec ? openFile(spec, { optional, signal }) : null);
      const [config, vocab, tokenizerConfig, weights] = await Promise.all([
        open(files.config, false),
        open(files.vocab, files.folder),
        open(files.tokenizerConfig, true),
        open(files.weights, false),
      ]);
      const tokenizer = vocab ? null : await open(files.tokenizer, false);
      opened = [config, vocab, tokenizer, tokenizerConfig, weights].filter(Boolean);
      const total = opened.every((f) => f.size !== undefined) ? opened.reduce((sum, f) => sum + f.size, 0) : undefined;
      let loaded = 0;
      const onBytes = (n) => {
        loaded += n;
        onProgress?.({ loaded, total });
      };
      onProgress?.({ loaded, total });

      const [configText, vocabText, tokenizerText, tokenizerConfigText] = await Promise.all(
        [config, vocab, tokenizer, tokenizerConfig].map((f) => (f ? readText(f, onBytes) : '')),
      );
      const engine = await enginePromise;
      model = new engine.WasmModel();
      unwrap(model.begin(configText, vocabText, tokenizerText, tokenizerConfigText, threadCount, weights.size ?? -1));
      await streamToEngine(weights, engine, (ptr, length) => unwrap(model.write(ptr, length)), onBytes);
      if (signal?.aborted) throw new BertError('E_ABORTED', 'model load aborted');
      unwrap(model.finish());
      return new BertModel(engine, model, { variant: chosen, threads: model.threads(), config: model.config() });
    } catch (error) {
      opened.forEach((file) => file.close());
      model?.delete();
      enginePromise.then((e) => e.terminateWorkers(), () => {});
      throw error;
    }
  }

  /** {variant: 'simd' | 'simd-threads', threads, config} */
  get info() {
    return this.#info;
  }

  /** @internal the bound engine model; throws once disposed */
  engine() {
    if (this.#disposed) throw new BertError('E_DISPOSED', 'this model was disposed');
    return this.#model;
  }

  // Calls run one at a time in call order; each resolves with its own result.
  #enqueue(work) {
    const run = this.#queue.then(() => work(this.engine()));
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Top-k predictions for every [MASK]: one array per mask, best first. An array of texts gives an
   * array of such results. A text may also be pre-tokenized, {inputIds, tokenTypeIds?}: used as given
   * (no truncation; longer than the model's positions is E_TOO_LONG).
   * @example await model.fillMask('The capital of France is [MASK].', { topK: 2 })
   * // [[{ token: 3000, tokenStr: 'paris', score: 0.41, sequence: 'the capital of france is paris.' }, ...]]
   */
  fillMask(texts, { topK = 5, truncation = true } = {}) {
    return this.#enqueue((m) => {
      const list = checkInputs(texts);
      const k = positiveInteger(topK, 'topK');
      const { results } = unwrap(m.fillMask(list, k, truncation));
      return Array.isArray(texts) ? results : results[0];
    });
  }

  /**
   * Embeddings as {data: Float32Array, dims}: dims [batch, hidden] for 'mean' and 'cls' pooling,
   * [batch, tokens, hidden] for 'none' (shorter texts zero-padded).
   */
  embed(texts, { pooling = 'mean', normalize = false, truncation = true } = {}) {
    return this.#enqueue((m) => {
      const list = checkInputs(texts);
      if (!['mean', 'cls', 'none'].includes(pooling)) {
        throw new BertError('E_INVALID_ARGUMENT', `pooling must be 'mean', 'cls' or 'none', got ${pooling}`);
      }
      const { data, dims } = unwrap(m.embed(list, pooling, !!normalize, truncation));
      return { data, dims };
    });
  }

  /**
   * One text through the encoder: tokens, hidden states, pooled output and, on request,
   * attention probabilities (Hugging Face's output_attentions) with dims [layers, heads, T, T].
   */
  encode(text, { pair = null, outputAttentions = false, truncation = true } = {}) {
    return this.#enqueue((m) => {
      checkText(text);
      if (pair !== null) checkText(pair, 'pair');
      const r = unwrap(m.encode(text, pair, truncation, !!outputAttentions));
      const { hiddenSize, numLayers, numHeads } = this.#info.config;
      const t = r.tokens.length;
      return {
        tokens: r.tokens,
        inputIds: Array.from(r.inputIds),
        lastHiddenState: { data: r.lastHiddenState, dims: [t, hiddenSize] },
        pooled: r.pooled ? { data: r.pooled, dims: [hiddenSize] } : null,
        attentions: r.attentions ? { data: r.attentions, dims: [numLayers, numHeads, t, t] } : null,
      };
    });
  }

  /** Frees the model's memory and threads; later calls fail with E_DISPOSED. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#model.delete();
    this.#engine.terminateWorkers();
  }
}
