// model.tokenizer against Hugging Face's Rust tokenizer (npm `tokenizers`, a dev-only oracle): every Unicode
// scalar value inside a word, and a generated corpus, for uncased, cased and Chinese-off settings.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tokenizers from 'tokenizers';
import { BertModel } from '../../dist/node.js';
import { modelDir } from './helpers.js';

const MODEL = 'tiny-distilbert';
const MAX_LENGTH = 512;  // tiny-distilbert's model_max_length
const SHOWN = 10;        // mismatches printed per check

// tokenizer.json normalizer settings per variant; tokenizer_config.json gets the same values.
const SETTINGS = {
  uncased: {},
  cased: { lowercase: false, strip_accents: null },
  chineseOff: { handle_chinese_chars: false },
  uncasedKeepAccents: { strip_accents: false },
};

// A copy of the model folder with edited tokenizer settings, loaded by us and by the oracle.
async function loadVariant(name, normalizer) {
  const source = modelDir(MODEL);
  const dir = mkdtempSync(join(tmpdir(), `bert-oracle-${name}-`));
  for (const file of ['config.json', 'vocab.txt', 'model.safetensors']) copyFileSync(join(source, file), join(dir, file));
  const json = JSON.parse(readFileSync(join(source, 'tokenizer.json'), 'utf8'));
  Object.assign(json.normalizer, normalizer);
  const config = JSON.parse(readFileSync(join(source, 'tokenizer_config.json'), 'utf8'));
  Object.assign(config, {
    do_lower_case: json.normalizer.lowercase,
    tokenize_chinese_chars: json.normalizer.handle_chinese_chars,
    strip_accents: json.normalizer.strip_accents,
  });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  const truncating = tokenizers.Tokenizer.fromString(JSON.stringify(json));
  truncating.setTruncation(MAX_LENGTH);  // longest-first, as ours
  return {
    dir,
    model: await BertModel.load(dir, { variant: 'simd' }),
    oracle: tokenizers.Tokenizer.fromString(JSON.stringify(json)),
    truncating,
  };
}

// UTF-16 index of each code point of `s` (the oracle's offsets count code points), and of the end.
function utf16Positions(s) {
  const positions = [0];
  for (const ch of s) positions.push(positions.at(-1) + ch.length);
  return positions;
}

// The oracle's encoding in the shape of ours (offsets in UTF-16 code units of the text or of the pair).
function fromOracle(encoding, text, pair) {
  const positions = [utf16Positions(text), pair === null ? null : utf16Positions(pair)];
  const sequences = encoding.getSequenceIds();
  return {
    inputIds: encoding.getIds(),
    tokenTypeIds: encoding.getTypeIds(),
    tokens: encoding.getTokens(),
    offsets: encoding.getOffsets().map(([start, end], i) => {
      const p = positions[sequences[i] ?? -1];
      return p ? [p[start], p[end]] : [0, 0];
    }),
  };
}

function ours(variant, text, pair, truncation) {
  const { inputIds, tokenTypeIds, attentionMask, tokens, offsets } = variant.model.tokenizer.encode(text, pair, { truncation });
  if (attentionMask.length !== inputIds.length || attentionMask.some((m) => m !== 1)) return { attentionMask };
  return { inputIds, tokenTypeIds, tokens, offsets };
}

// Oracle encodings of [text, pair] items, in order; singles go through encodeBatch (parallel).
async function oracleEncode(tokenizer, items) {
  if (items.every(([, pair]) => pair === null)) {
    const encodings = await tokenizer.encodeBatch(items.map(([text]) => text));
    return encodings.map((e, i) => fromOracle(e, items[i][0], null));
  }
  const result = [];
  for (const [text, pair] of items) result.push(fromOracle(await tokenizer.encode(text, pair), text, pair));
  return result;
}

const show = (s) => JSON.stringify(s).slice(0, 300);
const sameEncoding = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Items [text, pair] encoded by both, in chunks; returns {count, first} of the mismatches.
async function compareItems(variant, items, { truncation = false } = {}) {
  const mismatches = [];
  const chunk = 1000;
  for (let start = 0; start < items.length; start += chunk) {
    const part = items.slice(start, start + chunk);
    const expected = await oracleEncode(truncation ? variant.truncating : variant.oracle, part);
    part.forEach(([text, pair], i) => {
      const actual = ours(variant, text, pair, truncation);
      if (!sameEncoding(actual, expected[i])) {
        mismatches.push(`${show(text)} + ${show(pair)}: ours ${show(actual)}, oracle ${show(expected[i])}`);
      }
    });
  }
  return { count: mismatches.length, first: mismatches.slice(0, SHOWN) };
}

// Every scalar value c as the word x<c>y, many per text; a text that differs is narrowed to its code points.
async function compareCodePoints(variant) {
  const probes = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp < 0xd800 || cp > 0xdfff) probes.push(cp);
  }
  const perText = 128;  // about 1 token each: far below 512
  const texts = [];
  for (let i = 0; i < probes.length; i += perText) texts.push(probes.slice(i, i + perText));
  const word = (cp) => `x${String.fromCodePoint(cp)}y`;
  const mismatches = [];
  const chunk = 500;
  for (let start = 0; start < texts.length; start += chunk) {
    const group = texts.slice(start, start + chunk).map((cps) => [cps.map(word).join(' '), null]);
    const expected = await oracleEncode(variant.oracle, group);
    for (let i = 0; i < group.length; i++) {
      if (sameEncoding(ours(variant, group[i][0], null, false), expected[i])) continue;
      const cps = texts[start + i];
      const singles = await oracleEncode(variant.oracle, cps.map((cp) => [`${word(cp)} z`, null]));
      const before = mismatches.length;
      cps.forEach((cp, k) => {
        const actual = ours(variant, `${word(cp)} z`, null, false);
        if (!sameEncoding(actual, singles[k])) {
          mismatches.push(`U+${cp.toString(16).toUpperCase()}: ours ${show(actual)}, oracle ${show(singles[k])}`);
        }
      });
      if (mismatches.length === before) mismatches.push(`text of U+${cps[0].toString(16)}.. differs, no single probe`);
    }
  }
  return { count: mismatches.length, first: mismatches.slice(0, SHOWN) };
}

// Deterministic text generator (xorshift32).
function generator(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const range = (lo, hi) => String.fromCodePoint(lo + int(hi - lo + 1));
  const repeat = (n, f) => Array.from({ length: n }, f).join('');
  const fromRanges = (ranges) => range(...pick(ranges));

  const WORDS = ['the', 'hello', 'World', 'UNAFFABLE', 'running', "don't", 'naïve', 'café', 'Straße', 'İstanbul',
    'ΣΊΣΥΦΟΣ', 'Ὀδυσσεύς', 'ПРИВЕТ', 'München', 'jalapeño', 'résumé', 'ﬁne', 'Ⅻ', 'ǅemal', 'K', 'Å', '½', 'x²',
    'ℌ', 'ŉ', 'ΐ', 'ﬀ', 'ß', 'ẞ', 'Ǆ', '##ing', '##', 'co-op', 'e-mail', 'U.S.A.', '3.14', '1,000,000'];
  const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»‹›、。「」『』【】〈〉—–‐…‽‼⁇⁈§¶†‡•※·・﹏︰︔⸮⸰⹂߹჻';
  const SYMBOLS = '€£¥¢©®™°±×÷²³¹∑√∞≈≠≤≥∂∆∫♥♦♣♠★☆✓✗←→↑↓⇒⇔¬µ℃№℗℠';
  const CONTROLS = [[0x00, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x600, 0x605], [0x61c, 0x61c], [0x6dd, 0x6dd],
    [0x8e2, 0x8e2], [0x180e, 0x180e], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0xfeff, 0xfeff],
    [0xfff9, 0xfffb], [0xfffd, 0xffff], [0xe000, 0xf8ff], [0x110cd, 0x110cd], [0x13430, 0x1343f],
    [0x1d173, 0x1d17a], [0xe0001, 0xe007f], [0xf0000, 0xf0010], [0xfdd0, 0xfdef], [0x378, 0x379]];
  const SPACES = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\v', '\f', '\u0085', '\u00a0', '\u1680', '\u2000',
    '\u2003', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u001c', '\u001f', '\u180e'];
  const SPECIALS = ['[MASK]', '[CLS]', '[SEP]', '[PAD]', '[UNK]', '[mask]', '[MASK', 'MASK]', '[[MASK]]',
    'a[MASK]b', '[MASK][MASK]', '[ MASK ]', '[MASK].', '[SEP][CLS]', '[MA[MASK]SK]'];
  const MARKS = [[0x300, 0x36f], [0x483, 0x489], [0x591, 0x5bd], [0x610, 0x61a], [0x64b, 0x65f], [0x93c, 0x94d],
    [0xe31, 0xe3a], [0xf71, 0xf84], [0x1ab0, 0x1abe], [0x1dc0, 0x1dff], [0x20d0, 0x20f0], [0x302a, 0x302f],
    [0xfe20, 0xfe2f], [0x1d165, 0x1d169], [0x1d16d, 0x1d172], [0x1e944, 0x1e94a], [0x1df6, 0x1df9], [0x7fd, 0x7fd]];
  const LETTERS = [[0x41, 0x5a], [0x61, 0x7a], [0xc0, 0x24f], [0x370, 0x3ff], [0x400, 0x52f], [0x1e00, 0x1fff],
    [0x10a0, 0x10ff], [0x1c80, 0x1c8a], [0xa640, 0xa69f], [0xa720, 0xa7ff], [0xff21, 0xff5a], [0x10400, 0x1044f],
    [0x10d50, 0x10d85], [0x16ea0, 0x16ed3], [0x1e900, 0x1e943]];
  const CJK = [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b81f], [0x2b800, 0x2b93f],
    [0x2b920, 0x2ceaf], [0x2ceb0, 0x2ebef], [0x30000, 0x3134f], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
    [0x3040, 0x30ff], [0xac00, 0xd7a3], [0x1100, 0x11ff], [0x3130, 0x318f], [0xff66, 0xff9f], [0x2e80, 0x2fdf]];
  const SCRIPTS = [[0x900, 0x97f], [0x980, 0x9ff], [0x600, 0x6ff], [0x590, 0x5ff], [0xe00, 0xe7f], [0xf00, 0xfff],
    [0x1780, 0x17ff], [0x1000, 0x109f], [0x11900, 0x1195f], [0x11000, 0x1107f], [0x1b00, 0x1b7f], [0xa980, 0xa9df]];
  const EMOJI = () => pick([
    () => range(0x1f300, 0x1faff),
    () => `${range(0x1f466, 0x1f469)}\u200d${range(0x1f466, 0x1f469)}`,
    () => `${range(0x1f44a, 0x1f450)}${range(0x1f3fb, 0x1f3ff)}`,
    () => `${range(0x2600, 0x27bf)}\ufe0f`,
    () => range(0x1d400, 0x1d7ff),
    () => range(0x10000, 0x1ffff),
    () => range(0x20000, 0x10ffff),
  ])();

  const word = () => repeat(1 + int(10), () => pick('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'));
  const piece = () => pick([
    () => pick(WORDS),
    word,
    () => repeat(1 + int(8), () => fromRanges(LETTERS)),
    () => repeat(1 + int(4), () => fromRanges(LETTERS) + repeat(int(4), () => fromRanges(MARKS))),
    () => repeat(1 + int(4), () => fromRanges(CJK)),
    () => repeat(1 + int(5), () => fromRanges(SCRIPTS)),
    EMOJI,
    () => pick(PUNCT) + (next() < 0.3 ? pick(PUNCT) : ''),
    () => pick(SYMBOLS),
    () => word() + fromRanges(CONTROLS) + word(),
    () => fromRanges(CONTROLS),
    () => pick(SPECIALS),
    () => repeat(95 + int(40), () => pick(['a', 'é', 'e\u0301', 'İ', 'ß', 'x', '\u00ad'])),
    () => `${int(100000)}${pick(['', '.', ',', '%', 'th', 'km'])}`,
    () => `https://example.com/${word()}?q=${word()}&n=${int(99)}`,
    () => `${word()}@${word()}.org`,
  ])();
  return () => {
    let text = '';
    for (let n = 1 + int(12); n > 0; n--) text += piece() + (next() < 0.2 ? '' : pick(SPACES));
    return next() < 0.1 ? pick(SPACES) + text : text;
  };
}

const CORPUS = (() => {
  const next = generator(20240607);
  return Array.from({ length: 10000 }, next);
})();
const PAIRS = CORPUS.slice(0, 4000).map((text, i) => [text, CORPUS[CORPUS.length - 1 - i]]);
// Over 512 tokens: one long side, or both.
const LONG = CORPUS.slice(0, 60).map((_, i) => CORPUS.slice(i * 100, i * 100 + 100).join(' '));
// Both sides long, with a multi-piece word or added tokens around token 512: which side counts as longer
// depends on them.
const BOUNDARY = [505, 508, 509, 510, 511, 512, 513].flatMap((n) => ['unaffable', '[MASK]', '[MASK] [MASK]', '[MASK] unaffable']
  .flatMap((x) => {
    const text = `${'a '.repeat(n)}${x}${' b'.repeat(20)}`;
    const other = 'c '.repeat(520 + (n % 3));
    return [[text, other], [other, text]];
  }));
// Long texts whose first 512 tokens reach far past 16 KB, where normalization moves to its next slice:
// each word carries accents and control characters that add bytes but no tokens.
const SLICED = LONG.slice(0, 8).map((text) => text.split(' ').map((w) => `${w}${'\u0301'.repeat(40)}${'\u0007'.repeat(300)}`).join(' '));

describe.each(Object.entries(SETTINGS))('%s', (name, normalizer) => {
  let variant;
  beforeAll(async () => {
    variant = await loadVariant(name, normalizer);
  }, 60000);
  afterAll(() => {
    variant?.model.dispose();
    if (variant) rmSync(variant.dir, { recursive: true, force: true });
  });

  if (name !== 'uncasedKeepAccents') {
    test('every Unicode scalar value inside a word', async () => {
      expect(await compareCodePoints(variant)).toEqual({ count: 0, first: [] });
    }, 120000);
  }

  test('10,000 generated texts', async () => {
    expect(await compareItems(variant, CORPUS.map((text) => [text, null]))).toEqual({ count: 0, first: [] });
  }, 60000);

  if (name === 'uncased' || name === 'cased') {
    test('4,000 generated pairs, untruncated', async () => {
      expect(await compareItems(variant, PAIRS)).toEqual({ count: 0, first: [] });
    }, 60000);

    test('long texts and pairs truncated to 512 tokens, longest first', async () => {
      const items = [
        ...LONG.map((text) => [text, null]),
        ...LONG.map((text, i) => [text, CORPUS[i]]),
        ...LONG.map((text, i) => [CORPUS[i], text]),
        ...LONG.slice(1).map((text, i) => [LONG[i], text]),
        ...BOUNDARY,
      ];
      expect(await compareItems(variant, items, { truncation: true })).toEqual({ count: 0, first: [] });
    }, 60000);

    test('texts whose 512 tokens span many 16 KB slices of normalization, truncated', async () => {
      expect(SLICED.every((text) => text.length > 50_000)).toBe(true);
      const items = [...SLICED.map((text) => [text, null]), ...SLICED.slice(1).map((text, i) => [SLICED[i], text])];
      expect(await compareItems(variant, items, { truncation: true })).toEqual({ count: 0, first: [] });
    }, 60000);
  }
});
