#!/usr/bin/env python3
"""Calls over an impaired link, scored. Needs root (network namespaces), ethtool, and numpy,
scipy, soundfile, pesq and pystoi (voice-link.sh makes a virtual environment with them).

Three namespaces: the caller (A), the callee (B) and a router (R) between them whose user-space
bridge (router.py) delays and drops packets. For each link, B answers with
`parley call --listen --auto-answer --record out.wav`, A streams the input and hangs up at its
end; the recording (16-bit PCM, not a second encoding) is scored against the input:

- PESQ-WB (ITU-T P.862.2) and STOI, on the recording aligned by its median lag;
- mouth-to-ear: the lag of each voiced 250 ms segment of the input in the recording, less the
  router's one-way delay (B starts recording when it sends the accept, A starts sending when the
  accept arrives, so the raw lag holds one trip more than mouth-to-ear);
- the callee's statistics (buffer target and peak depth, late, lost, concealed, FEC-recovered,
  dropped behind) and both sides' round trip;
- the CPU of each whole `parley call` process (user + system time over the call's wall time).

A reference column runs the same input through opusenc (defaults, the call's bitrate) and
opusdec --packet-loss, what a UDP voice app with Opus's own concealment gets at that loss.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile
from pesq import pesq
from pystoi import stoi
from scipy.signal import resample_poly

HERE = os.path.dirname(os.path.abspath(__file__))
NS = {"a": "plk-a", "b": "plk-b", "r": "plk-r"}
ADDRESS = {"a": "10.231.0.1", "b": "10.231.0.2"}
PORT = 7731
# name: (delay ms, jitter ms, loss %), the links of issue 19's table.
LINKS = {
    "clean": (0, 0, 0),
    "delay": (20, 10, 0),
    "loss2": (0, 0, 2),
    "loss5": (30, 15, 5),
    "loss10": (0, 0, 10),
}


def run(*command, check=True, **kwargs):
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


def in_ns(name, *command):
    return ["ip", "netns", "exec", NS[name], *command]


def teardown():
    for name in NS.values():
        run("ip", "netns", "del", name, check=False)


def setup():
    teardown()
    for name in NS.values():
        run("ip", "netns", "add", name)
        run("ip", "-n", name, "link", "set", "lo", "up")
    for side in ("a", "b"):
        host, router = f"plk-{side}0", f"plk-r{side}"
        run("ip", "link", "add", host, "type", "veth", "peer", "name", router)
        run("ip", "link", "set", host, "netns", NS[side])
        run("ip", "link", "set", router, "netns", NS["r"])
        run("ip", "-n", NS[side], "addr", "add", f"{ADDRESS[side]}/24", "dev", host)
        for ns, dev in ((NS[side], host), (NS["r"], router)):
            # One packet per frame, checksums computed: the bridge copies frames as they are.
            run(*["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off",
                  "tx", "off", "rx", "off"], check=False)
            run("ip", "-n", ns, "link", "set", dev, "up")


def start_router(delay, jitter, loss, seed, stats):
    command = in_ns("r", sys.executable, os.path.join(HERE, "router.py"), "plk-ra", "plk-rb",
                    "--delay-ms", str(delay), "--jitter-ms", str(jitter), "--loss", str(loss),
                    "--seed", str(seed), "--stats", stats)
    router = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = ("import socket,sys\ns=socket.socket();s.settimeout(1)\ntry: s.connect((sys.argv[1],9))\n"
                 "except ConnectionRefusedError: sys.exit(0)\nexcept OSError: sys.exit(1)")
        # A refused connection came back across the bridge (ARP included).
        if run(*in_ns("a", sys.executable, "-c", probe, ADDRESS["b"]), check=False).returncode == 0:
            return router
    router.terminate()
    raise RuntimeError("the router does not forward: " + router.stderr.read().decode())


def wait_rusage(process, timeout):
    """Waits for a child; returns (status, user + system CPU seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{process.args[-1]} did not end within {timeout} s")
        time.sleep(0.05)


def call(parley, work, source, codec, media_args):
    homes = {side: os.path.join(work, f"home-{side}") for side in "ab"}
    recording = os.path.join(work, "heard.wav")
    if os.path.exists(recording):
        os.remove(recording)
    env = dict(os.environ)
    callee = subprocess.Popen(
        in_ns("b", parley, "call", "--home", homes["b"], "--listen", f"0.0.0.0:{PORT}", "--auto-answer",
              "--max-calls", "1", "--record", recording, "--json", *codec, *media_args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.0)  # The listener binds before the caller dials; a retry below covers a slow start.
    started = time.monotonic()
    for attempt in range(5):
        caller = subprocess.Popen(
            in_ns("a", parley, "call", "--home", homes["a"], f"{ADDRESS['b']}:{PORT}", "--input", source,
                  "--json", *codec, *media_args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        status, caller_cpu = wait_rusage(caller, 180)
        caller_out, caller_err = caller.stdout.read(), caller.stderr.read()
        if status == 0 or "refused" not in caller_err:
            break
        time.sleep(1)
    caller_wall = time.monotonic() - started
    status_b, callee_cpu = wait_rusage(callee, 60)
    callee_wall = time.monotonic() - started
    callee_out, callee_err = callee.stdout.read(), callee.stderr.read()
    if status != 0 or status_b != 0:
        raise RuntimeError(f"call failed: caller {status}: {caller_err.strip()}; callee {status_b}: {callee_err.strip()}")
    stats = json.loads(callee_out.strip().splitlines()[-1])
    caller_stats = json.loads(caller_out.strip().splitlines()[-1])
    return recording, stats, caller_stats, caller_cpu / caller_wall, callee_cpu / callee_wall


def segment_lags(x, y, rate, max_lag_s=2.0):
    """The lag (samples) of each voiced 250 ms segment of x in y, by normalized cross-correlation."""
    segment = rate // 4
    max_lag = int(max_lag_s * rate)
    threshold = 0.1 * np.sqrt(np.mean(x.astype(np.float64) ** 2))
    lags = []
    for start in range(0, len(x) - segment, segment):
        piece = x[start:start + segment].astype(np.float64)
        if np.sqrt(np.mean(piece ** 2)) < threshold:
            continue
        window = y[start:start + segment + max_lag].astype(np.float64)
        if len(window) < segment:
            break
        correlation = np.correlate(window, piece, mode="valid")
        energy = np.convolve(window ** 2, np.ones(segment), mode="valid")
        score = correlation / np.sqrt(np.maximum(energy, 1e-9) * np.sum(piece ** 2))
        best = int(np.argmax(score))
        if score[best] > 0.5:  # A segment that matches nothing well says nothing about delay.
            lags.append(best)
    return lags


def score(source, heard, one_way_ms):
    x, rate = soundfile.read(source, dtype="int16")
    y, rate_y = soundfile.read(heard, dtype="int16")
    assert rate == rate_y == 48000, "48 kHz input and recording expected"
    lags = segment_lags(x, y, rate)
    if not lags:
        return {"pesq": None, "stoi": None, "m2e_median": None, "m2e_max": None}
    shift = int(np.median(lags))
    aligned = y[shift:shift + len(x)]
    aligned = np.concatenate([aligned, np.zeros(len(x) - len(aligned), dtype=aligned.dtype)])
    ref16 = resample_poly(x.astype(np.float64), 1, 3)
    deg16 = resample_poly(aligned.astype(np.float64), 1, 3)
    lag_ms = np.array(lags) / rate * 1000 - one_way_ms
    return {
        "pesq": float(pesq(16000, ref16, deg16, "wb")),
        "stoi": float(stoi(x.astype(np.float64), aligned.astype(np.float64), rate, extended=False)),
        "m2e_median": float(np.median(lag_ms)),
        "m2e_max": float(np.max(lag_ms)),
    }


def opus_reference(source, work, bitrate, loss):
    if not (shutil.which("opusenc") and shutil.which("opusdec")):
        return None
    encoded, decoded = os.path.join(work, "ref.opus"), os.path.join(work, "ref.wav")
    run("opusenc", "--quiet", "--bitrate", str(bitrate / 1000), source, encoded)
    run("opusdec", "--quiet", "--rate", "48000", "--packet-loss", str(loss), encoded, decoded)
    x, _ = soundfile.read(source, dtype="int16")
    y, _ = soundfile.read(decoded, dtype="int16")
    y = y[: len(x)] if len(y) >= len(x) else np.concatenate([y, np.zeros(len(x) - len(y), dtype=y.dtype)])
    return float(pesq(16000, resample_poly(x.astype(np.float64), 1, 3), resample_poly(y.astype(np.float64), 1, 3), "wb"))


def make_input(speech, repeat, path):
    x, rate = soundfile.read(speech, dtype="int16")
    soundfile.write(path, np.tile(x, repeat), rate, subtype="PCM_16")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parley", required=True)
    parser.add_argument("--speech", required=True)
    parser.add_argument("--repeat", type=int, default=4, help="times the sample is played in one call")
    parser.add_argument("--links", default=",".join(LINKS), help="comma-separated: " + ", ".join(LINKS))
    parser.add_argument("--runs", type=int, default=1, help="calls per link")
    parser.add_argument("--codec", default="", help="extra parley call arguments for both sides")
    parser.add_argument("--media", default="", help="comma-separated --media values to compare (empty: the default)")
    parser.add_argument("--bitrate", type=int, default=24000, help="for the opusenc reference")
    parser.add_argument("--json", help="also write every run as JSON lines to this file")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("measure.py: needs root (network namespaces)", file=sys.stderr)
        return 2
    names = [n for n in args.links.split(",") if n]
    for name in names:
        if name not in LINKS:
            parser.error(f"unknown link {name}")
    medias = [m for m in args.media.split(",") if m] or [None]
    work = tempfile.mkdtemp(prefix="parley-link-")
    out = open(args.json, "w") if args.json else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        setup()
        source = make_input(args.speech, args.repeat, os.path.join(work, "input.wav"))
        print("| link | media | PESQ-WB | STOI | mouth-to-ear median / max | buffer target / peak | late | lost | concealed "
              "| FEC-recovered | dropped behind | rtt callee / caller | CPU caller / callee | Opus reference (PLC) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name in names:
            delay, jitter, loss = LINKS[name]
            reference = opus_reference(source, work, args.bitrate, loss)
            for media in medias:
                for run_index in range(args.runs):
                    stats_file = os.path.join(work, "router.json")
                    router = start_router(delay, jitter, loss, 1000 + run_index, stats_file)
                    try:
                        media_args = ["--media", media] if media else []
                        heard, stats, caller_stats, cpu_a, cpu_b = call(
                            args.parley, work, source, args.codec.split(), media_args)
                    finally:
                        router.send_signal(signal.SIGTERM)
                        router.wait(10)
                    result = score(source, heard, delay)
                    row = {"link": name, "media": media or "default", "run": run_index, **result,
                           "callee": stats, "caller": caller_stats, "cpuCaller": cpu_a, "cpuCallee": cpu_b,
                           "opusReference": reference}
                    if out:
                        out.write(json.dumps(row) + "\n")
                    fmt = lambda v, f: "–" if v is None else f.format(v)
                    print(f"| {name} | {media or 'default'} | {fmt(result['pesq'], '{:.2f}')} "
                          f"| {fmt(result['stoi'], '{:.2f}')} "
                          f"| {fmt(result['m2e_median'], '{:.0f}')} / {fmt(result['m2e_max'], '{:.0f}')} ms "
                          f"| {stats.get('targetDepthMs', 0):.0f} / {stats.get('bufferDepthPeakMs', 0):.0f} ms | {stats.get('framesLate')} "
                          f"| {stats.get('framesLost')} | {stats.get('framesConcealed')} "
                          f"| {stats.get('framesFECRecovered')} | {stats.get('framesDroppedBehind')} "
                          f"| {fmt(stats.get('roundTripMs'), '{:.1f}')} / {fmt(caller_stats.get('roundTripMs'), '{:.1f}')} ms "
                          f"| {cpu_a * 100:.1f} % / {cpu_b * 100:.1f} % | {fmt(reference, '{:.2f}')} |", flush=True)
    finally:
        teardown()
        if out:
            out.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
