# `make demo` and `make test` do all set-up on a fresh machine (Python 3.11+, Node 20+, make).
VENV := .venv

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

# A front end's npm packages, exactly as its lock file says.
%/node_modules/.installed: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund
	touch $@

.PHONY: demo test web
# Both front ends: types generated from the API's OpenAPI document, then a static build the API serves.
web: $(VENV)/.installed board/node_modules/.installed tech/node_modules/.installed
	$(VENV)/bin/bayflow openapi --out board/openapi.json
	$(VENV)/bin/bayflow openapi --out tech/openapi.json
	cd board && npm run build
	cd tech && npm run build

demo: web
	$(VENV)/bin/bayflow demo

test: web
	$(VENV)/bin/pytest
