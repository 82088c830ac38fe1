"""The shared KD-step workload (pytorch_kd_step.py beside kdflow's KDStepBenchmark) on a CUDA GPU.

Same teacher, student, loss, optimizer and data as the CPU reference, imported from it; the data
set is moved to the GPU once, each step's time ends with torch.cuda.synchronize(). Exits with
status 3 and a message when PyTorch sees no CUDA device: it never runs on the CPU instead.

  python kd_step_cuda.py full|teacher|student [--steps 50] [--warmup 10] [--reps 3]
      [--teacher-dtype fp32|bf16|fp16] [--reference FILE]
Prints the reference's JSON line plus device and teacher_dtype.
"""
import argparse
import importlib.util
import json
import os
import sys
import time

import torch

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["full", "teacher", "student"])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--teacher-dtype", choices=list(DTYPES), default="fp32")
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "shared", "bench",
                                                        "pytorch_kd_step.py"))
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print(f"kd_step_cuda: PyTorch {torch.__version__} sees no CUDA device "
              f"(torch.version.cuda={torch.version.cuda}); not running on the CPU instead",
              file=sys.stderr)
        sys.exit(3)
    spec = importlib.util.spec_from_file_location("reference", args.reference)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    dev = torch.device("cuda")
    torch.manual_seed(0)
    x_all, y_all = ref.load_train()
    x_all, y_all = x_all.to(dev), y_all.to(dev)
    batches = x_all.shape[0] // ref.BATCH
    dtype = DTYPES[args.teacher_dtype]
    teacher = ref.Teacher().eval().to(dev, dtype)
    for p in teacher.parameters():
        p.requires_grad_(False)
    stu = ref.student().train().to(dev)
    opt = torch.optim.SGD(stu.parameters(), lr=0.05, momentum=0.9)
    cached = torch.randn(x_all.shape[0], 10, device=dev) * 3

    def step(i):
        j = (i % batches) * ref.BATCH
        x, y = x_all[j:j + ref.BATCH], y_all[j:j + ref.BATCH]
        if args.mode != "student":
            with torch.no_grad():
                t = teacher(x.to(dtype)).float()
            if args.mode == "teacher":
                return
        else:
            t = cached[j:j + ref.BATCH]
        loss = ref.kd_loss(stu(x), t, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    per_rep, k = [], 0
    for _ in range(args.reps):
        for _ in range(args.warmup):
            step(k)
            k += 1
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step(k)
            k += 1
        torch.cuda.synchronize()
        per_rep.append((time.perf_counter() - t0) / args.steps * 1000)
    med = sorted(per_rep)[len(per_rep) // 2]
    print(json.dumps({"impl": "pytorch-eager-" + torch.__version__, "mode": args.mode,
                      "device": torch.cuda.get_device_name(0), "teacher_dtype": args.teacher_dtype,
                      "threads": torch.get_num_threads(), "batch": ref.BATCH,
                      "ms_per_step_reps": [round(t, 3) for t in per_rep],
                      "median_ms_per_step": round(med, 3),
                      "img_per_s": round(ref.BATCH / med * 1000, 1)}))


if __name__ == "__main__":
    main()
