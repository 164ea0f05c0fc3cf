#!/usr/bin/env bash
# The GPU part of issue 10 in one call on a lent CUDA machine (the workplace's `device` tool):
# the CUDA tests of the torch-native kernels and the layer, then `kmrbf bench --peers --device
# cuda` at the headline size and at a large size (default blocks and small ones), and which
# CPU operation depends on the thread count there (gpu_threads.py).  Everything it prints and
# writes lands in $OUT (card.txt, tests.log, threads.log, bench.log, bench-json.tgz).
#
# Prepared here (no registry there; see benchmarks/README.md, "On a GPU"):
#   .venv/bin/pip wheel -q --no-deps --no-build-isolation -w .whl .      # kmrbf itself
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux2014_x86_64 -d .whl \
#       array-api-compat==1.16.0 array-api-strict==2.6.1 python-flint==0.9.0 \
#       fast-pytorch-kmeans==0.2.2 entmax==1.3
# and run there with the tree and .whl:  bash benchmarks/gpu.sh [all|tests|quick]   (OUT defaults to ./gpu-out)
# Results of the runs so far: benchmarks/gpu/ and benchmarks/README.md, "On a GPU".
set -u
export PYTHONUNBUFFERED=1 CI=true
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
REPO=$PWD
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "wheel install failed"; exit 1; }
export PYTHONPATH=/tmp/site
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv
  python3 -c "import sys, torch, numpy, numba; print('python', sys.version.split()[0], 'torch', torch.__version__, \
'cuda', torch.version.cuda, 'numpy', numpy.__version__, 'numba', numba.__version__, \
'device', torch.cuda.get_device_name(0))"
  nproc
} 2>&1 | tee "$OUT/card.txt"

cd /tmp  # import kmrbf from /tmp/site, not from the source tree
timeout 300 python3 -m pytest -q -p no:cacheprovider --rootdir="$REPO" -o addopts="--import-mode=importlib -ra" \
    "$REPO/tests/numerics/test_torch_native.py" "$REPO/tests/torch" 2>&1 | tee "$OUT/tests.log" | tail -25

MODE=${1:-all}  # all | tests (the tests alone) | quick (the tests and the default-block tables)
[ "$MODE" = tests ] && exit 0
[ "$MODE" = all ] && timeout 60 python3 "$REPO/benchmarks/gpu_threads.py" 2>&1 | tee "$OUT/threads.log"

mkdir -p /tmp/json
bench() {  # N K D [CHUNK]: without CHUNK, the library's default rows per block on the device
  echo "== N=$1 K=$2 D=$3 chunk=${4:-default}"
  timeout 240 python3 -m kmrbf.cli bench --peers --device cuda --size "$1" "$2" "$3" ${4:+--torch-chunk "$4"} \
      --repeat 5 --json "/tmp/json/peers-$1-$2-$3-c${4:-default}.json"
}
{
  bench 200000 64 32
  [ "$MODE" = all ] && bench 200000 64 32 4096
  bench 4000000 256 64
  [ "$MODE" = all ] && bench 4000000 256 64 8192
  nvidia-smi --query-gpu=clocks.sm,temperature.gpu,power.draw --format=csv
} 2>&1 | tee "$OUT/bench.log"
tar czf "$OUT/bench-json.tgz" -C /tmp/json .
