#!/usr/bin/env bash
# Multi-host discovery test: four hosts in network namespaces, three on one Linux bridge and
# one on a second, separate bridge (same IP subnet, so only the link separates them). The
# bridges live in a namespace of their own: nothing touches the host's interfaces.
#
# Shows that the three hosts on the first bridge discover each other (parley chat and
# parley peers --json on each) and chat (/msg), that the fourth is discovered by no one and
# discovers no one, and that a goodbye removes a host at once. Cleans up everything it
# created, also on failure or interrupt.
#
# Usage: Tests/netns/discovery.sh   (as root; PARLEY=path/to/parley, default .build/debug/parley)
# Prints "SKIP: needs root and ip netns" and exits 0 where it cannot run.
set -euo pipefail

if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null 2>&1 || ! ip netns list >/dev/null 2>&1; then
    echo "SKIP: needs root and ip netns"
    exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
parley=${PARLEY:-$here/../../.build/debug/parley}
[[ -x $parley ]] || { echo "FAIL: no parley binary at $parley (swift build first)"; exit 1; }

tag=pd$$                   # unique per run; interface names stay under 15 characters
switch=${tag}sw            # the namespace holding both bridges
hosts=(1 2 3 4)            # 1-3 on bridge a, 4 on bridge b
work=$(mktemp -d /tmp/parley-netns.XXXXXX)
pids=()

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for h in "${hosts[@]}"; do ip netns del "${tag}h$h" 2>/dev/null || true; done
    ip netns del "$switch" 2>/dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*"
    for h in "${hosts[@]}"; do
        [[ -f $work/h$h.out ]] && { echo "--- h$h output:"; cat "$work/h$h.out"; }
    done
    exit 1
}

in_host() { local h=$1; shift; ip netns exec "${tag}h$h" "$@"; }

# Waits up to $2 seconds for file $1 to contain the fixed string $3.
wait_for() {
    local file=$1 seconds=$2 text=$3 i
    for ((i = 0; i < seconds * 20; i++)); do
        grep -qF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "no '$text' in $(basename "$file") within $seconds s"
}

# The network: bridge a (hosts 1-3) and bridge b (host 4) in the switch namespace.
ip netns add "$switch"
ip -n "$switch" link add "${tag}a" type bridge mcast_snooping 0
ip -n "$switch" link add "${tag}b" type bridge mcast_snooping 0
ip -n "$switch" link set "${tag}a" up
ip -n "$switch" link set "${tag}b" up
for h in "${hosts[@]}"; do
    ns=${tag}h$h
    bridge=${tag}a
    [[ $h == 4 ]] && bridge=${tag}b
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n "$switch" link add "${tag}p$h" type veth peer name eth0 netns "$ns"
    ip -n "$switch" link set "${tag}p$h" master "$bridge" up
    ip -n "$ns" addr add "10.231.0.$h/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up        # no multicast on lo: discovery uses eth0 only
done

# One parley chat per host, discovering on every usable interface (the default).
for h in "${hosts[@]}"; do
    "$parley" id --home "$work/home$h" --nick "h$h" >/dev/null
    mkfifo "$work/h$h.in"
    # ip netns exec execs parley: $! is parley's own process ID.
    ip netns exec "${tag}h$h" "$parley" chat --home "$work/home$h" <"$work/h$h.in" >"$work/h$h.out" 2>&1 &
    pids+=($!)
    eval "exec {in$h}>\"\$work/h\$h.in\""    # keep standard input open
done
say() { local h=$1; shift; local fd=in$h; echo "$*" >&"${!fd}"; }

for h in 1 2 3; do
    wait_for "$work/h$h.out" 5 "* discovering on eth0/IPv4, eth0/IPv6"
    for other in 1 2 3; do
        [[ $other == "$h" ]] && continue
        wait_for "$work/h$h.out" 5 "* online: h$other "
    done
done
echo "ok: h1, h2, h3 discover each other"

# parley peers on each host, as scripts see it (with the host's identity: itself excluded).
for h in "${hosts[@]}"; do
    in_host "$h" "$parley" peers --home "$work/home$h" --json --wait 1 >"$work/peers$h.json" \
        || fail "parley peers on h$h exited $?"
done
for h in 1 2 3; do
    expected=$(printf 'h%s\n' 1 2 3 | grep -vx "h$h" | paste -sd, -)
    got=$(grep -o '"nickname":"[^"]*"' "$work/peers$h.json" | cut -d'"' -f4 | sort | paste -sd, -)
    [[ $got == "$expected" ]] || fail "parley peers on h$h lists '$got', expected '$expected'"
done
grep -q '"peers":\[\]' "$work/peers4.json" || fail "parley peers on h4 lists someone: $(cat "$work/peers4.json")"
echo "ok: parley peers --json lists the two others on h1, h2, h3 and nobody on h4"

# Chat: each of the three sends to the next, opening the sessions on demand.
say 1 "/msg h2 hello h2, this is h1"
say 2 "/msg h3 hello h3, this is h2"
say 3 "/msg h1 hello h1, this is h3"
wait_for "$work/h2.out" 10 "<h1> hello h2, this is h1"
wait_for "$work/h3.out" 10 "<h2> hello h3, this is h2"
wait_for "$work/h1.out" 10 "<h3> hello h1, this is h3"
for h in 1 2 3; do wait_for "$work/h$h.out" 5 "* #1 delivered to h"; done
echo "ok: h1 -> h2 -> h3 -> h1 chat over sessions opened by /msg"

# The fourth host, on the other bridge, was never seen, and saw no one.
for h in 1 2 3; do
    ! grep -q "h4" "$work/h$h.out" || fail "h$h heard of h4"
done
! grep -q "online:" "$work/h4.out" || fail "h4 discovered someone"
say 4 "/msg h1 anyone?"
wait_for "$work/h4.out" 5 "! no peer called h1"
echo "ok: h4 on the separate bridge is not discovered and discovers no one"

# A clean exit says goodbye: the others drop h3 at once (expiry would take 30 s). Both had a
# session with h3, so its end says it ("* h3 left") and the goodbye adds no "gone" line; /peers
# then lists h3 as offline (a known peer no longer discovered), not as seen on the LAN.
kill -TERM "${pids[2]}"
for h in 1 2; do
    wait_for "$work/h$h.out" 3 "* h3 left"
    dropped=0
    for ((i = 0; i < 10; i++)); do
        say "$h" "/peers"
        sleep 0.3
        if grep -qE '^\* h3 [A-Z0-9-]+ offline' "$work/h$h.out"; then dropped=1; break; fi
    done
    [[ $dropped == 1 ]] || fail "h$h still lists h3 as discovered 3 s after its goodbye"
    ! grep -q "^\* offline: h3 " "$work/h$h.out" || fail "h$h said h3's exit twice"
done
echo "ok: h3's goodbye removes it from h1 and h2 at once, said once"

echo "PASS: discovery across network namespaces"
