#!/usr/bin/env bash
# Import speed, for the README's performance table. Run: tests/bench_import.sh (tests/bench.sh runs it;
# it needs the release binary, hyperfine, python3 with PyYAML for the YAML row).
#   `gatepass import` of large real OpenAPI documents (Stripe's 4 MB spec3.json and spec3.yaml, Discord's
#   1.2 MB OpenAPI 3.1, from ../shared/samples/import) into a new collection folder, next to python3
#   only parsing the same file (json.load / yaml.CSafeLoader). Skips with a reason when the samples are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gatepass}
[ -x "$BIN" ] || cargo build --release --locked
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)"; exit 2; }
samples=../shared/samples/import
[ -f "$samples/facts.json" ] || { echo "skipped: $samples is not here"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cfg="$work/cfg"
echo "== 8. Import: large real OpenAPI documents into a new collection"
for doc in openapi/stripe.spec3.json openapi/stripe.spec3.yaml openapi/discord.openapi.json; do
  file="$samples/$doc"
  size=$(du -h "$file" | cut -f1)
  if [[ "$doc" == *.yaml ]]; then
    parse="python3 -c 'import yaml,sys; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)' $file"
  else
    parse="python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $file"
  fi
  echo "-- $doc ($size)"
  "$BIN" --config-dir "$cfg" import "$file" --into "$work/once" --format json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print("gatepass imports", d["requests"], "requests in", d["folders"], "folders")'
  rm -rf "$work/once"
  hyperfine --warmup 1 --runs 10 \
    --prepare "rm -rf $work/into" \
    "$BIN --config-dir $cfg import $file --into $work/into --format json" \
    "$parse"
done
