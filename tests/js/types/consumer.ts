// A consumer of every entry under tsc --strict: the API types check without DOM or Node typings, and
// `new BertModel()` is an error (models come from load()).
import { BertModel, BertError, ERROR_CODES, pipeline, type ModelInfo } from 'bert-wasm';
import { BertWorkerModel } from 'bert-wasm/worker';

export async function main(): Promise<void> {
  const controller = { aborted: false, addEventListener() {}, removeEventListener() {} };
  const model = await BertModel.load('https://example.com/model/', { threads: 2, signal: controller, onProgress: ({ loaded }) => void loaded });
  const info: ModelInfo = model.info;
  const [predictions] = await model.fillMask('a [MASK] b', { topK: 2 });
  const score: number = predictions[0].score;
  const labels = await model.classify(['x', 'y']);
  const embeddings = await model.embed('x', { pooling: 'mean' });
  const worker = await BertWorkerModel.load("https://example.com/", { assetBase: '/bert-wasm/' });
  // The worker's task methods take BertModel's arguments and give its results, as promises.
  const workerFill: typeof model.fillMask = worker.fillMask;
  await workerFill('a [MASK]');
  const encoded = await worker.tokenizer.encode('hi');
  const classify = await pipeline('sentiment-analysis', 'https://example.com/');
  // @ts-expect-error models come from load()
  new BertModel();
  try { model.dispose(); } catch (e) { if (e instanceof BertError) { const code: keyof typeof ERROR_CODES = e.code; void code; } }
  void [info, score, labels, embeddings, encoded, classify];
}
