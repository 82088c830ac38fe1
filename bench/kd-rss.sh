#!/usr/bin/env bash
# Peak RSS of a whole KD run (trainer, teacher in the loop, streaming image-folder input) on a
# generated ImageFolder of 10,000 images against one of 100,000: memory must not grow with the
# dataset. 64x64 JPEGs (bench/loader_generate.py, cached under ~/.cache/kdflow/loader-bench/ as
# bench/loader.sh makes them), read at imageSize 32 with crop + flip, 1 epoch, 2 worker threads;
# student MLP 3072-256-10, teacher an untrained MLP 3072-512-10 (its weights do not matter for memory); -Xmx1g on
# both so that the heap cannot grow with garbage rather than data. Writes logs and summary.md.
#   bench/kd-rss.sh                     # 1 run a side
#   bench/kd-rss.sh --runs 2
set -euo pipefail
cd "$(dirname "$0")/.."
runs=1 out=runs/bench/kd-rss cache="$HOME/.cache/kdflow"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    *) echo "unknown option $1 (options: --runs N --out DIR --cache DIR)" >&2; exit 2 ;;
  esac
done
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
python="$cache/torchvision/bin/python"
[[ -x $python ]] || python=python3
: >"$out/rss.jsonl"
for n in 10000 100000; do
  dir="$cache/loader-bench/jpeg64-$n"
  if [[ ! -d $dir/train ]]; then
    "$python" bench/loader_generate.py "$dir" --images "$n" --size 64
  fi
  cat >"$out/kd-$n.yaml" <<YAML
apiVersion: kdflow.dev/v1alpha1
kind: KDExperiment
metadata: {name: kd-$n}
spec:
  student:
    architecture: mlp
    archParams: {inputSize: 3072, hiddenSizes: [256], numClasses: 10}
  teacher:
    architecture: mlp
    archParams: {inputSize: 3072, hiddenSizes: [512], numClasses: 10}
  kd:
    runTeacherOnValidation: false
  training: {maxEpochs: 1, initialLr: 0.01, seed: 1}
  dataset:
    type: imageFolder
    path: $dir
    imageSize: 32
    batchSize: 128
    numWorkers: 2
    horizontalFlip: true
    randomResizedCrop: true
  checkpoints: {rootDir: $out}
YAML
  for ((r = 1; r <= runs; r++)); do
    echo "kd-rss: $n images, run $r/$runs ..." >&2
    # a run that ends early (e.g. its loss turns NaN) still has a peak RSS; its exit status and
    # last step are recorded beside it
    JAVA_OPTS=-Xmx1g /usr/bin/time -v -o "$out/kd-$n-$r.time" ./kdflow run "$out/kd-$n.yaml" \
      --force --progress plain >"$out/kd-$n-$r.log" 2>&1 || true
    kb=$(grep 'Maximum resident set size' "$out/kd-$n-$r.time" | awk '{print $NF}')
    wall=$(grep 'Elapsed (wall clock)' "$out/kd-$n-$r.time" | awk '{print $NF}')
    status=$(grep 'Exit status' "$out/kd-$n-$r.time" | awk '{print $NF}')
    steps=$(grep -oE 'step [0-9]+/[0-9]+|NaN at epoch 1, step [0-9]+' "$out/kd-$n-$r.log" | tail -n 1)
    echo "{\"images\": $n, \"peak_rss_kib\": $kb, \"wall\": \"$wall\", \"exit\": $status, \"last\": \"$steps\"}" |
      tee -a "$out/rss.jsonl" >&2
  done
done
python3 - "$out/rss.jsonl" <<'PY' | tee "$out/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {n: statistics.median(r["peak_rss_kib"] for r in rows if r["images"] == n) for n in (10000, 100000)}
print("| images | peak RSS | wall | exit | last step logged |")
print("|---|---|---|---|---|")
for r in rows:
    print(f"| {r['images']:,} | {r['peak_rss_kib'] / 1024:.0f} MiB | {r['wall']} | {r['exit']} | {r['last']} |")
print()
print(f"100,000 vs 10,000 images: {100 * (med[100000] / med[10000] - 1):+.1f} % peak RSS (goal within 10 %)")
PY
