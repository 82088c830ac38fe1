#!/usr/bin/env bash
# Fashion-MNIST accuracy of KD on CPU: resnet_small teacher, then the 784-800-800-10 MLP student
# alone and with KD (3 seeds each); writes summary.json and summary.md into --out
# (default runs/fashion-mnist-accuracy). A rerun resumes from the checkpoints already there.
#   bench/fashion-mnist-accuracy.sh                       # full run (hours on 2 cores)
#   bench/fashion-mnist-accuracy.sh --smoke               # minutes: tiny subsets, 1 epoch
#   bench/fashion-mnist-accuracy.sh --seeds 1,2,3 --teacher-epochs 30 --student-epochs 20
# Environment: THREADS (intra-op threads, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
args=("$@")
if [[ "${1:-}" == "--smoke" ]]; then
  args=(--out runs/fashion-mnist-accuracy-smoke --seeds 1,2 --teacher-epochs 1 --student-epochs 1
        --train-limit 1024 --valid-limit 512 "${@:2}")
fi
bench_classpath
bench_tcmalloc optional
[[ -z $preload ]] || export LD_PRELOAD="$preload"
exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" dev.kdflow.bench.FashionMnistAccuracyBenchmark "${args[@]}"
