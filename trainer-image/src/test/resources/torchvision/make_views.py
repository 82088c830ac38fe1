"""Regenerates views.json (and image.png) from torchvision, the reference of ImageResizer's views.

Values are the 8-bit CHW pixels PIL produces (ToTensor divides them by 255).

Run with torch 2.7.1 / torchvision 0.22.1 (bench/loader.sh makes such a virtualenv):
    ~/.cache/kdflow/torchvision/bin/python make_views.py
"""
import json

import numpy as np
import torchvision
from PIL import Image
from torchvision.transforms import functional as F

rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:29, 0:37]
base = np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=-1) + rng.integers(0, 40, (29, 37, 3))
Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB").save("image.png")
image = Image.open("image.png").convert("RGB")

views = []
for top, left, h, w, size in [(0, 0, 29, 37, 16), (3, 5, 20, 11, 16), (10, 2, 7, 30, 24)]:
    out = F.pil_to_tensor(F.resized_crop(image, top, left, h, w, [size, size], antialias=True))
    views.append({"box": [top, left, h, w], "size": size, "chw8": out.flatten().tolist()})
centre = []
for size in (16, 24):
    out = F.pil_to_tensor(F.center_crop(F.resize(image, size, antialias=True), size))
    centre.append({"size": size, "chw8": out.flatten().tolist()})
# A CMYK JPEG (ImageNet has a few): its RGB is what PIL's convert("RGB") makes of it.
image.convert("CMYK").save("cmyk.jpg", quality=95)
cmyk = F.pil_to_tensor(Image.open("cmyk.jpg").convert("RGB")).flatten().tolist()
json.dump(
    {
        "torchvision": torchvision.__version__,
        "resized_crop": views,
        "resize_center_crop": centre,
        "cmyk_jpeg_rgb8": cmyk,
    },
    open("views.json", "w"),
)
