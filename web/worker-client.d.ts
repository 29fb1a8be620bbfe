// Type declarations of bert-wasm/worker: the BertModel API run in a Web Worker.
import type { BertModel, Encoding, CallOptions, LoadOptions, ModelInfo, ModelSource, TaskMethod } from './index.js';

export { BertError } from './index.js';

/** The task methods are BertModel's, with the same arguments and results. */
export interface BertWorkerModel extends Pick<BertModel, TaskMethod> {}

export class BertWorkerModel {
  /** Models come from BertWorkerModel.load. */
  private constructor();
  /** Starts a module worker and loads the model in it; same source and options as BertModel.load. */
  static load(source: ModelSource, options?: LoadOptions): Promise<BertWorkerModel>;
  readonly info: ModelInfo;
  /** BertModel's tokenizer, its answers as promises. */
  readonly tokenizer: {
    encode(text: string, pair?: string | null, options?: CallOptions): Promise<Encoding>;
    decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): Promise<string>;
  };
  /** Ends the worker; later calls reject with E_DISPOSED. */
  dispose(): void;
}
