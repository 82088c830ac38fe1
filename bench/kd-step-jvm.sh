#!/usr/bin/env bash
# The student step against PyTorch 2.7.1 by JVM state: kdflow after the default 400 warm-up steps
# (the JIT still compiling), with the C1 compiler only (-XX:TieredStopAtLevel=1: compiled in under a
# second, slower code), and after 2000 warm-up steps (steady state); PyTorch 2.7.1 after 400.
# Interleaved (default, c1, long, pytorch; repeated --processes times), tcmalloc, 2 threads, 3 reps
# of 50 timed steps each; prints ms/step per process and the medians (see BENCHMARKS.md).
#   bench/kd-step-jvm.sh [--processes 3] [--out runs/bench/kd-step-jvm]
# Needs what bench/kd-step.sh needs (the reference and the 2.7.1 venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
processes=3 out=runs/bench/kd-step-jvm venv="$HOME/.cache/kdflow/torch-2.7.1"
reference=../shared/bench/pytorch_kd_step.py
while [[ $# -gt 0 ]]; do
  case "$1" in
    --processes) processes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $venv/bin/python ]] || { echo "no PyTorch 2.7.1 venv at $venv (see bench/kd-step.sh)" >&2; exit 2; }
bench_classpath
bench_tcmalloc optional
mkdir -p "$out"
raw="$out/results.txt"
: >"$raw"
flags=(student --threads 2 --steps 50 --reps 3)
for ((p = 1; p <= processes; p++)); do
  for variant in "default 400" "c1 400 -XX:TieredStopAtLevel=1" "long 2000"; do
    read -r name warmup opts <<<"$variant"
    echo "process $p: kdflow $name" >&2
    line=$(env ${preload:+LD_PRELOAD=$preload} java -Dai.djl.offline=true \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=error ${opts:-} -cp "$cp" \
      dev.kdflow.bench.KDStepBenchmark "${flags[@]}" --warmup "$warmup" 2>/dev/null | tail -n 1)
    echo "$name $(cut -d' ' -f1 /proc/loadavg) $line" | tee -a "$raw" >&2
  done
  echo "process $p: pytorch 2.7.1" >&2
  line=$(env ${preload:+LD_PRELOAD=$preload} "$venv/bin/python" "$reference" "${flags[@]}" \
    --warmup 400 2>/dev/null | tail -n 1)
  echo "pytorch $(cut -d' ' -f1 /proc/loadavg) $line" | tee -a "$raw" >&2
done
python3 - "$raw" <<'PY'
import json, statistics, sys
rows = {}
for l in open(sys.argv[1]):
    name, load, js = l.split(" ", 2)
    rows.setdefault(name, []).append((float(load), json.loads(js)["median_ms_per_step"]))
pt = statistics.median(ms for _, ms in rows["pytorch"])
print("| side | ms/step per process | median | side ÷ PyTorch 2.7.1 (img/s) | 1-min load |")
print("|---|---|---|---|---|")
for name, label in [("default", "kdflow, 400 warm-up steps"), ("c1", "kdflow, C1 only, 400"),
                    ("long", "kdflow, 2000 warm-up steps"), ("pytorch", "PyTorch 2.7.1, 400")]:
    v = [ms for _, ms in rows[name]]
    m = statistics.median(v)
    loads = [ld for ld, _ in rows[name]]
    print(f"| {label} | {', '.join(f'{x:.1f}' for x in v)} | {m:.1f} | {pt / m:.2f} | "
          f"{min(loads):.2f}–{max(loads):.2f} |")
PY
