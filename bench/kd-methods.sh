#!/usr/bin/env bash
# Fashion-MNIST accuracy of each distillation method (student alone, KDLogitsLoss, HintonKD, DKD,
# logit standardization + KD, DIST, FitNets + KD, two-teacher KD; then the student alone and
# KDLogitsLoss on crop + flip views) for the MLP and the small CNN student, 3 seeds, one CNN
# teacher (32,64 hidden 128); writes summary.json and summary.md into --out
# (default runs/kd-methods). A rerun resumes from the checkpoints already there, so finished runs
# cost nothing and new --methods add rows.
#   bench/kd-methods.sh                                   # the BENCHMARKS.md table
#   bench/kd-methods.sh --smoke                           # minutes: tiny subsets, 2 epochs
#   bench/kd-methods.sh --methods alone,kd,dkd --students cnn --student-epochs 10
# Environment: THREADS (intra-op threads, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
args=("$@")
if [[ "${1:-}" == "--smoke" ]]; then
  # 2 student epochs: DKD's loss ramp is 2 epochs long, and the validator refuses a longer ramp
  args=(--out runs/kd-methods-smoke --seeds 1,2 --teacher-epochs 1 --student-epochs 2
        --train-limit 1024 --valid-limit 512 "${@:2}")
fi
bench_classpath
bench_tcmalloc optional
[[ -z $preload ]] || export LD_PRELOAD="$preload"
exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" dev.kdflow.bench.KDMethodsBenchmark "${args[@]}"
