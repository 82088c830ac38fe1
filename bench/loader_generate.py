"""Writes a synthetic ImageFolder of JPEGs for bench/loader.sh (deterministic, seeded).

Each image is a smooth colour gradient with a few filled shapes and mild noise, so that JPEG
sizes and decoding costs resemble photographs more than flat colour or pure noise would.

usage: loader_generate.py DIR --images N [--classes 10] [--size 160]
"""
import argparse
import os
import random

import numpy as np
from PIL import Image, ImageDraw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--images", type=int, required=True)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--size", type=int, default=160)
    a = p.parse_args()
    rng = random.Random(1)
    nrng = np.random.default_rng(1)
    s = a.size
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
    for split, count in (("train", a.images), ("val", max(a.classes, a.images // 50))):
        for i in range(count):
            cls = i % a.classes
            folder = os.path.join(a.dir, split, f"class{cls:02d}")
            os.makedirs(folder, exist_ok=True)
            c0 = np.array([rng.random() for _ in range(3)], dtype=np.float32)
            c1 = np.array([rng.random() for _ in range(3)], dtype=np.float32)
            t = (xx * rng.random() + yy * rng.random())[..., None] / 2
            pixels = (c0 * (1 - t) + c1 * t) * 255 + nrng.normal(0, 8, (s, s, 3))
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
            draw = ImageDraw.Draw(image)
            for _ in range(3):
                x0, y0 = rng.randrange(s), rng.randrange(s)
                x1, y1 = x0 + rng.randrange(8, s // 2), y0 + rng.randrange(8, s // 2)
                fill = tuple(rng.randrange(256) for _ in range(3))
                (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill)
            image.save(os.path.join(folder, f"{i:07d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
