// Every task of the API in one table: its pipeline name, whether a checkpoint can run it, and how its
// arguments become one engine call and the engine's answer becomes the result. BertModel, the worker and
// pipeline() are generated from it; index.d.ts declares the same names.
import { BertError, unwrap } from './errors.js';

// A lone UTF-16 surrogate cannot become UTF-8: Emscripten would silently mangle the text around it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkText(text, what = 'text') {
  if (typeof text !== 'string') throw new BertError('E_INVALID_ARGUMENT', `${what} must be a string, got ${typeof text}`);
  const bad = text.search(LONE_SURROGATE);
  if (bad >= 0) throw new BertError('E_BAD_TEXT', `${what} has a lone UTF-16 surrogate at index ${bad}: not valid Unicode`);
}

export const isIds = (x) => (Array.isArray(x) || ArrayBuffer.isView(x)) && Array.prototype.every.call(x, Number.isInteger);

// One input: a string, {text, pair} or pre-tokenized {inputIds, tokenTypeIds?}, as the engine takes it.
function checkInput(input, what) {
  if (typeof input === 'string') {
    checkText(input, what);
    return input;
  }
  if (input && typeof input === 'object' && typeof input.text === 'string') {
    checkText(input.text, `${what}.text`);
    if (input.pair !== undefined && input.pair !== null) checkText(input.pair, `${what}.pair`);
    return { text: input.text, pair: input.pair ?? null };
  }
  if (input && typeof input === 'object' && isIds(input.inputIds) && (input.tokenTypeIds == null || isIds(input.tokenTypeIds))) {
    return { inputIds: Array.from(input.inputIds), tokenTypeIds: input.tokenTypeIds && Array.from(input.tokenTypeIds) };
  }
  throw new BertError('E_INVALID_ARGUMENT', `${what} must be a string, {text, pair?} or {inputIds, tokenTypeIds?} of integer ids`);
}

// Single input or array: the engine's batch, and how to unwrap its results.
function batchOf(inputs, check = checkInput) {
  const many = Array.isArray(inputs);
  const list = many ? inputs : [inputs];
  if (list.length === 0) throw new BertError('E_INVALID_ARGUMENT', 'inputs must not be empty');
  return { list: list.map((input, i) => check(input, many ? `inputs[${i}]` : 'input')), unwrap: (r) => (many ? r : r[0]) };
}

// The engine takes 32-bit ints: a larger number would wrap around on the way in.
export function positiveInteger(value, name, fallback, max = 2 ** 31 - 1) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BertError('E_INVALID_ARGUMENT', `${name} must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

function oneOf(value, name, allowed) {
  if (!allowed.includes(value)) {
    throw new BertError('E_INVALID_ARGUMENT', `${name} must be ${allowed.map((a) => `'${a}'`).join(', ')}; got ${value}`);
  }
  return value;
}

function checkOptions(options, known) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new BertError('E_INVALID_ARGUMENT', `options must be an object, got ${typeof options}`);
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length) throw new BertError('E_INVALID_ARGUMENT', `unknown option ${unknown[0]} (expected ${known.join(', ')})`);
  return options;
}

// topK of a ranked list: a positive integer, or null for every entry.
const takeTop = (list, topK) => (topK === null ? list : list.slice(0, positiveInteger(topK, 'topK')));

export const TASKS = {
  /**
   * Top-k predictions for every [MASK]: one array per mask, best first. With outputAttentions, each
   * result is {predictions, tokens, attentions} from the same forward pass.
   * @example await model.fillMask('The capital of France is [MASK].', { topK: 2 })
   */
  fillMask: {
    pipeline: 'fill-mask',
    available: (info) => info.heads.fillMask,
    run(engine, info, [inputs, options]) {
      const { topK = 5, truncation = true, outputAttentions = false } = checkOptions(options, ['topK', 'truncation', 'outputAttentions']);
      const batch = batchOf(inputs);
      const results = unwrap(engine.fillMask(batch.list, positiveInteger(topK, 'topK', undefined, info.config.vocabSize), !!truncation, !!outputAttentions)).results;
      const { numLayers, numHeads } = info.config;
      return batch.unwrap(!outputAttentions ? results : results.map(({ predictions, tokens, attentions }) => ({
        predictions,
        tokens,
        attentions: { data: attentions, dims: [numLayers, numHeads, tokens.length, tokens.length] },
      })));
    },
  },

  /** Embeddings {data, dims}: pooled per text ([batch, hidden]) or every token ('none': [batch, tokens, hidden]). */
  embed: {
    pipeline: 'feature-extraction',
    available: () => true,
    run(engine, info, [inputs, options]) {
      const { embedding } = info;
      const o = checkOptions(options, ['pooling', 'normalize', 'truncation']);
      const pooling = oneOf(o.pooling ?? embedding.pooling, 'pooling', ['mean', 'cls', 'max', 'mean_sqrt_len', 'none']);
      const { list } = batchOf(inputs);
      const r = unwrap(engine.embed(list, pooling, !!(o.normalize ?? embedding.normalize), o.truncation ?? true, embedding.maxLength));
      return { data: r.data, dims: r.dims };
    },
  },

  /** One text through the encoder: tokens, hidden states, pooled output and, on request, attentions. */
  encode: {
    available: () => true,
    run(engine, info, [text, options]) {
      const { pair = null, outputAttentions = false, truncation = true } = checkOptions(options, ['pair', 'outputAttentions', 'truncation']);
      checkText(text);
      if (pair !== null) checkText(pair, 'pair');
      const r = unwrap(engine.encode(text, pair, !!truncation, !!outputAttentions));
      const { hiddenSize, numLayers, numHeads } = info.config;
      const t = r.tokens.length;
      return {
        tokens: r.tokens,
        inputIds: Array.from(r.inputIds),
        lastHiddenState: { data: r.lastHiddenState, dims: [t, hiddenSize] },
        pooled: r.pooled ? { data: r.pooled, dims: [hiddenSize] } : null,
        attentions: r.attentions ? { data: r.attentions, dims: [numLayers, numHeads, t, t] } : null,
      };
    },
  },

  /**
   * Sequence classification: the topK labels with their scores, best first (topK null: every label).
   * @example await model.classify('I loved it!') // [{ label: 'POSITIVE', score: 0.99 }]
   */
  classify: {
    pipeline: 'text-classification',
    available: (info) => info.heads.classification,
    run(engine, info, [inputs, options]) {
      const { topK = 1, truncation = true } = checkOptions(options, ['topK', 'truncation']);
      const batch = batchOf(inputs);
      const results = unwrap(engine.classify(batch.list, !!truncation)).results;
      return batch.unwrap(results.map((labels) => takeTop(labels, topK)));
    },
  },

  /**
   * Token classification (NER): entities with their text spans, as Hugging Face's pipeline groups them.
   * @example await model.classifyTokens('My name is Wolfgang.') // [{ entity: 'PER', score: 0.99, word: 'wolfgang', start: 11, end: 19 }]
   */
  classifyTokens: {
    pipeline: 'token-classification',
    available: (info) => info.heads.tokenClassification,
    run(engine, info, [inputs, options]) {
      const { aggregation = 'simple', ignoreLabels = ['O'] } = checkOptions(options, ['aggregation', 'ignoreLabels']);
      oneOf(aggregation, 'aggregation', ['none', 'simple', 'first', 'average', 'max']);
      if (!Array.isArray(ignoreLabels) || !ignoreLabels.every((l) => typeof l === 'string')) {
        throw new BertError('E_INVALID_ARGUMENT', 'ignoreLabels must be an array of label strings');
      }
      const batch = batchOf(inputs, (text, what) => (checkText(text, what), text));
      return batch.unwrap(unwrap(engine.classifyTokens(batch.list, aggregation, ignoreLabels)).results);
    },
  },

  /**
   * Extractive question answering: the best answer spans of the context, best first. Long contexts are
   * read in overlapping windows. An array of {question, context} gives an array of such lists.
   * @example await model.answer('Who wrote it?', 'It was written by Jacob.') // [{ answer: 'Jacob', score: 0.9, start: 18, end: 23 }]
   */
  answer: {
    pipeline: 'question-answering',
    available: (info) => info.heads.questionAnswering,
    run(engine, info, args) {
      const many = Array.isArray(args[0]);
      const items = many ? args[0] : [{ question: args[0], context: args[1] }];
      const o = checkOptions(many ? args[1] : args[2], ['topK', 'maxAnswerLength', 'maxSeqLength', 'docStride', 'handleImpossibleAnswer']);
      if (items.length === 0) throw new BertError('E_INVALID_ARGUMENT', 'inputs must not be empty');
      const options = {
        topK: positiveInteger(o.topK, 'topK', 1),
        maxAnswerLength: positiveInteger(o.maxAnswerLength, 'maxAnswerLength', 15),
        maxSeqLength: positiveInteger(o.maxSeqLength, 'maxSeqLength', 0),  // 0: the engine's default
        docStride: positiveInteger(o.docStride, 'docStride', 0),
        handleImpossibleAnswer: !!o.handleImpossibleAnswer,
      };
      const results = items.map((item, i) => {
        const what = many ? `inputs[${i}]` : '';
        checkText(item?.question, `${what}${many ? '.' : ''}question`);
        checkText(item?.context, `${what}${many ? '.' : ''}context`);
        return unwrap(engine.answer(item.question, item.context, options)).results;
      });
      return many ? results : results[0];
    },
  },

  /**
   * Next-sentence prediction (BERT's pretraining head): does `b` follow `a`? score = P(IsNext). An array
   * of {text, pair} (or pre-tokenized pairs) gives an array.
   * @example await model.nextSentence('I went out.', 'It was raining.') // { isNext: true, score: 0.93 }
   */
  nextSentence: {
    available: (info) => info.heads.nextSentence,
    run(engine, info, args) {
      const many = Array.isArray(args[0]);
      const { truncation = true } = checkOptions(many ? args[1] : args[2], ['truncation']);
      const pairs = many ? args[0] : [{ text: args[0], pair: args[1] }];
      const batch = batchOf(pairs, (p, what) => {
        if (typeof p?.text === 'string' && typeof p.pair !== 'string') {
          throw new BertError('E_INVALID_ARGUMENT', `${what} must be {text, pair} with two strings`);
        }
        return checkInput(p, what);
      });
      const results = unwrap(engine.nextSentence(batch.list, !!truncation)).results;
      return many ? results : results[0];
    },
  },

  /** The task head's raw logits per input: [labels], or [tokens, labels] / [tokens, 2] (QA: start, end). */
  logits: {
    available: (info) => info.heads.classification || info.heads.tokenClassification || info.heads.questionAnswering,
    run(engine, info, [inputs, options]) {
      const { truncation = true } = checkOptions(options, ['truncation']);
      const batch = batchOf(inputs);
      const width = info.heads.questionAnswering ? 2 : info.labels.length;
      const tensors = unwrap(engine.logits(batch.list, !!truncation)).results.map((data) => ({
        data,
        dims: info.heads.classification ? [width] : [data.length / width, width],
      }));
      return batch.unwrap(tensors);
    },
  },
};

/** Pipeline task names (Hugging Face's, with their aliases) -> method names. */
export const PIPELINES = {
  'fill-mask': 'fillMask',
  'feature-extraction': 'embed',
  'text-classification': 'classify',
  'sentiment-analysis': 'classify',
  'token-classification': 'classifyTokens',
  ner: 'classifyTokens',
  'question-answering': 'answer',
};

/** The pipeline tasks a loaded model supports, from its info. */
export const supportedTasks = (info) =>
  Object.values(TASKS).filter((t) => t.pipeline && t.available(info)).map((t) => t.pipeline);
