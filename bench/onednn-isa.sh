#!/usr/bin/env bash
# Does capping oneDNN's instruction set (ONEDNN_MAX_CPU_ISA) change anything on this CPU? Runs,
# with 2 threads and ONEDNN_VERBOSE=1, once uncapped and once capped:
#   kdflow (libtorch 2.7.1): one epoch of the resnet_small CNN on 512 Fashion-MNIST images;
#   PyTorch (Debian's python3-torch): five SGD steps of a small CNN with BatchNorm.
# Prints the CPU's vector flags, the ISA oneDNN detected, the kernels each run executed and
# whether the resulting weights are bit-identical. Logs and checkpoints go to --out.
#   bench/onednn-isa.sh                      # cap = AVX2
#   bench/onednn-isa.sh --cap AVX512_CORE --out runs/onednn-isa-avx512
set -euo pipefail
cd "$(dirname "$0")/.."
cap=AVX2 out=runs/onednn-isa
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cap) cap="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
"$python" -c 'import torch' 2>/dev/null \
  || { echo "PyTorch missing: apt-get install -y python3-torch" >&2; exit 2; }
root="$(pwd)"
rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

cat >"$out/cnn.yaml" <<'EOF'
apiVersion: kdflow.dev/v1alpha1
kind: KDExperiment
metadata:
  name: onednn-isa
spec:
  student:
    architecture: resnet_small
    archParams: {inChannels: 1, numClasses: 10}
  training:
    maxEpochs: 1
    optimizer: SGD
    optimizerParams: {momentum: 0.9}
    initialLr: 0.05
    seed: 1
  dataset: {type: fashionMnist, batchSize: 64, trainLimit: 512, validLimit: 256}
EOF
cat >"$out/cnn_steps.py" <<'EOF'
import hashlib, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                  nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(128, 1, 28, 28); y = torch.randint(0, 10, (128,))
for _ in range(5):
    opt.zero_grad(); nn.functional.cross_entropy(m(x), y).backward(); opt.step()
h = hashlib.sha256()
for p in m.parameters(): h.update(p.detach().numpy().tobytes())
print("weights sha256", h.hexdigest())
EOF

run() { # side, variant, command...
  local dir="$out/$1-$2"
  mkdir -p "$dir"
  (cd "$dir" && "${@:3}" >run.log 2>&1)
}
for variant in uncapped capped; do
  env_cap=()
  [[ $variant == capped ]] && env_cap=(ONEDNN_MAX_CPU_ISA="$cap")
  echo "kdflow, $variant ..." >&2
  run kdflow "$variant" env "${env_cap[@]}" ONEDNN_VERBOSE=1 KDFLOW_THREADS=2 \
    "$root/kdflow" run "$out/cnn.yaml"
  sha256sum "$out/kdflow-$variant/checkpoints/onednn-isa/ckpt_latest/module.safetensors" \
    | cut -d' ' -f1 >"$out/kdflow-$variant/weights.sha256"
  echo "PyTorch, $variant ..." >&2
  run pytorch "$variant" env "${env_cap[@]}" ONEDNN_VERBOSE=1 "$python" "$out/cnn_steps.py"
  grep -o 'weights sha256 [0-9a-f]*' "$out/pytorch-$variant/run.log" | cut -d' ' -f3 \
    >"$out/pytorch-$variant/weights.sha256"
done

isa() { # the instruction set oneDNN reports it will use
  grep -m1 -o '^onednn_verbose,.*,cpu,isa:[^,]*' "$1" | sed 's/.*isa://'
}
kernels() { # the primitive kind and implementation of every executed primitive
  grep ',exec,' "$1" | sed -E 's/^onednn_verbose,(v1,)?(primitive,)?exec,cpu,([^,]*),([^,]*),.*/\3 \4/' \
    | sort | uniq -c
}
{
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'); vector flags:" \
    "$(grep -o -w 'avx[a-z0-9_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  for side in kdflow pytorch; do
    a="$out/$side-uncapped" b="$out/$side-capped"
    echo
    echo "$side: $(grep -m1 -o 'oneDNN v[0-9.]*' "$a/run.log");" \
      "detected ISA uncapped: $(isa "$a/run.log"), capped at $cap: $(isa "$b/run.log")"
    if diff <(kernels "$a/run.log") <(kernels "$b/run.log") >/dev/null; then
      echo "kernels: the same with and without the cap"
    else
      echo "kernels: DIFFERENT (uncapped left, capped right)"
      diff <(kernels "$a/run.log") <(kernels "$b/run.log") || true
    fi
    kernels "$a/run.log"
    if cmp -s "$a/weights.sha256" "$b/weights.sha256"; then
      echo "weights: bit-identical ($(cat "$a/weights.sha256"))"
    else
      echo "weights: DIFFERENT ($(cat "$a/weights.sha256") vs $(cat "$b/weights.sha256"))"
    fi
  done
} | tee "$out/summary.txt"
