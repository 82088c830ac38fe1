#!/usr/bin/env bash
# Operator scale and idle cost against the in-memory API server: create→Job latency, API requests
# per experiment, operator heap, and writes during a resync, an idle window and a new-epoch window
# (dev.kdflow.operator.bench.OperatorScaleBenchmark). Prints a table; writes result.json and
# table.md into --out (default runs/bench/operator-scale).
#   bench/operator-scale.sh                                  # N=100, 5-minute idle window
#   bench/operator-scale.sh --n 100,1000 --idle-window 5m
#   bench/operator-scale.sh --n 100 --idle-window 30s --poll 15s --rate 0 --change-window 1m
# --rate: experiments created per second (0: back to back); --verbose: the operator's INFO log.
#
# On the real API server (k8s/control-plane.sh install first; dev.kdflow.operator.bench.
# ApiServerScaleBenchmark): steady create rate, a burst while N trainers are polled, API requests
# per experiment, idle writes, operator heap. Writes into runs/bench/operator-scale-api-server.
#   bench/operator-scale.sh --real-api-server --n 100,1000 --rate 20 --burst 100 --poll 15s
#   bench/operator-scale.sh --real-api-server --n 100 --trainers steady --idle-window 30s
# Environment: JAVA_OPTS (extra JVM options).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -o -q -pl operator -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
cp="operator/target/test-classes:operator/target/classes:api/target/classes"
cp="$cp:$(cat operator/target/bench-classpath.txt)"
main=dev.kdflow.operator.bench.OperatorScaleBenchmark
if [[ "${1:-}" == "--real-api-server" ]]; then
  shift
  main=dev.kdflow.operator.bench.ApiServerScaleBenchmark
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} \
  -Dkdflow.crd.generated=operator/target/crds/kdexperiments.kdflow.dev-v1.yml \
  -cp "$cp" "$main" "$@"
