# pybench: one entry point for set-up, the local demo, tests and the GKE workflow.
# Every target sets up the virtualenv first; set-up is a no-op when pyproject.toml has not changed.

# python3.12 may exist only as a pyenv version that is not the active one; find a working interpreter.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do \
            $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYBENCH := $(BIN)/pybench

SCENARIO ?= demo
ACCELERATOR ?= nvidia-l4
export ACCELERATOR MODEL_ID ENDPOINT PROJECT_ID REGION CLUSTER NAMESPACE

.PHONY: setup system-packages demo test bench bootstrap destroy lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found; install it or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: setup
	$(PYBENCH) bench --target local --scenario $(SCENARIO)

test: setup system-packages
	$(BIN)/python -m pytest -q

# Some tests drive Debian programs for real (prometheus, chromium): install the packages listed in
# .ci/apt-packages that are missing, when we are root. A no-op once installed.
system-packages:
	@missing=$$(for p in $$(cat .ci/apt-packages); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages the tests use:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "warning: missing Debian packages (tests that use them will fail): sudo apt-get install" $$missing >&2; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check pybench tests benchmarks

bench: setup
	$(PYBENCH) bench --target gke --scenario $(SCENARIO)

# make bootstrap PROJECT_ID=... REGION=... CLUSTER=... [ACCELERATOR=... NODE_POOL=true]: Terraform in terraform/.
bootstrap: setup
	$(PYBENCH) bootstrap $(if $(filter true 1 yes,$(NODE_POOL)),--node-pool) $(if $(filter true 1 yes,$(PLAN)),--plan)

# make destroy [DELETE_RESULTS=true [YES=true]]: pybench's Jobs/ConfigMaps, then terraform destroy (results kept).
destroy: setup
	$(PYBENCH) destroy $(if $(filter true 1 yes,$(DELETE_RESULTS)),--delete-results) $(if $(filter true 1 yes,$(YES)),--yes)

clean:
	rm -rf $(VENV) build *.egg-info
