#!/usr/bin/env bash
# One Fashion-MNIST KD epoch end to end (60,000 images, batch 256, shuffled; resnet_small-like
# teacher with random init -> 784-800-800-10 MLP; KD loss alpha 0.5 T 4; SGD 0.05 momentum 0.9),
# three ways, interleaved, each in its own process under /usr/bin/time (peak RSS):
#   pytorch-sg-style   PyTorch 2.7.1 eager, teacher on every augmented batch (bench/kd_epoch_pytorch.py,
#                      what SuperGradients' KDTrainer does)
#   kdflow-teacher     kdflow's KDTrainer, teacher on every augmented batch
#   kdflow-cached      kdflow's KDTrainer with its teacher-output cache: one teacher pass over the
#                      UNaugmented split fills it (reported apart as fill s), then the epoch trains
#                      the student on unaugmented views from cached logits
# The table gives the median epoch time, the cache fill, peak RSS, train top-1 and the speed-up
# over the SG-style epoch (epoch only, and epoch + fill).
#   bench/kd-epoch.sh                    # 1 process a side (~minutes on an idle 2-core machine)
#   bench/kd-epoch.sh --processes 3 --train-limit 8192
# Options: --threads N (2)  --processes N (1)  --train-limit N (all)  --workers N (0: DataLoader
#          workers of the PyTorch side)  --torch-venv DIR (~/.cache/kdflow/torch-2.7.1)  --out DIR
#          --reference FILE (../shared/bench/pytorch_kd_step.py)  --glibc
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 processes=1 limit= workers=0 venv="$HOME/.cache/kdflow/torch-2.7.1" out=runs/bench/kd-epoch
reference=../shared/bench/pytorch_kd_step.py glibc=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --train-limit) limit="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --torch-venv) venv="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --reference) reference="$2"; shift 2 ;;
    --glibc) glibc=1; shift ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
[[ -f "$reference" ]] || { echo "PyTorch reference not found: $reference (--reference)" >&2; exit 2; }
"$venv/bin/python" -c 'import torch' 2>/dev/null || {
  echo "no PyTorch 2.7.1 venv at $venv: python3 -m venv $venv && $venv/bin/pip install torch==2.7.1 numpy" >&2
  exit 2
}
preload=
if [[ $glibc == 0 ]]; then
  preload=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
  [[ -e $preload ]] \
    || { echo "tcmalloc missing: apt-get install -y libtcmalloc-minimal4 (or --glibc)" >&2; exit 2; }
fi
"$PWD/mvnw" -B -o -q -pl bench -am compile dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="api/target/classes:trainer-image/target/classes:bench/target/classes:$(cat bench/target/classpath.txt)"
mkdir -p "$out"
raw="$out/results.jsonl"
: >"$raw"
lim=(${limit:+--train-limit "$limit"})

timed() { # name command...: the command's JSON line plus its peak RSS
  local name=$1
  shift
  env ${preload:+LD_PRELOAD=$preload} /usr/bin/time -v -o "$out/$name.time" "$@" \
    >"$out/$name.out" 2>"$out/$name.log" || { echo "$name failed; see $out/$name.log" >&2; exit 1; }
  local rss
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/$name.time")
  tail -n 1 "$out/$name.out" | sed "s/}\$/, \"side\": \"$name\", \"peak_rss_kib\": $rss}/"
}
for ((p = 1; p <= processes; p++)); do
  echo "kd-epoch: process $p/$processes (PyTorch SG-style, kdflow teacher-in-loop, kdflow cached)" >&2
  timed pytorch-sg-style "$venv/bin/python" bench/kd_epoch_pytorch.py --threads "$threads" \
    --workers "$workers" --reference "$reference" "${lim[@]}" | tee -a "$raw" >&2
  for mode in teacher-in-loop cached; do
    side=kdflow-teacher
    [[ $mode == cached ]] && side=kdflow-cached
    timed "$side" java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
      -cp "$cp" dev.kdflow.bench.KDEpochBenchmark "$mode" --threads "$threads" "${lim[@]}" \
      | tee -a "$raw" >&2
  done
done

python3 - "$raw" "$out/table.md" "$threads" "$processes" "$(lscpu | sed -n 's/^Model name: *//p')" <<'PY'
import json, statistics, sys
raw, table, threads, procs, cpu = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
sides = list(dict.fromkeys(r["side"] for r in rows))
med = lambda side, key: statistics.median(r[key] for r in rows if r["side"] == side)
base = med("pytorch-sg-style", "epoch_s")
lines = [f"One KD epoch, {rows[0]['images']} images, batch 256, {threads} threads, {procs} "
         f"process(es) a side (interleaved), CPU {cpu}; medians", "",
         "| run | epoch s | cache fill s | peak RSS MiB | train top-1 | speed-up (epoch) "
         "| speed-up (epoch + fill) |", "|---|---|---|---|---|---|---|"]
for s in sides:
    e, f = med(s, "epoch_s"), med(s, "fill_s")
    lines.append(f"| {s} | {e:.1f} | {f:.1f} | {med(s, 'peak_rss_kib') / 1024:.0f} | "
                 f"{med(s, 'train_top1') * 100:.2f} % | {base / e:.2f}x | {base / (e + f):.2f}x |")
lines += ["", "speed-up = PyTorch SG-style epoch s / this run's s. kdflow-cached trains on unaugmented "
          "views (the cache serves only those); teachers are random-init, so top-1 is a sanity check, "
          "not a KD accuracy."]
text = "\n".join(lines) + "\n"
open(table, "w").write(text)
print(text, end="")
PY
echo "raw results: $raw; table: $out/table.md" >&2
