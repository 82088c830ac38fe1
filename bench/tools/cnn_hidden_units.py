"""Health of a kdflow `cnn` student checkpoint: the largest weight, BatchNorm's largest running
variance, the test top-1 (a check of this forward against the trainer's), and how many units of the hidden (pre-classifier) layer never fire on the first N
Fashion-MNIST training images, evaluated as the trainer evaluates (BatchNorm on running statistics).

    python bench/tools/cnn_hidden_units.py [--images 2000] CHECKPOINT_DIR...

CHECKPOINT_DIR is a ckpt_best (model.safetensors) or ckpt_latest (module.safetensors, student.*).
Needs torch (any CPU build); reads the safetensors files itself.
"""
import argparse
import gzip
import json
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

DATA = Path("/usr/share/datasets/fashion-mnist")


def read_safetensors(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(raw[8 + n + start : 8 + n + end], dtype=np.float32)
        out[name] = torch.from_numpy(array.reshape(meta["shape"]).copy())
    return out


def student_weights(directory):
    best = directory / "model.safetensors"
    if best.exists():
        return read_safetensors(best)
    module = read_safetensors(directory / "module.safetensors")
    return {k[len("student.") :]: v for k, v in module.items() if k.startswith("student.")}


def images(count, split="train"):
    with gzip.open(DATA / f"{split}-images-idx3-ubyte.gz") as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16)[: count * 784].astype(np.float32) / 255
    x = torch.from_numpy(x.reshape(count, 1, 28, 28))
    return (x - 0.28604060411453247) / 0.3530242443084717  # the checkpoints' recorded statistics


def hidden(w, x):
    """The registry cnn up to the hidden ReLU: (conv3x3 same, BN, ReLU, maxpool 2) per stage."""
    stage = 1
    while f"{stage:02d}SequentialBlock_01Conv2d_weight" in w:
        p = f"{stage:02d}SequentialBlock_02BatchNorm_"
        x = F.conv2d(x, w[f"{stage:02d}SequentialBlock_01Conv2d_weight"], padding=1)
        x = F.batch_norm(
            x, w[p + "runningMean"], w[p + "runningVar"], w[p + "gamma"], w[p + "beta"], eps=1e-5
        )
        x = F.max_pool2d(F.relu(x), 2)
        stage += 2
    linear = sorted(k for k in w if k.endswith("Linear_weight"))[0][: -len("weight")]
    return F.relu(F.linear(x.flatten(1), w[linear + "weight"], w[linear + "bias"]))


def top1(w, x, labels):
    """Test top-1 of the whole network, a check that this forward is the trainer's."""
    linear = sorted(k for k in w if k.endswith("Linear_weight"))[-1][: -len("weight")]
    logits = F.linear(hidden(w, x), w[linear + "weight"], w[linear + "bias"])
    return float((logits.argmax(dim=1) == labels).float().mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("checkpoints", nargs="+", type=Path)
    args = parser.parse_args()
    x = images(args.images)
    test_x = images(10000, "t10k")
    with gzip.open(DATA / "t10k-labels-idx1-ubyte.gz") as f:
        test_y = torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64))
    print("checkpoint | largest abs weight | largest BN running var | dead hidden units | test top-1")
    for directory in args.checkpoints:
        w = student_weights(directory)
        h = hidden(w, x)
        dead = int((h.max(dim=0).values <= 0).sum())
        weight_max = max(float(v.abs().max()) for k, v in w.items() if "running" not in k)
        var_max = max(float(v.max()) for k, v in w.items() if k.endswith("runningVar"))
        accuracy = 100 * top1(w, test_x, test_y)
        print(f"{directory} | {weight_max:.2f} | {var_max:.4g} | {dead}/{h.shape[1]} | {accuracy:.2f}")


if __name__ == "__main__":
    main()
