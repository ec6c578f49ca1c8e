#!/usr/bin/env bash
# Builds the voice benchmarks in release mode, runs them with package-benchmark and prints a
# summary: CPU per 20 ms frame for encode and decode and for the whole send and receive paths,
# the calls one core sustains at that cost, the time one frame takes through the stack over
# loopback, and the jitter buffer's settled depth on a clean loopback link. See README.md, "Voice".
#
#   ./voice.sh               run; results kept as the baseline "voice"
#   ./voice.sh --one-cpu     run pinned to CPU 0 (taskset)
#
# Exit status: 0 when every target is met, 1 when one is missed, 2 on usage or run errors.
set -euo pipefail

cd "$(dirname "$0")"

pin=()
case "${1:-}" in
    "") ;;
    --one-cpu) pin=(taskset -c 0) ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "voice.sh: unknown argument '$1'" >&2; exit 2 ;;
esac

target="VoiceBenchmarks"
bench=(swift package --allow-writing-to-package-directory benchmark)

echo "== Building $target (release) =="
swift build -c release --product "$target"

echo
echo "== Running; results saved as baseline 'voice' =="
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
"${pin[@]}" "${bench[@]}" baseline update voice --target "$target" --no-progress
echo "load average after the run:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo
"${bench[@]}" baseline read voice --target "$target"

markdown="$("${bench[@]}" baseline read voice --target "$target" --format markdown --path stdout)"
echo
python3 - "$markdown" <<'PY'
import re
import sys

# "### <benchmark>" headings, each followed by a table: "| <metric> (<unit>) * | p0 | p25 | p50 |
# p75 | p90 | p99 | p100 | samples |".
UNIT_US = {"ns": 0.001, "us": 1, "μs": 1, "ms": 1000, "s": 1_000_000}
results = {}
current = None
for line in sys.argv[1].splitlines():
    header = re.match(r"^###\s+(.*?)\s*$", line)
    if header:
        current = header.group(1)
        continue
    if current is None or not line.startswith("|"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 8 or cells[0].startswith("Metric") or cells[0].startswith("-") or cells[0].startswith(":"):
        continue
    name = re.sub(r"\s*\*\s*$", "", cells[0])
    unit = re.search(r"\((ns|us|μs|ms|s)\)\s*$", name)
    try:
        p50, p99 = float(cells[3].replace(",", "")), float(cells[6].replace(",", ""))
    except ValueError:
        continue
    results.setdefault(current, {})[name] = (p50, p99, unit.group(1) if unit else None)

def metric(bench, prefix):
    for name, value in results.get(bench, {}).items():
        if name.startswith(prefix):
            p50, p99, unit = value
            f = UNIT_US.get(unit, 1)
            return p50 * f, p99 * f
    return None

ENC5 = "Opus encode 20 ms speech frame (24 kbit/s, complexity 5)"
ENC10 = "Opus encode 20 ms speech frame (24 kbit/s, complexity 10)"
DEC = "Opus decode 20 ms frame"
SEND = "Voice send path: encode + frame + seal (complexity 5)"
RECV = "Voice receive path: open + parse + jitter buffer + decode"
ONEWAY = "Voice frame one way through the stack over loopback (encode to received)"
DEPTH = "Jitter buffer depth on a clean loopback link (4 s of 20 ms frames)"

print("== Summary ==")
for name in (ENC5, ENC10, DEC, SEND, RECV, ONEWAY):
    cpu = metric(name, "Time (total CPU)")
    wall = metric(name, "Time (wall clock)")
    if wall is None:
        print(f"  {name}: no result")
        continue
    line = f"  {name:<75} wall p50 {wall[0]:8.1f} µs  p99 {wall[1]:8.1f} µs"
    if cpu:
        line += f"   CPU p50 {cpu[0]:8.1f} µs"
    print(line)

checks = []
send = metric(SEND, "Time (wall clock)")
recv = metric(RECV, "Time (wall clock)")
if send and recv:
    per_frame = send[0] + recv[0]
    share = per_frame / 20_000 * 100
    print(f"  one call (send + receive path, p50): {per_frame:.1f} µs per 20 ms = {share:.2f} % of a core;"
          f" {int(20_000 // per_frame)} calls per core")
    checks.append((f"a call costs at most 1 % of a core at complexity 5 ({share:.2f} %)", share <= 1.0))
oneway = metric(ONEWAY, "Time (wall clock)")
enc = metric(ENC5, "Time (wall clock)")
if oneway and enc:
    dec = metric(DEC, "Time (wall clock)")
    added = oneway[0] - enc[0]
    print(f"  added latency beyond Opus's 26.5 ms (frame + lookahead), without the jitter buffer:"
          f" {oneway[0]:.0f} µs encode-to-received, {added:.0f} µs of it the stack"
          + (f", + {dec[0]:.0f} µs decode" if dec else ""))
    checks.append((f"under 1 ms added on loopback apart from the jitter buffer ({oneway[0] / 1000:.2f} ms)",
                   oneway[0] + (dec[0] if dec else 0) < 1000))
depth = results.get(DEPTH, {})
d = next((v for k, v in depth.items() if k.startswith("buffer depth median")), None)
m = next((v for k, v in depth.items() if k.startswith("buffer depth mean")), None)
t = next((v for k, v in depth.items() if k.startswith("target depth")), None)
l = next((v for k, v in depth.items() if k.startswith("frames lost")), None)
if d:
    print(f"  jitter buffer on a clean loopback link, settled (after 1 s): median depth {d[0]:.0f} ms,"
          f" mean {m[0] if m else '?'} ms (target {t[0] if t else '?'} ms), frames lost {l[0] if l else '?'}")
    checks.append((f"jitter buffer settles at or under 40 ms on a clean link ({d[0]:.0f} ms)", d[0] <= 40))
print()
print("== Targets ==")
for label, ok in checks:
    print(f"  {'PASS' if ok else 'FAIL':<6} {label}")
print("Figures from a shared, noisy machine vary by ±30 % between runs.")
sys.exit(0 if checks and all(ok for _, ok in checks) else 1)
PY
