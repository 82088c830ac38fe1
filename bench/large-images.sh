#!/usr/bin/env bash
# Peak RSS of a run on large photos: 64 training JPEGs of 3000x3000 (9 megapixels, as phone
# cameras take them; bench/loader_generate.py, cached under ~/.cache/kdflow/loader-bench/) read at
# imageSize 64 with RandomResizedCrop + flip, 1 epoch, once per --workers value. Memory here is
# bounded by image size x dataset.numWorkers, not by dataset size. Writes logs and summary.md.
#   bench/large-images.sh                 # 2 and 4 worker threads
#   bench/large-images.sh --workers "1 2 4 8"
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
workers="2 4" out=runs/bench/large-images cache="$HOME/.cache/kdflow"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    *) echo "unknown option $1 (options: --workers 'N...' --out DIR --cache DIR)" >&2; exit 2 ;;
  esac
done
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
python="$cache/torchvision/bin/python"
[[ -x $python ]] || python=python3
data="$cache/loader-bench/jpeg3000-64"
if [[ ! -d $data/train ]]; then
  "$python" bench/loader_generate.py "$data" --images 64 --classes 2 --size 3000
fi
cat >"$out/large.yaml" <<YAML
apiVersion: kdflow.dev/v1alpha1
kind: KDExperiment
metadata: {name: large}
spec:
  student:
    architecture: mlp
    archParams: {inputSize: 12288, hiddenSizes: [16], numClasses: 2}
  training: {maxEpochs: 1, initialLr: 0.01, seed: 1}
  dataset:
    type: imageFolder
    path: $data
    imageSize: 64
    batchSize: 16
    randomResizedCrop: true
    horizontalFlip: true
  checkpoints: {rootDir: $out}
YAML
echo "| dataset.numWorkers | peak RSS | wall | exit |" >"$out/summary.md"
echo "|---|---|---|---|" >>"$out/summary.md"
for w in $workers; do
  echo "large-images: $w worker thread(s) ..." >&2
  /usr/bin/time -v -o "$out/large-$w.time" ./kdflow run "$out/large.yaml" --force --progress plain \
    "dataset.numWorkers=$w" >"$out/large-$w.log" 2>&1 || true
  bench_time_report "$out/large-$w.time"
  echo "| $w | $((kb / 1024)) MiB | $wall | $status |" >>"$out/summary.md"
done
cat "$out/summary.md"
