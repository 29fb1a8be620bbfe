// Type declarations of bert-wasm's public API (js/index.js).

/** Where a model file comes from: a URL, a local path (Node), bytes, or a Blob/File. */
export type FileSource = string | URL | ArrayBuffer | ArrayBufferView | Blob;

/**
 * A Hugging Face model folder (URL such as `https://huggingface.co/google-bert/bert-base-uncased/resolve/main/`,
 * or a local path in Node), or its files one by one.
 */
export type ModelSource =
  | string
  | URL
  | {
      config: FileSource;
      /** vocab.txt; may be omitted when `tokenizer` (tokenizer.json) is given */
      vocab?: FileSource;
      tokenizer?: FileSource;
      tokenizerConfig?: FileSource;
      /** model.safetensors (F32, F16 or BF16) */
      weights: FileSource;
    };

export interface LoadOptions {
  /** Compute threads; default: the cores available when threads can be used, else 1. */
  threads?: number;
  /** Bytes loaded so far over all files; `total` is known when every server sent a Content-Length. */
  onProgress?: (progress: { loaded: number; total: number | undefined }) => void;
  /** Cancels the load (the promise rejects with code E_ABORTED). */
  signal?: AbortSignal;
  /** Force a build; by default SIMD + threads when shared memory is available, else SIMD. */
  variant?: 'simd' | 'simd-threads';
}

export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  hiddenAct: 'gelu' | 'gelu_tanh' | 'relu';
  hasMlmHead: boolean;
  hasPooler: boolean;
}

export interface ModelInfo {
  variant: 'simd' | 'simd-threads';
  threads: number;
  config: ModelConfig;
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

export interface Tensor {
  data: Float32Array;
  dims: number[];
}

export interface Encoding {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  tokens: string[];
}

/** A text, or its token ids when you tokenize yourself (token types default to 0). */
export type TextInput = string | { inputIds: ArrayLike<number>; tokenTypeIds?: ArrayLike<number> };

export interface CallOptions {
  /** Cut inputs longer than the model's positions (default); false makes them an E_TOO_LONG error. */
  truncation?: boolean;
}

export interface Tokenizer {
  /** @example tokenizer.encode('Hello world!').inputIds // [101, 7592, 2088, 999, 102] */
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

/** Every error of the API; `code` names the kind (E_NO_MASK, E_BAD_WEIGHTS, E_TOO_LONG, E_DISPOSED, E_FETCH, ...). */
export class BertError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown });
}

export class BertModel {
  /**
   * @example
   * const model = await BertModel.load('https://huggingface.co/google-bert/bert-base-uncased/resolve/main/');
   * const [predictions] = await model.fillMask("Hello I'm a [MASK] model.", { topK: 5 });
   * predictions[0] // { token: 4827, tokenStr: 'fashion', score: 0.1073, sequence: "hello i'm a fashion model." }
   */
  static load(source: ModelSource, options?: LoadOptions): Promise<BertModel>;

  readonly info: ModelInfo;
  readonly tokenizer: Tokenizer;

  fillMask(text: TextInput, options?: { topK?: number } & CallOptions): Promise<MaskPredictions>;
  fillMask(texts: TextInput[], options?: { topK?: number } & CallOptions): Promise<MaskPredictions[]>;

  /** dims [batch, hidden] for 'mean' (default) and 'cls'; [batch, tokens, hidden] for 'none', zero-padded. */
  embed(
    texts: TextInput | TextInput[],
    options?: { pooling?: 'mean' | 'cls' | 'none'; normalize?: boolean } & CallOptions,
  ): Promise<Tensor>;

  encode(text: string, options?: { pair?: string | null; outputAttentions?: boolean } & CallOptions): Promise<EncodeResult>;

  /** Frees memory and threads; later calls reject with E_DISPOSED. */
  dispose(): void;
}
