#!/usr/bin/env bash
# Precomputed teacher soft labels against the teacher in the loop, with an augmented student
# (random crop with padding 2 + horizontal flip) on Fashion-MNIST:
#   - epoch time: teacher in the loop vs reading precomputed soft labels, and the precompute itself
#     as 1 shard and as 2 shards run side by side (two processes, as two Indexed Job pods);
#   - test top-1 of both, for seeds 1, 2, 3.
# A resnet_small teacher is trained first (crop + flip). Writes logs, metrics and summary.md into
# --out. Short runs by default (few epochs, a training subset): say so next to the figures.
#   bench/soft-labels.sh          # 2,000 training / 2,000 test images, 2 epochs, teacher 1 epoch
#   bench/soft-labels.sh --train 60000 --valid 10000 --epochs 6 --teacher-epochs 4
set -euo pipefail
cd "$(dirname "$0")/.."
train=2000 valid=2000 epochs=2 teacher_epochs=1 seeds="1 2 3" out=runs/bench/soft-labels
while [[ $# -gt 0 ]]; do
  case "$1" in
    --train) train="$2"; shift 2 ;;
    --valid) valid="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --teacher-epochs) teacher_epochs="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1 (options: --train N --valid N --epochs N --teacher-epochs N --seeds 'S...' --out DIR)" >&2
       exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"

cat >"$out/teacher.yaml" <<YAML
apiVersion: kdflow.dev/v1alpha1
kind: KDExperiment
metadata: {name: teacher}
spec:
  student:
    architecture: resnet_small
    archParams: {inChannels: 1, numClasses: 10}
  training: {maxEpochs: $teacher_epochs, optimizer: SGD, optimizerParams: {momentum: 0.9}, initialLr: 0.1, lrMode: cosine, seed: 1}
  dataset: {type: fashionMnist, trainLimit: $train, validLimit: $valid, batchSize: 128, randomCropPadding: 2, horizontalFlip: true}
  checkpoints: {rootDir: $out}
YAML
# kd.yaml: the student sees crop + flip views; PRECOMPUTE is replaced per run
cat >"$out/kd.yaml" <<YAML
apiVersion: kdflow.dev/v1alpha1
kind: KDExperiment
metadata: {name: kd}
spec:
  student:
    architecture: mlp
    archParams: {inputSize: 784, hiddenSizes: [800, 800], numClasses: 10}
  teacher:
    architecture: resnet_small
    archParams: {inChannels: 1, numClasses: 10}
    checkpoint: {checkpointPath: $out/teacher/ckpt_best}
  kd:
    runTeacherOnEval: false
    loss: {type: KDLogitsLoss, distillationLossCoeff: 0.7, temperature: 4.0}
  training: {maxEpochs: $epochs, optimizer: SGD, optimizerParams: {momentum: 0.9}, initialLr: 0.05, lrMode: cosine, seed: 1}
  dataset: {type: fashionMnist, trainLimit: $train, validLimit: $valid, batchSize: 128, randomCropPadding: 2, horizontalFlip: true}
  checkpoints: {rootDir: $out}
YAML
sed 's/^  kd:$/  kd:\n    precompute: {shards: 2}/' "$out/kd.yaml" >"$out/kd-precomputed.yaml"

timed() { # NAME CMD...: runs CMD, wall seconds into NAME.seconds, output into NAME.log
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$out/$name.log" 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$out/$name.seconds"
}

if [[ ! -d "$out/teacher/ckpt_best" ]]; then
  echo "soft-labels: training the teacher ($teacher_epochs epochs on $train images) ..." >&2
  timed teacher ./kdflow run "$out/teacher.yaml" --progress plain
fi
for seed in $seeds; do
  echo "soft-labels: seed $seed: teacher in the loop ..." >&2
  timed "in-loop-s$seed" ./kdflow run "$out/kd.yaml" --force --progress plain \
    "training.seed=$seed" "checkpoints.experimentName=in-loop-s$seed"
  echo "soft-labels: seed $seed: precompute (1 shard), then training on it ..." >&2
  rm -rf "$out/precomputed-s$seed"
  timed "precompute-1-s$seed" ./kdflow precompute-teacher "$out/kd-precomputed.yaml" --shard 0/1 \
    "training.seed=$seed" "checkpoints.experimentName=precomputed-s$seed" "kd.precompute.shards=1"
  timed "precomputed-s$seed" ./kdflow run "$out/kd-precomputed.yaml" --progress plain \
    "training.seed=$seed" "checkpoints.experimentName=precomputed-s$seed" "kd.precompute.shards=1"
done
seed=${seeds%% *}
echo "soft-labels: seed $seed: precompute as 2 shards side by side ..." >&2
rm -rf "$out/two-shards"
start=$(date +%s.%N)
for shard in 0 1; do
  ./kdflow precompute-teacher "$out/kd-precomputed.yaml" --shard "$shard/2" "training.seed=$seed" \
    "checkpoints.experimentName=two-shards" >"$out/precompute-2-shard$shard.log" 2>&1 &
done
wait
end=$(date +%s.%N)
echo "$end - $start" | bc >"$out/precompute-2.seconds"
timed two-shards ./kdflow run "$out/kd-precomputed.yaml" --progress plain "training.seed=$seed" \
  "checkpoints.experimentName=two-shards"

python3 - "$out" "$seeds" "$epochs" "$train" "$valid" <<'PY'
import json, statistics, sys
from pathlib import Path
out, seeds, epochs, train, valid = Path(sys.argv[1]), sys.argv[2].split(), *sys.argv[3:6]
def records(name):
    return [json.loads(l) for l in (out / name / "metrics.jsonl").read_text().splitlines()]
def epoch_times(name):
    return [r["epochSeconds"] for r in records(name) if r["type"] == "epoch"]
def top1(name):
    return [r for r in records(name) if r["type"] == "epoch"][-1]["valid"]["top1"] * 100
def sec(name):
    return float((out / f"{name}.seconds").read_text())
loop_ep = [t for s in seeds for t in epoch_times(f"in-loop-s{s}")]
soft_ep = [t for s in seeds for t in epoch_times(f"precomputed-s{s}")]
pre1 = [sec(f"precompute-1-s{s}") for s in seeds]
loop_acc = [top1(f"in-loop-s{s}") for s in seeds]
soft_acc = [top1(f"precomputed-s{s}") for s in seeds]
used = all("soft labels: 1 shard(s) in use" in (out / f"precomputed-s{s}.log").read_text()
           and "the teacher runs in the loop" not in (out / f"precomputed-s{s}.log").read_text()
           for s in seeds)
two_used = "soft labels: 2 shard(s) in use" in (out / "two-shards.log").read_text()
sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
lines = [
    f"Fashion-MNIST, {train} training / {valid} test images, crop (padding 2) + flip student, {epochs} epochs, seeds {', '.join(seeds)}",
    "",
    "| | teacher in the loop | precomputed soft labels |",
    "|---|---|---|",
    f"| median epoch (all seeds) | {statistics.median(loop_ep):.1f} s | {statistics.median(soft_ep):.1f} s |",
    f"| precompute of {epochs} epochs' views, 1 shard (median) | – | {statistics.median(pre1):.1f} s |",
    f"| precompute, 2 shards side by side (wall) | – | {sec('precompute-2'):.1f} s |",
    f"| test top-1 per seed | {', '.join(f'{a:.2f}' for a in loop_acc)} | {', '.join(f'{a:.2f}' for a in soft_acc)} |",
    f"| test top-1 mean ± sd | {statistics.mean(loop_acc):.2f} % ± {sd(loop_acc):.2f} | {statistics.mean(soft_acc):.2f} % ± {sd(soft_acc):.2f} |",
    "",
    f"epoch time, teacher in the loop / precomputed: {statistics.median(loop_ep) / statistics.median(soft_ep):.1f}x",
    f"mean top-1 difference (precomputed - in loop): {statistics.mean(soft_acc) - statistics.mean(loop_acc):+.2f} points",
    f"every precomputed run read its shards and never ran the teacher: {used}; the 2-shard run: {two_used}",
]
text = "\n".join(lines)
(out / "summary.md").write_text(text + "\n")
print(text)
PY
