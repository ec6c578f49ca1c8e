#!/usr/bin/env bash
# Builds the LAN discovery benchmarks in release mode, runs them with package-benchmark and
# checks the targets: p99 under 250 ms until 32 peers that start together all see each other,
# and under 100 bytes a second per peer at idle. See README.md, "LAN discovery".
#
#   ./discovery.sh               run; results kept as the baseline "discovery"
#   ./discovery.sh --one-cpu     run pinned to CPU 0 (taskset)
#
# The benchmarks open their sockets in a network namespace private to each benchmark process,
# so they need root; elsewhere this prints "SKIP: ..." and exits 0.
# Exit status: 0 when every target is met, 1 when one is missed, 2 on usage or run errors.
set -euo pipefail

cd "$(dirname "$0")"

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the discovery benchmarks need root (they create a network namespace)"
    exit 0
fi

pin=()
case "${1:-}" in
    "") ;;
    --one-cpu) pin=(taskset -c 0) ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "discovery.sh: unknown argument '$1'" >&2; exit 2 ;;
esac

target="DiscoveryBenchmarks"
bench=(swift package --allow-writing-to-package-directory benchmark)

echo "== Building $target (release) =="
swift build -c release --product "$target"

echo
echo "== Running; results saved as baseline 'discovery' =="
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
"${pin[@]}" "${bench[@]}" baseline update discovery --target "$target" --no-progress
echo "load average after the run:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo
"${bench[@]}" baseline read discovery --target "$target"

markdown="$("${bench[@]}" baseline read discovery --target "$target" --format markdown --path stdout)"
echo
python3 - "$markdown" <<'PY'
import re
import sys

# "### <benchmark>" headings, each followed by a table: "| <metric> (<unit>) * | p0 | p25 | p50 |
# p75 | p90 | p99 | p100 | samples |".
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
    if len(cells) < 9 or cells[0].startswith("Metric") or cells[0].startswith(":-") or cells[0].startswith("-"):
        continue
    columns = ["p0", "p25", "p50", "p75", "p90", "p99", "p100", "samples"]
    try:
        values = {k: float(v) for k, v in zip(columns, cells[1:9])}
    except ValueError:
        continue
    unit = re.search(r"\((ns|us|μs|ms|s)\)", cells[0])
    scale = {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}[unit.group(1)] if unit else 1.0
    metric = "time" if cells[0].startswith("Time (wall clock)") else cells[0].split(" *")[0]
    results.setdefault(current, {})[metric] = {k: v * (scale if metric == "time" else 1) for k, v in values.items()}

print("== Summary ==")
ok = True
for n in (2, 8, 32):
    name = f"Discovery: {n} peers start, until all see all"
    r = results.get(name, {}).get("time")
    if r is None:
        print(f"  no result for {name}", file=sys.stderr)
        sys.exit(2)
    print(f"  {n:>2} peers: all see all after p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms ({int(r['samples'])} runs)")
idle = {}
for name, metrics in results.items():
    if name.startswith("Discovery: idle traffic"):
        for metric, r in metrics.items():
            idle[f"{name}: {metric}"] = r["p50"]
            print(f"  {name}: {metric}: {r['p50']:.0f}")
print()
p99 = results["Discovery: 32 peers start, until all see all"]["time"]["p99"]
worst_idle = max(idle.values()) if idle else None
checks = [
    (f"32 peers: p99 {p99:.1f} ms < 250 ms", p99 < 250),
    (f"idle: at most {worst_idle:.0f} B/s per peer and link < 100 B/s" if worst_idle is not None else "idle: no figure",
     worst_idle is not None and worst_idle < 100),
]
print("== Targets ==")
for label, passed in checks:
    print(f"  {'PASS' if passed else 'FAIL':<6} {label}")
sys.exit(0 if all(p for _, p in checks) else 1)
PY
