#!/usr/bin/env bash
# The demo: set up, ingest the bundled sample corpus, answer an English and a Hindi question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
INDEX=${INDEX:-demo-index}

echo "== indexer ingest corpora/sample --index $INDEX"
indexer ingest corpora/sample --index "$INDEX" --no-progress
echo
echo "== indexer info $INDEX"
indexer info "$INDEX"
echo
echo "== indexer search $INDEX 'How long should I wash my hands?' -k 3"
indexer search "$INDEX" "How long should I wash my hands?" -k 3
echo
echo "== indexer search $INDEX 'नवजात शिशु की नाल को कैसे साफ रखें?' -k 3"
indexer search "$INDEX" "नवजात शिशु की नाल को कैसे साफ रखें?" -k 3
