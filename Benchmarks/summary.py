#!/usr/bin/env python3
"""Summary, targets and regression check for ./run.sh (see README.md, "Running").

    summary.py RUN_DIR [COMPARE_DIR]

Each directory holds one `<Target>.md` per benchmark target: `swift package benchmark baseline
read NAME --target <Target> --format markdown --path stdout`. Prints every benchmark's p50 and
p99, checks the targets the issues set, and with COMPARE_DIR flags regressions against it.

Exit status: 0 when every target that could be judged is met and nothing regressed; 1 when a
target is missed or cannot be judged; 3 when a regression was flagged (whatever the targets).
"""
import os
import re
import sys

# A change counts as a regression when the metric got worse by more than this, relative to the
# saved baseline: the median by 10 %, the 99th percentile by 25 % (p99 moves more with the
# machine's other work). Both must be exceeded by at least MIN_ABSOLUTE of the metric's unit, so
# that a 2 → 3 malloc or a 1 → 2 µs swing is not a regression.
P50_THRESHOLD = 0.10
P99_THRESHOLD = 0.25
MIN_ABSOLUTE = 1
# Custom metrics where more is better; everything else (time, mallocs, CPU, bytes) prefers less.
PREFERS_LARGER = {"forwarded messages/s (clients on the same 2 vCPUs)"}

UNIT_US = {"ns": 1e-3, "us": 1, "μs": 1, "ms": 1e3, "s": 1e6}
COLUMNS = ["p0", "p25", "p50", "p75", "p90", "p99", "p100", "samples"]


def parse(path):
    """{benchmark: {metric: {"p50": .., "p99": .., "samples": .., "unit": ..}}}; time in µs."""
    results = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            header = re.match(r"^###\s+(.*?)\s*$", line)
            if header:
                current = header.group(1)
                continue
            if current is None or not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 9 or cells[0] in ("Metric",) or cells[0].startswith(":"):
                continue
            try:
                values = dict(zip(COLUMNS, (float(v) for v in cells[1:9])))
            except ValueError:
                continue
            name = re.sub(r"\s*\*$", "", cells[0])
            # The tool scales large counts and names the scale: "(K)", "(M)", "(G)", "(#)".
            scaled = re.search(r"\s*\((#|K|M|G)\)$", name)
            if scaled:
                name = name[: scaled.start()]
                factor = {"#": 1, "K": 1e3, "M": 1e6, "G": 1e9}[scaled.group(1)]
                values = {k: (v if k == "samples" else v * factor) for k, v in values.items()}
            if name.startswith("Time (wall clock)"):
                unit = re.search(r"\((ns|us|μs|ms|s)\)", name)
                scale = UNIT_US[unit.group(1)] if unit else 1
                metric, unit_name = "time", "µs"
                values = {k: (v if k == "samples" else v * scale) for k, v in values.items()}
            else:
                metric, unit_name = name, ""
            values["unit"] = unit_name
            results.setdefault(current, {})[metric] = values
    return results


def load(directory):
    out = {}
    for file in sorted(os.listdir(directory)):
        if file.endswith(".md"):
            out[file[:-3]] = parse(os.path.join(directory, file))
    return out


def fmt(value, unit):
    if unit == "µs" and value >= 10_000:
        return f"{value / 1000:,.1f} ms"
    if unit == "µs":
        return f"{value:,.1f} µs" if value >= 10 else f"{value:.2f} µs"
    return f"{value:,.0f}"


run = load(sys.argv[1])
baseline = load(sys.argv[2]) if len(sys.argv) > 2 else None

flat = {}
for target, benchmarks in run.items():
    for name, metrics in benchmarks.items():
        flat[name] = metrics

print("== Summary (p50 / p99; time is wall clock) ==")
for target, benchmarks in run.items():
    print(f"{target}:")
    for name in sorted(benchmarks):
        metrics = benchmarks[name]
        for metric in ["time"] + sorted(m for m in metrics if m not in ("time", "Malloc (total)")):
            if metric not in metrics:
                continue
            r = metrics[metric]
            label = name if metric == "time" else f"{name}: {metric}"
            print(f"  {label:<78} p50 {fmt(r['p50'], r['unit']):>11}   p99 {fmt(r['p99'], r['unit']):>11}"
                  f"   ({int(r['samples'])})")
print()


def get(name, metric="time", percentile="p50"):
    r = flat.get(name, {}).get(metric)
    return None if r is None else r[percentile]


def ratio(a, b, percentile="p50"):
    x, y = get(a, percentile=percentile), get(b, percentile=percentile)
    return None if x is None or y is None or y == 0 else x / y


# The targets, from the issues. Each is judged only when its benchmarks ran; a check whose
# benchmarks did not run is listed as "not run" and changes nothing.
S = {
    "seal": "Noise seal+open 160-byte frame",
    "hs_known": "XX handshake alone on a connected loopback TCP socket, peer met before",
    "hs_first": "XX handshake alone on a connected loopback TCP socket, first contact",
    "hs_known_1": "XX handshake alone on a connected loopback TCP socket, peer met before, both sides on one event loop",
    "hs_first_1": "XX handshake alone on a connected loopback TCP socket, first contact, both sides on one event loop",
    "rt_loop": "Text round trip, application on the event loop (sendNow)",
    "ping": "Plain TCP ping-pong (baseline)",
}
R = {
    "direct": "Relay: text round trip, direct",
    "relayed": "Relay: text round trip, through the relay",
    "load": "Relay: forwarding, 16 clients in 8 pairs",
    "idle": "Relay: memory per idle client (200 clients)",
}
checks = []  # (label, True / False / None = cannot judge / "skip" = not run)


def check(label, needed, judge):
    if any(n not in flat for n in needed):
        checks.append((label, "skip"))
        return
    try:
        checks.append((label, judge()))
    except TypeError:  # a metric missing from a benchmark that ran
        checks.append((label, None))


check(f"{S['seal']}: p50 < 5 µs", [S["seal"]], lambda: get(S["seal"]) < 5)
# Judged on the span timed on the event loops (Session/HandshakeOnly.swift), in ns. Both sides on
# one event loop: the handshake's own cost over the socket, judged always. On two loops each message
# also wakes the other thread; where the plain ping-pong shows that a wake-up across idle vCPUs costs
# tens of µs here (README.md "Noise"), that figure measures the VM, and is not judged (INCONCLUSIVE).
HS_ON_LOOPS = "handshake ns, timed on the event loops"
for key in ("hs_known_1", "hs_first_1", "hs_known", "hs_first"):
    on_loops = (get(S[key], HS_ON_LOOPS) or 0) / 1000
    two_loops = not key.endswith("_1")
    check(f"{S[key]}: p50 < 400 µs ({on_loops:.0f} µs on the event loops)",
          [S[key]] + ([S["ping"]] if two_loops else []),
          lambda key=key, two_loops=two_loops: None if two_loops and get(S["ping"]) > 30
          else get(S[key], HS_ON_LOOPS) < 400_000)
# Loopback ping-pong takes 13-22 µs here; far above that the baseline itself was disturbed (wake-ups
# across an idle vCPU, README.md "Noise") and a ratio against it proves nothing.
check(f"{S['rt_loop']}: p50 within 3× of plain TCP ({ratio(S['rt_loop'], S['ping']) or 0:.2f}×)",
      [S["rt_loop"], S["ping"]],
      lambda: None if get(S["ping"]) > 30 else ratio(S["rt_loop"], S["ping"]) <= 3.0)
check(f"Relay: relayed round trip p50 at most 2.2× direct ({ratio(R['relayed'], R['direct']) or 0:.2f}×)",
      [R["relayed"], R["direct"]], lambda: ratio(R["relayed"], R["direct"]) <= 2.2)
added = (get(R["relayed"], percentile="p99") or 0) - (get(R["direct"], percentile="p99") or 0)
check(f"Relay: p99 added by the relay < 1 ms ({added:,.0f} µs)", [R["relayed"], R["direct"]], lambda: added < 1000)
check("Relay: relay CPU per forwarded message ≤ 10 µs (p50 of the samples)", [R["load"]],
      lambda: get(R["load"], "relay CPU ns per forwarded message") <= 10_000)
check("Relay: relay RSS per idle client < 20 KiB", [R["idle"]],
      lambda: get(R["idle"], "relay RSS bytes per idle client") < 20 * 1024)
D32 = "Discovery: 32 peers start, until all see all"
check("Discovery: 32 peers all see all, p99 < 250 ms", [D32], lambda: get(D32, percentile="p99") < 250_000)
idle_rates = [r["p50"] for n, m in flat.items() if n.startswith("Discovery: idle traffic")
              for k, r in m.items() if k.startswith("payload B/s")]
check("Discovery: idle traffic < 100 B/s per peer and link",
      ["Discovery: idle traffic, default settings, simulated hour"], lambda: max(idle_rates) < 100)

C = {
    "open80": "Chat: open 100k-message history + last screen 80x24",
    "open200": "Chat: open 100k-message history + last screen 200x60",
    "echo": "Chat: keystroke through a poll(2) thread to frame 80x24 while a call runs",
    "paste": "Chat: bracketed paste of 4999 characters to frame 80x24",
    "guessed": "Chat: unbracketed paste of 4999 characters to frame 80x24",
}
for key in ("open80", "open200", "paste", "guessed"):
    check(f"{C[key]}: p99 < 50 ms", [C[key]], lambda key=key: get(C[key], percentile="p99") < 50_000)
# One frame at 60 Hz: 16.7 ms.
check(f"{C['echo']}: p99 within one frame (16.7 ms)", [C["echo"]],
      lambda: get(C["echo"], percentile="p99") < 16_700)

F = {
    "idle": "Text round trip on an idle session (files baseline)",
    "busy": "Text round trip on a session carrying a file",
}
busy_ratio = ratio(F["busy"], F["idle"], percentile="p99")
check(f"Files: text round trip p99 during a transfer within 2× idle ({busy_ratio or 0:.2f}×)", [F["idle"], F["busy"]],
      lambda: busy_ratio <= 2.0)

print("== Targets ==")
for label, ok in checks:
    verdict = {"skip": "not run", None: "INCONCLUSIVE", True: "PASS", False: "FAIL"}[ok]
    print(f"  {verdict:<12}  {label}")
print()
print("Figures from a shared, noisy machine vary by ±30 % between runs (README.md, 'Noise').")

regressions = []
if baseline is not None:
    print()
    print(f"== Against the baseline (regression: p50 worse by > {P50_THRESHOLD:.0%} or p99 worse by "
          f"> {P99_THRESHOLD:.0%}) ==")
    compared = 0
    for target, benchmarks in run.items():
        if target not in baseline:
            print(f"  {target}: not in the baseline")
            continue
        for name in sorted(benchmarks):
            before_metrics = baseline[target].get(name)
            if before_metrics is None:
                print(f"  {name}: not in the baseline")
                continue
            for metric, now in sorted(benchmarks[name].items()):
                before = before_metrics.get(metric)
                if before is None:
                    continue
                compared += 1
                sign = -1 if metric in PREFERS_LARGER else 1
                notes = []
                for percentile, threshold in (("p50", P50_THRESHOLD), ("p99", P99_THRESHOLD)):
                    a, b = before[percentile], now[percentile]
                    worse = sign * (b - a)
                    change = (b - a) / a if a else float("inf") if b else 0.0
                    if worse > MIN_ABSOLUTE and worse > threshold * abs(a):
                        notes.append(f"{percentile} {fmt(a, now['unit'])} → {fmt(b, now['unit'])} ({change:+.0%})")
                if notes:
                    label = name if metric == "time" else f"{name}: {metric}"
                    regressions.append(label)
                    print(f"  REGRESSION  {label}: " + ", ".join(notes))
    print(f"  {compared} metrics compared, {len(regressions)} regressed")

if regressions:
    sys.exit(3)
sys.exit(0 if all(ok in (True, "skip") for _, ok in checks) else 1)
