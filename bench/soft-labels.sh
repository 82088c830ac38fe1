#!/usr/bin/env bash
# Precomputed teacher soft labels against the teacher in the loop, on the README's distillation
# (examples/fashion-mnist/kd.yaml: the CNN teacher of teacher.yaml, the MLP 784-800-800-10
# student, all 60,000 / 10,000 images, 8 epochs) with the student trained on augmented views
# (random crop, padding 2, + horizontal flip), so every epoch's views differ and the
# teacher-output cache cannot serve:
#   - epoch time: teacher in the loop vs reading precomputed soft labels, and the precompute itself
#     as 1 shard and as 2 shards run side by side (two processes, as two Indexed Job pods);
#   - test top-1 of both, per seed.
# Writes logs, metrics, lscpu and summary.md into --out.
#   bench/soft-labels.sh                    # trains the example teacher first if absent
#   bench/soft-labels.sh --teacher runs/kd-methods/teacher/ckpt_best    # any such CNN teacher
#   bench/soft-labels.sh --seeds 1 -- training.maxEpochs=1 dataset.trainLimit=2048   # a quick check
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=checkpoints/fashion-mnist-teacher/ckpt_best
seeds="1 2 3"
out=runs/bench/soft-labels
overrides=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --teacher) teacher="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; overrides=("$@"); break ;;
    *) echo "unknown option $1 (options: --teacher DIR --seeds 'S...' --out DIR [-- key.path=value ...])" >&2
       exit 2 ;;
  esac
done
if [[ ! -d "$teacher" ]]; then
  echo "no teacher at $teacher: training examples/fashion-mnist/teacher.yaml first" >&2
  ./kdflow run examples/fashion-mnist/teacher.yaml
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
teacher="$(cd "$teacher" && pwd)"
lscpu >"$out/lscpu.txt"

# the same student, teacher and recipe in every run; only the augmentation is added
common=("checkpoints.rootDir=$out" "teacher.checkpoint.checkpointPath=$teacher"
  dataset.randomCropPadding=2 dataset.horizontalFlip=true)
kd=examples/fashion-mnist/kd.yaml

timed() { # NAME CMD...: runs CMD, wall seconds into NAME.seconds, output into NAME.log
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$out/$name.log" 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$out/$name.seconds"
}

for seed in $seeds; do
  echo "soft-labels: seed $seed: teacher in the loop ..." >&2
  timed "in-loop-s$seed" ./kdflow run "$kd" --force --progress plain "${common[@]}" \
    "training.seed=$seed" "checkpoints.experimentName=in-loop-s$seed" "${overrides[@]}"
  echo "soft-labels: seed $seed: precompute (1 shard), then training on it ..." >&2
  # the soft labels live in the experiment directory, so it starts empty rather than moved aside
  rm -rf "$out/precomputed-s$seed"
  pre=("${common[@]}" "training.seed=$seed" "checkpoints.experimentName=precomputed-s$seed"
    kd.precompute.shards=1 "${overrides[@]}")
  timed "precompute-1-s$seed" ./kdflow precompute-teacher "$kd" --shard 0/1 "${pre[@]}"
  timed "precomputed-s$seed" ./kdflow run "$kd" --progress plain "${pre[@]}"
done
seed=${seeds%% *}
echo "soft-labels: seed $seed: precompute as 2 shards side by side ..." >&2
rm -rf "$out/two-shards"
two=("${common[@]}" "training.seed=$seed" checkpoints.experimentName=two-shards
  kd.precompute.shards=2 "${overrides[@]}")
start=$(date +%s.%N)
for shard in 0 1; do
  ./kdflow precompute-teacher "$kd" --shard "$shard/2" "${two[@]}" \
    >"$out/precompute-2-shard$shard.log" 2>&1 &
done
wait
end=$(date +%s.%N)
echo "$end - $start" | bc >"$out/precompute-2.seconds"
timed two-shards ./kdflow run "$kd" --progress plain "${two[@]}"

python3 - "$out" "$seeds" <<'PY'
import json, statistics, sys
from pathlib import Path
out, seeds = Path(sys.argv[1]), sys.argv[2].split()
def records(name):
    return [json.loads(l) for l in (out / name / "metrics.jsonl").read_text().splitlines()]
def epochs(name):
    return [r for r in records(name) if r["type"] == "epoch"]
def top1(name):
    return epochs(name)[-1]["valid"]["top1"] * 100
def sec(name):
    return float((out / f"{name}.seconds").read_text())
start = records(f"in-loop-s{seeds[0]}")[0]
loop_ep = [e["epochSeconds"] for s in seeds for e in epochs(f"in-loop-s{s}")]
soft_ep = [e["epochSeconds"] for s in seeds for e in epochs(f"precomputed-s{s}")]
pre1 = [sec(f"precompute-1-s{s}") for s in seeds]
loop_wall = [sec(f"in-loop-s{s}") for s in seeds]
soft_wall = [sec(f"precompute-1-s{s}") + sec(f"precomputed-s{s}") for s in seeds]
loop_acc = [top1(f"in-loop-s{s}") for s in seeds]
soft_acc = [top1(f"precomputed-s{s}") for s in seeds]
def read_shards(name, n):
    log = (out / f"{name}.log").read_text()
    return f"soft labels: {n} shard(s) in use" in log and "the teacher runs in the loop" not in log
used = all(read_shards(f"precomputed-s{s}", 1) for s in seeds)
sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
n_epochs = len(epochs(f"in-loop-s{seeds[0]}"))
lines = [
    f"Fashion-MNIST, {start.get('trainSize', '?')} training images, crop (padding 2) + flip student,"
    f" {n_epochs} epochs, seeds {', '.join(seeds)}",
    "",
    "| | teacher in the loop | precomputed soft labels |",
    "|---|---|---|",
    f"| median epoch (all seeds) | {statistics.median(loop_ep):.1f} s | {statistics.median(soft_ep):.1f} s |",
    f"| precompute of {n_epochs} epochs' views, 1 shard, wall (median) | – | {statistics.median(pre1):.1f} s |",
    f"| precompute, 2 shards side by side, wall | – | {sec('precompute-2'):.1f} s |",
    f"| whole run incl. JVM starts (median; precomputed: precompute + training) | {statistics.median(loop_wall):.1f} s | {statistics.median(soft_wall):.1f} s |",
    f"| test top-1 per seed | {', '.join(f'{a:.2f}' for a in loop_acc)} | {', '.join(f'{a:.2f}' for a in soft_acc)} |",
    f"| test top-1 mean ± sd | {statistics.mean(loop_acc):.2f} % ± {sd(loop_acc):.2f} | {statistics.mean(soft_acc):.2f} % ± {sd(soft_acc):.2f} |",
    "",
    f"epoch time, teacher in the loop / precomputed: {statistics.median(loop_ep) / statistics.median(soft_ep):.2f}x",
    f"mean top-1 difference (precomputed - in loop): {statistics.mean(soft_acc) - statistics.mean(loop_acc):+.2f} points",
    f"every precomputed run read its shards and never ran the teacher: {used};"
    f" the 2-shard run: {read_shards('two-shards', 2)}, top-1 {top1('two-shards'):.2f} %",
]
text = "\n".join(lines)
(out / "summary.md").write_text(text + "\n")
print(text)
PY
