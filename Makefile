# Two commands for people (see README): `make run` and `make test`. Both set up first.
# Set-up is idempotent and quick once done: it reruns only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
LLAMA_CMAKE := -DGGML_NATIVE=OFF
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup llm run test test-fast ingest lint format clean browser bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# CPU torch first, from the wheel on this machine; otherwise pip pulls GBs of CUDA.
	$(PIP) torch==2.13.0
	$(PIP) -e '.[dev]'
	@# Export the packaged model to ONNX once: it loads in 0.5 s instead of 6 s.
	$(PY) -m assistant export-model
	@touch $(STAMP)

# The optional language-model writer (ASSISTANT_LLM): LangChain's OpenAI and Ollama chat models,
# llama-cpp-python (compiled here, 5 to 12 min on 2 cores) and a small packaged model for the tests.
llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	@# GGML_NATIVE=OFF: a build for "this CPU" used instructions (AMX) that a virtual machine
	@# may report but not allow, and llama.cpp crashed (illegal instruction) on the first token.
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) -e '.[dev,llm]'
	@# pip reuses a llama.cpp wheel it compiled before, for whatever CPU and flags that was:
	@# when it cannot generate here, compile it again, bypassing pip's cache.
	@$(PY) -m tools.llm_check || { \
	  echo "Compiling llama.cpp again for this machine (5 to 12 min on 2 cores)..."; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) \
	    --no-cache-dir --force-reinstall --no-deps \
	    "llama-cpp-python==$$($(PY) -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')" \
	  && $(PY) -m tools.llm_check; }
	@touch $(LLM_STAMP)

ingest: setup
	$(PY) ingest.py

run: setup
	$(PY) ingest.py
	$(PY) app.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Browser tests drive Debian's Chromium; install it when missing (never a Playwright download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

test: setup llm lint browser
	$(PY) -m pytest

# The inner loop: the unit tier only (no model, no Chroma, no processes or browser), under 30 s.
test-fast: setup
	$(PY) -m pytest -m unit -q

# Performance figures for the README (takes a while at 100k passages; see README).
bench: setup
	$(PIP) -e '.[bench]'
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .chroma
