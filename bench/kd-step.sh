#!/usr/bin/env bash
# KD training-step time of kdflow's trainer against PyTorch eager on the shared workload
# (../shared/bench/README.md), against two peers: PyTorch 2.7.1 from PyPI (the libtorch version
# DJL bundles, what SuperGradients users install; a venv outside the repository) and Debian's
# python3-torch 1.13 (OpenBLAS). For each mode kdflow and the peers run alternately
# (kdflow, 2.7.1, 1.13, kdflow, ...), all with tcmalloc preloaded; the table gives each side's
# ms/step and img/s (median over processes) and kdflow img/s ÷ peer img/s. The CPU, and the BLAS /
# oneDNN each side links, go to --out/config.txt and the table's header.
# Raw JSON lines, config and table go to --out (default runs/bench/kd-step).
#   bench/kd-step.sh                                   # full, teacher, student; 3 processes a side
#   bench/kd-step.sh --modes student --processes 5
#   bench/kd-step.sh --glibc                           # glibc malloc on every side instead
#   bench/kd-step.sh --modes teacher --batch 1024 --steps 10 --warmup 3   # another batch size
# Warm-up (the same on every side): each repetition starts with --warmup untimed steps; by default
# 400 for student and 20 for full and teacher. kdflow's JVM compiles the trainer's Java code during
# its first few hundred training steps (KDStepBenchmark --step-log: per-step time and JIT compile
# time from step 1), and its compiler threads share the cores with libtorch's OpenMP threads; a real
# run is thousands of steps, so steady state is what a user gets. 400 student steps (~7 s) cover
# that; a full or teacher step is ~15x longer, so 20 cover the same seconds (the JIT's later, smaller
# compilations then take a few % of one core during the first timed steps). The one-off cost of the
# JVM's warm-up is in BENCHMARKS.md.
# Options: --modes LIST (full,teacher,student)  --threads N (2)  --steps N (50)
#          --batch N (256, the reference's; the reference file stays as it is: its module-level
#          BATCH is set before its main() runs)
#          --warmup N (per mode: student 400, full and teacher 20)
#          --reps N (3)  --processes N (3)  --out DIR  --reference FILE (pytorch_kd_step.py)
#          --torch-venv DIR (~/.cache/kdflow/torch-2.7.1; missing: that column is skipped
#          with a warning)  --no-debian (skip the 1.13 column)
#          --glibc  --isa-cap-both (opt-in experiment: cap oneDNN on every side at
#          ONEDNN_MAX_CPU_ISA, default AVX2; off by default, no side is capped)
# Environment: JAVA_OPTS (extra JVM options, e.g. -Dkdflow.teacher.foldBatchNorm=false).
# Set up the peers once: python3 -m venv ~/.cache/kdflow/torch-2.7.1 &&
#   ~/.cache/kdflow/torch-2.7.1/bin/pip install torch==2.7.1 numpy;
#   apt-get install -y python3-torch libopenblas0-openmp libtcmalloc-minimal4 dataset-fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
modes=full,teacher,student threads=2 steps=50 warmup= reps=3 processes=3 batch=256
out=runs/bench/kd-step reference=../shared/bench/pytorch_kd_step.py glibc=0 cap_both=0
venv="$HOME/.cache/kdflow/torch-2.7.1" debian=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --modes) modes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --reference) reference="$2"; shift 2 ;;
    --torch-venv) venv="$2"; shift 2 ;;
    --no-debian) debian=0; shift ;;
    --glibc) glibc=1; shift ;;
    --isa-cap-both) cap_both=1; shift ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f "$reference" ]] || { echo "PyTorch reference not found: $reference (--reference)" >&2; exit 2; }
# the peers: label and interpreter, primary first
peers=()
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import torch' 2>/dev/null; then
  peers+=("pytorch-2.7.1=$venv/bin/python")
else
  echo "WARNING: no PyTorch venv at $venv (--torch-venv); the PyTorch 2.7.1 column is skipped" >&2
fi
if [[ $debian == 1 ]]; then
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    peers+=("pytorch-1.13=/usr/bin/python3")
    # Debian's reference BLAS makes the PyTorch student ~40x slower: an unfair peer
    if ! dpkg-query -W -f='${Status}' libopenblas0-openmp 2>/dev/null | grep -q 'ok installed'; then
      echo "WARNING: libopenblas0-openmp is not installed; Debian's PyTorch runs on a slow BLAS" \
        "(apt-get install -y libopenblas0-openmp)" >&2
    fi
  else
    echo "WARNING: Debian's python3-torch missing (apt-get install -y python3-torch); column skipped" >&2
  fi
fi
[[ ${#peers[@]} -gt 0 ]] || { echo "no PyTorch peer to compare with (see --help)" >&2; exit 2; }
python=/usr/bin/python3
preload=
[[ $glibc == 1 ]] || bench_tcmalloc required

bench_classpath
# Neither side caps oneDNN's instruction set unless asked: --isa-cap-both caps both at $isa, and
# an exported ONEDNN_MAX_CPU_ISA reaches both processes as it is.
isa="${ONEDNN_MAX_CPU_ISA:-AVX2}"
cap=()
if [[ $cap_both == 1 ]]; then
  cap=(ONEDNN_MAX_CPU_ISA="$isa")
  isa_note="oneDNN capped at $isa on both sides"
elif [[ -n "${ONEDNN_MAX_CPU_ISA:-}" ]]; then
  isa_note="ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA on both sides"
else
  isa_note="oneDNN not capped"
fi
mkdir -p "$out"
raw="$out/results.jsonl"
: >"$raw"
: >"$out/load.txt"
bench/blas-config.sh "${peers[@]}" >"$out/config.txt" 2>&1 || true
warmup_of() { # mode: --warmup, or the mode's default (see the header)
  if [[ -n $warmup ]]; then echo "$warmup"; elif [[ $1 == student ]]; then echo 400; else echo 20; fi
}
flags=(--threads "$threads" --steps "$steps" --reps "$reps")

run_kdflow() {
  env ${preload:+LD_PRELOAD=$preload} "${cap[@]}" \
    java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error ${JAVA_OPTS:-} \
    -cp "$cp" dev.kdflow.bench.KDStepBenchmark "$1" "${flags[@]}" --batch "$batch" \
    --warmup "$(warmup_of "$1")" \
    2>/dev/null | tail -n 1
}
run_pytorch() { # label=python mode: the reference's JSON line, its impl prefixed by the label
  local args=("$2" "${flags[@]}" --warmup "$(warmup_of "$2")")
  local run=("$reference" "${args[@]}")
  if [[ $batch != 256 ]]; then
    run=(-c 'import sys; sys.path.insert(0, sys.argv[1]); import pytorch_kd_step as r
r.BATCH = int(sys.argv[2]); sys.argv = ["pytorch_kd_step.py"] + sys.argv[3:]; r.main()' \
      "$(dirname "$reference")" "$batch" "${args[@]}")
  fi
  env ${preload:+LD_PRELOAD=$preload} "${cap[@]}" "${1#*=}" "${run[@]}" \
    2>/dev/null | tail -n 1 | sed "s/\"impl\": \"/\"impl\": \"${1%%=*}|/"
}

IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  for ((p = 1; p <= processes; p++)); do
    echo "$mode: process $p/$processes (kdflow, then each PyTorch)" >&2
    cut -d' ' -f1 /proc/loadavg >>"$out/load.txt" # the 1-minute load average before each round
    run_kdflow "$mode" | tee -a "$raw" >&2
    for peer in "${peers[@]}"; do
      run_pytorch "$peer" "$mode" | tee -a "$raw" >&2
    done
  done
done

allocator=$([[ $glibc == 1 ]] && echo glibc || echo tcmalloc)
warmups=$(for mode in "${mode_list[@]}"; do printf '%s %s, ' "$mode" "$(warmup_of "$mode")"; done)
"$python" - "$raw" "$out/table.md" "$out/config.txt" "$allocator" "$threads" "$steps" "${warmups%, }" \
  "$reps" "$processes" "$isa_note" "$out/load.txt" "$batch" <<'PY'
import json, statistics, sys
raw, table, config, alloc, threads, steps, warmup, reps, procs, isa_note, load, batch = sys.argv[1:]
batch = int(batch)
loads = [float(l) for l in open(load) if l.strip()]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
def side(r):
    return r["impl"].split("|")[0] if "|" in r["impl"] else "kdflow"
sides = list(dict.fromkeys(side(r) for r in rows))
sides = ["kdflow"] + [s for s in sides if s != "kdflow"]
def med(mode, s):
    v = [r["median_ms_per_step"] for r in rows if r["mode"] == mode and side(r) == s]
    return (statistics.median(v), v) if v else (None, v)
impls = sorted({r["impl"].split("|")[-1] for r in rows})
cpu = [l for l in open(config) if l.startswith(("CPU:", "BLAS "))] if config else []
lines = [f"KD step, batch {batch}, {threads} threads, {alloc}, {procs} processes a side "
         f"(interleaved), {reps} reps of warm-up ({warmup}) + {steps} timed steps; "
         f"{isa_note}; {', '.join(impls)}"] + [l.rstrip() for l in cpu] \
    + [f"1-minute load average before each round: {min(loads):.2f}–{max(loads):.2f} "
       f"(2 cores: above ~0.5 other work shares them)" if loads else "", ""]
peers = sides[1:]
head = ["mode"] + [f"{s} ms/step (processes)" for s in sides] + [f"{s} img/s" for s in sides] \
    + [f"kdflow ÷ {p} (img/s)" for p in peers]
lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
fmt = lambda m, v: "n/a" if m is None else f"{m:.1f} ({', '.join(f'{x:.0f}' for x in v)})"
for mode in dict.fromkeys(r["mode"] for r in rows):
    ms = {s: med(mode, s) for s in sides}
    cells = [mode] + [fmt(*ms[s]) for s in sides]
    cells += ["n/a" if ms[s][0] is None else f"{batch / ms[s][0] * 1000:.0f}" for s in sides]
    k = ms["kdflow"][0]
    cells += [f"{ms[p][0] / k:.2f}" if k and ms[p][0] else "n/a" for p in peers]
    lines.append("| " + " | ".join(cells) + " |")
text = "\n".join(lines) + "\n"
open(table, "w").write(text)
print(text, end="")
PY
echo "raw results: $raw; table: $out/table.md" >&2
