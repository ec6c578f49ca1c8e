#!/usr/bin/env python3
"""A user-space bridge between two interfaces that delays and drops packets (these kernels have
no netem). Run inside a router namespace holding both interfaces, with their offloads off so that
every frame is one packet:

    router.py IF_A IF_B [--delay-ms D] [--jitter-ms J] [--loss PERCENT] [--seed N] [--stats FILE]

Every Ethernet frame read on one interface is written to the other after D ms plus a uniform
random extra in [-J, +J] ms (never below 0), in order: a frame never leaves before the one that
arrived before it on the same interface, as on a real link, so jitter does not reorder. An IPv4
frame is dropped with probability PERCENT/100 (ARP and everything else always passes); the
draws come from a generator seeded with N, so a run can be repeated. Both directions are impaired
alike. On SIGTERM or SIGINT it writes its counts (frames forwarded and dropped per direction) to
the stats file, or to standard error.
"""

import argparse
import heapq
import json
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
IPV4 = b"\x08\x00"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0, help="percent of IPv4 packets dropped")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stats")
    args = parser.parse_args()
    if not 0 <= args.loss <= 100 or args.delay_ms < 0 or args.jitter_ms < 0:
        parser.error("loss must be 0..100, delay and jitter non-negative")

    sockets = {}
    for name in (args.a, args.b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        sockets[name] = s
    other = {args.a: args.b, args.b: args.a}
    generator = random.Random(args.seed)
    counts = {name: {"forwarded": 0, "dropped": 0, "bytes": 0} for name in sockets}
    # (departure time, sequence, out interface, frame); per-direction last departure keeps order.
    queue = []
    last_departure = {name: 0.0 for name in sockets}
    sequence = 0
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    by_fd = {s.fileno(): name for name, s in sockets.items()}

    while running:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                sockets[out].send(frame)
            except OSError:
                pass  # A full device queue drops it, as a real link would.
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            ready, _, _ = select.select(list(sockets.values()), [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            name = by_fd[s.fileno()]
            while True:
                try:
                    frame, address = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING:
                    continue  # Our own writes on this interface.
                arrival = time.monotonic()
                if frame[12:14] == IPV4 and args.loss > 0 and generator.random() * 100 < args.loss:
                    counts[name]["dropped"] += 1
                    continue
                extra = generator.uniform(-args.jitter_ms, args.jitter_ms) if args.jitter_ms > 0 else 0.0
                departure = max(arrival + max(0.0, args.delay_ms + extra) / 1000, last_departure[name])
                last_departure[name] = departure
                counts[name]["forwarded"] += 1
                counts[name]["bytes"] += len(frame)
                sequence += 1
                heapq.heappush(queue, (departure, sequence, other[name], frame))

    text = json.dumps({"from " + name: c for name, c in counts.items()})
    if args.stats:
        with open(args.stats, "w") as f:
            f.write(text + "\n")
    else:
        print(text, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
