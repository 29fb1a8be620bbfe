// With the DOM lib: the real URL, AbortSignal, Blob and File types are accepted.
import { BertModel } from 'bert-wasm';
import { BertWorkerModel } from 'bert-wasm/worker';

export async function dom(): Promise<void> {
  const model = await BertModel.load(new URL('https://example.com/model/'), { signal: new AbortController().signal, assetBase: new URL('https://cdn.example.com/bert-wasm/') });
  const files = await BertWorkerModel.load({ config: new Blob(['{}']), vocab: new File([], 'vocab.txt'), weights: new Uint8Array(8) });
  void [model, files];
}
