# Mehvar: the two commands are `make demo` and `make test`. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PORT ?= 8000
SCALE ?= quick
STAMP := $(VENV)/.installed

.PHONY: demo test check lint bench messages venv serve clean-db

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

demo: venv
	@scripts/demo $(PORT)

test: venv
	@scripts/run-tests full

check: venv
	@scripts/run-tests quick

lint: venv
	$(BIN)/ruff check .
	$(BIN)/python scripts/check_css_logical.py

# wrk (Debian's package) drives the survey_public benchmark: installed here when absent, as .ci/run installs
# chromium; without it (no apt-get, no root) that benchmark is skipped with a message.
bench: venv
	@command -v wrk >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } \
	  || echo "wrk could not be installed: the survey_public benchmark will be skipped"
	$(BIN)/python -m bench --scale $(SCALE)

# Regenerate the translation catalogues from the code (needs gettext) and compile them.
messages: venv
	cd src/mehvar && ../../$(BIN)/mehvar makemessages -l fa -l en --no-obsolete --ignore "tests/*"
	cd src/mehvar && ../../$(BIN)/mehvar makemessages -d djangojs -l fa -l en --no-obsolete
	cd src/mehvar && ../../$(BIN)/mehvar compilemessages
