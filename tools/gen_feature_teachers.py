"""Writes two tiny TorchScript teachers that return features beside their logits, for the FitNets
hint tests (trainer-image/src/test/resources/torchscript/):

  tuple_teacher.pt  forward(x) -> (logits [N,10], pooled [N,8], feature map [N,8,14,14])
  dict_teacher.pt   forward(x) -> {"logits": [N,10], "pool": [N,8]}

Input: Fashion-MNIST-shaped [N,1,28,28]. Run with PyTorch 2.7.1 (the libtorch DJL bundles):
  ~/.cache/kdflow/torch-2.7.1/bin/python tools/gen_feature_teachers.py
"""
import os
from typing import Dict

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "trainer-image", "src", "test", "resources",
                   "torchscript")


class Body(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8, 10)

    def features(self, x):
        fmap = self.pool(torch.relu(self.conv(x)))
        pooled = fmap.mean(dim=(2, 3))
        return self.fc(pooled), pooled, fmap


class TupleTeacher(Body):
    def forward(self, x):
        return self.features(x)


class DictTeacher(Body):
    def forward(self, x) -> Dict[str, torch.Tensor]:
        logits, pooled, _ = self.features(x)
        return {"logits": logits, "pool": pooled}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(7)
    tuple_teacher = TupleTeacher().eval()
    dict_teacher = DictTeacher().eval()
    dict_teacher.load_state_dict(tuple_teacher.state_dict())
    torch.jit.script(tuple_teacher).save(os.path.join(OUT, "tuple_teacher.pt"))
    torch.jit.script(dict_teacher).save(os.path.join(OUT, "dict_teacher.pt"))


if __name__ == "__main__":
    main()
