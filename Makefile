# The two commands of the README: `make demo` and `make test`. Both install what they need.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: install system demo test lint

$(BIN)/raqib: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[web,airflow,test]"
	touch $@

install: $(BIN)/raqib

# Debian packages: a JDK and Maven for Elasticsearch, Chromium and Arabic fonts for the
# browser tests and their screenshots.
system:
	@missing=""; \
	command -v java >/dev/null     || missing="$$missing openjdk-17-jdk-headless"; \
	command -v mvn >/dev/null      || missing="$$missing maven"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-noto-core >/dev/null 2>&1 || missing="$$missing fonts-noto-core"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

demo: install system
	$(BIN)/raqib demo

lint: install
	$(BIN)/ruff check .

test: install system lint
	$(BIN)/pytest
