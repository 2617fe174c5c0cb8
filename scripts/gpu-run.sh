#!/usr/bin/env bash
# Issue 8's prepared GPU check, run ON the GPU machine from the repository root, with gpu-pack/
# (made here by `node scripts/gpu-pack.mjs`) carried over: mmner on webgpu against PyTorch on CUDA
# (fp32, then TF32 and bf16 for reference), the paper preset's BERT-base text model, one set of
# initial weights, dropout off; losses of the first steps and step times (bench/parity.bench.ts);
# then the paper preset's whole multimodal model on webgpu alone (bench/paper-gpu.bench.ts).
# Writes into $OUT: env.txt (GPU, driver, torch), parity.json/.log and paper.json/.log.
#   OUT=/tmp/out bash scripts/gpu-run.sh
# Knobs (defaults for the GPU): MMNER_BENCH_BACKEND=webgpu, MMNER_TORCH_DEVICE=cuda,
# MMNER_TORCH_PRECISIONS=fp32,tf32,bf16, MMNER_BENCH_BERT_BATCH=32, MMNER_BENCH_STEPS=8,
# MMNER_BENCH_BERT_SIZE=base, MMNER_BENCH_PAPER_BATCH=32, MMNER_BENCH_PAPER_SIZE=base. A dry run on
# a CPU machine, webgpu on Mesa's llvmpipe (see the README):
#   MMNER_WEBGPU_SOFTWARE=1 MMNER_TORCH_DEVICE=cpu MMNER_TORCH_PRECISIONS=fp32 MMNER_BENCH_BERT_SIZE=small \
#   MMNER_BENCH_BERT_BATCH=8 MMNER_BENCH_STEPS=4 MMNER_BENCH_PAPER_SIZE=small MMNER_BENCH_PAPER_BATCH=4 \
#   MMNER_PYTHON=/usr/bin/python3 OUT=/tmp/out bash scripts/gpu-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=gpu-pack
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
[ -f "$PACK/gpu-bench.mjs" ] || { echo "gpu-run: no $PACK/gpu-bench.mjs: run 'node scripts/gpu-pack.mjs' where npm works, and carry $PACK" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# tar needs the xz binary for .tar.xz; Python's tarfile does not (Python is there for torch anyway).
untar_xz() {
  if command -v xz > /dev/null; then tar -xJf "$1" -C "$2"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}
untar_xz "$PACK/node.tar.xz" "$WORK"
untar_xz "$PACK/webgpu.tar.xz" "$PACK"   # → gpu-pack/node_modules/webgpu, beside the bundle
dpkg -x "$PACK"/libvulkan1_*.deb "$WORK/vulkan"
export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Dawn finds the NVIDIA driver through its Vulkan ICD file; it is not always in a standard place.
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  ICD=$(find /usr/share/vulkan /etc/vulkan /usr/local /opt -name 'nvidia_icd*.json' 2>/dev/null | head -1 || true)
  [ -n "$ICD" ] && export VK_DRIVER_FILES="$ICD"
fi
export MMNER_PYTHON=${MMNER_PYTHON:-$(command -v python3)}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $("$WORK/bin/node" --version)"
  echo "VK_DRIVER_FILES: ${VK_DRIVER_FILES:-none found}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"
  "$MMNER_PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 || true
} | tee "$OUT/env.txt"

export MMNER_BENCH_BACKEND=${MMNER_BENCH_BACKEND:-webgpu}
export MMNER_TORCH_DEVICE=${MMNER_TORCH_DEVICE:-cuda}
export MMNER_TORCH_PRECISIONS=${MMNER_TORCH_PRECISIONS:-fp32,tf32,bf16}
export MMNER_BENCH_BERT_BATCH=${MMNER_BENCH_BERT_BATCH:-32}
export MMNER_BENCH_STEPS=${MMNER_BENCH_STEPS:-8}
"$WORK/bin/node" "$PACK/gpu-bench.mjs" parity --out "$OUT/parity.json" 2>&1 | tee "$OUT/parity.log" ||
  echo "gpu-run: the parity run failed (parity.log); going on with the paper model"
# The paper preset's whole multimodal model (BERT-base + CLIP ViT-B/32 + ResNet-152 frozen), random
# weights, batch 32 at 224×224: that it trains on webgpu, its step time and memory (no PyTorch side).
export MMNER_BENCH_PAPER_BATCH=${MMNER_BENCH_PAPER_BATCH:-32}
"$WORK/bin/node" "$PACK/gpu-bench.mjs" paper --out "$OUT/paper.json" 2>&1 | tee "$OUT/paper.log" ||
  echo "gpu-run: the paper model run failed (paper.log)"
echo "gpu-run: results in $OUT"
