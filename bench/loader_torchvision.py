"""torchvision's side of bench/loader.sh: one epoch of training batches from an image folder.

ImageFolder + DataLoader(shuffle=True, num_workers=N) with RandomResizedCrop(size),
RandomHorizontalFlip(), ToTensor(), Normalize(ImageNet mean/std): the same work kdflow's
LoaderBenchmark does. The clock runs from iter(loader) (which starts the worker processes)
to the last batch. Prints one JSON line.

usage: loader_torchvision.py DIR [--image-size 128] [--batch 128] [--workers 2] [--limit N]
"""
import argparse
import json
import time

import torch
import torchvision
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args()
    transform = transforms.Compose(
        [
            transforms.RandomResizedCrop(a.image_size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    list_start = time.perf_counter()
    dataset = datasets.ImageFolder(a.data + "/train", transform)
    if a.limit is not None:
        dataset = Subset(dataset, range(min(a.limit, len(dataset))))
    list_seconds = time.perf_counter() - list_start
    torch.manual_seed(42)
    loader = DataLoader(dataset, batch_size=a.batch, shuffle=True, num_workers=a.workers)
    images = 0
    checksum = 0.0
    start = time.perf_counter()
    for x, y in loader:
        images += x.shape[0]
        checksum += float(x[0, 0, 0, 0])
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "impl": f"torchvision-{torchvision.__version__}/torch-{torch.__version__}",
                "images": images,
                "seconds": seconds,
                "images_per_second": images / seconds,
                "list_seconds": list_seconds,
                "workers": a.workers,
                "batch": a.batch,
                "image_size": a.image_size,
                "checksum": checksum,
            }
        )
    )


if __name__ == "__main__":
    main()
