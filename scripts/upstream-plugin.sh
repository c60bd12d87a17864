#!/usr/bin/env bash
# Test the exported plugin folders the way Brain-Score's CI tests a plugin pull request, in clean
# environments in which bayesrep-plugin is NOT installed.
#
# First the release the folders require: build this package's wheel into dist-upstream/ (the local
# package index the clean environments install it from, standing in for PyPI) and `twine check` it
# (in .venv-twine, built once). Then for each framework (vision, language): build
# .venv-upstream[-language] once (idempotent, stamped) from the framework's source distribution on
# PyPI, installed editable as its CI does, and remove any bayesrep-plugin a previous run installed;
# export our folders with the main venv's python (`bayesrep brainscore export`); put them into that
# source tree at <framework>/metrics/bayesrep/ (and, for vision, benchmarks/bayesrep/) as a pull
# request would add them; assert that bayesrep_plugin is not importable there and that every line of
# their requirements.txt is on the package index (PyPI, or dist-upstream for our own release); then
# run Brain-Score's own CI entry point, unchanged:
#     run_changed_plugin_tests("<files the PR adds>", "<framework>")
# (brainscore_core.plugin_management: parse the changed files, check the folder has a test file,
# run test_plugin.sh: install the library, `pip install -r requirements.txt` (which installs the
# wheel from dist-upstream), run the generic tests of the plugin type if any, then
# `pytest -m "not slow" test.py`; tests marked private_access need Brain-Score's S3 and are
# deselected there as in its public CI).
#
# test_plugin.sh makes a conda environment per plugin. Conda is not part of this project, so a
# stand-in `conda` on PATH maps that environment onto the prebuilt venv (create/install/remove/clean
# do nothing, activate sources the venv). BRAINSCORE_KEEP_PLUGIN_ENV=1 skips test_plugin.sh's
# cleanup, which would otherwise `pip cache purge` this machine's pip cache. BS_INSTALL_DEPENDENCIES
# is left at Brain-Score's default (yes): every load_metric pip-installs requirements.txt again.
#
# Usage (from anywhere):  scripts/upstream-plugin.sh [vision] [language]   (default: both)
# Environment: PYTHON (default python3) builds the venvs; MAIN_PYTHON (default .venv/bin/python,
# which has bayesrep-plugin) exports the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MAIN_PYTHON=${MAIN_PYTHON:-$ROOT/.venv/bin/python}
unset PYTHONPATH  # the folder must work without our package, wherever this script is called from
[[ -x $MAIN_PYTHON ]] || { echo "$MAIN_PYTHON not found: build the main venv first (make)" >&2; exit 2; }

# The release the exported requirements.txt pins, as a wheel in a local package index.
DIST=$ROOT/dist-upstream
rm -rf "$DIST" "$ROOT/build" && mkdir -p "$DIST"   # build/: setuptools' in-tree leftovers would go into the wheel
"$MAIN_PYTHON" -m pip wheel --quiet --no-deps -w "$DIST" "$ROOT"
if [[ ! -x $ROOT/.venv-twine/bin/twine ]]; then
    "${PYTHON:-python3}" -m venv "$ROOT/.venv-twine"
    "$ROOT/.venv-twine/bin/python" -m pip install --quiet twine
fi
"$ROOT/.venv-twine/bin/twine" check --strict "$DIST"/*.whl
export PIP_FIND_LINKS="$DIST${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}"

test_framework() {
    local name=$1 dist version constraints venv
    case $name in
        vision)   dist=brainscore_vision   version=2.4.2 constraints=constraints.txt
                  venv=.venv-upstream ;;
        language) dist=brainscore_language version=2.3.0 constraints=constraints-language.txt
                  venv=.venv-upstream-language ;;
        *) echo "unknown framework '$name' (known: vision, language)" >&2; return 2 ;;
    esac
    local py="$ROOT/$venv/bin/python" src="$ROOT/$venv/src/$dist-$version" stamp="$ROOT/$venv/.installed"
    export PIP_CONSTRAINT="$ROOT/$constraints"  # also for the pip calls inside test_plugin.sh

    # Rebuild only when what decides the environment's contents changed: the release, the constraints.
    local wanted
    wanted="$dist==$version $(sha256sum "$ROOT/$constraints" | cut -d' ' -f1)"
    if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
        rm -rf "${ROOT:?}/$venv"
        "${PYTHON:-python3}" -m venv "$ROOT/$venv"
        "$py" -m pip install --quiet --upgrade pip
        "$py" -m pip install --quiet torch==2.13.0
        # The library's repository as a pull request sees it: its source distribution, editable.
        "$py" -m pip download --quiet --no-deps --no-binary :all: "$dist==$version" -d "$ROOT/$venv/src"
        tar -xzf "$ROOT/$venv/src/$dist-$version.tar.gz" -C "$ROOT/$venv/src"
        "$py" -m pip install --quiet -e "$src[test]" junitparser
        echo "$wanted" >"$stamp"
    fi

    # A previous run's requirements install left our package there: the folder must bring it itself.
    "$py" -m pip uninstall --quiet --yes bayesrep-plugin 2>/dev/null || true

    # The folders, exported by the environment that has our package, added as a PR adds them.
    local export_dir plugins=("$dist/metrics/bayesrep")
    [[ $name == vision ]] && plugins+=("$dist/benchmarks/bayesrep")
    export_dir=$(mktemp -d)
    "$MAIN_PYTHON" -m bayesrep_plugin.cli brainscore export "$export_dir" >/dev/null
    for plugin in "${plugins[@]}"; do
        rm -rf "${src:?}/$plugin"
        cp -r "$export_dir/$plugin" "$src/$plugin"
    done
    rm -rf "$export_dir"

    cd "$src"
    if "$py" -c 'import bayesrep_plugin' 2>/dev/null; then
        echo "bayesrep_plugin is importable in $venv: this would not test the folder alone" >&2
        return 1
    fi
    # Already-installed requirements are never looked up; ask the index for each one explicitly.
    local downloads
    downloads=$(mktemp -d)
    for plugin in "${plugins[@]}"; do
        "$py" -m pip download --quiet --no-deps -r "$plugin/requirements.txt" -d "$downloads"
    done
    rm -rf "$downloads"

    # conda stand-in (see the header): one environment, the prebuilt venv.
    mkdir -p "$ROOT/$venv/conda/bin"
    cat >"$ROOT/$venv/conda/bin/conda" <<EOF
#!/usr/bin/env bash
case "\$1 \$2" in
    "info --base") echo "$ROOT/$venv/conda" ;;
    "shell.bash hook") echo 'conda() { case "\$1" in activate) source "$ROOT/$venv/bin/activate" ;;
                                    deactivate) deactivate ;; *) command conda "\$@" ;; esac; }' ;;
esac
EOF
    chmod +x "$ROOT/$venv/conda/bin/conda"

    # One call per folder: given several test files, run_args (brainscore_core 2.5.0) keeps only the
    # last file's result, so a failing first folder would pass unnoticed.
    local changed
    for plugin in "${plugins[@]}"; do
        changed=$(cd "$src" && find "$plugin" -type f ! -path '*/__pycache__/*' | sort | tr '\n' ' ')
        PATH="$ROOT/$venv/conda/bin:$ROOT/$venv/bin:$PATH" BRAINSCORE_KEEP_PLUGIN_ENV=1 BS_INSTALL_DEPENDENCIES=yes \
            "$py" -c 'import sys; from brainscore_core.plugin_management import parse_plugin_changes as p
p.run_changed_plugin_tests(sys.argv[1], sys.argv[2])' "$changed" "$dist"
    done
    cd "$ROOT"
    echo "upstream-plugin.sh: $dist: the exported folders (${plugins[*]}, requiring $(cat "$src/${plugins[0]}/requirements.txt"))" \
         "passed Brain-Score's plugin tests in an environment that had no bayesrep-plugin before"
}

for framework in ${@:-vision language}; do
    test_framework "$framework"
done
