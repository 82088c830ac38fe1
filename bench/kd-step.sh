#!/usr/bin/env bash
# KD training-step time of kdflow's trainer against PyTorch eager on the shared workload
# (../shared/bench/README.md): for each mode, kdflow's JVM and the PyTorch reference run
# alternately (A B A B ...), both with tcmalloc preloaded, and a table gives kdflow's and
# PyTorch's ms/step (median over processes) and the throughput ratio kdflow img/s ÷ PyTorch img/s.
# Raw JSON lines and the table go to --out (default runs/bench/kd-step).
#   bench/kd-step.sh                                   # full, teacher, student; 3 processes a side
#   bench/kd-step.sh --modes full --steps 20 --warmup 5 --reps 3 --processes 3
#   bench/kd-step.sh --glibc                           # glibc malloc on both sides instead
# Options: --modes LIST (full,teacher,student)  --threads N (2)  --steps N (100)  --warmup N (20)
#          --reps N (3)  --processes N (3)  --out DIR  --reference FILE (pytorch_kd_step.py)
#          --glibc  --isa-cap-both (opt-in experiment: cap oneDNN on both sides at
#          ONEDNN_MAX_CPU_ISA, default AVX2; off by default, neither side is capped)
# Environment: JAVA_OPTS (extra JVM options, e.g. -Dkdflow.teacher.foldBatchNorm=false).
set -euo pipefail
cd "$(dirname "$0")/.."
modes=full,teacher,student threads=2 steps=100 warmup=20 reps=3 processes=3
out=runs/bench/kd-step reference=../shared/bench/pytorch_kd_step.py glibc=0 cap_both=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --modes) modes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --reference) reference="$2"; shift 2 ;;
    --glibc) glibc=1; shift ;;
    --isa-cap-both) cap_both=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f "$reference" ]] || { echo "PyTorch reference not found: $reference (--reference)" >&2; exit 2; }
python=/usr/bin/python3
"$python" -c 'import torch' 2>/dev/null \
  || { echo "PyTorch missing: apt-get install -y python3-torch" >&2; exit 2; }
# Debian's reference BLAS makes the PyTorch student ~40x slower: an unfair peer
if ! dpkg-query -W -f='${Status}' libopenblas0-openmp 2>/dev/null | grep -q 'ok installed'; then
  echo "WARNING: libopenblas0-openmp is not installed; PyTorch runs on a slow BLAS" \
    "(apt-get install -y libopenblas0-openmp)" >&2
fi
preload=
if [[ $glibc == 0 ]]; then
  preload=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
  [[ -e $preload ]] \
    || { echo "tcmalloc missing: apt-get install -y libtcmalloc-minimal4 (or --glibc)" >&2; exit 2; }
fi

mvn -o -q -pl bench -am compile dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="api/target/classes:trainer-image/target/classes:bench/target/classes:$(cat bench/target/classpath.txt)"
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
flags=(--threads "$threads" --steps "$steps" --warmup "$warmup" --reps "$reps")

run_kdflow() {
  env ${preload:+LD_PRELOAD=$preload} "${cap[@]}" \
    java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error ${JAVA_OPTS:-} \
    -cp "$cp" dev.kdflow.bench.KDStepBenchmark "$1" "${flags[@]}" 2>/dev/null | tail -n 1
}
run_pytorch() {
  env ${preload:+LD_PRELOAD=$preload} "${cap[@]}" "$python" "$reference" "$1" "${flags[@]}" | tail -n 1
}

IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  for ((p = 1; p <= processes; p++)); do
    echo "$mode: process $p/$processes (kdflow, then PyTorch)" >&2
    run_kdflow "$mode" | tee -a "$raw" >&2
    run_pytorch "$mode" | tee -a "$raw" >&2
  done
done

allocator=$([[ $glibc == 1 ]] && echo glibc || echo tcmalloc)
"$python" - "$raw" "$out/table.md" "$allocator" "$threads" "$steps" "$warmup" "$reps" \
  "$processes" "$isa_note" <<'PY'
import json, statistics, sys
raw, table, alloc, threads, steps, warmup, reps, procs, isa_note = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
def med(mode, prefix):
    v = [r["median_ms_per_step"] for r in rows if r["mode"] == mode and r["impl"].startswith(prefix)]
    return (statistics.median(v), v) if v else (None, v)
impls = sorted({r["impl"] for r in rows})
lines = [f"KD step, batch 256, {threads} threads, {alloc}, {procs} processes a side "
         f"(A B A B), {reps} reps of {warmup} warm-up + {steps} timed steps; "
         f"{isa_note}; "
         f"{', '.join(impls)}", "",
         "| mode | kdflow ms/step | PyTorch ms/step | kdflow img/s ÷ PyTorch img/s |",
         "|---|---|---|---|"]
for mode in dict.fromkeys(r["mode"] for r in rows):
    k, kv = med(mode, "kdflow")
    t, tv = med(mode, "pytorch")
    ratio = f"{t / k:.2f}" if k and t else "n/a"
    fmt = lambda m, v: "n/a" if m is None else f"{m:.1f} ({', '.join(f'{x:.0f}' for x in v)})"
    lines.append(f"| {mode} | {fmt(k, kv)} | {fmt(t, tv)} | {ratio} |")
text = "\n".join(lines) + "\n"
open(table, "w").write(text)
print(text, end="")
PY
echo "raw results: $raw; table: $out/table.md" >&2
