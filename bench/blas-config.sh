#!/usr/bin/env bash
# Which CPU, BLAS and oneDNN kernels each side of the KD-step benchmark runs: the CPU model and its
# vector flags (lscpu), each PyTorch peer's build (torch.__config__.show()), and for every side the
# first lines MKL_VERBOSE / ONEDNN_VERBOSE print during one student step (the GEMMs) and one
# teacher forward (the convolutions). Used by bench/kd-step.sh (written to its config.txt).
#   bench/blas-config.sh [label=python ...]   e.g. pytorch-2.7.1=$HOME/.cache/kdflow/torch-2.7.1/bin/python
# Needs bench compiled (bench/kd-step.sh does it) for the kdflow side.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
reference=${REFERENCE:-../shared/bench/pytorch_kd_step.py}
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores visible;" \
  "vector flags: $(grep -m1 -o -wE 'avx|avx2|fma|avx512[a-z_0-9]*|amx[a-z_0-9]*|avx_vnni' /proc/cpuinfo \
    | sort -u | tr '\n' ' ')"
one_step=(--threads 2 --steps 1 --warmup 1 --reps 1)
verbose() { # label command...: the library lines of one student step and one teacher forward
  local label=$1
  shift
  for mode in student teacher; do
    MKL_VERBOSE=1 ONEDNN_VERBOSE=1 "$@" "$mode" "${one_step[@]}" 2>&1 \
      | grep -E '^(MKL_VERBOSE|onednn_verbose)' \
      | grep -E 'oneMKL|Intel\(R\)|info,oneDNN|info,cpu|SGEMM|exec,cpu,(convolution|inner_product|matmul|reorder)' \
      | sed -E 's/,[0-9.]+$//; s/0x[0-9a-f]+/_/g; s/ [0-9.]+(ms|us|s) / /; s/TID:[0-9]+//' | sort | uniq -c | sort -rn | head -n 8 \
      | sed "s/^/  $label $mode: /"
  done
}
echo "Debian's BLAS (python3-torch 1.13 links libblas.so.3): $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo none)"
for peer in "$@"; do
  label=${peer%%=*} py=${peer#*=}
  echo "== $label ($py)"
  "$py" -c 'import torch; print(torch.__version__); print(torch.__config__.show())' 2>/dev/null \
    | grep -E '^[0-9]|Math Kernel|MKL-DNN|oneDNN|OpenMP|CPU capability|BLAS_INFO' \
    | sed -E 's/CXX_FLAGS=[^,]*,//; s/^ *- */  /' | cut -c1-200
  verbose "$label" "$py" "$reference"
done
echo "== kdflow (DJL's libtorch: $(ls -d "$HOME"/.djl.ai/pytorch/*/ 2>/dev/null | xargs -n1 basename | tr '\n' ' '))"
if [[ -f bench/target/classpath.txt ]]; then
  bench_cp
  verbose kdflow java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -cp "$cp" dev.kdflow.bench.KDStepBenchmark
else
  echo "  (bench not compiled: run bench/kd-step.sh)"
fi
