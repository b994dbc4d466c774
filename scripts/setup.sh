#!/usr/bin/env bash
# Set up a fresh machine: Debian packages (OCR, fonts), a virtual environment with a CPU torch,
# the package with its test extras, and the default embedding model. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

APT_PACKAGES="tesseract-ocr tesseract-ocr-hin tesseract-ocr-ben tesseract-ocr-mar
  tesseract-ocr-nep tesseract-ocr-tam tesseract-ocr-tel tesseract-ocr-kan tesseract-ocr-ind
  fonts-noto-core hunspell-hi hunspell-bn hunspell-ne hunspell-te hunspell-id hunspell-en-us"
missing=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: please install Debian packages:$missing (OCR tests will be skipped)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
pip install -q --disable-pip-version-check -U pip 2>&1 | grep -v "^WARNING: Location" || true
# torch first, pinned: an unpinned torch would pull a multi-GB CUDA build.
pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
python -c "import indexer, loaders, chunkers, faiss, sentence_transformers" \
  || { echo "setup: install failed" >&2; exit 1; }

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
indexer models install
