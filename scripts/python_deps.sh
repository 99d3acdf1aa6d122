# Sourced by the model scripts: Debian's Python packages (there is no PyPI here). /usr/bin/python3 is the
# interpreter that sees them (the pyenv python3 on PATH does not). OpenBLAS makes torch's matmuls ~30x faster.
missing=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch libopenblas0-pthread)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || missing+=(python3-onnx)
/usr/bin/python3 -c 'import PIL' 2>/dev/null || missing+=(python3-pil)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
/usr/bin/python3 -c 'import regex' 2>/dev/null || missing+=(python3-regex)
[ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || missing+=(libjemalloc2)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
# For the training commands: `"${TRAIN_ENV[@]}" /usr/bin/python3 ...`. A training step allocates and frees tensors of
# tens of MB; glibc hands that memory back to the kernel and faults it in again on the next step, and on this VM the
# page faults took ~40% of a summarizer step (perf). With jemalloc keeping freed pages a summarizer step took 3.0 s
# instead of 5.5 s and its data preparation 122 s instead of ~210 s (2026-12-03).
TRAIN_ENV=(env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1)
