#!/usr/bin/env bash
# The trainer's fault loop: --runs training processes (default 20), each SIGKILLed at a random
# step or inside a checkpoint write, then resumed to the end. Every run must end with exactly
# maxEpochs epochs (ckpt_latest and metrics.jsonl), tensors byte-identical to an uninterrupted
# run's, and no half-written checkpoint ever visible (TrainerFaultLoopIT). Also runs the damaged
# ckpt_latest checks (CheckpointDamageTest) and the full-disk check (CheckpointDiskFullIT: a tiny
# tmpfs, needs root; skipped otherwise).
#   bench/trainer-fault-loop.sh                 # 20 runs, ~8 minutes on 2 loaded cores
#   bench/trainer-fault-loop.sh --runs 50 --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20 seed=2026
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (options: --runs N --seed S)" >&2; exit 2 ;;
  esac
done
./mvnw -B -o -pl trainer-image -am test -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='TrainerFaultLoopIT,CheckpointDamageTest,CheckpointDiskFullIT' \
  -Dkdflow.faultLoop.runs="$runs" -Dkdflow.faultLoop.seed="$seed" 2>&1 \
  | grep -E '^(trainer fault loop|run [0-9]+:)|Tests run:|BUILD|ERROR'
