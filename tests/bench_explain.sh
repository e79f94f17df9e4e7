#!/usr/bin/env bash
# Diagnosis speed for the README: `gatepass explain` on 10,000 failed requests (the corpus, repeated)
# and on one request with a 50 MB body, next to python3's json module only reading the same files
# (the floor: any tool must at least parse the HAR), and the memory a 50,000-request file takes.
# Run: tests/bench_explain.sh (after cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gatepass}
[ -x "$BIN" ] || cargo build --release --locked
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$BIN" <<'PY'
import json, pathlib, statistics, subprocess, sys, time
work, binary = pathlib.Path(sys.argv[1]), sys.argv[2]
entries = []
for har in sorted(pathlib.Path("tests/corpus").rglob("*.har")):
    entries += json.loads(har.read_text())["log"]["entries"]
def har(items):
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": items}})
many = work / "many.har"
many.write_text(har([entries[i % len(entries)] for i in range(10000)]))
big_entry = json.loads(json.dumps(entries[0]))
body = '{"error":"invalid_token","items":[' + ",".join(['"' + "x" * 48 + '"'] * 1_000_000) + "]}"
big_entry["response"]["content"] = {"size": len(body), "mimeType": "application/json", "text": body}
big = work / "big.har"
big.write_text(har([big_entry]))

def timed(cmd, runs=5):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return statistics.median(out)

parse = [sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1]))"]
rows = [
    ("10,000 requests (%.0f MB)" % (many.stat().st_size / 1e6), many),
    ("1 request with a %.0f MB body" % (big.stat().st_size / 1e6), big),
]
print("| file | gatepass explain --format json | python3 json.load only | ratio |")
print("|---|---|---|---|")
for label, path in rows:
    g = timed([binary, "explain", "--format", "json", str(path)])
    p = timed(parse + [str(path)])
    print(f"| {label} | {g * 1000:.0f} ms | {p * 1000:.0f} ms | {g / p:.2f} |")
    if path == many:
        per = g / 10000 * 1e6
print(f"\nPer request, reading and printing included: {per:.0f} µs (median of 5 runs)")

# Memory: 50,000 requests (the corpus repeated), the most the process held (GNU time's %M).
huge = work / "huge.har"
huge.write_text(har([entries[i % len(entries)] for i in range(50000)]))
def peak_mb(cmd):
    run = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(run.stderr.strip().splitlines()[-1]) / 1024
print(f"\n50,000 requests ({huge.stat().st_size / 1e6:.0f} MB): gatepass explain held {peak_mb([binary, 'explain', '--format', 'json', str(huge)]):.0f} MB at most; python3 json.load only {peak_mb(parse + [str(huge)]):.0f} MB")
PY
