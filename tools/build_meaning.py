"""Build backfaq's table of English word meaning from WordLlama's token vectors.

    pip install wordllama
    python tools/build_meaning.py src/backfaq/data

WordLlama (MIT licence, ``data/WORDLLAMA-LICENSE``) is a static embedding
model: a text's vector is the mean of the vectors of its tokens, with no
network to run. Its ``l2_supercat`` model ships in the package as a
256-dimension vector for each of the 32,000 pieces of the LLaMA 2 tokenizer.
This writes the one file ``backfaq.meaning`` reads, ``meaning.bin``, in the
machine-independent layout ``backfaq.meaning`` documents: the pieces with a
hash table to find one (control and byte pieces, which plain text never
needs, are left out of it), and each piece's first ``DIMS`` numbers as
signed bytes scaled to the row's largest, with the scales.

The model was trained so that its first dimensions carry the most (Matryoshka
training), which is why 64 of 256 are enough: measured on backfaq's labelled
queries, ranking and the answer decision do as well with 64 signed bytes as
with the 256 floats (``benchmarks/quality.py``), in 2.8 MB instead of 16.
Nothing in backfaq imports WordLlama; this script runs once, when the table
is rebuilt.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import wordllama
from safetensors.numpy import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from backfaq.meaning import HEAD, MAGIC, MAX_PROBES, slot_of  # noqa: E402

DIMS = 64


def main(out_dir: str) -> None:
    package = os.path.dirname(wordllama.__file__)
    with open(os.path.join(package, "tokenizers", "l2_supercat_tokenizer_config.json")) as f:
        vocab = json.load(f)["model"]["vocab"]
    (weights,) = load_file(os.path.join(package, "weights", "l2_supercat_256.safetensors")).values()
    vectors = weights.astype(np.float32)[:, :DIMS]
    pieces = [""] * len(vectors)
    for piece, row in vocab.items():
        plain = not (piece.startswith("<") and piece.endswith(">"))
        if plain and "\n" not in piece:
            pieces[row] = piece
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127
    rows = np.round(vectors / scales[:, None]).astype(np.int8)
    encoded = [piece.encode("utf-8") for piece in pieces]
    offsets = np.cumsum([0] + [len(e) for e in encoded]).astype("<u4")
    # Open addressing with linear probing, at most half full: a slot holds
    # its piece's row + 1, 0 when empty.
    slots = 1 << (2 * len(encoded) - 1).bit_length()
    table = np.zeros(slots, dtype="<u4")
    for row, piece in enumerate(encoded):
        if piece:
            slot = slot_of(piece, slots)
            probes = 1
            while table[slot]:
                slot = (slot + 1) % slots
                probes += 1
            if probes > MAX_PROBES:
                raise SystemExit(f"{piece!r} is {probes} slots from its hash; raise MAX_PROBES")
            table[slot] = row + 1
    # A running backfaq reads the table's vectors as it needs them: the new
    # table replaces the old one whole, never rewriting it in place.
    path = os.path.join(out_dir, "meaning.bin")
    with open(path + ".new", "wb") as f:
        head = (len(rows), DIMS, slots)
        f.write(MAGIC + b"".join(n.to_bytes(size, "little") for n, size in zip(head, HEAD)))
        f.write(scales.astype("<f4").tobytes())
        f.write(table.tobytes())
        f.write(offsets.tobytes())
        f.write(b"".join(encoded))
        f.write(rows.tobytes())
    os.replace(path + ".new", path)


if __name__ == "__main__":
    main(sys.argv[1])
