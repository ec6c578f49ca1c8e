#!/usr/bin/env bash
# Issue 19's impaired-link measurement (see docs/VOICE.md, "On bad links"): the speech sample
# streamed between two real `parley call` processes in network namespaces, through a user-space
# bridge that delays and drops packets (Benchmarks/impaired/router.py; these kernels have no
# netem), the callee's recording scored against the input with PESQ-WB and STOI. Prints one
# table row per link and run: PESQ-WB, STOI, mouth-to-ear, the callee's buffer and frame counts,
# each whole process's CPU, and opusenc/opusdec's score at the same loss for reference.
#
#   Benchmarks/voice-link.sh [--links clean,delay,loss2,loss5,loss10] [--runs N] [--repeat N]
#                            [--codec "ARGS"] [--media auto,session,...] [--json FILE] [--debug]
#
# Needs root and ethtool; makes a Python virtual environment with numpy, scipy, soundfile, pesq
# and pystoi from PyPI in ~/.cache/parley-voice-link (once). Every packet stays in the three
# namespaces it makes (plk-a, plk-b, plk-r), which it removes at the end. Exit status 2 when
# something it needs is missing, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
config=release
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --debug) config=debug; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) args+=("$1"); shift ;;
    esac
done
if [[ $(id -u) != 0 ]]; then echo "voice-link.sh: needs root (network namespaces); skipped" >&2; exit 2; fi
if ! command -v ethtool >/dev/null; then
    echo "voice-link.sh: needs ethtool (apt-get install ethtool) to turn the veths' offloads off" >&2; exit 2
fi
venv="${XDG_CACHE_HOME:-$HOME/.cache}/parley-voice-link"
if ! "$venv/bin/python" -c 'import numpy, scipy, soundfile, pesq, pystoi' 2>/dev/null; then
    echo "== Making $venv (numpy, scipy, soundfile, pesq, pystoi) =="
    python3 -m venv "$venv" && "$venv/bin/pip" install -q numpy scipy soundfile pesq pystoi || {
        echo "voice-link.sh: could not install the scoring packages from PyPI" >&2; exit 2; }
fi
echo "== Building parley ($config) =="
swift build -c "$config" --product parley >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$venv/bin/python" Benchmarks/impaired/measure.py --parley "$PWD/.build/$config/parley" \
    --speech "$PWD/Assets/audio/speech.wav" "${args[@]}"
