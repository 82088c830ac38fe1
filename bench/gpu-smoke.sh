#!/usr/bin/env bash
# The KD step on a CUDA GPU, kdflow against PyTorch 2.7.1 eager (bench/kd_step_cuda.py), the
# shared workload of bench/kd-step.sh: modes full, teacher, student; interleaved; a table of ms/step,
# img/s and kdflow ÷ PyTorch. Under 5 minutes. With no GPU visible it stops with exit status 3 and
# says so: it never runs on the CPU in a GPU's place.
#   bench/gpu-smoke.sh                          # fp32 teacher
#   bench/gpu-smoke.sh --teacher-dtype bf16     # PyTorch's frozen teacher in bf16 (or fp16); kdflow's
#                                               # stays fp32: DJL 0.36 blocks cannot be cast
#                                               # (AbstractBaseBlock.cast: "Not implemented yet")
# Options: --modes LIST (full,teacher,student)  --steps N (50)  --warmup N (10)  --reps N (3)
#          --processes N (1)  --teacher-dtype fp32|bf16|fp16  --torch-venv DIR
#          (~/.cache/kdflow/torch-2.7.1, a CUDA build of torch 2.7.1: pip's default on Linux)  --out DIR
# kdflow runs DJL's PyTorch engine on that venv's CUDA libtorch (PYTORCH_LIBRARY_PATH) with the
# cu128 JNI library that DJL's pytorch-jni jar carries (PYTORCH_FLAVOR=cu128; override with
# KDFLOW_PYTORCH_FLAVOR), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
modes=full,teacher,student steps=50 warmup=10 reps=3 processes=1 dtype=fp32
venv="$HOME/.cache/kdflow/torch-2.7.1" out=runs/bench/gpu-smoke
while [[ $# -gt 0 ]]; do
  case "$1" in
    --modes) modes="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --teacher-dtype) dtype="$2"; shift 2 ;;
    --torch-venv) venv="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$dtype" in fp32|bf16|fp16) ;; *) echo "--teacher-dtype must be fp32, bf16 or fp16" >&2; exit 2 ;; esac
no_gpu() {
  echo "gpu-smoke: $1; this benchmark runs only on a GPU and never falls back to the CPU" >&2
  exit 3
}
command -v nvidia-smi >/dev/null 2>&1 || no_gpu "no GPU visible (nvidia-smi not found)"
gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
[[ $gpus -gt 0 ]] || no_gpu "no GPU visible (nvidia-smi -L lists none)"
[[ -x "$venv/bin/python" ]] || { echo "no PyTorch venv at $venv (--torch-venv)" >&2; exit 2; }
"$venv/bin/python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || no_gpu "PyTorch in $venv sees no CUDA device (a CPU-only wheel, or no driver)"
torch_lib=$("$venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')

bench_classpath
mkdir -p "$out"
raw="$out/results.jsonl"
: >"$raw"
flags=(--steps "$steps" --warmup "$warmup" --reps "$reps")
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt"

run_kdflow() {
  PYTORCH_LIBRARY_PATH="$torch_lib" PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR="${KDFLOW_PYTORCH_FLAVOR:-cu128}" \
    timeout 240 java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -cp "$cp" dev.kdflow.bench.KDStepBenchmark "$1" --device gpu "${flags[@]}" \
    2>"$out/kdflow-$1.log" | tail -n 1
}
run_pytorch() {
  timeout 240 "$venv/bin/python" bench/kd_step_cuda.py "$1" "${flags[@]}" --teacher-dtype "$dtype" \
    2>"$out/pytorch-$1.log" \
    | tail -n 1
}
IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  for ((p = 1; p <= processes; p++)); do
    echo "$mode: process $p/$processes (kdflow, then PyTorch)" >&2
    run_kdflow "$mode" | tee -a "$raw" >&2 || echo "kdflow $mode failed: $out/kdflow-$mode.log" >&2
    run_pytorch "$mode" | tee -a "$raw" >&2 || echo "PyTorch $mode failed: $out/pytorch-$mode.log" >&2
  done
done

python3 - "$raw" "$out/table.md" "$(cat "$out/gpu.txt")" "$dtype" <<'PY'
import json, statistics, sys
raw, table, gpu, dtype = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
def med(mode, prefix):
    v = [r["median_ms_per_step"] for r in rows if r["mode"] == mode and r["impl"].startswith(prefix)]
    return statistics.median(v) if v else None
lines = [f"KD step on CUDA, batch 256, PyTorch's teacher {dtype}, kdflow's fp32; GPU {gpu}", "",
         "| mode | kdflow ms/step | PyTorch 2.7.1 ms/step | kdflow img/s | PyTorch img/s "
         "| kdflow ÷ PyTorch (img/s) |", "|---|---|---|---|---|---|"]
for mode in dict.fromkeys(r["mode"] for r in rows):
    k, t = med(mode, "kdflow"), med(mode, "pytorch")
    f = lambda v: "failed" if v is None else f"{v:.2f}"
    ips = lambda v: "failed" if v is None else f"{256 / v * 1000:.0f}"
    lines.append(f"| {mode} | {f(k)} | {f(t)} | {ips(k)} | {ips(t)} | "
                 f"{t / k:.2f} |" if k and t else
                 f"| {mode} | {f(k)} | {f(t)} | {ips(k)} | {ips(t)} | n/a |")
text = "\n".join(lines) + "\n"
open(table, "w").write(text)
print(text, end="")
PY
# a side that failed is a failed smoke test
expected=$(( ${#mode_list[@]} * processes * 2 ))
got=$(grep -c '^{' "$raw" || true)
[[ $got -eq $expected ]] || { echo "gpu-smoke: $got of $expected runs gave a result (logs in $out)" >&2; exit 1; }
