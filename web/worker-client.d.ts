// Type declarations of bert-wasm/worker: the BertModel API run in a Web Worker.
import type { EncodeResult, Encoding, LoadOptions, MaskPredictions, ModelInfo, ModelSource, Tensor, CallOptions, TextInput } from './index.js';

export { BertError } from './index.js';

export class BertWorkerModel {
  /** Starts a module worker and loads the model in it; same source and options as BertModel.load. */
  static load(source: ModelSource, options?: LoadOptions): Promise<BertWorkerModel>;
  readonly info: ModelInfo;
  fillMask(text: TextInput, options?: { topK?: number } & CallOptions): Promise<MaskPredictions>;
  fillMask(texts: TextInput[], options?: { topK?: number } & CallOptions): Promise<MaskPredictions[]>;
  embed(texts: TextInput | TextInput[], options?: { pooling?: 'mean' | 'cls' | 'none'; normalize?: boolean } & CallOptions): Promise<Tensor>;
  encode(text: string, options?: { pair?: string | null; outputAttentions?: boolean } & CallOptions): Promise<EncodeResult>;
  tokenize(text: string, pair?: string | null, options?: CallOptions): Promise<Encoding>;
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): Promise<string>;
  /** Ends the worker; later calls reject with E_DISPOSED. */
  dispose(): void;
}
