#!/usr/bin/env bash
# Set up, then run the linters, the type checker, the layer contracts and the whole test suite with coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest --cov --cov-report=term-missing:skip-covered "$@"
