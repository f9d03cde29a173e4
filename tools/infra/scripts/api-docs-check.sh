#!/usr/bin/env bash
# `npm run docs:api:check`: regenerates the API reference (typedoc.json: every libs/*/src/index.ts,
# Markdown) into a scratch folder and compares it with docs/api/. A stale or missing file is
# named and the check fails (exit 1): run `npm run docs:api` and commit docs/api/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
npx typedoc --logLevel Warn --out "$scratch/api" >/dev/null
if ! stale=$(diff -rq docs/api "$scratch/api" 2>&1); then
  echo "docs/api/ is stale against the TSDoc of the libraries:" >&2
  echo "$stale" | sed -e "s#$scratch/api#(generated)#g" -e 's#^#  #' >&2
  echo "Run \`npm run docs:api\` and commit docs/api/." >&2
  exit 1
fi
echo "docs/api/ is up to date"
