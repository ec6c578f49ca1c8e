#!/usr/bin/env bash
# Issue 16's file measurements with the release binary on loopback (see README.md, "Files"):
#   1. a file sent with `parley send --file` against a plain TCP copy of the same bytes (Python
#      sockets, the receiver writing and syncing the file), interleaved, N runs each;
#   2. a call (the speech sample, `parley chat --input`) beside a transfer of the same file on
#      the same session: the listener's call summary says how many frames came late or not at all.
#
#   3. with --netns (root): the same file between two network namespaces joined by a veth pair
#      capped at 1 Gbit/s each way (tbf), against a plain TCP copy under the same cap.
#
#   Benchmarks/files.sh [--size MB] [--runs N] [--netns]      (defaults: 500 MB, 5 runs)
#
# Everything runs in a temporary directory, removed at the end (the namespaces too); every socket
# is on 127.0.0.1 or in the namespaces the script made.
set -euo pipefail
cd "$(dirname "$0")/.."
size=500
runs=5
netns=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --size) size="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --netns) netns=1; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "files.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
swift build -c release --product parley >/dev/null 2>&1
parley="$PWD/.build/release/parley"
speech="$PWD/Assets/audio/speech.wav"
work="$(mktemp -d)"
pids=()
ns_a="pfa$$"
ns_b="pfb$$"
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ $netns == 1 ]]; then ip netns del "$ns_a" 2>/dev/null || true; ip netns del "$ns_b" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
head -c "$((size * 1000 * 1000))" /dev/urandom >file.bin
PARLEY_HOME="$work/a" "$parley" id --nick alice >/dev/null
PARLEY_HOME="$work/b" "$parley" id --nick bob >/dev/null

cat >tcpcopy.py <<'PY'
import os, socket, sys, threading, time
src, dst = sys.argv[1], sys.argv[2]
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
def receive():
    connection, _ = server.accept()
    with open(dst, "wb") as f:
        while True:
            chunk = connection.recv(1 << 20)
            if not chunk: break
            f.write(chunk)
        f.flush(); os.fsync(f.fileno())
thread = threading.Thread(target=receive); thread.start()
start = time.monotonic()
client = socket.create_connection(server.getsockname())
with open(src, "rb") as f:
    while chunk := f.read(1 << 20): client.sendall(chunk)
client.close(); thread.join()
print(os.path.getsize(src) / (time.monotonic() - start) / 1e6)
PY

# A listener that takes every file and answers every call; stdin held open by a FIFO.
mkfifo bob.in
PARLEY_HOME="$work/b" "$parley" chat --plain --listen 127.0.0.1:0 --auto-answer --accept-files-from any \
    --downloads "$work/dl" <bob.in >bob.log 2>&1 &
pids+=($!)
exec 3>bob.in
for _ in $(seq 100); do grep -q "listening on" bob.log && break; sleep 0.1; done
port="$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' bob.log | head -1)"

echo "== $size MB on loopback, $runs interleaved runs (MB/s)"
for i in $(seq "$runs"); do
    tcp="$(python3 tcpcopy.py file.bin copy.bin)"; rm -f copy.bin
    sent="$(PARLEY_HOME="$work/a" "$parley" send --to "127.0.0.1:$port" --file file.bin --json)"
    rm -rf "$work/dl"
    rate="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bytesPerSecond"] / 1e6)' "$sent")"
    python3 -c 'import sys; t, p = map(float, sys.argv[1:]); print(f"  plain TCP {t:7.0f}   parley {p:5.0f}   {100 * p / t:4.1f} %")' "$tcp" "$rate"
done

echo "== a call beside a $size MB transfer on the same session"
(sleep 1; echo "/call bob"; sleep 1.5; echo "/file bob $work/file.bin"; sleep 8; echo "/hangup"; sleep 2) |
    PARLEY_HOME="$work/a" "$parley" chat --plain --connect "127.0.0.1:$port" --input "$speech" >alice.log 2>&1
grep -E "^\* received file.bin" bob.log | tail -1 | sed 's/^/  listener: /' || true
grep -E "^\* (lasted|numbers)" bob.log | sed 's/^/  listener: /'

[[ $netns == 1 ]] || exit 0
if [[ $(id -u) != 0 ]]; then echo "== namespaces skipped: --netns needs root"; exit 0; fi
echo "== $size MB between two namespaces, veth capped at 1 Gbit/s each way (tbf), $runs runs (MB/s)"
ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "va$$" type veth peer name "vb$$"
ip link set "va$$" netns "$ns_a"
ip link set "vb$$" netns "$ns_b"
ip -n "$ns_a" addr add 10.231.0.1/24 dev "va$$"
ip -n "$ns_b" addr add 10.231.0.2/24 dev "vb$$"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set "va$$" up
ip -n "$ns_b" link set "vb$$" up
# 1 Gbit/s; a burst of 1 MB covers the kernel's timer granularity at that rate.
tc -n "$ns_a" qdisc add dev "va$$" root tbf rate 1gbit burst 1mb latency 20ms
tc -n "$ns_b" qdisc add dev "vb$$" root tbf rate 1gbit burst 1mb latency 20ms
mkfifo bobns.in
# A home of its own: the loopback listener still holds bob's.
PARLEY_HOME="$work/bns" "$parley" id --nick bob >/dev/null
ip netns exec "$ns_b" env PARLEY_HOME="$work/bns" "$parley" chat --plain --listen 10.231.0.2:0 \
    --accept-files-from any --downloads "$work/dlns" <bobns.in >bobns.log 2>&1 &
pids+=($!)
exec 4>bobns.in
for _ in $(seq 100); do grep -q "listening on" bobns.log && break; sleep 0.1; done
nsport="$(sed -n 's/.*listening on 10.231.0.2:\([0-9]*\).*/\1/p' bobns.log | head -1)"
for i in $(seq "$runs"); do
    ip netns exec "$ns_b" python3 -c '
import os, socket
s = socket.socket(); s.bind(("10.231.0.2", 7340)); s.listen(1); c, _ = s.accept()
with open("copyns.bin", "wb") as f:
    while (b := c.recv(1 << 20)): f.write(b)
    f.flush(); os.fsync(f.fileno())
' &
    receiver=$!
    sleep 0.3
    tcp="$(ip netns exec "$ns_a" python3 -c '
import socket, sys, time
start = time.monotonic(); c = socket.create_connection(("10.231.0.2", 7340))
with open("file.bin", "rb") as f:
    while (b := f.read(1 << 20)): c.sendall(b)
c.close(); print(time.monotonic() - start)
')"
    wait "$receiver"
    tcp="$(python3 -c 'import os, sys; print(os.path.getsize("file.bin") / float(sys.argv[1]) / 1e6)' "$tcp")"
    rm -f copyns.bin
    sent="$(ip netns exec "$ns_a" env PARLEY_HOME="$work/a" "$parley" send --to "10.231.0.2:$nsport" --file file.bin --json)"
    rm -rf "$work/dlns"
    rate="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bytesPerSecond"] / 1e6)' "$sent")"
    python3 -c 'import sys; t, p = map(float, sys.argv[1:]); print(f"  plain TCP {t:5.0f}   parley {p:5.0f}   {100 * p / 125:4.1f} % of the cap")' "$tcp" "$rate"
done
