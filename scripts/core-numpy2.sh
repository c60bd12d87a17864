#!/usr/bin/env bash
# Run the core's tests under current numpy 2 and scipy, without the Brain-Score stack.
#
# The project's main environment is pinned by brainscore-core (numpy<2, xarray<2022.6); the core
# (bayesrep_plugin/core) must also work with current releases. This builds .venv-numpy2
# (idempotently) with only what the core needs and runs tests/core there; the torch tests are
# skipped (no torch in this environment), as are none of the others.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-numpy2
PY="$VENV/bin/python"
STAMP="$VENV/.installed"

if [[ ! -f $STAMP || pyproject.toml -nt $STAMP || $0 -nt $STAMP ]]; then
    test -x "$PY" || "${PYTHON:-python3}" -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet "numpy>=2" scipy tqdm threadpoolctl pytest hypothesis mpmath
    touch "$STAMP"
fi

"$PY" -c 'import numpy; assert int(numpy.__version__.split(".")[0]) >= 2, numpy.__version__'
PYTHONPATH=. "$PY" -m pytest -p no:cacheprovider -q tests/core -m "not slow" "$@"
