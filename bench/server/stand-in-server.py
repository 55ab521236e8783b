#!/usr/bin/env python3
"""A stand-in for an inference server's start: stand-in-server.py CHECKPOINT_DIR INIT_SECONDS

Sleeps INIT_SECONDS (what a real server spends importing and initialising GPUs before it reads its first weight),
then reads every tensor of the checkpoint through mmap, shard after shard and tensor after tensor in file order, as
vLLM's default safetensors loader does, touching one byte of every page. Prints one JSON line with the wall-clock
times (time.time(), seconds since the epoch) at which it started reading and at which every weight was in memory.
Standard library only.
"""
import json
import mmap
import os
import struct
import sys
import time

PAGE = mmap.PAGESIZE


def shards(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            names = sorted(set(json.load(f)["weight_map"].values()))
    else:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".safetensors"))
    return [os.path.join(folder, n) for n in names]


def read_shard(path):
    """Touches every page of every tensor's bytes through a map; returns the bytes covered."""
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        data_start = 8 + header_length
        spans = sorted((t["data_offsets"][0], t["data_offsets"][1]) for name, t in header.items() if name != "__metadata__")
        if not spans:
            return 0
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
            total = 0
            for begin, end in spans:
                start, stop = data_start + begin, data_start + end
                # One byte per page: the page fault is the read.
                _ = view[start:stop:PAGE]
                total += stop - start
            return total


def main():
    if len(sys.argv) != 3:
        print("usage: stand-in-server.py CHECKPOINT_DIR INIT_SECONDS", file=sys.stderr)
        return 2
    folder, init = sys.argv[1], float(sys.argv[2])
    started = time.time()
    time.sleep(init)
    reading = time.time()
    total = sum(read_shard(path) for path in shards(folder))
    loaded = time.time()
    print(json.dumps({"started": started, "reading": reading, "loaded": loaded, "bytes": total}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
