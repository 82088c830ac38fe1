#!/usr/bin/env bash
# The input pipeline alone: images/s of kdflow's image-folder loader against torchvision's
# ImageFolder + DataLoader on the same generated JPEGs, same work (RandomResizedCrop, horizontal
# flip, to float, normalise; shuffled batches), same number of workers (threads for kdflow,
# processes for torchvision). Processes alternate (A B A B ...), one epoch each; the table gives
# both sides' images/s (median over processes) and the ratio kdflow ÷ torchvision.
#   bench/loader.sh                                   # 20,000 JPEGs of 160x160, 3 processes a side
#   bench/loader.sh --images 20000 --workers 2 --image-size 128 --batch 128 --processes 3
#   bench/loader.sh --rss                             # peak RSS of kdflow's loader: 10,000 vs
#                                                     # 100,000 images (64x64 files), 3 runs each
# Options: --images N (20000)  --file-size N (160)  --image-size N (128)  --batch N (128)
#          --workers N (2)  --prefetch N (2)  --processes N (3)  --out DIR  --cache DIR  --rss
# Data and the torchvision virtualenv are made once under --cache (default ~/.cache/kdflow):
# loader-bench/jpeg<size>-<N>/ and torchvision/ (pip install torch==2.7.1 torchvision==0.22.1).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
images=20000 file_size=160 image_size=128 batch=128 workers=2 prefetch=2 processes=3
out=runs/bench/loader cache="$HOME/.cache/kdflow" rss=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images="$2"; shift 2 ;;
    --file-size) file_size="$2"; shift 2 ;;
    --image-size) image_size="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --prefetch) prefetch="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --rss) rss=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

venv="$cache/torchvision"
if [[ ! -f "$venv/.complete" ]]; then
  echo "creating $venv (torch 2.7.1, torchvision 0.22.1)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch==2.7.1 torchvision==0.22.1 pillow numpy
  touch "$venv/.complete"
fi
python="$venv/bin/python"

# dataset DIR N SIZE: a generated ImageFolder, made once
dataset() {
  if [[ ! -f "$1/.complete" ]]; then
    echo "generating $2 JPEGs of $3x$3 in $1" >&2
    rm -rf "$1"
    "$python" bench/loader_generate.py "$1" --images "$2" --size "$3"
    touch "$1/.complete"
  fi
}

bench_classpath
java_flags=(-Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error)
mkdir -p "$out"

if [[ $rss == 1 ]]; then
  raw="$out/rss.jsonl"
  : >"$raw"
  for n in 10000 100000; do
    dir="$cache/loader-bench/jpeg64-$n"
    dataset "$dir" "$n" 64
    for ((p = 1; p <= processes; p++)); do
      echo "peak RSS, $n images: run $p/$processes" >&2
      # the heap limit the trainer image sets (80 % of the container) would let the heap grow
      # with garbage, not with data; a fixed -Xmx compares like with like
      kb=$( { /usr/bin/time -f '%M' java -Xmx1g "${java_flags[@]}" -cp "$cp" \
        dev.kdflow.bench.LoaderBenchmark --data "$dir" --image-size 64 --batch "$batch" \
        --workers "$workers" --prefetch "$prefetch" >/dev/null; } 2>&1 | tail -n 1)
      echo "{\"images\": $n, \"peak_rss_kib\": $kb}" | tee -a "$raw" >&2
    done
  done
  "$python" - "$raw" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {n: statistics.median(r["peak_rss_kib"] for r in rows if r["images"] == n) for n in (10000, 100000)}
print(f"peak RSS (median, MiB): 10,000 images {med[10000]/1024:.0f}, 100,000 images "
      f"{med[100000]/1024:.0f}, ratio {med[100000]/med[10000]:.3f}")
PY
  exit 0
fi

dir="$cache/loader-bench/jpeg$file_size-$images"
dataset "$dir" "$images" "$file_size"
raw="$out/results.jsonl"
: >"$raw"
for ((p = 1; p <= processes; p++)); do
  echo "process $p/$processes (kdflow, then torchvision)" >&2
  java "${java_flags[@]}" -cp "$cp" dev.kdflow.bench.LoaderBenchmark --data "$dir" \
    --image-size "$image_size" --batch "$batch" --workers "$workers" --prefetch "$prefetch" \
    2>/dev/null | tail -n 1 | tee -a "$raw" >&2
  "$python" bench/loader_torchvision.py "$dir" --image-size "$image_size" --batch "$batch" \
    --workers "$workers" | tail -n 1 | tee -a "$raw" >&2
done

"$python" - "$raw" "$out/table.md" "$images" "$file_size" "$image_size" "$batch" "$workers" \
  "$processes" <<'PY'
import json, statistics, sys
raw, table, images, file_size, image_size, batch, workers, procs = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
def side(prefix):
    v = [r["images_per_second"] for r in rows if r["impl"].startswith(prefix)]
    return statistics.median(v), v
k, kv = side("kdflow")
t, tv = side("torchvision")
impl = next(r["impl"] for r in rows if r["impl"].startswith("torchvision"))
fmt = lambda m, v: f"{m:.0f} ({', '.join(f'{x:.0f}' for x in v)})"
text = (f"Loader alone: {images} JPEGs of {file_size}x{file_size}, RandomResizedCrop({image_size}) "
        f"+ flip + normalise, batch {batch}, {workers} workers, {procs} processes a side (A B A B), "
        f"one epoch each; {impl}\n\n"
        "| kdflow img/s | torchvision img/s | kdflow ÷ torchvision |\n|---|---|---|\n"
        f"| {fmt(k, kv)} | {fmt(t, tv)} | {k / t:.2f} |\n")
open(table, "w").write(text)
print(text, end="")
PY
echo "raw results: $raw; table: $out/table.md" >&2
