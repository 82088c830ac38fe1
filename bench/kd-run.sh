#!/usr/bin/env bash
# Peak RSS and epoch times of the full local Fashion-MNIST KD run (examples/fashion-mnist/kd.yaml:
# CNN teacher -> MLP 784-800-800-10, all 60,000 training images), once with the
# teacher's outputs cached (the default) and once with the teacher in every step
# (kd.cacheTeacherOutputs=false). Writes the logs, /usr/bin/time reports and summary.md into --out.
#   bench/kd-run.sh                                  # trains the example teacher first if absent
#   bench/kd-run.sh --teacher runs/kd-methods/teacher/ckpt_best --uncached-epochs 1   # any cnn teacher
#   bench/kd-run.sh --epochs 1 --uncached-epochs 1 -- dataset.trainLimit=2048   # a quick check
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=checkpoints/fashion-mnist-teacher/ckpt_best
epochs=6
uncached_epochs=2
out=runs/bench/kd-run
overrides=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --teacher) teacher="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --uncached-epochs) uncached_epochs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; overrides=("$@"); break ;;
    *) echo "unknown option $1 (options: --teacher DIR --epochs N --uncached-epochs N --out DIR [-- key.path=value ...])" >&2
       exit 2 ;;
  esac
done
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
if [[ ! -d "$teacher" ]]; then
  echo "no teacher at $teacher: training examples/fashion-mnist/teacher.yaml first" >&2
  ./kdflow run examples/fashion-mnist/teacher.yaml
fi
mkdir -p "$out"

run() {
  local name="$1" n="$2"
  shift 2
  echo "kd-run: $name ($n epochs) ..." >&2
  /usr/bin/time -v -o "$out/$name.time" ./kdflow run examples/fashion-mnist/kd.yaml --force \
    --progress plain "checkpoints.rootDir=$out" "checkpoints.experimentName=$name" \
    "teacher.checkpoint.checkpointPath=$teacher" "training.maxEpochs=$n" "$@" "${overrides[@]}" >"$out/$name.log" 2>&1
}
run cached "$epochs"
run teacher-in-loop "$uncached_epochs" kd.cacheTeacherOutputs=false

python3 - "$out" <<'PY'
import json, re, statistics, sys
from pathlib import Path
out = Path(sys.argv[1])
rows = []
for name in ("cached", "teacher-in-loop"):
    time_report = (out / f"{name}.time").read_text()
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_report).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", time_report).group(1)
    records = [json.loads(l) for l in (out / name / "metrics.jsonl").read_text().splitlines()]
    epochs = [r["epochSeconds"] for r in records if r["type"] == "epoch"]
    last = [r for r in records if r["type"] == "epoch"][-1]
    rows.append((name, rss_kib / 1024, statistics.median(epochs), len(epochs), wall,
                 last["valid"]["top1"] * 100))
lines = ["| run | peak RSS | median epoch | epochs | wall (incl. JVM start, cache fill, validation) | last top-1 |",
         "|---|---|---|---|---|---|"]
for name, rss, ep, n, wall, top1 in rows:
    lines.append(f"| {name} | {rss:.0f} MiB | {ep:.1f} s | {n} | {wall} | {top1:.2f} % |")
lines.append("")
lines.append(f"teacher in the loop / cached epoch time: {rows[1][2] / rows[0][2]:.1f}x")
text = "\n".join(lines)
(out / "summary.md").write_text(text + "\n")
print(text)
PY
