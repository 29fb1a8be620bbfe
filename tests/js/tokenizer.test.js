// model.tokenizer: sentence pairs, token types, attention mask, decode, truncation and E_TOO_LONG.
import { BertModel } from '../../dist/node.js';
import { VARIANTS, bertError, goldenCase, modelDir } from './helpers.js';

const CLS = 101;
const SEP = 102;
const MASK = 103;
const LONG = Array.from({ length: 600 }, (_, i) => ['apple', 'banana', 'cherry'][i % 3]).join(' ');  // 600 tokens

describe.each(VARIANTS)('%s build', (variantName, options) => {
  let model;
  beforeAll(async () => {
    model = await BertModel.load(modelDir('tiny-random'), options);
  });
  afterAll(() => model?.dispose());

  test('a single text: [CLS] ... [SEP], type 0, attention mask all ones, spans and words', () => {
    const enc = model.tokenizer.encode('Hello world!');
    expect(enc).toEqual({
      inputIds: [CLS, 7592, 2088, 999, SEP],
      tokenTypeIds: [0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1],
      tokens: ['[CLS]', 'hello', 'world', '!', '[SEP]'],
      offsets: [[0, 0], [0, 5], [6, 11], [11, 12], [0, 0]],
      wordIds: [null, 0, 1, 2, null],
      sequenceIds: [null, 0, 0, 0, null],
    });
  });

  test('offsets are string indices: astral characters count two, accents map to their source', () => {
    const text = 'Caf\u00e9 \u{1F600} nai\u0308ve [MASK]!';
    const enc = model.tokenizer.encode(text);
    const spans = enc.offsets.slice(1, -1).map(([start, end]) => text.slice(start, end));
    expect(enc.tokens.slice(1, -1)).toEqual(['cafe', '[UNK]', 'naive', '[MASK]', '!']);
    expect(spans).toEqual(['Caf\u00e9', '\u{1F600}', 'nai\u0308ve', '[MASK]', '!']);
  });

  test('a sentence pair: [CLS] a [SEP] b [SEP] with token types 0 then 1', () => {
    const enc = model.tokenizer.encode('hello world', 'second one');
    expect(enc.inputIds).toEqual([CLS, 7592, 2088, SEP, 2117, 2028, SEP]);
    expect(enc.tokenTypeIds).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(enc.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(enc.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'second', 'one', '[SEP]']);
    // The golden pair case, as Hugging Face's tokenizer encodes it.
    const c = goldenCase('tiny-random', 'pair');
    const golden = model.tokenizer.encode(c.text, c.pair);
    expect(golden.inputIds).toEqual(c.input_ids);
    expect(golden.tokenTypeIds).toEqual(c.token_type_ids);
    expect(golden.attentionMask).toEqual(new Array(c.input_ids.length).fill(1));
  });

  test('a null or undefined pair is a single text', () => {
    const single = model.tokenizer.encode('hello world');
    expect(model.tokenizer.encode('hello world', null)).toEqual(single);
    expect(model.tokenizer.encode('hello world', undefined)).toEqual(single);
  });

  test('[MASK] stays one token, wordpieces split as in bert-base-uncased', () => {
    const enc = model.tokenizer.encode("Hello I'm a [MASK] model.");
    expect(enc.inputIds).toEqual([CLS, 7592, 1045, 1005, 1049, 1037, MASK, 2944, 1012, SEP]);
    expect(model.tokenizer.encode('unaffable').tokens).toEqual(['[CLS]', 'una', '##ffa', '##ble', '[SEP]']);
  });

  test('decode skips special tokens by default and keeps them on request', () => {
    const ids = [CLS, 7592, 1045, 1005, 1049, SEP];
    expect(model.tokenizer.decode(ids)).toBe("hello i'm");
    expect(model.tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("hello i'm");
    expect(model.tokenizer.decode(ids, { skipSpecialTokens: false })).toBe("[CLS] hello i'm [SEP]");
    const withMask = model.tokenizer.encode("Hello, World! It's [MASK] time.").inputIds;
    expect(model.tokenizer.decode(withMask, { skipSpecialTokens: false })).toBe("[CLS] hello, world! it's [MASK] time. [SEP]");
    expect(model.tokenizer.decode(withMask)).toBe("hello, world! it's time.");
  });

  test('decode joins wordpieces and accepts typed arrays', () => {
    expect(model.tokenizer.decode(model.tokenizer.encode('unaffable').inputIds)).toBe('unaffable');
    expect(model.tokenizer.decode(new Int32Array([7592, 2088]))).toBe('hello world');
    expect(model.tokenizer.decode([])).toBe('');
  });

  test('decode of a non-array is E_INVALID_ARGUMENT', async () => {
    await bertError(() => model.tokenizer.decode('hello'), 'E_INVALID_ARGUMENT', /ids/);
  });

  test('truncation (default): a 600-word text gives 512 ids ending in [SEP]', () => {
    const enc = model.tokenizer.encode(LONG);
    expect(enc.inputIds).toHaveLength(512);
    expect(enc.inputIds[0]).toBe(CLS);
    expect(enc.inputIds[511]).toBe(SEP);
    expect(enc.inputIds.slice(1, 4)).toEqual(model.tokenizer.encode('apple banana cherry').inputIds.slice(1, 4));
    expect(enc.tokenTypeIds).toEqual(new Array(512).fill(0));
    expect(enc.attentionMask).toEqual(new Array(512).fill(1));
    expect(enc.tokens).toHaveLength(512);
    expect(model.tokenizer.encode(LONG, null, { truncation: true })).toEqual(enc);
  });

  test('truncation of a pair cuts the longer text first and keeps both [SEP]s', () => {
    const enc = model.tokenizer.encode(LONG, 'a short pair');
    expect(enc.inputIds).toHaveLength(512);
    expect(enc.inputIds.slice(-5)).toEqual([SEP, 1037, 2460, 3940, SEP]);
    expect(enc.tokenTypeIds.slice(-5)).toEqual([0, 1, 1, 1, 1]);
  });

  test('truncation: false makes a too long text E_TOO_LONG in tokenizer.encode', async () => {
    await bertError(() => model.tokenizer.encode(LONG, null, { truncation: false }), 'E_TOO_LONG', /512/);
    await bertError(() => model.tokenizer.encode('short', LONG, { truncation: false }), 'E_TOO_LONG', /512/);
    // A text that fits is fine without truncation.
    expect(model.tokenizer.encode('short text', null, { truncation: false }).inputIds).toHaveLength(4);
  });

  test('truncation: false makes a too long text E_TOO_LONG in fillMask, embed and encode', async () => {
    await bertError(model.fillMask(`[MASK] ${LONG}`, { truncation: false }), 'E_TOO_LONG', /512/);
    await bertError(model.fillMask(['[MASK] fits', `[MASK] ${LONG}`], { truncation: false }), 'E_TOO_LONG', /512/);
    await bertError(model.embed(LONG, { truncation: false }), 'E_TOO_LONG', /512/);
    await bertError(model.encode(LONG, { truncation: false }), 'E_TOO_LONG', /512/);
    // With truncation the same inputs work on 512 tokens.
    const [predictions] = await model.fillMask(`[MASK] ${LONG}`);
    expect(predictions).toHaveLength(5);
    expect((await model.embed(LONG, { pooling: 'none' })).dims).toEqual([1, 512, 64]);
    expect((await model.encode(LONG)).lastHiddenState.dims).toEqual([512, 64]);
  });
});
