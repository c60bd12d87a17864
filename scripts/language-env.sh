#!/usr/bin/env bash
# Build .venv-language (idempotently) and run the brainscore_language registration tests in it.
#
# brainscore-language 2.3.0 needs scikit-learn>=1.6; brainscore-vision 2.4.2 needs <1.6: the two
# cannot share one environment, so the language side is tested in a venv of its own.
#
# Usage (from anywhere):  scripts/language-env.sh [extra pytest args]
# Environment: PYTHON (default python3) builds the venv; BS_INSTALL_DEPENDENCIES is forced to "no".
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-language
PY="$VENV/bin/python"
STAMP="$VENV/.installed"
export BS_INSTALL_DEPENDENCIES=no

# Rebuild only when the stamp is older than what decides the environment's contents.
if [[ ! -f $STAMP || constraints-language.txt -nt $STAMP || pyproject.toml -nt $STAMP ]]; then
    test -x "$PY" || "${PYTHON:-python3}" -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -c constraints-language.txt torch==2.13.0
    "$PY" -m pip install --quiet -c constraints-language.txt brainscore-language==2.3.0 pytest -e .
    touch "$STAMP"
fi

"$PY" -m pytest -p no:cacheprovider tests/brainscore/test_language.py "$@"
