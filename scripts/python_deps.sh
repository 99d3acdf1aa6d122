# Sourced by the model scripts: Debian's Python packages (there is no PyPI here). /usr/bin/python3 is the
# interpreter that sees them (the pyenv python3 on PATH does not). OpenBLAS makes torch's matmuls ~30x faster.
missing=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch libopenblas0-pthread)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || missing+=(python3-onnx)
/usr/bin/python3 -c 'import PIL' 2>/dev/null || missing+=(python3-pil)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
/usr/bin/python3 -c 'import regex' 2>/dev/null || missing+=(python3-regex)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
