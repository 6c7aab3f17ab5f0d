VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint install clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/ensure-debian-packages.sh fonts-noto-cjk
	$(VENV)/bin/nianbao demo

test: $(STAMP)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-debian-packages.sh fonts-noto-cjk chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info
