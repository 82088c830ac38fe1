#!/usr/bin/env bash
# One Fashion-MNIST KD epoch end to end (60,000 images, batch 256, shuffled; resnet_small-like
# teacher with random init -> 784-800-800-10 MLP; KD loss alpha 0.5 T 4; SGD 0.05 momentum 0.9),
# several ways, interleaved, each in its own process under /usr/bin/time (peak RSS):
#   pytorch-sg-style    PyTorch 2.7.1 eager, teacher on every augmented batch
#                       (bench/kd_epoch_pytorch.py, what SuperGradients' KDTrainer does)
#   kdflow-teacher      kdflow's KDTrainer, teacher on every augmented batch
#   kdflow-precomputed  kdflow's KDTrainer on the SAME augmented views (random crop, padding 4, and
#                       flip), reading this epoch's teacher logits from soft labels precomputed
#                       beforehand (KDEpochBenchmark precompute: what `kdflow precompute-teacher`
#                       runs); the precompute runs in its own process, reported apart as "teacher
#                       s" (1 shard), and the epoch fails if any batch had to run the teacher
#   kdflow-cached-unaugmented  (--cached) kdflow's teacher-output cache: one teacher pass over the
#                       UNaugmented split fills it, and the student trains on unaugmented views; not
#                       the same training as the others
# With --two-shards the precompute also runs as 2 shards side by side (two processes of
# --threads/2 threads each, as two Indexed Job pods would), wall time in the table's note.
# The table gives the median epoch time, the teacher's separate time (precompute or cache fill),
# peak RSS (the epoch's process), train top-1 and the speed-up over the SG-style epoch (epoch only,
# and epoch + teacher time); the load average before and after each process goes into --out.
#   bench/kd-epoch.sh                    # 1 process a side (~10 minutes on an idle 2-core machine)
#   bench/kd-epoch.sh --processes 3 --train-limit 8192 --cached --two-shards
# Options: --threads N (2)  --processes N (1)  --train-limit N (all)  --workers N (0: DataLoader
#          workers of the PyTorch side)  --cached  --two-shards
#          --torch-venv DIR (~/.cache/kdflow/torch-2.7.1)  --out DIR
#          --reference FILE (../shared/bench/pytorch_kd_step.py)  --glibc
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
threads=2 processes=1 limit= workers=0 venv="$HOME/.cache/kdflow/torch-2.7.1" out=runs/bench/kd-epoch
reference=../shared/bench/pytorch_kd_step.py glibc=0 cached=0 two_shards=0
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
    --cached) cached=1; shift ;;
    --two-shards) two_shards=1; shift ;;
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
[[ $glibc == 1 ]] || bench_tcmalloc required
bench_classpath
mkdir -p "$out"
raw="$out/results.jsonl"
: >"$raw"
lim=(${limit:+--train-limit "$limit"})

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
timed() { # name command...: the command's JSON line plus its peak RSS and the load around it
  local name=$1
  shift
  local before
  before=$(loadavg)
  env ${preload:+LD_PRELOAD=$preload} /usr/bin/time -v -o "$out/$name.time" "$@" \
    >"$out/$name.out" 2>"$out/$name.log" || { echo "$name failed; see $out/$name.log" >&2; exit 1; }
  bench_time_report "$out/$name.time"
  echo "$name: load average before $before, after $(loadavg)" >>"$out/load.txt"
  tail -n 1 "$out/$name.out" \
    | sed "s/}\$/, \"side\": \"$name\", \"peak_rss_kib\": $kb, \"load_before\": \"$before\"}/"
}
epoch=(java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$cp"
  dev.kdflow.bench.KDEpochBenchmark)
: >"$out/load.txt"
for ((p = 1; p <= processes; p++)); do
  echo "kd-epoch: process $p/$processes (PyTorch SG-style, kdflow teacher-in-loop, precompute +" \
    "precomputed$([[ $cached == 1 ]] && echo ", cached")$([[ $two_shards == 1 ]] && echo ", 2 shards"))" >&2
  timed pytorch-sg-style "$venv/bin/python" bench/kd_epoch_pytorch.py --threads "$threads" \
    --workers "$workers" --reference "$reference" "${lim[@]}" | tee -a "$raw" >&2
  timed kdflow-teacher "${epoch[@]}" teacher-in-loop --threads "$threads" "${lim[@]}" | tee -a "$raw" >&2
  labels="$out/soft-labels-p$p"
  rm -rf "$labels"
  pre=$(timed kdflow-precompute "${epoch[@]}" precompute --soft-labels "$labels" --shard 0/1 \
    --threads "$threads" "${lim[@]}")
  echo "$pre" | tee -a "$out/precompute.jsonl" >&2
  pre_s=$(echo "$pre" | python3 -c 'import json,sys; print(json.load(sys.stdin)["precompute_s"])')
  timed kdflow-precomputed "${epoch[@]}" precomputed --soft-labels "$labels" --threads "$threads" \
    "${lim[@]}" | sed "s/\"fill_s\": *[0-9.]*/\"fill_s\": $pre_s/" | tee -a "$raw" >&2
  rm -rf "$labels"
  if [[ $cached == 1 ]]; then
    timed kdflow-cached-unaugmented "${epoch[@]}" cached --threads "$threads" "${lim[@]}" \
      | tee -a "$raw" >&2
  fi
  if [[ $two_shards == 1 ]]; then
    labels="$out/soft-labels-2-p$p"
    rm -rf "$labels"
    half=$(((threads + 1) / 2))
    start=$(date +%s.%N)
    for shard in 0 1; do
      env ${preload:+LD_PRELOAD=$preload} java -Dai.djl.offline=true \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$cp" dev.kdflow.bench.KDEpochBenchmark \
        precompute --soft-labels "$labels" --shard "$shard/2" --threads "$half" "${lim[@]}" \
        >"$out/precompute-2-shard$shard.out" 2>"$out/precompute-2-shard$shard.log" &
    done
    wait
    end=$(date +%s.%N)
    echo "{\"side\": \"two-shards\", \"wall_s\": $(echo "$end - $start" | bc)}" \
      | tee -a "$out/precompute.jsonl" >&2
    # the two shards together must serve the whole epoch
    timed kdflow-precomputed-2-shards "${epoch[@]}" precomputed --soft-labels "$labels" \
      --threads "$threads" "${lim[@]}" >>"$out/two-shards.jsonl"
    rm -rf "$labels"
  fi
done

python3 - "$raw" "$out/table.md" "$threads" "$processes" "$(lscpu | sed -n 's/^Model name: *//p')" \
  "$out/precompute.jsonl" <<'PY'
import json, statistics, sys
raw, table, threads, procs, cpu, pre = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
pres = [json.loads(l) for l in open(pre) if l.strip().startswith("{")]
sides = list(dict.fromkeys(r["side"] for r in rows))
med = lambda side, key: statistics.median(r[key] for r in rows if r["side"] == side)
base = med("pytorch-sg-style", "epoch_s")
loads = sorted({r["load_before"] for r in rows})
lines = [f"One KD epoch, {rows[0]['images']} images, batch 256, {threads} threads, {procs} "
         f"process(es) a side (interleaved), CPU {cpu}; medians; load average (1, 5, 15 min) "
         f"before each process: {'; '.join(loads)}", "",
         "| run | epoch s | teacher s (apart) | peak RSS MiB | train top-1 | speed-up (epoch) "
         "| speed-up (epoch + teacher) |", "|---|---|---|---|---|---|---|"]
for s in sides:
    e, f = med(s, "epoch_s"), med(s, "fill_s")
    lines.append(f"| {s} | {e:.1f} | {f:.1f} | {med(s, 'peak_rss_kib') / 1024:.0f} | "
                 f"{med(s, 'train_top1') * 100:.2f} % | {base / e:.2f}x | {base / (e + f):.2f}x |")
lines += ["", "speed-up = PyTorch SG-style epoch s / this run's s. teacher s: kdflow-precomputed's "
          "precompute of this epoch's augmented views (1 shard, its own process), "
          "kdflow-cached-unaugmented's cache fill; the others run the teacher inside the epoch. "
          "kdflow-cached-unaugmented trains on unaugmented views (not the same training); "
          "teachers are random-init, so top-1 is a sanity check, not a KD accuracy."]
two = [p["wall_s"] for p in pres if p.get("side") == "two-shards"]
if two:
    lines.append(f"Precompute as 2 shards side by side (two processes of half the threads each, "
                 f"same machine): {statistics.median(two):.1f} s wall (median).")
text = "\n".join(lines) + "\n"
open(table, "w").write(text)
print(text, end="")
PY
echo "raw results: $raw; table: $out/table.md" >&2
