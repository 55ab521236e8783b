#!/usr/bin/env python3
"""Writes the seed corpus for fuzz/run.sh into fuzz/corpus/ (the files are committed; rerun only to change them)."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def safetensors(tensors, metadata=None, pad=True, raw_header=None):
    """tensors: list of (name, dtype, shape, data bytes), written in order."""
    if raw_header is None:
        header, offset, blobs = {}, 0, []
        if metadata is not None:
            header["__metadata__"] = metadata
        for name, dtype, shape, data in tensors:
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
            blobs.append(data)
        raw_header = json.dumps(header, separators=(",", ":")).encode()
    else:
        blobs = [t[3] for t in tensors]
    if pad:
        raw_header += b" " * (-len(raw_header) % 8)
    return struct.pack("<Q", len(raw_header)) + raw_header + b"".join(blobs)


def write(name, data):
    with open(os.path.join(CORPUS, name), "wb") as f:
        f.write(data)


os.makedirs(CORPUS, exist_ok=True)
ramp = bytes(range(256))
write("valid-mixed.safetensors", safetensors([
    ("embed.weight", "BF16", [4, 4], ramp[:32]),
    ("norm.weight", "F16", [3], ramp[32:38]),
    ("proj.weight", "F32", [2, 3], ramp[38:62]),
    ("scale", "F8_E4M3", [5], ramp[62:67]),
    ("scale2", "F8_E5M2", [2, 2], ramp[67:71]),
    ("packed", "F4", [6], ramp[71:74]),
    ("six", "F6_E2M3", [4], ramp[74:77]),
    ("step", "I64", [], ramp[77:85]),
    ("empty", "U8", [0], b""),
    ("empty2", "BOOL", [0, 3], b""),
], metadata={"format": "pt", "note": "caf\u00e9"}))
write("valid-single.safetensors", safetensors([("w", "F32", [2], struct.pack("<2f", 1.0, -2.5))]))
write("valid-empty-header.safetensors", safetensors([]))
write("valid-unpadded.safetensors", safetensors([
    ("a", "F16", [3], ramp[:6]),
    ("b", "F32", [1], ramp[6:10]),
    ("c", "C64", [1], ramp[10:18]),
], pad=False))
write("valid-metadata-null.safetensors", safetensors(
    [("x", "U8", [1], b"\x07")], raw_header=b'{"__metadata__":null,"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'))
write("valid-pretty.safetensors", safetensors(
    [("t", "I32", [1], b"\x01\x00\x00\x00")],
    raw_header=b'{\n  "t": {\n    "dtype": "I32",\n    "shape": [1],\n    "extra": [[{"k": 1}]],\n    "data_offsets": [0, 4]\n  }\n}'))
write("invalid-overlap.safetensors", safetensors([], raw_header=(
    b'{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}'), pad=True) + ramp[:6])
write("invalid-truncated.safetensors", safetensors([("w", "F32", [4], ramp[:16])])[:-5])
write("invalid-bad-dtype.safetensors", safetensors([], raw_header=b'{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}') + ramp[:4])
write("invalid-huge-numbers.safetensors", safetensors([], raw_header=(
    b'{"w":{"dtype":"U8","shape":[18446744073709551615,2],"data_offsets":[0,1e400]}}')) + ramp[:4])
write("invalid-lfs-pointer.safetensors",
      b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"ab" * 32 + b"\nsize 4972\n")
