#!/usr/bin/env python3
"""Writes a checkpoint of many tiny shards: OUT/model-0000k-of-0000n.safetensors (each about 4 KiB: two F32 tensors
of deterministic bytes, header padded to 8 bytes as the reference writer does) and model.safetensors.index.json.

`ckpt synth` splits a Llama-shaped model along tensors, so it cannot make hundreds of shards of a few KiB; this
is the shape that measures per-shard costs (opens, header reads, probes, maps) rather than bandwidth.

    bench/tiny-shards.py OUT [--shards 500] [--elements 480]
"""
import argparse
import json
import os
import random
import struct


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shards", type=int, default=500)
    parser.add_argument("--elements", type=int, default=480, help="F32 elements per tensor (two tensors per shard)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=False)
    rng = random.Random(0x5EED)
    weight_map = {}
    total = 0
    for k in range(1, args.shards + 1):
        name = f"model-{k:05d}-of-{args.shards:05d}.safetensors"
        size = args.elements * 4
        tensors = {}
        for i, suffix in enumerate(("weight", "bias")):
            tensor = f"layers.{k - 1}.{suffix}"
            tensors[tensor] = {"dtype": "F32", "shape": [args.elements], "data_offsets": [i * size, (i + 1) * size]}
            weight_map[tensor] = name
        header = json.dumps({"__metadata__": {"format": "pt"}, **tensors}, separators=(",", ":")).encode()
        header += b" " * (-len(header) % 8)
        data = rng.randbytes(2 * size)
        with open(os.path.join(args.out, name), "wb") as file:
            file.write(struct.pack("<Q", len(header)) + header + data)
        total += len(data)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as file:
        json.dump(index, file, indent=2)


if __name__ == "__main__":
    main()
