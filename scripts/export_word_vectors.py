#!/usr/bin/env python3
"""Writes a BERT model's input word embeddings as word vectors in the common text format
("count dim" header, then "word v1 ... vd"), for the bag encoder's `word_vectors` option.

  python3 scripts/export_word_vectors.py MODEL_DIR OUT.txt

Only whole, alphabetic vocabulary entries are written (no "##" pieces, specials or punctuation).
No GloVe or word2vec files are reachable from here (only Debian and PyPI are), so the vectors of a
pretrained model already in the cache stand in for them. Standard library only: reads the
safetensors header with json and the F32 / F16 / BF16 table with struct.
"""
import json
import os
import struct
import sys

TABLE_NAMES = ("embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings.weight")


def read_table(path):
    with open(path, "rb") as f:
        (header_length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_length))
        name = next((n for n in TABLE_NAMES if n in header), None)
        if name is None:
            sys.exit(f"{path}: no word embedding table ({' or '.join(TABLE_NAMES)})")
        entry = header[name]
        rows, dim = entry["shape"]
        begin, end = entry["data_offsets"]
        f.seek(8 + header_length + begin)
        raw = f.read(end - begin)
    if len(raw) != end - begin:
        sys.exit(f"{path}: tensor '{name}' is truncated")
    if entry["dtype"] == "F32":
        values = struct.unpack(f"<{rows * dim}f", raw)
    elif entry["dtype"] in ("F16", "BF16"):
        halves = struct.unpack(f"<{rows * dim}H", raw)
        if entry["dtype"] == "F16":
            values = [struct.unpack("<e", struct.pack("<H", h))[0] for h in halves]
        else:
            values = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
    else:
        sys.exit(f"{path}: tensor '{name}' has dtype {entry['dtype']}; expected F32, F16 or BF16")
    return rows, dim, values


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_path = sys.argv[1], sys.argv[2]
    rows, dim, values = read_table(os.path.join(model_dir, "model.safetensors"))
    with open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    chosen = [i for i, word in enumerate(vocab[:rows]) if word.isalpha() and word.isascii() and len(word) > 1]
    temporary = out_path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(f"{len(chosen)} {dim}\n")
        for i in chosen:
            row = values[i * dim:(i + 1) * dim]
            out.write(vocab[i] + " " + " ".join(f"{v:.5g}" for v in row) + "\n")
    os.replace(temporary, out_path)
    print(f"export_word_vectors: {len(chosen)} words x {dim} -> {out_path}")


if __name__ == "__main__":
    main()
