# `make demo` and `make test` do all set-up on a fresh machine (Python 3.11+).
VENV := .venv

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

.PHONY: demo test
demo: $(VENV)/.installed
	$(VENV)/bin/bayflow demo

test: $(VENV)/.installed
	$(VENV)/bin/pytest
