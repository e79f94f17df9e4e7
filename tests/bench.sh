#!/usr/bin/env bash
# Benchmarks for the README's performance table. Run: tests/bench.sh  (after `cargo build --release`)
# Installs what it needs (Xvfb, xdotool, hyperfine, gnome-keyring; HTTPie with pip), then measures:
#   1. time from launch to the first frame drawn (release build, software GL under Xvfb), over 5 launches;
#   2. idle CPU and memory (RSS) of the window after it settles;
#   3. `gatepass send` against the practice API next to curl and HTTPie doing the same request (hyperfine);
#   4. frame CPU times while a 50 MB and a 100 MB JSON response load and while they are scrolled, and the memory;
#   5. diagnosis speed (tests/bench_explain.sh);
#   6. "Check all" over 50 profiles (the check test binary of the debug build, dependencies optimised, run with --ignored);
#   7. collections at scale (tests/bench_collections.sh): collection show/list next to python3, gatepass run.
#   8. import of large real OpenAPI documents (tests/bench_import.sh), next to python3 only parsing them.
# Figures depend on the machine; the ratios to curl and HTTPie are what to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gatepass}
[ -x "$BIN" ] || cargo build --release --locked

need=()
for c in Xvfb:xvfb xdotool:xdotool hyperfine:hyperfine gnome-keyring-daemon:gnome-keyring xauth:xauth; do
  command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v http >/dev/null 2>&1 || pip install -q httpie

work=$(mktemp -d)
mkdir -m 700 -p "$work/runtime" "$work/data"
export XDG_RUNTIME_DIR="$work/runtime" XDG_DATA_HOME="$work/data"
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
export DISPLAY=$display BIN work
sleep 1

dbus-run-session -- bash -s <<'INNER'
set -euo pipefail
echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
ms() { awk '{ s += $1; n++ } END { printf "%.0f", s / n }'; }

echo "== 1. First frame (5 launches)"
firsts=()
for i in 1 2 3 4 5; do
  cfg="$work/first-$i"
  GATEPASS_BENCH_LOG="$work/first-$i.log" "$BIN" --config-dir "$cfg" & pid=$!
  for _ in $(seq 100); do grep -q first_frame_ms "$work/first-$i.log" 2>/dev/null && break; sleep 0.05; done
  firsts+=("$(awk '/first_frame_ms/ { print $2 }' "$work/first-$i.log")")
  kill $pid; wait $pid 2>/dev/null || true
done
printf '%s\n' "${firsts[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "first frame: median %.0f ms (min %.0f, max %.0f)\n", a[int((NR + 1) / 2)], a[1], a[NR] }'

echo "== 2. Idle CPU and memory"
GATEPASS_BENCH_LOG="$work/idle.log" "$BIN" --config-dir "$work/idle" & pid=$!
sleep 8
t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat); sleep 10; t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
frames=$(grep -c frame_ms "$work/idle.log" || true); sleep 5; frames2=$(grep -c frame_ms "$work/idle.log" || true)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status)
echo "idle CPU over 10 s: $(( (t1 - t0) )) ticks ($(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * t / hz / 10 }')%)"
echo "frames drawn while idle for 5 s: $((frames2 - frames))"
echo "idle memory (RSS): $((rss / 1024)) MB"
kill $pid; wait $pid 2>/dev/null || true

echo "== 3. gatepass send vs curl vs HTTPie (hyperfine, same request; last row: gatepass without the keychain read)"
"$BIN" practice --port 0 > "$work/practice.txt" & ppid=$!
for _ in $(seq 100); do grep -q "Production" "$work/practice.txt" 2>/dev/null && break; sleep 0.05; done
sandbox=$(awk '/Sandbox \(test\)/ { print $3 }' "$work/practice.txt")
key=gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd
echo -n "$key" | "$BIN" --config-dir "$work/cli" profile add Bench --base-url "$sandbox" --auth api-key >/dev/null
hyperfine --warmup 5 --runs 40 --export-markdown "$work/hyperfine.md" -N \
  "$BIN --config-dir $work/cli send --profile Bench $sandbox/v1/me" \
  "curl -s -H X-Api-Key:$key $sandbox/v1/me" \
  "http --ignore-stdin -b GET $sandbox/v1/me X-Api-Key:$key" \
  "$BIN --config-dir $work/cli send --profile Bench --no-credential $sandbox/v1/echo" >/dev/null
cat "$work/hyperfine.md"

echo "== 4. A 50 MB and a 100 MB JSON response: frame CPU while it loads and while scrolling, memory"
for mb in 50 100; do
  GATEPASS_BENCH_LOG="$work/big$mb.log" "$BIN" --config-dir "$work/big$mb" & pid=$!
  sleep 5
  win=$(xdotool search --name Gatepass | head -1)
  xdotool windowsize "$win" 1280 800 windowmove "$win" 0 0; xdotool windowfocus --sync "$win"; sleep 0.5
  # The URL field of the first tab, at 1280x800.
  xdotool mousemove 760 99 click 1 key ctrl+a type "/v1/big?mb=$mb"
  start=$(grep -c frame_ms "$work/big$mb.log")
  xdotool key ctrl+Return
  sleep 25
  loaded=$(grep -c frame_ms "$work/big$mb.log")
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' /proc/$pid/status)
  xdotool mousemove 800 600
  for _ in $(seq 60); do xdotool click 5; sleep 0.05; done
  xdotool key ctrl+End; sleep 1
  for _ in $(seq 20); do xdotool click 4; sleep 0.05; done
  xdotool key ctrl+Home; sleep 1
  kill $pid; wait $pid 2>/dev/null || true
  echo "$mb MB: memory (RSS) with the answer on screen: $rss MB"
  awk -v s="$start" -v l="$loaded" '/frame_ms/ { n++; if (n <= s) next; v = $2; if (n <= l) { lo++; if (v > lmax) lmax = v; lsum += v } else { sc++; if (v > smax) smax = v; ssum += v } }
    END { printf "loading: %d frames, max %.1f ms, mean %.1f ms\nscrolling: %d frames, max %.1f ms, mean %.1f ms\n", lo, lmax, lsum / (lo ? lo : 1), sc, smax, ssum / (sc ? sc : 1) }' "$work/big$mb.log"
done
kill $ppid 2>/dev/null || true


echo "== 6. Check setup: 'Check all' over 50 profiles against the practice API, next to one profile alone"
cargo test --locked --test it -- --ignored --nocapture check::check_all_fifty 2>/dev/null | grep "check all"

echo "== 7. Collections: 2,000 requests in 100 folders; gatepass run over 200 requests"
tests/bench_collections.sh

echo "== 8. Import"
tests/bench_import.sh

INNER

tests/bench_explain.sh
