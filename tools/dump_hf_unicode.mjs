// Dev-only: prints, per Unicode scalar value, how Hugging Face's Rust tokenizer (npm `tokenizers`) treats it,
// for tools/gen_unicode_tables.py --oracle. Run: node tools/dump_hf_unicode.mjs > /tmp/hf_unicode.tsv
import { createRequire } from 'node:module';
import tokenizers from 'tokenizers';

const { version } = createRequire(import.meta.url)('tokenizers/package.json');

const { bertNormalizer, bertPreTokenizer, nfdNormalizer } = tokenizers;
const only = (option) => bertNormalizer({
  cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false, ...option,
});
const clean = only({ cleanText: true });
const strip = only({ stripAccents: true });  // NFD, then drop Mn
const lower = only({ lowercase: true });
const nfd = nfdNormalizer();
const pre = bertPreTokenizer();

const hex = (s) => Array.from(s, (ch) => ch.codePointAt(0).toString(16).toUpperCase()).join(' ');
// Every probe is the character between 'x' and 'y', which no step changes.
const inner = (s) => {
  if (s[0] !== 'x' || s.at(-1) !== 'y') throw new Error(`unexpected probe result ${JSON.stringify(s)}`);
  return s.slice(1, -1);
};
const flag = (b) => (b ? '1' : '0');

function facts(cp) {
  const c = String.fromCodePoint(cp);
  const word = `x${c}y`;
  const decomposed = inner(nfd.normalizeString(word));
  const single = decomposed === c;
  // clean_text drops U+0000, U+FFFD and "controls"; the pre-tokenizer makes 2 words around whitespace, 3 around
  // punctuation.
  const control = cp !== 0xfffd && inner(clean.normalizeString(word)) === '';
  const words = pre.preTokenizeString(word).length;
  // Only a character that NFD leaves alone shows whether it is Mn and its combining class: canonical ordering
  // moves it after U+0334 (class 1) when its class is > 1, before U+0301 (class 230) when it is in 1..229.
  const mark = single ? flag(inner(strip.normalizeString(word)) === '') : '-';
  const moves = (s) => (single ? flag(nfd.normalizeString(s) !== s) : '-');
  return [cp.toString(16).toUpperCase(), flag(control), flag(words === 2), flag(words === 3), mark, hex(decomposed),
    hex(inner(lower.normalizeString(word))), moves(`a${c}\u0334`), moves(`a\u0301${c}`)];
}

const lines = [`# npm tokenizers ${version}`, '# cp\tcontrol\twhitespace\tpunctuation\tnonspacing_mark\tnfd\tlowercase\tccc_above_1\tccc_1_to_229'];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp < 0xd800 || cp > 0xdfff) lines.push(facts(cp).join('\t'));
}
process.stdout.write(`${lines.join('\n')}\n`);
