# The two commands of the README: `make campaign` and `make test`.
# Everything they need is installed on first use and reused afterwards.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LAB_CONFIG ?= lab_configs/qemu-x86_64.yaml
IMAGE := build/refdut/image.json
# Every interpreter a campaign starts (pytest, the emulators, the matrix's
# campaigns) reuses its bytecode and pytest's rewritten suites: some machines
# turn the cache off, which costs about a second of CPU per process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup system image campaign test fault-matrix order-check benchmarks clean

setup: system $(VENV)/.installed node_modules/.installed

system:
	@scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,labgrid]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The recipe itself decides whether its inputs changed (it is cheap when not).
image: setup
	$(PY) fixtures/refdut/build.py

campaign: image
	$(PY) -m harness campaign --lab-config $(LAB_CONFIG)

test: image
	$(PY) -m pytest tests -n 2 -rP --durations=25

# Heavier than CI's budget allows: every case under every fault profile
# (CI runs the plan that proves each case both ways), and the benchmarks.
fault-matrix: image
	$(PY) -m harness fault-matrix --plan full --reports reports/fault-matrix

# Every case alone on the conformant DUT, a campaign each: the third order
# (beside collection, and CI's reversed and shuffled runs) verdicts must not depend on.
order-check: image
	$(PY) -m harness fault-matrix --plan isolated --reports reports/order-check

benchmarks: image
	$(PY) benchmarks/nas_decode.py
	$(PY) benchmarks/cellular_campaign.py
	$(PY) benchmarks/ipv6_campaign.py

clean:
	rm -rf build .cache reports/2* reports/latest
