#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ (deterministic; every file
well under 20 KB). Seeds come from hand-written texts, tiny generated safetensors files and the small files
of ../shared/models (config.json, tokenizer_config.json, a trimmed tokenizer.json and vocab.txt).

    python3 tests/fuzz/make_corpus.py
"""
import json
import random
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
MODELS = HERE.parent.parent.parent / "shared" / "models"
LIMIT = 20_000


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < LIMIT, (target, name, len(data))
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def shared(path):
    p = MODELS / path
    return p.read_bytes() if p.exists() else None


# ---- safetensors ------------------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad=True):
    """tensors: [(name, dtype, shape, raw bytes)] laid out in order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)  # as the reference writer aligns the data
    return struct.pack("<Q", len(h)) + h + data


def f32(values):
    return struct.pack(f"<{len(values)}f", *values)


def f16(values):
    return struct.pack(f"<{len(values)}e", *values)


def bf16(values):
    return b"".join(struct.pack("<f", v)[2:] for v in values)


# Byte 0 of a stream input: bit 0 file size announced, bit 1 wrong by (byte 1 % 16 + 1), bit 2 too small,
# bits 3-4 largest chunk (whole, 8, 64, 4096), bit 5 (model_loader) the DistilBERT config, bit 6
# (model_loader) a q8 load. Byte 1 seeds the chunk sizes.
WHOLE, CHUNK8, CHUNK64, CHUNK4K = 0, 8, 16, 24
SIZE, WRONG, SMALL, DISTIL, Q8 = 1, 2, 4, 32, 64


def stream(flags, seed, file):
    return bytes([flags, seed]) + file


def safetensors_seeds():
    two = safetensors([("a", "F32", [2, 3], f32([1, 2, 3, 4, 5, 6])), ("b", "F32", [2], f32([-1, 0.5]))])
    write("safetensors", "two_f32_whole", stream(SIZE | WHOLE, 0, two))
    write("safetensors", "two_f32_chunk8_nosize", stream(CHUNK8, 7, two))
    write("safetensors", "two_f32_chunk64_wrong_size", stream(SIZE | WRONG | CHUNK64, 3, two))
    mixed = safetensors(
        [
            ("h", "F16", [6], f16([1.0, -2.0, 65504.0, 2.0**-24, -0.0, float("inf")])),
            ("b", "BF16", [3], bf16([1.0, -2.5, 3.140625])),
            ("ids", "I64", [1], bytes(8)),
            ("mask", "BOOL", [2, 2], bytes([1, 0, 0, 1])),
        ],
        metadata={"format": "pt"},
    )
    write("safetensors", "mixed_dtypes_chunk8", stream(SIZE | CHUNK8, 11, mixed))
    edge = safetensors([("empty", "F32", [0, 4], b""), ("scalar", "F64", [], struct.pack("<d", 3.5)),
                        ("u8", "U8", [3], b"\x01\x02\x03"), ("empty2", "F16", [0], b"")])
    write("safetensors", "zero_size_and_scalar", stream(SIZE | CHUNK8, 5, edge))
    write("safetensors", "empty_header", stream(SIZE, 0, safetensors([])))
    write("safetensors", "truncated", stream(CHUNK8, 1, two[:-3]))
    gap = struct.pack("<Q", 70) + json.dumps({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}).encode()
    gap = gap[:8] + gap[8:].ljust(70) + bytes(12)
    write("safetensors", "gap_before_tensor", stream(SIZE | CHUNK8, 9, gap))


# ---- a tiny checkpoint for model_loader (its configs are in model_loader_fuzzer.cpp) -----------------
def tiny_model(distilbert, dtype="F32", prefix=True):
    """dtype "I8": a q8 checkpoint (matrices as I8 rows plus an F32 "<name>_scale", the rest F32)."""
    rng = random.Random(1234 + distilbert)
    v, h, i, p = 128, 4, 8, 16
    tensors = []

    def add(name, shape, ones=False):
        n = 1
        for d in shape:
            n *= d
        if dtype == "I8" and len(shape) == 2 and "position" not in name and "token_type" not in name:
            tensors.append((name, "I8", shape, bytes(rng.randrange(256) for _ in range(n))))
            tensors.append((name + "_scale", "F32", [shape[0]], f32([rng.uniform(0.001, 0.01) for _ in range(shape[0])])))
            return
        values = [1.0] * n if ones else [round(rng.uniform(-0.5, 0.5), 3) for _ in range(n)]
        raw = {"F32": f32, "F16": f16, "BF16": bf16, "I8": f32}[dtype](values)
        tensors.append((name, "F32" if dtype == "I8" else dtype, shape, raw))

    def norm(base):
        add(base + ".weight", [h], ones=True)
        add(base + ".bias", [h])

    def linear(base, n, k):
        add(base + ".weight", [n, k])
        add(base + ".bias", [n])

    if distilbert:
        e = "distilbert." if prefix else ""
        add(e + "embeddings.word_embeddings.weight", [v, h])
        add(e + "embeddings.position_embeddings.weight", [p, h])
        norm(e + "embeddings.LayerNorm")
        layer = e + "transformer.layer.0."
        for name in ("q_lin", "k_lin", "v_lin", "out_lin"):
            linear(layer + "attention." + name, h, h)
        norm(layer + "sa_layer_norm")
        linear(layer + "ffn.lin1", i, h)
        linear(layer + "ffn.lin2", h, i)
        norm(layer + "output_layer_norm")
        linear("pre_classifier", h, h)
        linear("classifier", 2, h)
    else:
        e = "bert." if prefix else ""
        add(e + "embeddings.word_embeddings.weight", [v, h])
        add(e + "embeddings.position_embeddings.weight", [p, h])
        add(e + "embeddings.token_type_embeddings.weight", [2, h])
        norm(e + "embeddings.LayerNorm")
        layer = e + "encoder.layer.0."
        for name in ("query", "key", "value"):
            linear(layer + "attention.self." + name, h, h)
        linear(layer + "attention.output.dense", h, h)
        norm(layer + "attention.output.LayerNorm")
        linear(layer + "intermediate.dense", i, h)
        linear(layer + "output.dense", h, i)
        norm(layer + "output.LayerNorm")
        linear(e + "pooler.dense", h, h)
        linear("cls.seq_relationship", 2, h)
        linear("cls.predictions.transform.dense", h, h)
        norm("cls.predictions.transform.LayerNorm")
        add("cls.predictions.bias", [v])
    return safetensors(tensors)


def model_loader_seeds():
    write("model_loader", "bert_mlm_f32_whole", stream(SIZE, 0, tiny_model(False)))
    write("model_loader", "bert_mlm_f16_bare_chunk64", stream(CHUNK64, 21, tiny_model(False, "F16", prefix=False)))
    write("model_loader", "bert_mlm_bf16_chunk8_nosize", stream(CHUNK8, 4, tiny_model(False, "BF16")))
    write("model_loader", "distilbert_cls_f32_chunk4k", stream(DISTIL | SIZE | CHUNK4K, 2, tiny_model(True)))
    write("model_loader", "distilbert_cls_f16_chunk8", stream(DISTIL | SIZE | CHUNK8, 13, tiny_model(True, "F16")))
    write("model_loader", "bert_mlm_f16_as_q8_chunk64", stream(Q8 | SIZE | CHUNK64, 5, tiny_model(False, "F16")))
    write("model_loader", "distilbert_cls_q8_checkpoint", stream(DISTIL | SIZE | CHUNK8, 7, tiny_model(True, "I8")))


# ---- config.json --------------------------------------------------------------------------------------
def config_seeds():
    for model in ("bert-base-uncased", "tiny-distilbert-sst2", "tiny-ner", "tiny-qa", "tiny-seqcls", "bare-random"):
        data = shared(f"{model}/config.json")
        if data:
            write("config", model, data)
    write("config", "handmade_multilabel", json.dumps({
        "model_type": "bert", "architectures": ["BertForSequenceClassification"], "vocab_size": 100,
        "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
        "max_position_embeddings": 32, "type_vocab_size": 1, "hidden_act": "gelu_new", "layer_norm_eps": 1e-5,
        "problem_type": "multi_label_classification", "id2label": {"0": "a", "1": "b", "2": "c"},
        "position_embedding_type": "absolute"}))
    write("config", "handmade_distilbert_relu", json.dumps({
        "model_type": "distilbert", "architectures": ["DistilBertForQuestionAnswering"], "vocab_size": 100,
        "dim": 8, "n_layers": 2, "n_heads": 4, "hidden_dim": 16, "max_position_embeddings": 32,
        "activation": "relu", "num_labels": 5}))
    write("config", "minimal", '{"vocab_size":1,"hidden_size":1,"num_hidden_layers":1,"num_attention_heads":1,'
          '"intermediate_size":1,"max_position_embeddings":1}')


# ---- tokenizer files ------------------------------------------------------------------------------------
TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ",", ".", "'", "the", "capital", "of", "france",
              "is", "paris", "hello", "world", "un", "##able", "##s", "##ing", "café", "中", "文", "é", "##é"]


def vocab_seeds():
    write("vocab_txt", "tiny", "\n".join(TINY_VOCAB) + "\n")
    write("vocab_txt", "tiny_crlf_no_final_newline", "\r\n".join(TINY_VOCAB))
    write("vocab_txt", "duplicates_and_empty_line", "\n".join(TINY_VOCAB + ["the", "", "[UNK]"]) + "\n")
    write("vocab_txt", "cr_only", "\r".join(TINY_VOCAB) + "\r")
    bert = shared("bert-base-uncased/vocab.txt")
    if bert:
        lines = bert.decode().split("\n")
        # The specials and punctuation, then common words and pieces (ids change: a different vocab).
        write("vocab_txt", "bert_excerpt", "\n".join(lines[:5] + lines[100:104] + lines[999:1900] + lines[28000:28400]) + "\n")


def tokenizer_json_seeds():
    base = shared("bert-base-uncased/tokenizer.json")
    t = json.loads(base) if base else {
        "added_tokens": [], "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                                           "strip_accents": None, "lowercase": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100}}
    vocab = {tok: i for i, tok in enumerate(TINY_VOCAB)}
    t["model"]["vocab"] = vocab
    t["added_tokens"] = [{"id": vocab[s], "special": True, "content": s, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False} for s in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    write("tokenizer_json", "bert_trimmed", json.dumps(t, indent=2, ensure_ascii=False))
    t["normalizer"].update({"lowercase": False, "strip_accents": True, "handle_chinese_chars": False, "clean_text": False})
    t["model"]["max_input_chars_per_word"] = 6
    t["added_tokens"].append({"id": len(vocab), "content": "<extra>", "special": False})
    t["added_tokens"].append({"id": len(vocab) + 3, "content": "é!", "special": True})
    write("tokenizer_json", "cased_added_tokens", json.dumps(t, ensure_ascii=False))
    write("tokenizer_json", "minimal", json.dumps({"model": {"vocab": vocab}}, ensure_ascii=False))
    write("tokenizer_json", "unk_renamed", json.dumps(
        {"model": {"vocab": {**{k: v for k, v in vocab.items() if k != "[UNK]"}, "<unk>": 1}, "unk_token": "<unk>"}},
        ensure_ascii=False))


def tokenizer_config_seeds():
    seen = set()
    for model in ("bert-base-uncased", "tiny-distilbert-sst2", "tiny-ner", "tiny-random"):
        data = shared(f"{model}/tokenizer_config.json")
        if data and data not in seen:
            seen.add(data)
            write("tokenizer_config", model, data)
    write("tokenizer_config", "cased_strip_null", '{"do_lower_case": false, "strip_accents": null, "model_max_length": 1e30}')
    write("tokenizer_config", "no_chinese_strip", '{"tokenize_chinese_chars": false, "strip_accents": true, "model_max_length": 8}')


def sentence_transformers_seeds():
    d = "tiny-sentence-transformer"
    modules = shared(f"{d}/modules.json") or json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]).encode()
    pooling = shared(f"{d}/1_Pooling/config.json") or b'{"word_embedding_dimension": 64, "pooling_mode_mean_tokens": true}'
    st = shared(f"{d}/sentence_bert_config.json") or b'{"max_seq_length": 128, "do_lower_case": false}'
    write("sentence_transformers", "tiny_st", modules + b"\0" + pooling + b"\0" + st)
    no_norm = json.dumps([m for m in json.loads(modules) if not m["type"].endswith("Normalize")]).encode()
    write("sentence_transformers", "cls_no_normalize", no_norm + b"\0" +
          b'{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}' + b"\0" + b'{"max_seq_length": null}')
    write("sentence_transformers", "max_pooling", modules + b"\0" + b'{"pooling_mode_max_tokens": true}' + b"\0")
    write("sentence_transformers", "sqrt_len", modules + b"\0" + b'{"pooling_mode_mean_sqrt_len_tokens": true}')
    write("sentence_transformers", "not_st", b"")


def tokenizer_text_seeds():
    texts = {
        "fill_mask": "Paris is the [MASK] of France.",
        "accents": "Café naïve résumé Ångström ÉCOLE ﬁ ǅ İstanbul ΣΑΣ",
        "cjk": "中文字符と日本語の文、한국어 텍스트 ｆｕｌｌｗｉｄｔｈ",
        "emoji_controls": "smile 😀\u200b\u00ad\tx\r\ny\x01\x7f\u0085 end",
        "added_tokens": "<x>ab é! abc [CLS][SEP] [MASK]x é!é! ab<x>",
        "long_word": "un" + "able" * 40 + " unable hellos worlding",
        "punctuation": "Hello, world!!! (it's) \"quoted\" a-b_c ~tilde~ 3.14 ¿qué? «guillemets»",
        "combining": "e\u0301 a\u0308\u0323 \u0344 o\u031b\u0323 \u1e9b\u0323 q\u0307\u0323",
    }
    for name, text in texts.items():
        write("tokenizer_text", name, text)


if __name__ == "__main__":
    safetensors_seeds()
    model_loader_seeds()
    config_seeds()
    vocab_seeds()
    tokenizer_json_seeds()
    tokenizer_config_seeds()
    sentence_transformers_seeds()
    tokenizer_text_seeds()
    for target in sorted(CORPUS.iterdir()):
        files = list(target.iterdir())
        print(f"{target.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
