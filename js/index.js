// bert-wasm: BERT in WebAssembly for browsers, Node and Electron. This file is the whole public API (Node
// enters through node.js, which adds local files to it).
import { BertError, ERROR_CODES, unwrap } from './errors.js';
import { canUseThreads, defaultVariant, host, startEngine, VARIANTS } from './runtime.js';
import { openModel, resolveSource, streamToEngine } from './sources.js';
import { PIPELINES, TASKS, checkText, isIds, positiveInteger, supportedTasks } from './tasks.js';

export { BertError, ERROR_CODES, PIPELINES };

/** Text <-> token ids, exactly as Hugging Face's (Rust) BERT tokenizer, with each token's span in the text. */
class Tokenizer {
  #model;
  constructor(model) {
    this.#model = model;
  }

  /**
   * offsets[i] = [start, end) of token i in its text (the pair's for its tokens) as string indices, so
   * text.slice(start, end) is what the token came from; [0, 0] for [CLS] and [SEP].
   * @example tokenizer.encode('Hello world!') // { inputIds: [101, 7592, 2088, 999, 102], offsets: [[0, 0], [0, 5], ...], ... }
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
      offsets: r.offsets,
      wordIds: r.wordIds.map((w, i) => (r.sequenceIds[i] < 0 ? null : w)),
      sequenceIds: r.sequenceIds.map((s) => (s < 0 ? null : s)),
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
   * Loads a Hugging Face BERT or DistilBERT checkpoint (any head: masked LM, classification, NER, QA,
   * sentence-transformers).
   * @param source a folder URL or local path, or {config, tokenizer | vocab, tokenizerConfig?, modules?,
   *   poolingConfig?, sentenceBertConfig?, weights}
   * @param options {threads, onProgress({loaded, total, cached}), signal, variant: 'simd' | 'simd-threads' |
   *   'relaxed' | 'relaxed-threads' (by default relaxed SIMD where the engine has it, threads where shared
   *   memory is),
   *   assetBase: where a copy of the package's dist/ folder is served, when not beside this module,
   *   cache: false to neither read nor keep downloaded files (see cache.js), dtype: 'fp32' or 'q8' (matrices
   *   quantized to 8 bits as they stream in: a quarter of the memory); by default as the checkpoint is}
   * @example const model = await BertModel.load('https://huggingface.co/google-bert/bert-base-uncased/resolve/main/');
   */
  static async load(source, { threads, onProgress, signal, variant, assetBase, cache, dtype } = {}) {
    const sources = resolveSource(source);
    if (dtype !== undefined && dtype !== 'fp32' && dtype !== 'q8') {
      throw new BertError('E_INVALID_ARGUMENT', `dtype must be 'fp32' or 'q8', got ${dtype}`);
    }
    const wanted = positiveInteger(threads, 'threads', undefined) ?? (canUseThreads() ? await host.cores() : 1);
    if (variant !== undefined && !VARIANTS.includes(variant)) {
      throw new BertError('E_INVALID_ARGUMENT', `variant must be one of ${VARIANTS.join(', ')}, got ${variant}`);
    }
    if (variant?.endsWith('-threads') && !canUseThreads()) {
      throw new BertError('E_NO_THREADS', 'threads need SharedArrayBuffer: serve the page cross-origin isolated (COOP/COEP)');
    }
    const chosen = variant ?? defaultVariant(wanted);
    const threadCount = chosen.endsWith('-threads') ? wanted : 1;

    // Start the engine while the files' headers arrive; whatever fails, no engine is left running. A
    // relaxed engine chosen by default that fails its self-test gives way to the SIMD128 build.
    const enginePromise = startEngine(chosen, threadCount, assetBase).then(
      (engine) => ({ engine, variant: chosen }),
      (error) => {
        const fallback = chosen.replace('relaxed', 'simd');
        if (variant !== undefined || fallback === chosen || error.code !== 'E_WASM') throw error;
        return startEngine(fallback, threadCount, assetBase).then((engine) => ({ engine, variant: fallback }));
      },
    );
    enginePromise.catch(() => {});  // awaited below; an early failure must not be an unhandled rejection
    let model;
    let weights;
    try {
      const files = await openModel(sources, { signal, onProgress, cache });
      weights = files.weights;
      const { engine, variant: started } = await enginePromise;
      model = new engine.WasmModel();
      unwrap(model.begin(files.texts, threadCount, weights.size ?? -1, dtype ?? ''));
      await streamToEngine(weights, engine, (ptr, length) => unwrap(model.write(ptr, length)), files.onBytes);
      unwrap(model.finish());
      await files.cached();  // once load resolves, the files are kept: the app may go offline
      if (signal?.aborted) throw new BertError('E_ABORTED', 'model load aborted');
      const about = model.info();
      return new BertModel(engine, model, { variant: started, threads: model.threads(), ...about, tasks: supportedTasks(about) });
    } catch (error) {
      weights?.close();
      model?.delete();
      enginePromise.then(({ engine }) => engine.terminateWorkers(), () => {});
      throw error;
    }
  }

  /** {variant, threads, dtype, architecture, config, heads, labels, tasks, embedding}: see index.d.ts */
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

  // The task methods (fillMask, embed, classify, ...), one per entry of the task table.
  static {
    for (const [name, task] of Object.entries(TASKS)) {
      this.prototype[name] = function (...args) {
        return this.#enqueue((engine) => task.run(engine, this.#info, args));
      };
    }
  }

  /** Frees the model's memory and threads; later calls fail with E_DISPOSED. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#model.delete();
    this.#engine.terminateWorkers();
  }
}

/** Deletes every model file kept by earlier loads (the Cache API's in browsers, the cache folder in Node). */
export function clearCache() {
  return host.cache.clear();
}

/**
 * Hugging Face-style pipelines: `pipeline(task, source, options)` loads the model and returns a function
 * running the task, with `dispose()` and `model`. Tasks: fill-mask, feature-extraction,
 * text-classification (sentiment-analysis), token-classification (ner), question-answering.
 * @example const classifier = await pipeline('sentiment-analysis', url); await classifier('I loved it!')
 */
export async function pipeline(task, source, options) {
  const method = PIPELINES[task];
  if (!method) {
    throw new BertError('E_INVALID_ARGUMENT', `unknown task ${task} (expected ${Object.keys(PIPELINES).join(', ')})`);
  }
  const model = await BertModel.load(source, options);
  if (!TASKS[method].available(model.info)) {
    model.dispose();
    throw new BertError('E_NO_HEAD', `${model.info.architecture} cannot run ${task}: it supports ${model.info.tasks.join(', ')}`);
  }
  const run = (...args) => model[method](...args);
  return Object.assign(run, { task, model, dispose: () => model.dispose() });
}
