#!/usr/bin/env bash
# Collections at scale, for the README's performance table. Run: tests/bench_collections.sh
# (tests/bench.sh runs it; it needs the release binary, hyperfine and python3 3.11+ for tomllib).
# (Numbered 7a–7c because tests/bench.sh prints them as its part 7.)
#   7a. `gatepass collection list` and `collection show --format json` on a collection of 2,000 requests
#      in 100 folders, next to python3 reading the same files (tomllib) and printing the same tree as JSON;
#   7c. the window with that collection open: frame CPU while scrolling its tree and typing in its
#      filter (needs a display and xdotool; tests/bench.sh gives it Xvfb);
#   7b. `gatepass run` over 200 requests against the practice API, 8 at a time and one at a time, with
#      the slowest single request of the run beside the whole run's time.
# The collection is generated here (tests/gen_collection.py); figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gatepass}
[ -x "$BIN" ] || cargo build --release --locked
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)"; exit 2; }

work=$(mktemp -d)
practice=""
cleanup() { [ -n "$practice" ] && kill "$practice" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 tests/gen_collection.py "$work/big" 2000 100
python3 tests/gen_collection.py "$work/run" 200 10 --practice
cfg="$work/cfg"
mkdir -p "$cfg"
printf '[[collection]]\npath = "%s"\n' "$work/big" > "$cfg/collections.toml"

echo "== 7a. A collection of 2,000 requests in 100 folders"
"$BIN" --config-dir "$cfg" collection show "$work/big" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("gatepass reads", len(d["requests"]), "requests")'
hyperfine --warmup 3 --runs 20 -N \
  "$BIN --config-dir $cfg collection show $work/big --format json" \
  "$BIN --config-dir $cfg collection list --format json" \
  "python3 tests/gen_collection.py --read $work/big"

echo "== 7c. The window with that collection open: frame CPU while scrolling the sidebar and typing in its filter"
if [ -n "${DISPLAY:-}" ] && command -v xdotool >/dev/null; then
  GATEPASS_BENCH_LOG="$work/tree.log" "$BIN" --config-dir "$cfg" >/dev/null 2>&1 & win_pid=$!
  sleep 6
  win=$(xdotool search --name Gatepass | head -1)
  xdotool windowsize "$win" 1280 800 windowmove "$win" 0 0; xdotool windowfocus --sync "$win"; sleep 1
  frames() { grep -c frame_ms "$work/tree.log"; }
  a=$(frames)
  xdotool mousemove 140 500
  for _ in $(seq 80); do xdotool click 5; sleep 0.04; done
  for _ in $(seq 80); do xdotool click 4; sleep 0.04; done
  sleep 0.5; b=$(frames)
  xdotool mousemove 140 195 click 1
  for c in o r d e r s 1 2; do xdotool type "$c"; sleep 0.15; done
  sleep 0.5; c=$(frames)
  kill $win_pid; wait $win_pid 2>/dev/null || true
  awk -v a="$a" -v b="$b" -v c="$c" '/frame_ms/ { n++; v=$2; if (n<=a) next; if (n<=b) { s++; if (v>smax) smax=v; ssum+=v } else if (n<=c) { t++; if (v>tmax) tmax=v; tsum+=v } }
    END { printf "scrolling the tree: %d frames, max %.1f ms, mean %.1f ms\ntyping in the filter: %d frames, max %.1f ms, mean %.1f ms\n", s, smax, ssum/(s?s:1), t, tmax, tsum/(t?t:1) }' "$work/tree.log"
else
  echo "skipped: no display (tests/bench.sh runs this part under Xvfb)"
fi

echo "== 7b. gatepass run over 200 requests against the practice API"
"$BIN" practice --port 0 > "$work/practice.txt" & practice=$!
for _ in $(seq 100); do grep -q "Production" "$work/practice.txt" 2>/dev/null && break; sleep 0.05; done
sandbox=$(awk '/Sandbox \(test\)/ { print $3 }' "$work/practice.txt")
echo -n gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd | "$BIN" --config-dir "$cfg" profile add Bench --base-url "$sandbox" --auth api-key >/dev/null
for c in 8 1; do
  start=$(date +%s%N)
  "$BIN" --config-dir "$cfg" run "$work/run" --profile Bench --concurrency "$c" --format json > "$work/runs-$c.json" || true
  end=$(date +%s%N)
  python3 - "$work/runs-$c.json" "$c" "$(( (end - start) / 1000000 ))" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
ms = [r["ms"] for r in runs if r["ms"] is not None]
ok = sum(1 for r in runs if r["ok"])
print(f"concurrency {sys.argv[2]}: {len(runs)} requests ({ok} passed) in {sys.argv[3]} ms (whole process); slowest single request {max(ms)} ms, sum of all {sum(ms)} ms")
PY
done
