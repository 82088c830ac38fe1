#!/usr/bin/env bash
# Peak RSS of a whole KD run (trainer, teacher in the loop, streaming image-folder input) on a
# generated ImageFolder of 10,000 images against one of 100,000: memory must not grow with the
# dataset. 64x64 JPEGs (bench/loader_generate.py, cached under ~/.cache/kdflow/loader-bench/ as
# bench/loader.sh makes them), read at imageSize 32 with crop + flip, 1 epoch (--epochs), 2 worker threads;
# student MLP 3072-256-10, teacher an untrained MLP 3072-512-10 (its weights do not matter for
# memory); the same maximum heap on both (--heap, -Xmx1g by default) so that the heap cannot grow
# with garbage rather than data. Writes logs and summary.md.
# With --memory-limit every run is started in a memory cgroup of that many MiB, as a pod's memory
# limit would hold it (needs a writable cgroup file system, v1 or v2: root, or a delegated tree):
# a run that needed more is killed, and the table says so.
#   bench/kd-rss.sh                     # 1 run a side
#   bench/kd-rss.sh --runs 2
#   bench/kd-rss.sh --image-size 64 --memory-limit 1024   # 100,000 images are 4.9 GB as float32
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=1 out=runs/bench/kd-rss cache="$HOME/.cache/kdflow" image_size=32 limit_mib= heap=1g epochs=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --image-size) image_size="$2"; shift 2 ;;
    --memory-limit) limit_mib="$2"; shift 2 ;;
    --heap) heap="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    *) echo "unknown option $1 (options: --runs N --out DIR --cache DIR --image-size N --memory-limit MIB --heap SIZE --epochs N)" >&2
       exit 2 ;;
  esac
done

# The memory cgroup a limited run is started in: its directory and the names of its limit and
# peak files (cgroup v2, else v1's memory controller).
cgroup= limit_file= peak_file=
if [[ -n $limit_mib ]]; then
  if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
    cgroup=/sys/fs/cgroup/kdflow-kd-rss-$$ limit_file=memory.max peak_file=memory.peak
  else
    cgroup=/sys/fs/cgroup/memory/kdflow-kd-rss-$$ limit_file=memory.limit_in_bytes
    peak_file=memory.max_usage_in_bytes
  fi
  mkdir "$cgroup" 2>/dev/null && echo $((limit_mib * 1024 * 1024)) >"$cgroup/$limit_file" || {
    echo "--memory-limit: cannot create a memory cgroup at $cgroup (needs root or a delegated" \
      "cgroup tree); run without --memory-limit" >&2
    exit 2
  }
  trap 'rmdir "$cgroup" 2>/dev/null || true' EXIT
fi
limited() { # CMD...: runs CMD, inside the memory cgroup when there is one
  if [[ -z $cgroup ]]; then
    "$@"
  else
    (echo "$BASHPID" >"$cgroup/cgroup.procs" && exec "$@")
  fi
}
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
    archParams: {inputSize: $((3 * image_size * image_size)), hiddenSizes: [256], numClasses: 10}
  teacher:
    architecture: mlp
    archParams: {inputSize: $((3 * image_size * image_size)), hiddenSizes: [512], numClasses: 10}
  kd:
    runTeacherOnValidation: false
  training: {maxEpochs: $epochs, initialLr: 0.01, seed: 1}
  dataset:
    type: imageFolder
    path: $dir
    imageSize: $image_size
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
    [[ -z $cgroup ]] || echo 0 >"$cgroup/$peak_file" 2>/dev/null || true
    JAVA_OPTS=-Xmx$heap limited /usr/bin/time -v -o "$out/kd-$n-$r.time" ./kdflow run "$out/kd-$n.yaml" \
      --force --progress plain >"$out/kd-$n-$r.log" 2>&1 || true
    bench_time_report "$out/kd-$n-$r.time"
    steps=$(grep -oE 'epoch [0-9]+/[0-9]+ step [0-9]+/[0-9]+|NaN at epoch [0-9]+, step [0-9]+' "$out/kd-$n-$r.log" | tail -n 1 || true)
    group_peak=null
    [[ -z $cgroup ]] || group_peak=$(($(cat "$cgroup/$peak_file") / 1024))
    echo "{\"images\": $n, \"peak_rss_kib\": $kb, \"cgroup_peak_kib\": $group_peak, \"wall\": \"$wall\", \"exit\": \"$status\", \"last\": \"$steps\"}" |
      tee -a "$out/rss.jsonl" >&2
  done
done
python3 - "$out/rss.jsonl" "$image_size" "${limit_mib:-none}" "$heap" "$epochs" <<'PY' | tee "$out/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
size, limit, heap, epochs = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
med = {n: statistics.median(r["peak_rss_kib"] for r in rows if r["images"] == n) for n in (10000, 100000)}
print(f"imageSize {size}; {epochs} epoch(s); -Xmx{heap}; memory limit: {limit if limit == 'none' else limit + ' MiB'}")
print()
print("| images | training set as float32 | peak RSS | memory cgroup peak | wall | exit | last step logged |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    decoded = r["images"] * 3 * size * size * 4 / 2**30
    group = "-" if r.get("cgroup_peak_kib") is None else f"{r['cgroup_peak_kib'] / 1024:.0f} MiB"
    print(f"| {r['images']:,} | {decoded:.2f} GiB | {r['peak_rss_kib'] / 1024:.0f} MiB | {group} | {r['wall']} | {r['exit']} | {r['last']} |")
print()
print(f"100,000 vs 10,000 images: {100 * (med[100000] / med[10000] - 1):+.1f} % peak RSS (goal within 10 %)")
PY
