# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROFILE ?= ci

.PHONY: report test check bench notebooks clean

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

# execute every notebooks/*.py with its full parameters; executed .ipynb and HTML in notebooks/build/
notebooks: $(STAMP)
	$(BIN)/pip install --quiet -e '.[notebooks,torch,bench]'
	$(BIN)/python notebooks/execute.py --out notebooks/build

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf report/build .kmrbf-cache notebooks/build
