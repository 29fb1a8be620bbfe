// Type declarations of bert-wasm's public API (js/index.js). They need no DOM or Node typings: URL, Blob
// and AbortSignal are described by what bert-wasm reads of them, which the real ones satisfy.

/** A URL object (browsers' and Node's). */
export interface UrlLike {
  readonly href: string;
  readonly protocol: string;
}
/** A Blob or File. */
export interface BlobLike {
  readonly size: number;
  stream(): unknown;
}
/** An AbortSignal. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Where a model file comes from: a URL, a local path (Node), bytes, or a Blob/File. */
export type FileSource = string | UrlLike | ArrayBuffer | ArrayBufferView | BlobLike;

/**
 * A Hugging Face model folder (URL such as `https://huggingface.co/google-bert/bert-base-uncased/resolve/main/`,
 * or a local path in Node), or its files one by one.
 */
export type ModelSource =
  | string
  | UrlLike
  | {
      config: FileSource;
      /** tokenizer.json (vocab and normalizer settings); or give `vocab` */
      tokenizer?: FileSource;
      /** vocab.txt; may be omitted when `tokenizer` is given */
      vocab?: FileSource;
      tokenizerConfig?: FileSource;
      /** sentence-transformers: modules.json, the Pooling module's config.json, sentence_bert_config.json */
      modules?: FileSource;
      poolingConfig?: FileSource;
      sentenceBertConfig?: FileSource;
      /** model.safetensors (F32, F16 or BF16) */
      weights: FileSource;
    };

export interface LoadOptions {
  /** Compute threads; default: the cores available when threads can be used, else 1. */
  threads?: number;
  /**
   * Bytes loaded so far over all files; `total` is known when every server sent a Content-Length;
   * `cached` of the bytes loaded came from the cache.
   */
  onProgress?: (progress: { loaded: number; total: number | undefined; cached: number }) => void;
  /** Cancels the load (the promise rejects with code E_ABORTED). */
  signal?: AbortSignalLike;
  /**
   * Force a build. By default relaxed SIMD where the engine has it (Chrome and Edge 114+, Electron 25+,
   * Node 22+), else SIMD128; with threads when shared memory is available and more than one is wanted.
   */
  variant?: Variant;
  /**
   * Where a copy of the package's dist/ folder (its wasm/ files, the worker script) is served, when a
   * bundler did not emit them beside the code: a CDN, an app's resources, esbuild's output. A URL,
   * relative to the page; in Node a local folder.
   */
  assetBase?: string | UrlLike;
  /**
   * Downloaded model files are kept (the Cache API in browsers; in Node $BERT_WASM_CACHE, else
   * $XDG_CACHE_HOME/bert-wasm, else ~/.cache/bert-wasm) and later loads read them from there, offline
   * too: once load() resolves, they are kept. false: neither read nor keep them. Default true.
   */
  cache?: boolean;
  /**
   * The form the weights are computed in. 'q8': every matrix but the position and token-type
   * embeddings quantized to int8 per row as it streams in (a quarter of the memory; activations are
   * quantized per row at run time). By default as the checkpoint is: q8 for a folder written by
   * `bert-wasm quantize` (a quarter of the download), else fp32; 'fp32' on such a folder is
   * E_INVALID_ARGUMENT.
   */
  dtype?: 'fp32' | 'q8';
}

/**
 * Node entry only (also `npx bert-wasm quantize <folder|url> <out-folder>`): writes a q8 copy of a
 * checkpoint into the folder `out`: its config and tokenizer files, and a model.safetensors whose
 * matrices are I8 rows with F32 "<name>_scale" tensors (a quarter of the size), which BertModel.load
 * loads as q8 with no options.
 */
export declare function quantize(
  source: ModelSource,
  out: string,
  options?: Pick<LoadOptions, 'onProgress' | 'signal' | 'cache'>,
): Promise<{ files: string[]; bytes: { in: number | undefined; out: number } }>;

/** Deletes every model file kept by earlier loads; resolves to whether there was a cache to delete. */
export declare function clearCache(): Promise<boolean>;

export interface ModelConfig {
  family: 'bert' | 'distilbert';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  /** the longest input in tokens: maxPositions, or the tokenizer's model_max_length when smaller */
  maxLength: number;
  /** 0 for families without token types (DistilBERT) */
  typeVocabSize: number;
  hiddenAct: 'gelu' | 'gelu_tanh' | 'relu';
}

/** Pipeline task names, as Hugging Face's. */
export type PipelineTask =
  | 'fill-mask'
  | 'feature-extraction'
  | 'text-classification'
  | 'sentiment-analysis'
  | 'token-classification'
  | 'ner'
  | 'question-answering';

export type Pooling = 'mean' | 'cls' | 'max' | 'mean_sqrt_len' | 'none';

/** The WebAssembly builds: SIMD128 or relaxed SIMD (fused multiply-add, 8-bit dot), each single-threaded or threaded. */
export type Variant = 'simd' | 'simd-threads' | 'relaxed' | 'relaxed-threads';

export interface ModelInfo {
  variant: Variant;
  threads: number;
  dtype: 'fp32' | 'q8';
  /** The GEMM microkernel of its linear layers, e.g. 'q8-4x8c4-wasmusdot': relaxed SIMD's q8 GEMM reads
   * activations as unsigned bytes in one 8-bit dot where the engine computes that exactly (x86 with an
   * 8-bit dot instruction), else in two ('q8-4x8c4-wasmrelaxed'); the SIMD128 builds' is 'q8-4x8c2-wasmsimd'. */
  gemm: 'f32-4x8-wasmsimd' | 'f32-4x8-wasmrelaxed' | 'q8-4x8c2-wasmsimd' | 'q8-4x8c4-wasmrelaxed' | 'q8-4x8c4-wasmusdot';
  /** from config.json, e.g. 'DistilBertForSequenceClassification' */
  architecture: string;
  config: ModelConfig;
  /** the heads the checkpoint has */
  heads: {
    fillMask: boolean;
    classification: boolean;
    tokenClassification: boolean;
    questionAnswering: boolean;
    nextSentence: boolean;
    pooler: boolean;
  };
  /** the pipeline tasks it can run, e.g. ['feature-extraction', 'text-classification'] */
  tasks: PipelineTask[];
  /** the classifier's labels by index (id2label) */
  labels: string[];
  /** problem_type multi_label_classification: scores are sigmoids, not a softmax */
  multiLabel: boolean;
  /** embed()'s defaults: a sentence-transformers folder's pooling, normalization and max_seq_length */
  embedding: { pooling: Pooling; normalize: boolean; maxLength: number };
}

export interface Prediction {
  /** token id */
  token: number;
  /** the vocabulary entry, e.g. "paris" or "##ing" */
  tokenStr: string;
  /** softmax probability over the vocabulary */
  score: number;
  /** the input with this token in place of the [MASK], decoded as Hugging Face does */
  sequence: string;
}

/** One list per [MASK] in the text, each sorted by score, best first. */
export type MaskPredictions = Prediction[][];

export interface FillMaskWithAttentions {
  predictions: MaskPredictions;
  tokens: string[];
  /** dims [layers, heads, tokens, tokens] */
  attentions: Tensor;
}

export interface Tensor {
  data: Float32Array;
  dims: number[];
}

export interface Encoding {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  tokens: string[];
  /** [start, end) of each token in its text (the pair's for tokens of the pair), string indices; [0, 0] for [CLS]/[SEP] */
  offsets: [number, number][];
  /** the word of each token within its text (words: split at whitespace, punctuation apart); null for [CLS]/[SEP] */
  wordIds: (number | null)[];
  /** 0 for the text, 1 for the pair, null for [CLS]/[SEP] */
  sequenceIds: (0 | 1 | null)[];
}

/** A text, a sentence pair, or token ids when you tokenize yourself (token types default to 0). */
export type TextInput =
  | string
  | { text: string; pair?: string | null }
  | { inputIds: ArrayLike<number>; tokenTypeIds?: ArrayLike<number> };

export interface LabelScore {
  label: string;
  /** softmax over the labels (sigmoid per label for multi-label checkpoints) */
  score: number;
}

export interface Entity {
  /** the entity group ('PER') when aggregating; the token's label ('B-PER') with aggregation 'none' */
  entity: string;
  score: number;
  /** the tokens joined as Hugging Face's WordPiece decoder does */
  word: string;
  /** [start, end) in the text, string indices: text.slice(start, end) */
  start: number;
  end: number;
  /** the token's position in the model input (aggregation 'none' only) */
  index?: number;
}

export interface Answer {
  /** context.slice(start, end): whole words from the start token's to the end token's */
  answer: string;
  /** p(start) * p(end) */
  score: number;
  start: number;
  end: number;
}

export interface AnswerOptions {
  /** answers to return (default 1) */
  topK?: number;
  /** longest answer in tokens (default 15) */
  maxAnswerLength?: number;
  /** window length in tokens (default min(model max length, 384)) */
  maxSeqLength?: number;
  /** tokens of overlap between windows (default min(maxSeqLength / 2, 128)) */
  docStride?: number;
  /** allow the empty answer ('' at 0..0) when [CLS] scores best (default false) */
  handleImpossibleAnswer?: boolean;
}

export interface CallOptions {
  /** Cut inputs longer than the model's positions (default); false makes them an E_TOO_LONG error. */
  truncation?: boolean;
}

export interface Tokenizer {
  /** @example tokenizer.encode('Hello world!').inputIds // [101, 7592, 2088, 999, 102] */
  /** @example tokenizer.encode('Hello world!').offsets // [[0, 0], [0, 5], [6, 11], [11, 12], [0, 0]] */
  encode(text: string, pair?: string | null, options?: CallOptions): Encoding;
  /** @example tokenizer.decode([101, 7592, 1045, 1005, 1049, 102]) // "hello i'm" */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string;
}

export interface EncodeResult {
  tokens: string[];
  inputIds: number[];
  /** dims [tokens, hidden] */
  lastHiddenState: Tensor;
  /** tanh(pooler([CLS])), dims [hidden]; null for checkpoints without a pooler */
  pooled: Tensor | null;
  /** attention probabilities, dims [layers, heads, tokens, tokens]; null unless requested */
  attentions: Tensor | null;
}

/** Every error code of the API, with what it means. */
export declare const ERROR_CODES: Readonly<Record<ErrorCode, string>>;
export type ErrorCode =
  | 'E_INVALID_ARGUMENT' | 'E_BAD_TEXT' | 'E_BAD_SOURCE' | 'E_BAD_CONFIG' | 'E_BAD_VOCAB' | 'E_BAD_WEIGHTS'
  | 'E_NO_MASK' | 'E_NO_HEAD' | 'E_TOO_LONG' | 'E_IO' | 'E_FETCH' | 'E_ABORTED' | 'E_WASM' | 'E_NO_THREADS'
  | 'E_OUT_OF_MEMORY' | 'E_DISPOSED' | 'E_WORKER' | 'E_NOT_LOADED' | 'E_ESM_ONLY';

/** Every error of the API; `code` names the kind (see ERROR_CODES). */
export class BertError extends Error {
  readonly code: ErrorCode;
  constructor(code: string, message: string, options?: { cause?: unknown });
}

export class BertModel {
  /** Models come from BertModel.load. */
  private constructor();
  /**
   * @example
   * const model = await BertModel.load('https://huggingface.co/google-bert/bert-base-uncased/resolve/main/');
   * const [predictions] = await model.fillMask("Hello I'm a [MASK] model.", { topK: 5 });
   * predictions[0] // { token: 4827, tokenStr: 'fashion', score: 0.1073, sequence: "hello i'm a fashion model." }
   */
  static load(source: ModelSource, options?: LoadOptions): Promise<BertModel>;

  readonly info: ModelInfo;
  readonly tokenizer: Tokenizer;

  /** One list of predictions per [MASK], best first; an array of inputs gives an array of such results. */
  fillMask(input: TextInput, options?: { topK?: number; outputAttentions?: false } & CallOptions): Promise<MaskPredictions>;
  fillMask(inputs: TextInput[], options?: { topK?: number; outputAttentions?: false } & CallOptions): Promise<MaskPredictions[]>;
  /** With the attention probabilities (dims [layers, heads, T, T]) of the same forward pass. */
  fillMask(input: TextInput, options: { topK?: number; outputAttentions: true } & CallOptions): Promise<FillMaskWithAttentions>;
  fillMask(inputs: TextInput[], options: { topK?: number; outputAttentions: true } & CallOptions): Promise<FillMaskWithAttentions[]>;

  /**
   * Sentence embeddings: dims [batch, hidden], or [batch, tokens, hidden] for 'none' (zero-padded).
   * Defaults come from a sentence-transformers folder (modules.json), else mean pooling without normalization.
   * @example const { data, dims } = await model.embed(['a cat', 'a dog'], { pooling: 'mean', normalize: true })
   */
  embed(inputs: TextInput | TextInput[], options?: { pooling?: Pooling; normalize?: boolean } & CallOptions): Promise<Tensor>;

  encode(text: string, options?: { pair?: string | null; outputAttentions?: boolean } & CallOptions): Promise<EncodeResult>;

  /**
   * Text classification: the topK labels, best first (topK null: all).
   * @example await model.classify('I loved this movie!') // [{ label: 'POSITIVE', score: 0.9998 }]
   */
  classify(input: TextInput, options?: { topK?: number | null } & CallOptions): Promise<LabelScore[]>;
  classify(inputs: TextInput[], options?: { topK?: number | null } & CallOptions): Promise<LabelScore[][]>;

  /**
   * Token classification (NER) with Hugging Face's aggregation strategies; labels in ignoreLabels
   * (default ['O']) are left out.
   * @example await model.classifyTokens('Angela Merkel visited Paris.') // [{ entity: 'PER', word: 'angela merkel', start: 0, end: 13, score: 0.99 }, ...]
   */
  classifyTokens(
    text: string,
    options?: { aggregation?: 'none' | 'simple' | 'first' | 'average' | 'max'; ignoreLabels?: string[] },
  ): Promise<Entity[]>;
  classifyTokens(
    texts: string[],
    options?: { aggregation?: 'none' | 'simple' | 'first' | 'average' | 'max'; ignoreLabels?: string[] },
  ): Promise<Entity[][]>;

  /**
   * Extractive question answering, long contexts in overlapping windows.
   * @example await model.answer('Where is the tower?', 'The tower is in Paris.') // [{ answer: 'Paris', score: 0.97, start: 16, end: 21 }]
   */
  answer(question: string, context: string, options?: AnswerOptions): Promise<Answer[]>;
  answer(inputs: { question: string; context: string }[], options?: AnswerOptions): Promise<Answer[][]>;

  /** Next-sentence prediction with the pretraining head: does `b` follow `a`? score = P(IsNext). */
  nextSentence(a: string, b: string, options?: CallOptions): Promise<{ isNext: boolean; score: number }>;
  nextSentence(pairs: { text: string; pair: string }[], options?: CallOptions): Promise<{ isNext: boolean; score: number }[]>;

  /** The task head's raw logits: dims [labels], [tokens, labels], or [tokens, 2] (QA: start, end). */
  logits(input: TextInput, options?: CallOptions): Promise<Tensor>;
  logits(inputs: TextInput[], options?: CallOptions): Promise<Tensor[]>;

  /** Frees memory and threads; later calls reject with E_DISPOSED. */
  dispose(): void;
}

/** The task methods, the same on BertModel and BertWorkerModel (bert-wasm/worker). */
export type TaskMethod = 'fillMask' | 'embed' | 'encode' | 'classify' | 'classifyTokens' | 'answer' | 'nextSentence' | 'logits';

/** Pipeline task name -> method name. */
export declare const PIPELINES: Readonly<Record<PipelineTask, TaskMethod>>;

/** The task's method (same arguments and results), with the task, the model and dispose(). */
export type Pipeline<M extends TaskMethod> = BertModel[M] & {
  readonly task: PipelineTask;
  readonly model: BertModel;
  dispose(): void;
};

type PipelineMethod<T extends PipelineTask> = T extends 'fill-mask' ? 'fillMask'
  : T extends 'feature-extraction' ? 'embed'
  : T extends 'text-classification' | 'sentiment-analysis' ? 'classify'
  : T extends 'token-classification' | 'ner' ? 'classifyTokens'
  : 'answer';

/**
 * Loads a model for one task and returns a function that runs it (transformers.js style).
 * @example
 * const classifier = await pipeline('sentiment-analysis', 'https://huggingface.co/distilbert-base-uncased-finetuned-sst-2-english/resolve/main/');
 * await classifier('I loved it!') // [{ label: 'POSITIVE', score: 0.9998 }]
 */
export function pipeline<T extends PipelineTask>(task: T, source: ModelSource, options?: LoadOptions): Promise<Pipeline<PipelineMethod<T>>>;
