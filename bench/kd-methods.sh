#!/usr/bin/env bash
# Fashion-MNIST accuracy of each distillation method (student alone, KDLogitsLoss, HintonKD, DKD,
# logit standardization + KD, DIST, FitNets + KD, two-teacher KD; then the student alone and
# KDLogitsLoss on crop + flip views) for the MLP and the small CNN student, 3 seeds, one CNN
# teacher (32,64 hidden 128); writes summary.json and summary.md into --out
# (default runs/kd-methods). A rerun resumes from the checkpoints already there, so finished runs
# cost nothing and new --methods add rows.
#   bench/kd-methods.sh                                   # the BENCHMARKS.md table
#   bench/kd-methods.sh --smoke                           # minutes: tiny subsets, 1 epoch
#   bench/kd-methods.sh --methods alone,kd,dkd --students cnn --student-epochs 10
# Environment: THREADS (intra-op threads, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
if [[ "${1:-}" == "--smoke" ]]; then
  args=(--out runs/kd-methods-smoke --seeds 1,2 --teacher-epochs 1 --student-epochs 1
        --train-limit 1024 --valid-limit 512 "${@:2}")
fi
./mvnw -o -q -pl bench -am compile dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="api/target/classes:trainer-image/target/classes:bench/target/classes:$(cat bench/target/classpath.txt)"
for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4; do
  [[ -e "$lib" ]] && export LD_PRELOAD="$lib"
done
exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" dev.kdflow.bench.KDMethodsBenchmark "${args[@]}"
