#!/usr/bin/env bash
# Every check that needs CUDA, in one go (at most 5 minutes on one GPU), with a short report.
#
#   bench/gpu_check.sh [--dry-run] [--out DIR]
#
# 1. one Pos+Neg GAN step at the published sizes in fp32 and bf16 (bench/bench_gpu_step.py):
#    it/s, samples/s, peak memory, FLOPs per step and the share of the GPU's peak bf16;
# 2. the enhancement runner's PyTorch engine on CUDA: a published-width RCAN (10x20 blocks, 64
#    features) at 2K in fp32/fp16/bf16 against the straightforward baseline (bench/gpu_check_enhance.py);
# 3. the CUDA-only tests (pytest -m gpu), the enhancement runner's PyTorch engine on CUDA among them.
#    ONNX Runtime's CUDA provider is not checked: the lent GPU machine has the CPU build of
#    ONNX Runtime and nothing can be installed there.
# --dry-run runs the CPU-compatible parts (tiny sizes; the GPU tests report their skips), so
# that a test keeps this script working. The report goes to DIR/gpu_check.md (default gpu_check/).
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=""
out="gpu_check"
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run="--dry-run" ;;
        --out) out="$2"; shift ;;
        *) echo "gpu_check.sh: unknown argument $1 (use --dry-run, --out DIR)" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$out"
report="$out/gpu_check.md"
python="${PYTHON:-python}"
limit=$([ -n "$dry_run" ] && echo 600 || echo 150)

{
    echo "# GPU check $(date -u +%Y-%m-%dT%H:%MZ)${dry_run:+ (dry run, CPU)}"
    echo
    "$python" - <<'PY'
import torch
cuda = torch.cuda.is_available()
print(f"- torch {torch.__version__}, device: {torch.cuda.get_device_name(0) if cuda else 'CPU only'}")
PY
    echo
    echo "## 1. Pos+Neg GAN step (bench/bench_gpu_step.py)"
    echo
    echo '```'
} > "$report"
status=0
timeout "$limit" "$python" bench/bench_gpu_step.py $dry_run --json "$out/step.json" >> "$report" 2>&1 || status=$?
{
    echo '```'
    [ "$status" -eq 0 ] || echo "step benchmark FAILED (exit $status)"
    echo
    echo "## 2. Enhancement runner on CUDA (bench/gpu_check_enhance.py)"
    echo
    echo '```'
} >> "$report"
enhance=0
timeout "$limit" "$python" bench/gpu_check_enhance.py $dry_run --json "$out/enhance.json" >> "$report" 2>&1 || enhance=$?
{
    echo '```'
    [ "$enhance" -eq 0 ] || echo "enhancement benchmark FAILED (exit $enhance)"
    echo
    echo "## 3. CUDA-only tests (pytest -m gpu)"
    echo
    echo "ONNX Runtime's CUDA provider is deselected: the lent machine has the CPU build of ONNX Runtime."
    echo
    echo '```'
} >> "$report"
tests=0
timeout "$limit" "$python" -m pytest -m gpu -q -rs -p no:cacheprovider tests/enhance tests/train \
    --deselect tests/enhance/test_gpu.py::test_onnx_runs_on_the_cuda_provider_and_matches_the_cpu \
    --ignore=tests/train/test_gpu_check.py \
    >> "$report" 2>&1 || tests=$?
# pytest exit 5: nothing ran (every GPU test deselected or skipped is exit 0); both fine on a dry run.
if [ "$tests" -eq 5 ]; then tests=0; fi
{
    echo '```'
    [ "$tests" -eq 0 ] || echo "GPU tests FAILED (exit $tests)"
} >> "$report"
cat "$report"
[ "$status" -eq 0 ] && [ "$enhance" -eq 0 ] && [ "$tests" -eq 0 ]
