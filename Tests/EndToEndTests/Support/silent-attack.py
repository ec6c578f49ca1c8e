#!/usr/bin/python3
"""Silent TCP connections for ListenerAttackTests, from a process of its own.

Opens COUNT connections to 127.0.0.1:PORT, spread over the SOURCES addresses, sends nothing,
and for SECONDS reopens every connection the listener closes. Prints one JSON line at the end:
opened (at first), failedAtFirst, reopened, heldAtEnd, failedConnects.

It runs apart from the test process, which was kept under 1,024 open descriptors while it
started children with Foundation's Process: its run() watched the child through select(), whose
fd_set cannot hold a descriptor numbered 1,024 or more (the test runner crashed in memcpy when
it did). Children now start with RunSupport's ChildProcess, which has no such limit; the
connections stay in a process of their own all the same, apart from the test's own descriptors.
"""
import json, resource, select, socket, sys, time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sources = sys.argv[4].split(",")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))

report = {"opened": 0, "failedAtFirst": 0, "reopened": 0, "heldAtEnd": 0, "failedConnects": 0}
held = {}  # socket -> source


def connect(source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        report["failedConnects"] += 1
        return
    s.setblocking(False)
    held[s] = source


def closed_by_peer(sockets):
    """Sockets that are readable and read 0 bytes or an error: the listener closed them."""
    if not sockets:
        return []
    poller = select.poll()
    by_fd = {s.fileno(): s for s in sockets}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    gone = []
    for fd, _ in poller.poll(0):
        s = by_fd[fd]
        try:
            if s.recv(1) == b"":
                gone.append(s)
        except BlockingIOError:
            pass
        except OSError:
            gone.append(s)
    return gone


for i in range(count):
    connect(sources[i % len(sources)])
report["opened"] = len(held)
report["failedAtFirst"] = report["failedConnects"]
print("started", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    gone = closed_by_peer(list(held))
    for s in gone:
        source = held.pop(s)
        s.close()
        connect(source)
    report["reopened"] += len(gone)
    if not gone:
        time.sleep(0.005)
report["heldAtEnd"] = len(held) - len(closed_by_peer(list(held)))
for s in held:
    s.close()
print(json.dumps(report), flush=True)
