"""Per-op profile of the reference's student step (pytorch_kd_step.py, mode student) in PyTorch:
op name, calls per step and time per step from torch.autograd.profiler, over --steps steps after
10 warm-up steps. The kdflow side: KDStepBenchmark student --profile FILE (a Chrome trace).

  python profile_student_step.py [--steps 20] [--threads 2] [--top 40] [--reference FILE]
  python profile_student_step.py --kdflow-trace FILE --steps 20   # the same table from kdflow's trace
"""
import argparse
import collections
import importlib.util
import json
import os

import torch


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "shared", "bench",
                                                        "pytorch_kd_step.py"))
    ap.add_argument("--kdflow-trace", help="a KDStepBenchmark --profile file to summarise instead")
    args = ap.parse_args()
    if args.kdflow_trace:
        events = json.load(open(args.kdflow_trace))
        events = events["traceEvents"] if isinstance(events, dict) else events
        total, calls = collections.Counter(), collections.Counter()
        for e in events:
            if e.get("ph") == "X":
                total[e["name"]] += e.get("dur", 0)
                calls[e["name"]] += 1
        report("kdflow (libtorch trace)", total, calls, args.steps, args.top)
        return
    spec = importlib.util.spec_from_file_location("reference", args.reference)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x_all, y_all = ref.load_train()
    stu = ref.student().train()
    opt = torch.optim.SGD(stu.parameters(), lr=0.05, momentum=0.9)
    cached = torch.randn(x_all.shape[0], 10) * 3
    batches = x_all.shape[0] // ref.BATCH

    def step(i):
        j = (i % batches) * ref.BATCH
        x, y, t = x_all[j:j + ref.BATCH], y_all[j:j + ref.BATCH], cached[j:j + ref.BATCH]
        loss = ref.kd_loss(stu(x), t, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for i in range(10):
        step(i)
    with torch.autograd.profiler.profile() as prof:
        for i in range(10, 10 + args.steps):
            step(i)
    total, calls = collections.Counter(), collections.Counter()
    for e in prof.function_events:
        total[e.name] += e.cpu_time_total
        calls[e.name] += 1
    report(f"torch {torch.__version__}", total, calls, args.steps, args.top)


def report(side, total, calls, steps, top):
    """Op name, calls per step and inclusive time per step, most time first."""
    print(f"{side}: {sum(calls.values()) / steps:.0f} events per step")
    for name, us in total.most_common(top):
        print(f"{name:55s} {calls[name] / steps:6.1f}/step {us / steps / 1000:9.3f} ms/step")


if __name__ == "__main__":
    main()
