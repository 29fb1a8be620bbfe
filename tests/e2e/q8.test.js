// q8 in a real Chromium, which runs relaxed SIMD without flags: the relaxed build's q8 GEMM (one 8-bit dot
// per 4 k steps where the engine multiplies unsigned bytes exactly, as V8 does on x86 with an 8-bit dot
// instruction; two elsewhere) answers as the SIMD128 build does: both sum the same int32 products, and
// only the fused multiply-adds of the f32 attention round differently.
import { openDemo } from './browser.js';

let demo;
beforeAll(async () => {
  demo = await openDemo();
  await demo.page.goto(new URL('/default-model.json', demo.server.url).href);
  await demo.page.evaluate(async () => {
    const { BertModel } = await import('/dist/index.js');
    // A model's answers on one build: fill-mask scores and every hidden state of a longer input.
    globalThis.answers = async (name, variant) => {
      const model = await BertModel.load(`/models/${name}/`, { dtype: 'q8', threads: 2, variant });
      const { gemm, variant: ran } = model.info;
      const fillMask = model.info.heads.fillMask ? await model.fillMask('the [MASK] of the [MASK] works', { topK: 5 }) : null;
      const hidden = Array.from((await model.encode('a longer sentence, with several words in it, and some more')).lastHiddenState);
      model.dispose();
      return { gemm, variant: ran, fillMask, hidden };
    };
  });
}, 60000);
afterAll(() => demo?.close());

test.each(['tiny-random', 'small-random', 'tiny-distilbert'])('%s: relaxed q8 answers as SIMD128 q8 does', async (name) => {
  const [relaxed, simd] = await demo.page.evaluate(
    async (name) => [await answers(name, undefined), await answers(name, 'simd-threads')],
    name,
  );
  expect(relaxed.variant).toBe('relaxed-threads');
  // The q8 kernel follows the CPU's 8-bit dot: usdot with one (as here), c2 where V8 saturates pairs.
  expect(['q8-4x8c4-wasmusdot', 'q8-4x8c4-wasmrelaxed', 'q8-4x8c2-wasmsimd']).toContain(relaxed.gemm);
  expect(simd.gemm).toBe('q8-4x8c2-wasmsimd');
  expect(relaxed.hidden.length).toBe(simd.hidden.length);
  const scale = Math.max(...simd.hidden.map(Math.abs));
  const worst = Math.max(...relaxed.hidden.map((x, i) => Math.abs(x - simd.hidden[i])));
  expect(worst).toBeLessThanOrEqual(1e-4 * scale);
  if (simd.fillMask) {
    expect(relaxed.fillMask.flat().map((p) => p.token)).toEqual(simd.fillMask.flat().map((p) => p.token));
    relaxed.fillMask.flat().forEach((p, i) => expect(Math.abs(p.score - simd.fillMask.flat()[i].score)).toBeLessThanOrEqual(1e-4));
  }
}, 60000);
