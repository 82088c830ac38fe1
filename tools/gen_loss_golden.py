#!/usr/bin/env python3
"""Golden values and gradients for kdflow's KD losses, computed with PyTorch.

Every case holds its inputs (student and teacher logits, labels, parameters) and PyTorch's
results: the loss parts and the gradient of the total loss with respect to the student's logits.
The trainer's tests (dev.kdflow.trainer.loss.LossGoldenTest) load the JSON and compare.

Run it (a virtual environment outside the repository; torch matches the trainer's libtorch):

    python3 -m venv ~/.cache/kdflow/torch-2.7.1
    ~/.cache/kdflow/torch-2.7.1/bin/pip install torch==2.7.1 numpy
    ~/.cache/kdflow/torch-2.7.1/bin/python tools/gen_loss_golden.py \
        > trainer-image/src/test/resources/golden/loss_golden.json

The reference formulas (float64, then reported; inputs are float32-representable):
  KDLogitsLoss  (1-a)*CE(s,y) + a*T^2*KL(softmax(t/T) || softmax(s/T)), KL batchmean
  HintonKD      w_task*CE(s,y) + w_kd*T^2*KL(...)
  DKD           w_task*CE(s,y) + warmup*(alpha*TCKD + beta*NCKD), Zhao et al. 2022
  DIST          w_task*CE(s,y) + w_kd*(beta*T^2*inter + gamma*T^2*intra), Huang et al. 2022
  logit standardization (Sun et al. 2024): z-score rows (unbiased std + 1e-7) of both logits
  before the KL terms of KDLogitsLoss, HintonKD and DKD; CE keeps the raw logits.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(20261129)


def zscore(x):
    centred = x - x.mean(dim=1, keepdim=True)
    return centred / (x.std(dim=1, keepdim=True, unbiased=True) + 1e-7)


def soft(x, standardize):
    return zscore(x) if standardize else x


def kl_batchmean_t2(s, t, temperature):
    log_q = F.log_softmax(s / temperature, dim=1)
    p = F.softmax(t / temperature, dim=1)
    return F.kl_div(log_q, p, reduction="batchmean") * temperature ** 2


def kd_logits(s, t, y, p):
    task = F.cross_entropy(s, y)
    distill = kl_batchmean_t2(soft(s, p["ls"]), soft(t, p["ls"]), p["temperature"])
    return task, distill, (1 - p["alpha"]) * task + p["alpha"] * distill


def hinton(s, t, y, p):
    task = F.cross_entropy(s, y)
    distill = kl_batchmean_t2(soft(s, p["ls"]), soft(t, p["ls"]), p["temperature"])
    return task, distill, p["task_weight"] * task + p["distill_weight"] * distill


def dkd(s, t, y, p):
    temperature = p["temperature"]
    s_, t_ = soft(s, p["ls"]) / temperature, soft(t, p["ls"]) / temperature
    target = F.one_hot(y, s.shape[1]).to(torch.bool)
    ps, pt = F.softmax(s_, dim=1), F.softmax(t_, dim=1)
    # binary (target, rest) distributions
    bs = torch.stack([ps[target], ps.masked_fill(target, 0).sum(1)], dim=1)
    bt = torch.stack([pt[target], pt.masked_fill(target, 0).sum(1)], dim=1)
    n = s.shape[0]
    tckd = F.kl_div(bs.log(), bt, reduction="sum") * temperature ** 2 / n
    # distributions over the non-target classes only
    log_qs = F.log_softmax(s_.masked_fill(target, float("-inf")), dim=1)
    qt = F.softmax(t_.masked_fill(target, float("-inf")), dim=1)
    nckd = (qt * (qt.clamp_min(1e-300).log() - log_qs.masked_fill(target, 0))).sum()
    nckd = nckd * temperature ** 2 / n
    task = F.cross_entropy(s, y)
    distill = p["alpha"] * tckd + p["beta"] * nckd
    total = p["task_weight"] * task + p["warmup_factor"] * distill
    return task, distill, total


def pearson_loss(a, b, dim):
    ac = a - a.mean(dim=dim, keepdim=True)
    bc = b - b.mean(dim=dim, keepdim=True)
    cos = (ac * bc).sum(dim) / (ac.norm(dim=dim) * bc.norm(dim=dim) + 1e-8)
    return 1 - cos.mean()


def dist(s, t, y, p):
    temperature = p["temperature"]
    ys, yt = F.softmax(s / temperature, dim=1), F.softmax(t / temperature, dim=1)
    inter = pearson_loss(ys, yt, 1) * temperature ** 2
    intra = pearson_loss(ys, yt, 0) * temperature ** 2
    task = F.cross_entropy(s, y)
    distill = p["beta"] * inter + p["gamma"] * intra
    return task, distill, p["task_weight"] * task + p["distill_weight"] * distill


LOSSES = {"KDLogitsLoss": kd_logits, "HintonKD": hinton, "DKD": dkd, "DIST": dist}

PARAMS = [
    ("KDLogitsLoss", {"alpha": 0.5, "temperature": 1.0, "ls": False}),
    ("KDLogitsLoss", {"alpha": 0.9, "temperature": 4.0, "ls": False}),
    ("KDLogitsLoss", {"alpha": 0.9, "temperature": 2.0, "ls": True}),
    ("HintonKD", {"task_weight": 0.1, "distill_weight": 0.9, "temperature": 4.0, "ls": False}),
    ("HintonKD", {"task_weight": 0.1, "distill_weight": 9.0, "temperature": 2.0, "ls": True}),
    ("DKD", {"task_weight": 1.0, "alpha": 1.0, "beta": 8.0, "temperature": 4.0,
             "warmup_factor": 1.0, "ls": False}),
    ("DKD", {"task_weight": 1.0, "alpha": 1.0, "beta": 2.0, "temperature": 1.0,
             "warmup_factor": 0.25, "ls": False}),
    ("DKD", {"task_weight": 0.5, "alpha": 1.0, "beta": 8.0, "temperature": 2.0,
             "warmup_factor": 1.0, "ls": True}),
    ("DIST", {"task_weight": 1.0, "distill_weight": 1.0, "beta": 1.0, "gamma": 1.0,
              "temperature": 1.0, "ls": False}),
    ("DIST", {"task_weight": 1.0, "distill_weight": 1.0, "beta": 2.0, "gamma": 2.0,
              "temperature": 4.0, "ls": False}),
]

inputs, cases = [], []
for (n, c, scale) in [(4, 10, 3.0), (8, 10, 1.0), (3, 5, 6.0), (12, 100, 3.0)]:
    s32 = (torch.randn(n, c) * scale).float()
    t32 = (torch.randn(n, c) * scale).float()
    y = torch.randint(0, c, (n,))
    inputs.append({"student": s32.tolist(), "teacher": t32.tolist(), "labels": y.tolist()})
    for loss, params in PARAMS:
        s = s32.double().requires_grad_(True)
        task, distill, total = LOSSES[loss](s, t32.double(), y, params)
        (grad,) = torch.autograd.grad(total, s)
        cases.append({
            "loss": loss,
            "params": params,
            "input": len(inputs) - 1,
            "expected": {"task": task.item(), "distill": distill.item(), "total": total.item(),
                         "grad_student": grad.tolist()},
        })

print(json.dumps({"generator": "tools/gen_loss_golden.py", "torch": torch.__version__,
                  "inputs": inputs, "cases": cases}))
