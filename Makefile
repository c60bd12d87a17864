# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export BS_INSTALL_DEPENDENCIES := no
# The real recordings and models (never copied into the project): see README.md, "Real data".
export BAYESREP_DATA ?= $(abspath ../shared/data)

.PHONY: demo test test-models benchmarks clean chromium

$(STAMP): pyproject.toml constraints.txt scripts/torchvision_cpu_compat.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[torch,brainscore,models,docs,test,distributed]'
	$(PY) scripts/torchvision_cpu_compat.py  # PyPI's torchvision is a CUDA build: see the script
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/bayesrep demo

# The main suite; its property tests once more on new random examples (about 20 CPU-seconds); the
# core alone under current numpy 2; the brainscore_language registration in an environment of its own
# (it cannot share one with brainscore-vision); the exported folders as Brain-Score's CI tests them.
test: $(STAMP) chromium
	$(PY) -m pytest -n 2  # two processes (CI's two cores), each test on one BLAS thread
	$(PY) -m pytest -q -m hypothesis --hypothesis-profile=randomized
	scripts/core-numpy2.sh
	scripts/language-env.sh
	scripts/upstream-plugin.sh

# Every model of V4 on the real images (about an hour on 2 cores the first time; cached after).
test-models: $(STAMP)
	$(PY) -m pytest -m hours tests/models

# The report tests open the HTML page in a real headless browser (chromium). One already on PATH
# is used; only root, where it is missing, gets Debian's package from apt; anyone else is told how.
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
	{ if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: the report tests need a headless chromium on PATH (Debian: sudo apt-get install chromium); install it and rerun" >&2; exit 2; fi; }

# The peer libraries (rsatoolbox, repsim) are the benchmarks extra, installed here only.
benchmarks: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[benchmarks]'
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_brainscore.py
	$(PY) benchmarks/bench_distributed.py
	$(PY) benchmarks/bench_torch.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/replicate.py
	$(PY) benchmarks/bench_peers.py

# Every environment `make test` and scripts/ build, and the demo's report.
clean:
	rm -rf $(VENV) .venv-upstream .venv-upstream-language .venv-language .venv-numpy2 bayesrep-demo dist-upstream .pytest_cache .hypothesis
