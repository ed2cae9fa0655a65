#!/usr/bin/python3
"""PyTorch peer of bench_train_step's plain infonce column: the same training step in Python,
for the bag encoder (below), the `transformer` encoder and a small `bert` (see the end of this
docstring).

Bag encoder as in core/model/bag_encoder.cpp and core/text/hashing_tokenizer.cpp: lower-cased
ASCII-alnum words (bytes >= 0x80 kept), each word, each word bigrams ("a b") and the char 3- and
4-grams of "<word>", hashed with 64-bit FNV-1a (multipos's stable_hash, kinds 1/2/3) into
1 + h % 65535 (bucket 0 for empty texts); EmbeddingBag mean, 65536 x 96, N(0, 1) init, no
projection. Cosine similarity / tau 0.05, B=32 queries x g=8 passages (1 positive + 7 sampled
negatives) with in-batch negatives (each query against all 256 passages), InfoNCE (cross
entropy on the positive), AdamW lr 3e-3 weight decay 0.01, 2 torch threads.

Texts: the file `bench_train_step --dump-texts FILE` writes (the synthetic dataset the C++ run
trains on). Timing as bench_train_step: from the end of step 0 to the end of step N-1, divided by
N-1; median of 3 runs. Two figures: tokenizing inside the step in Python (what the C++ step does
in C++), and with every text tokenized once up front (torch work only).

Encoders (--encoder): `bag` as above; `transformer` as core/model/transformer_encoder.cpp: [CLS]
plus hashed words (FNV-1a kind 1, 1 + h % 32767; [CLS] = 32768, [PAD] = 32769), 2 post-norm BERT
layers of width 128, 4 heads, ffn 512, GELU, dropout 0.1, BERT init (normal 0.02), mean pooling;
`bert`: all-minilm-l6-v2 from ~/.cache/multipos/models, its model.safetensors read here (8-byte
header length, JSON header, raw little-endian data), the same BERT stack (dropout 0.1 as in its
config.json), lower-casing WordPiece over its vocab.txt ([CLS] ... [SEP]), mean pooling, L2
normalised. Max lengths 32 (queries) / 64 (passages), padded to the longest row in the batch, as
multipos does. Gradients are clipped to norm 1.0, multipos's default clip_norm.

On a GPU (--device cuda) every tensor is created there (torch.set_default_device) and
--precision bf16|fp16 autocasts the encoder as multipos does (the loss stays float32; fp16 with
torch's GradScaler). --model-dir: the BERT folder (bench_train_step passes MiniLM's, or the random
BERT-base-shaped one it writes for --encoder bert-base).

Usage: peer_train_step.py TEXTS [steps=41] [threads=2] [cpp_plain_ms] [--encoder bag|transformer|bert]
                          [--batch B G] [--device cpu|cuda] [--precision fp32|bf16|fp16] [--model-dir DIR]
"""
import json
import os
import random
import statistics
import struct
import sys
import time
import unicodedata

import torch

BUCKETS = 65536
DIM = 96
TAU = 0.05
B, G = 32, 8  # --batch overrides
MODEL_DIR = os.path.expanduser("~/.cache/multipos/models/all-minilm-l6-v2")
DEVICE, PRECISION = "cpu", "fp32"  # --device, --precision
MASK = (1 << 64) - 1
PRIME = 0x100000001B3


def stable_hash(data: bytes, seed: int) -> int:
    h = 0xCBF29CE484222325 ^ ((seed * PRIME) & MASK)
    for c in data:
        h ^= c
        h = (h * PRIME) & MASK
    return h


def bucket(feature: bytes, kind: int) -> int:
    return 1 + stable_hash(feature, kind) % (BUCKETS - 1)


def split_words(text: str):
    words, cur = [], bytearray()
    for c in text.encode("utf-8"):
        if 97 <= c <= 122 or 48 <= c <= 57 or c >= 0x80:
            cur.append(c)
        elif 65 <= c <= 90:
            cur.append(c + 32)
        elif cur:
            words.append(bytes(cur))
            cur = bytearray()
    if cur:
        words.append(bytes(cur))
    return words


def tokenize(text: str):
    out = []
    words = split_words(text)
    for w, word in enumerate(words):
        out.append(bucket(word, 1))
        if w + 1 < len(words):
            out.append(bucket(word + b" " + words[w + 1], 2))
        marked = b"<" + word + b">"
        for n in (3, 4):
            for i in range(len(marked) - n + 1):
                out.append(bucket(marked[i:i + n], 3))
    return out or [0]


def read_texts(path):
    passages, queries = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "P":
                passages.append(fields[1])
            else:
                queries.append(([int(p) for p in fields[1].split(",") if p], fields[2]))
    return passages, [q for q in queries if q[0]]


def run(passages, queries, steps, threads, cached, encoder):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    rng = random.Random(1)
    model, tokenize_q, tokenize_p, encode = encoder()
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(PRECISION)
    scaler = torch.amp.GradScaler("cuda") if PRECISION == "fp16" else None

    def autocast():
        if autocast_dtype is None:
            return torch.autocast(DEVICE, enabled=False)
        return torch.autocast(DEVICE, dtype=autocast_dtype)
    cache_p = [tokenize_p(t) for t in passages] if cached else None
    cache_q = [tokenize_q(t) for _, t in queries] if cached else None
    order, cursor = [], 0
    targets = torch.arange(B) * G
    first = last = 0.0
    for step in range(steps):
        qi = []
        while len(qi) < B:
            if cursor == len(order):
                order = list(range(len(queries)))
                rng.shuffle(order)
                cursor = 0
            qi.append(order[cursor])
            cursor += 1
        group = []
        for q in qi:
            positives = queries[q][0]
            group.append(rng.choice(positives))
            while len(group) % G:
                p = rng.randrange(len(passages))
                if p not in positives:
                    group.append(p)
        with autocast():
            if cached:
                qe = encode([cache_q[q] for q in qi])
                pe = encode([cache_p[p] for p in group])
            else:
                qe = encode([tokenize_q(queries[q][1]) for q in qi])
                pe = encode([tokenize_p(passages[p]) for p in group])
        qe, pe = qe.float(), pe.float()
        scores = torch.nn.functional.normalize(qe, dim=1) @ torch.nn.functional.normalize(pe, dim=1).t() / TAU
        loss = torch.nn.functional.cross_entropy(scores, targets)
        loss_value = loss.item()
        if loss_value != loss_value:
            raise RuntimeError("NaN loss")
        optimizer.zero_grad()
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        now = time.perf_counter()
        if step == 0:
            first = now
        last = now
    return 1000.0 * (last - first) / (steps - 1)


def bag_encoder():
    bag = torch.nn.EmbeddingBag(BUCKETS, DIM, mode="mean")
    with torch.no_grad():
        bag.weight.normal_(0.0, 1.0)

    def encode(token_lists):
        ids, offsets = [], []
        for t in token_lists:
            offsets.append(len(ids))
            ids.extend(t)
        return bag(torch.tensor(ids, dtype=torch.long), torch.tensor(offsets, dtype=torch.long))
    return bag, tokenize, tokenize, encode


class Bert(torch.nn.Module):
    """BERT's post-norm stack with Hugging Face's parameter names, as core/model/bert_model.cpp."""

    def __init__(self, vocab, width, layers, heads, ffn, positions, types, dropout):
        super().__init__()
        nn = torch.nn
        self.heads = heads
        self.embeddings = nn.ModuleDict({
            "word_embeddings": nn.Embedding(vocab, width), "position_embeddings": nn.Embedding(positions, width),
            "token_type_embeddings": nn.Embedding(types, width), "LayerNorm": nn.LayerNorm(width, eps=1e-12)})

        def layer():
            return nn.ModuleDict({
                "attention": nn.ModuleDict({
                    "self": nn.ModuleDict({k: nn.Linear(width, width) for k in ("query", "key", "value")}),
                    "output": nn.ModuleDict({"dense": nn.Linear(width, width), "LayerNorm": nn.LayerNorm(width, eps=1e-12)})}),
                "intermediate": nn.ModuleDict({"dense": nn.Linear(width, ffn)}),
                "output": nn.ModuleDict({"dense": nn.Linear(ffn, width), "LayerNorm": nn.LayerNorm(width, eps=1e-12)})})
        self.encoder = nn.ModuleDict({"layer": nn.ModuleList([layer() for _ in range(layers)])})
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids, mask):
        e = self.embeddings
        batch, length = ids.shape
        x = e["word_embeddings"](ids) + e["position_embeddings"](torch.arange(length).unsqueeze(0)) \
            + e["token_type_embeddings"](torch.zeros_like(ids))
        x = self.dropout(e["LayerNorm"](x))
        additive = ((1.0 - mask.float()) * torch.finfo(torch.float32).min)[:, None, None, :]
        head_dim = x.shape[2] // self.heads
        for layer in self.encoder["layer"]:
            att = layer["attention"]

            def split(t):
                return t.view(batch, length, self.heads, head_dim).transpose(1, 2)
            q, k, v = (split(att["self"][n](x)) for n in ("query", "key", "value"))
            weights = self.dropout(torch.softmax(q @ k.transpose(-1, -2) / head_dim ** 0.5 + additive, -1))
            context = (weights @ v).transpose(1, 2).reshape(batch, length, -1)
            attended = att["output"]["LayerNorm"](self.dropout(att["output"]["dense"](context)) + x)
            inner = torch.nn.functional.gelu(layer["intermediate"]["dense"](attended))
            x = layer["output"]["LayerNorm"](self.dropout(layer["output"]["dense"](inner)) + attended)
        return x


def mean_pool(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)


def padded(rows, pad):
    longest = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (longest - len(r)) for r in rows], dtype=torch.long)
    mask = torch.tensor([[1] * len(r) + [0] * (longest - len(r)) for r in rows], dtype=torch.long)
    return ids, mask


def transformer_encoder():
    buckets = 1 << 15
    model = Bert(buckets + 2, 128, 2, 4, 512, 64, 1, 0.1)
    with torch.no_grad():  # BERT's initialisation, as BertModel::initialize_weights
        for m in model.modules():
            if isinstance(m, (torch.nn.Linear, torch.nn.Embedding)):
                m.weight.normal_(0.0, 0.02)
            if isinstance(m, torch.nn.Linear):
                m.bias.zero_()
        model.embeddings["word_embeddings"].weight[buckets + 1].zero_()

    def words(text, max_length):
        return ([buckets] + [1 + stable_hash(w, 1) % (buckets - 1) for w in split_words(text)])[:max_length]

    def encode(rows):
        ids, mask = padded(rows, buckets + 1)
        return mean_pool(model(ids, mask), mask)
    return model, lambda t: words(t, 32), lambda t: words(t, 64), encode


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + size])
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        data = bytearray(blob[8 + size + begin:8 + size + end])
        if DEVICE == "cpu":
            tensor = torch.frombuffer(data, dtype=dtypes[info["dtype"]])
        else:  # frombuffer reads host memory: outside the default GPU device
            with torch.device("cpu"):
                tensor = torch.frombuffer(data, dtype=dtypes[info["dtype"]])
        tensors[name] = tensor.reshape(info["shape"]).clone()
    return tensors


class WordPiece:
    """BERT's lower-casing basic tokenizer + greedy longest-match WordPiece (no CJK handling)."""

    def __init__(self, vocab_file):
        with open(vocab_file, encoding="utf-8") as f:
            self.ids = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.unk, self.cls, self.sep, self.pad = (self.ids[t] for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"))

    def words(self, text):
        text = unicodedata.normalize("NFD", text.lower())
        out, cur = [], []
        for ch in text:
            cat = unicodedata.category(ch)
            if cat == "Mn":
                continue
            if ch.isspace():
                if cur:
                    out.append("".join(cur))
                cur = []
            elif cat.startswith("P") or (ch.isascii() and not ch.isalnum() and ch.isprintable()):
                if cur:
                    out.append("".join(cur))
                out.append(ch)
                cur = []
            else:
                cur.append(ch)
        if cur:
            out.append("".join(cur))
        return out

    def encode(self, text, max_length):
        ids = []
        for word in self.words(text):
            pieces, start = [], 0
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = ("##" if start else "") + word[start:end]
                    if piece in self.ids:
                        break
                    end -= 1
                if end == start:
                    pieces = [self.unk]
                    break
                pieces.append(self.ids[piece])
                start = end
            ids.extend(pieces)
        return [self.cls] + ids[:max_length - 2] + [self.sep]


def bert_encoder():
    with open(os.path.join(MODEL_DIR, "config.json")) as f:
        c = json.load(f)
    model = Bert(c["vocab_size"], c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"],
                 c["intermediate_size"], c["max_position_embeddings"], c["type_vocab_size"],
                 c["hidden_dropout_prob"])
    weights = read_safetensors(os.path.join(MODEL_DIR, "model.safetensors"))
    missing, _ = model.load_state_dict(weights, strict=False)
    if missing:
        raise RuntimeError(f"{MODEL_DIR}/model.safetensors: missing tensors {missing[:3]}")
    wordpiece = WordPiece(os.path.join(MODEL_DIR, "vocab.txt"))

    def encode(rows):
        ids, mask = padded(rows, wordpiece.pad)
        return torch.nn.functional.normalize(mean_pool(model(ids, mask), mask), dim=1)
    return model, lambda t: wordpiece.encode(t, 32), lambda t: wordpiece.encode(t, 64), encode


ENCODERS = {"bag": bag_encoder, "transformer": transformer_encoder, "bert": bert_encoder}


def main():
    global B, G, DEVICE, PRECISION, MODEL_DIR
    args = sys.argv[1:]
    for flag in ("--device", "--precision", "--model-dir"):
        if flag in args:
            i = args.index(flag)
            value = args[i + 1]
            del args[i:i + 2]
            if flag == "--device":
                DEVICE = value
            elif flag == "--precision":
                PRECISION = value
            else:
                MODEL_DIR = value
    if DEVICE != "cpu":
        torch.set_default_device(DEVICE)
    encoder = "bag"
    if "--encoder" in args:
        i = args.index("--encoder")
        encoder = args[i + 1]
        del args[i:i + 2]
    if "--batch" in args:
        i = args.index("--batch")
        B, G = int(args[i + 1]), int(args[i + 2])
        del args[i:i + 3]
    path = args[0]
    steps = int(args[1]) if len(args) > 1 else 41
    threads = int(args[2]) if len(args) > 2 else 2
    cpp = float(args[3]) if len(args) > 3 else None
    passages, queries = read_texts(path)
    print(f"peer_train_step: torch {torch.__version__} on {DEVICE} ({PRECISION}), {threads} threads, "
          f"median of 3 runs of {steps} steps, "
          f"encoder {encoder}, B={B} g={G}, {len(passages)} passages, {len(queries)} training queries")
    make = ENCODERS[encoder]
    tokenizing = statistics.median(run(passages, queries, steps, threads, False, make) for _ in range(3))
    cached = statistics.median(run(passages, queries, steps, threads, True, make) for _ in range(3))
    print(f"{'variant':44s} {'ms/step':>10s} {'examples/s':>11s} {'multipos speed-up':>18s}")
    rows = [("PyTorch, tokenizing in Python each step", tokenizing),
            ("PyTorch, tokens cached (torch work only)", cached)]
    if cpp:
        rows.append((f"multipos bench_train_step ({encoder})", cpp))
    for name, ms in rows:
        ratio = f"{ms / cpp:18.2f}x" if cpp else f"{'-':>18s}"
        print(f"{name:44s} {ms:10.2f} {1000.0 * B / ms:11.1f} {ratio}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
