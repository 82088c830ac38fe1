"""One Fashion-MNIST KD epoch the way SuperGradients' KDTrainer runs it, in PyTorch eager.

The peer of dev.kdflow.bench.KDEpochBenchmark (bench/kd-epoch.sh): all 60,000 training images,
batch 256, shuffled, the student trained on augmented views (random crop with 4 pixels of zero
padding, horizontal flip; per sample in a Dataset behind a DataLoader, as torchvision's RandomCrop
and RandomHorizontalFlip do), the frozen teacher run on every batch without gradients. Teacher,
student, loss and data come from the shared step reference (pytorch_kd_step.py: resnet_small-like
teacher with random init, 784-800-800-10 MLP, KD loss alpha 0.5 T 4, SGD lr 0.05 momentum 0.9).

  python kd_epoch_pytorch.py --threads 2 [--workers 0] [--train-limit N] [--reference FILE]
Prints one JSON line: impl, mode, threads, images, epoch_s, fill_s (0), train_top1, train_loss.
"""
import argparse
import importlib.util
import json
import os
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 4


class AugmentedViews(Dataset):
    """Normalised images; each item a random 28x28 crop of the zero-padded image, flipped half the
    time (zero padding in pixel space, i.e. before normalisation, as torchvision's pipeline)."""

    def __init__(self, x, y, mean, std):
        self.x, self.y, self.zero = x, y, (0.0 - mean) / std

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        img = F.pad(self.x[i], (PAD, PAD, PAD, PAD), value=self.zero)
        dy, dx = torch.randint(0, 2 * PAD + 1, (2,)).tolist()
        img = img[:, dy:dy + 28, dx:dx + 28]
        if torch.rand(()) < 0.5:
            img = img.flip(-1)
        return img, self.y[i]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "shared", "bench",
                                                        "pytorch_kd_step.py"))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("reference", args.reference)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = ref.load_train()
    if args.train_limit:
        x, y = x[:args.train_limit], y[:args.train_limit]
    teacher = ref.Teacher().eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = ref.student().train()
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(AugmentedViews(x, y, ref.MEAN, ref.STD), batch_size=ref.BATCH,
                        shuffle=True, num_workers=args.workers)
    correct, seen, loss_sum = 0, 0, 0.0
    start = time.perf_counter()
    for xb, yb in loader:
        with torch.no_grad():
            t = teacher(xb)
        s = student(xb)
        loss = ref.kd_loss(s, t, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        correct += (s.argmax(1) == yb).sum().item()
        seen += yb.shape[0]
        loss_sum += loss.item() * yb.shape[0]
    epoch_s = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch-eager-" + torch.__version__, "mode": "sg-style",
                      "threads": args.threads, "images": seen, "epoch_s": round(epoch_s, 3),
                      "fill_s": 0, "train_top1": round(correct / seen, 4),
                      "train_loss": round(loss_sum / seen, 4)}))


if __name__ == "__main__":
    main()
