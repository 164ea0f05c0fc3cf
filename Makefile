# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROFILE ?= ci

.PHONY: report test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	@tools/ensure-tex
	$(BIN)/kmrbf report --profile $(PROFILE)

check: $(STAMP)
	$(BIN)/kmrbf check --profile $(PROFILE)

bench: $(STAMP)
	$(BIN)/kmrbf bench

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf report/build .kmrbf-cache
