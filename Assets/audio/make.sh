#!/usr/bin/env bash
# Regenerates the test audio in this directory. Needs espeak-ng and sox (Debian: espeak-ng, sox).
# sox -R makes the dither repeatable, so the same tools give the same bytes.
set -euo pipefail
cd "$(dirname "$0")"
text="Hello from parley. This is a test call. One, two, three, four, five."
raw=$(mktemp --suffix=.wav)
trap 'rm -f "$raw"' EXIT
espeak-ng -v en-us -s 175 -w "$raw" "$text"
sox -R "$raw" -r 48000 -c 1 -b 16 speech.wav gain -n -3 pad 0.2 0.2
sox -R -n -r 48000 -c 1 -b 16 tone-1khz.wav synth 1 sine 1000 gain -6
