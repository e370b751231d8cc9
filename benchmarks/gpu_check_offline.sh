#!/usr/bin/env bash
# The GPU check on a machine that cannot install packages and has no .venv: its own python3 (with
# its CUDA torch, transformers, scikit-learn...) and the wheels that `make gpu-bundle` put in .whl/.
#
#   bash benchmarks/gpu_check_offline.sh           # the notebooks, the benchmark, the CUDA tests
#   bash benchmarks/gpu_check_offline.sh --quick   # versions, device, one notebook, one seed
#
# It installs the wheels with `pip install --no-index --no-deps` into a new temporary folder (never
# into that machine's Python), puts that folder on PYTHONPATH and runs benchmarks/gpu_check.py with
# the same python3, passing on its arguments. Environment: PYTHON (default python3), WHEELS (default
# .whl), SITE (an empty folder to install into; default a new one under /tmp, removed at the end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
WHEELS=${WHEELS:-.whl}

shopt -s nullglob
wheels=("$WHEELS"/*.whl)
if ((${#wheels[@]} == 0)); then
  echo "No wheels in $WHEELS/. Where PyPI is reachable, run 'make gpu-bundle'" \
       "(python -m tools.gpu_bundle) and carry $WHEELS/ along with the working tree." >&2
  exit 2
fi

if [[ -n "${SITE:-}" ]]; then
  mkdir -p "$SITE"
  if [[ -n "$(ls -A "$SITE")" ]]; then
    echo "SITE=$SITE is not empty; give an empty folder, or none for a new temporary one." >&2
    exit 2
  fi
else
  SITE=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-site.XXXXXX")
  trap 'rm -rf "$SITE"' EXIT
fi

echo "installing ${#wheels[@]} wheels from $WHEELS/ into $SITE (no index, no dependency resolution)"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-index --no-deps --no-compile \
  --no-cache-dir --target "$SITE" "${wheels[@]}"

PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" benchmarks/gpu_check.py "$@"
