#!/usr/bin/python3
"""PyTorch peer of bench_train_step's plain infonce column: the same training step in Python.

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

Usage: peer_train_step.py TEXTS [steps=41] [threads=2] [cpp_plain_ms]
"""
import random
import statistics
import sys
import time

import torch

BUCKETS = 65536
DIM = 96
TAU = 0.05
B, G = 32, 8
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


def run(passages, queries, steps, threads, cached):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    rng = random.Random(1)
    bag = torch.nn.EmbeddingBag(BUCKETS, DIM, mode="mean")
    with torch.no_grad():
        bag.weight.normal_(0.0, 1.0)
    optimizer = torch.optim.AdamW(bag.parameters(), lr=3e-3, weight_decay=0.01)
    cache_p = [tokenize(t) for t in passages] if cached else None
    cache_q = [tokenize(t) for _, t in queries] if cached else None
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

        def encode(token_lists):
            ids, offsets = [], []
            for t in token_lists:
                offsets.append(len(ids))
                ids.extend(t)
            return bag(torch.tensor(ids, dtype=torch.long), torch.tensor(offsets, dtype=torch.long))

        if cached:
            qe = encode([cache_q[q] for q in qi])
            pe = encode([cache_p[p] for p in group])
        else:
            qe = encode([tokenize(queries[q][1]) for q in qi])
            pe = encode([tokenize(passages[p]) for p in group])
        scores = torch.nn.functional.normalize(qe, dim=1) @ torch.nn.functional.normalize(pe, dim=1).t() / TAU
        loss = torch.nn.functional.cross_entropy(scores, targets)
        loss_value = loss.item()
        if loss_value != loss_value:
            raise RuntimeError("NaN loss")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        now = time.perf_counter()
        if step == 0:
            first = now
        last = now
    return 1000.0 * (last - first) / (steps - 1)


def main():
    path = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 41
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    cpp = float(sys.argv[4]) if len(sys.argv) > 4 else None
    passages, queries = read_texts(path)
    print(f"peer_train_step: torch {torch.__version__}, {threads} threads, median of 3 runs of {steps} steps, "
          f"{len(passages)} passages, {len(queries)} training queries")
    tokenizing = statistics.median(run(passages, queries, steps, threads, False) for _ in range(3))
    cached = statistics.median(run(passages, queries, steps, threads, True) for _ in range(3))
    print(f"{'variant':44s} {'ms/step':>10s} {'multipos/peer':>14s}")
    for name, ms in (("PyTorch, tokenizing in Python each step", tokenizing),
                     ("PyTorch, tokens cached (torch work only)", cached)):
        ratio = f"{cpp / ms:14.3f}" if cpp else f"{'-':>14s}"
        print(f"{name:44s} {ms:10.2f} {ratio}")
    if cpp:
        print(f"{'multipos bench_train_step plain infonce':44s} {cpp:10.2f}")


if __name__ == "__main__":
    main()
