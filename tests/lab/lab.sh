#!/usr/bin/env bash
# shellcheck shell=bash
# The namespace lab shared by the integration tests and the demo. Source it, then:
#
#     . tests/lab/lab.sh
#     trap lab_down EXIT          # always: namespaces outlive the script otherwise
#     lab_up                      # prober -- r1 -- r2 -- target, IPv4 and IPv6
#     lab_prober_firewall         # keep the prober's kernel from RSTing our SYN-ACKs
#     lab_target_listen 80        # HTTP-ish listener on the target (v4, v6, AnyIP);
#                                 #   --body-size N: a reply of N body bytes
#     lab_target_tls 443          # TLS server (openssl s_server -www) on the target
#     lab_mbox_overwrite_nop_eol  # optional middlebox on r2; lab_mbox_clear removes it
#
# Middleboxes on r2 (one at a time; each replaces the previous one; lab_mbox_clear):
#   lab_mbox_overwrite_nop_eol, lab_mbox_break_nop_eol, lab_mbox_mss_rewrite N,
#   lab_mbox_clear_reserved, lab_mbox_clear_urg, lab_mbox_unknown_option_to_nops,
#   lab_mbox_fix_checksum (a tc BPF program, built with clang at first use),
#   lab_mbox_clear_ecn_setup, lab_mbox_bleach_ecn.
# Non-conforming target (one at a time; lab_target_clear):
#   lab_target_ignore_rst, lab_target_ignore_rstack, lab_target_silent_port P,
#   lab_target_set_reserved.
# Targets with other TCP stacks (lwIP, gVisor, Linux variants), also at hop 3: tests/lab/stacks.sh.
#
# Topology (every box is its own network namespace, linked by veth pairs):
#
#   prober [to-r1] ---- [to-prober] r1 [to-r2] ---- [to-r1] r2 [to-target] ---- [to-r2] target
#      198.18.1.2/24      198.18.1.1     198.18.2.1/24  198.18.2.2  198.18.3.1/24   198.18.3.2
#   fd00:7463:1::2/64  fd00:7463:1::1 fd00:7463:2::1/64 fd00:7463:2::2 fd00:7463:3::1 fd00:7463:3::2
#
#   The target also owns 198.18.128.0/17 and fd00:7463:8000::/48 as AnyIP prefixes (local
#   routes on lo): any address in them is the target, for scale tests with many targets.
#   A closed port for tests: 81 on the target (nothing ever listens there): LAB_CLOSED_PORT.
#
# Safety: only 198.18.0.0/15 (RFC 2544 benchmarking) and fd00:7463::/32 (ULA) are used, and
# only inside the namespaces created here. The root namespace's links, addresses, routes and
# firewall are never touched: veths are created directly inside their namespaces.
#
# Sourcing this file does not change the caller's shell options (tests deliberately run
# without errexit so that one failed assertion does not abort the rest). Every function
# runs with `local -; set -euo pipefail`, which bash restores when the function returns;
# run directly (`LAB_PREFIX=x tests/lab/lab.sh up|down|...`) the whole script is strict.
#
# Parallel or aborted runs do not collide: all namespace names start with $LAB_PREFIX
# (default "tcpreq<pid of the sourcing shell>"). lab_gc_stale removes leftovers of dead runs.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
fi

: "${LAB_PREFIX:=tcpreq$$}"
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_NET_PY=$LAB_DIR/labnet.py
LAB_CLOSED_PORT=81
LAB_ANYIP4=198.18.128.0/17
LAB_ANYIP6=fd00:7463:8000::/48
LAB_MBOX_TABLE=tcpreq_mbox
LAB_LISTENER_PIDS=()  # pids of our background listeners (reaped by lab_down)
export LAB_CLOSED_PORT LAB_ANYIP4 LAB_ANYIP6

_lab_err() { echo "lab: $*" >&2; }

# _lab_names: (re)derive the namespace names from LAB_PREFIX, which the caller may change
# after sourcing.
_lab_names() {
  if [[ ! "$LAB_PREFIX" =~ ^[A-Za-z0-9_.]+$ ]]; then
    _lab_err "LAB_PREFIX '$LAB_PREFIX' must be non-empty [A-Za-z0-9_.]"
    return 1
  fi
  LAB_PROBER_NS=$LAB_PREFIX-prober
  LAB_R1_NS=$LAB_PREFIX-r1
  LAB_R2_NS=$LAB_PREFIX-r2
  LAB_TARGET_NS=$LAB_PREFIX-target
  export LAB_PROBER_NS LAB_R1_NS LAB_R2_NS LAB_TARGET_NS
}

_lab_ns_exists() { [[ -e /run/netns/$1 ]]; }

# _lab_in NS CMD...: run CMD inside namespace NS.
_lab_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# _lab_sysctl NS key=value...: per-namespace sysctls (the net.* ones below are all per netns).
_lab_sysctl() { local ns=$1; shift; _lab_in "$ns" sysctl -q -w "$@" >/dev/null; }

# _lab_veth NS_A DEV_A NS_B DEV_B: one veth pair, each end created directly in its namespace
# (no transient interface in the root namespace).
_lab_veth() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  local ns dev ns_dev
  for ns_dev in "$1:$2" "$3:$4"; do
    ns=${ns_dev%%:*} dev=${ns_dev#*:}
    # Offloads off on every veth. With checksum offload a locally sent segment leaves with
    # only a partial (pseudo-header) checksum, which is filled in "later" -- never, on a
    # veth -- so raw/pcap receivers and ICMP quotes see wrong checksums; TSO/GSO/GRO would
    # show segments that never existed on a wire. tcpreq reads raw packets: it must see
    # exactly what a real wire would carry.
    _lab_in "$ns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null
  done
}

# _lab_addr NS DEV ADDR4/LEN ADDR6/LEN
_lab_addr() {
  _lab_in "$1" ip addr add "$3" dev "$2"
  # nodad: usable at once (DAD would keep it "tentative", unusable as a source, for ~1 s).
  _lab_in "$1" ip -6 addr add "$4" dev "$2" nodad
  _lab_in "$1" ip link set "$2" up
}

# _lab_wait_ready: poll (no blind sleep) until every veth has carrier and no IPv6 address
# (global or link-local) in any namespace is still tentative.
_lab_wait_ready() {
  local i ns ok tentative links
  for ((i = 0; i < 200; i++)); do
    ok=1
    for ns in "$LAB_PROBER_NS" "$LAB_R1_NS" "$LAB_R2_NS" "$LAB_TARGET_NS"; do
      tentative=$(_lab_in "$ns" ip -6 addr show tentative)
      links=$(_lab_in "$ns" ip -o link show type veth)
      if [[ -n "$tentative" || "$links" != *LOWER_UP* ]] || grep -qv LOWER_UP <<<"$links"; then
        ok=0
        break
      fi
    done
    ((ok)) && return 0
    sleep 0.05
  done
  _lab_err "links/addresses not ready after 10 s"
  return 1
}

# _lab_probe_ttl NS DST TTL: prints the address that answers an ICMP echo with that TTL:
# "time-exceeded ADDR" or "echo-reply ADDR". Retries a few times (the first packet to a
# new neighbour waits for ARP/ND; it is queued, not lost, but be tolerant).
_lab_probe_ttl() {
  local out i
  for ((i = 0; i < 3; i++)); do
    if out=$(_lab_in "$1" python3 "$LAB_NET_PY" ping "$2" --ttl "$3" --timeout 1); then
      echo "$out"
      return 0
    fi
  done
  echo "timeout"
  return 1
}

# lab_up: build the lab and export the LAB_* variables. Called plainly, any failing step
# ends the caller (errexit) and its EXIT trap runs lab_down. Called as `lab_up || ...` or
# `if lab_up`, bash ignores errexit inside, but the final reachability / time-exceeded checks
# still make it return non-zero if the lab does not work.
lab_up() {
  local -
  set -euo pipefail
  _lab_names
  if [[ $(id -u) -ne 0 ]]; then _lab_err "must run as root"; return 1; fi
  # a run that ctest killed outright never ran its cleanup: its listeners would load the CPUs
  lab_gc_stale
  local tool
  for tool in ip ethtool nft python3 ss sysctl; do
    command -v "$tool" >/dev/null || { _lab_err "missing tool: $tool"; return 1; }
  done
  local ns
  for ns in "$LAB_PROBER_NS" "$LAB_R1_NS" "$LAB_R2_NS" "$LAB_TARGET_NS"; do
    if _lab_ns_exists "$ns"; then
      _lab_err "namespace $ns already exists (lab_down first, or another LAB_PREFIX)"
      return 1
    fi
  done
  LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$LAB_PREFIX.XXXXXX")  # listener logs

  for ns in "$LAB_PROBER_NS" "$LAB_R1_NS" "$LAB_R2_NS" "$LAB_TARGET_NS"; do
    ip netns add "$ns"
    _lab_in "$ns" ip link set lo up
    # No IPv6 Duplicate Address Detection. Set before the veths exist so that their
    # link-local addresses skip DAD too (new interfaces copy conf/default).
    _lab_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    # Static lab: no router solicitations / SLAAC, which only add noise to captures.
    _lab_sysctl "$ns" net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0
  done
  for ns in "$LAB_R1_NS" "$LAB_R2_NS" "$LAB_TARGET_NS"; do
    # ICMP error rate limits off, so that a burst of TTL-limited probes (30 at once, one per
    # hop distance) is answered in full. icmp_ratelimit / icmp.ratelimit is the per-peer
    # token bucket (default 1 s^-1 after a burst of ~6 per destination!); icmp_msgs_per_sec
    # / icmp_msgs_burst is the host-wide limit (per netns on recent kernels, hence "if it
    # exists").
    _lab_sysctl "$ns" net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
    _lab_sysctl "$ns" net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=10000 2>/dev/null || true
  done
  for ns in "$LAB_R1_NS" "$LAB_R2_NS"; do
    # Routers route. Linux routers quote as much of the expired datagram as fits in 576
    # bytes (IPv4) / 1280 bytes (IPv6) in time-exceeded: a whole SYN with options.
    _lab_sysctl "$ns" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
  # The prober's own kernel sockets stay below tcpreq's probe ports (49152-65535), so the
  # firewall that drops unmarked RSTs from that range never hits an ordinary connection.
  _lab_sysctl "$LAB_PROBER_NS" net.ipv4.ip_local_port_range="32768 49151"

  _lab_veth "$LAB_PROBER_NS" to-r1 "$LAB_R1_NS" to-prober
  _lab_veth "$LAB_R1_NS" to-r2 "$LAB_R2_NS" to-r1
  _lab_veth "$LAB_R2_NS" to-target "$LAB_TARGET_NS" to-r2
  _lab_addr "$LAB_PROBER_NS" to-r1 198.18.1.2/24 fd00:7463:1::2/64
  _lab_addr "$LAB_R1_NS" to-prober 198.18.1.1/24 fd00:7463:1::1/64
  _lab_addr "$LAB_R1_NS" to-r2 198.18.2.1/24 fd00:7463:2::1/64
  _lab_addr "$LAB_R2_NS" to-r1 198.18.2.2/24 fd00:7463:2::2/64
  _lab_addr "$LAB_R2_NS" to-target 198.18.3.1/24 fd00:7463:3::1/64
  _lab_addr "$LAB_TARGET_NS" to-r2 198.18.3.2/24 fd00:7463:3::2/64

  # Static routes. The end hosts route only the lab prefixes (no default route), so a
  # mistyped destination fails locally instead of wandering anywhere.
  _lab_in "$LAB_PROBER_NS" ip route add 198.18.0.0/15 via 198.18.1.1
  _lab_in "$LAB_PROBER_NS" ip -6 route add fd00:7463::/32 via fd00:7463:1::1
  _lab_in "$LAB_R1_NS" ip route add 198.18.3.0/24 via 198.18.2.2
  _lab_in "$LAB_R1_NS" ip route add "$LAB_ANYIP4" via 198.18.2.2
  _lab_in "$LAB_R1_NS" ip -6 route add fd00:7463:3::/64 via fd00:7463:2::2
  _lab_in "$LAB_R1_NS" ip -6 route add "$LAB_ANYIP6" via fd00:7463:2::2
  _lab_in "$LAB_R2_NS" ip route add 198.18.1.0/24 via 198.18.2.1
  _lab_in "$LAB_R2_NS" ip -6 route add fd00:7463:1::/64 via fd00:7463:2::1
  _lab_in "$LAB_R2_NS" ip route add "$LAB_ANYIP4" via 198.18.3.2
  _lab_in "$LAB_R2_NS" ip -6 route add "$LAB_ANYIP6" via fd00:7463:3::2
  _lab_in "$LAB_TARGET_NS" ip route add 198.18.0.0/15 via 198.18.3.1
  _lab_in "$LAB_TARGET_NS" ip -6 route add fd00:7463::/32 via fd00:7463:3::1
  # AnyIP: a "local" route makes every address of the prefix local to the target (the
  # prober reaches it through its 198.18.0.0/15 / fd00:7463::/32 routes). Sockets bound
  # to 0.0.0.0 / :: accept connections to any of them.
  _lab_in "$LAB_TARGET_NS" ip route add local "$LAB_ANYIP4" dev lo
  _lab_in "$LAB_TARGET_NS" ip -6 route add local "$LAB_ANYIP6" dev lo

  _lab_wait_ready

  LAB_PROBER_DEV=to-r1
  LAB_PROBER4=198.18.1.2
  LAB_PROBER6=fd00:7463:1::2
  LAB_TARGET4=198.18.3.2
  LAB_TARGET6=fd00:7463:3::2
  export LAB_PROBER_DEV LAB_PROBER4 LAB_PROBER6 LAB_TARGET4 LAB_TARGET6 LAB_TMP

  # Verify the path instead of assuming it: the target answers echoes in both families (so
  # routing works both ways), and the router addresses are whatever really sources the
  # time-exceeded messages (Linux picks the address of the interface facing the prober).
  local fam dst out ttl
  for fam in 4 6; do
    if [[ $fam == 4 ]]; then dst=$LAB_TARGET4; else dst=$LAB_TARGET6; fi
    out=$(_lab_probe_ttl "$LAB_PROBER_NS" "$dst" 64) || true
    if [[ "$out" != "echo-reply $dst" ]]; then
      _lab_err "IPv$fam: no echo reply from target $dst (got: $out)"
      return 1
    fi
    for ttl in 1 2; do
      out=$(_lab_probe_ttl "$LAB_PROBER_NS" "$dst" "$ttl") || true
      if [[ "$out" != "time-exceeded "* ]]; then
        _lab_err "IPv$fam: no time-exceeded for TTL $ttl (got: $out)"
        return 1
      fi
      case $ttl$fam in
      14) LAB_R1_4=${out#time-exceeded } ;;
      24) LAB_R2_4=${out#time-exceeded } ;;
      16) LAB_R1_6=${out#time-exceeded } ;;
      26) LAB_R2_6=${out#time-exceeded } ;;
      esac
    done
  done
  export LAB_R1_4 LAB_R2_4 LAB_R1_6 LAB_R2_6
}

# lab_down: kill every process left in the lab namespaces (listeners, captures) and delete
# the namespaces, which also destroys their veths, routes and nftables tables. Idempotent;
# never fails. Use as `trap lab_down EXIT`.
lab_down() {
  local -
  set +e
  _lab_names || return 0
  # the extra targets of tests/lab/stacks.sh, when sourced (they hang off r2)
  if declare -F lab_stacks_down >/dev/null; then lab_stacks_down; fi
  local ns
  for ns in "$LAB_PROBER_NS" "$LAB_R1_NS" "$LAB_R2_NS" "$LAB_TARGET_NS"; do
    _lab_ns_exists "$ns" || continue
    _lab_kill_ns "$ns"
    ip netns del "$ns" 2>/dev/null
  done
  # Reap our own background children (the listeners) so bash does not report them. Never a
  # bare `wait`: that would also wait for the caller's unrelated background jobs.
  if ((${#LAB_LISTENER_PIDS[@]})); then wait "${LAB_LISTENER_PIDS[@]}" 2>/dev/null; fi
  LAB_LISTENER_PIDS=()
  if [[ -n "${LAB_TMP:-}" && -d "$LAB_TMP" ]]; then rm -rf "$LAB_TMP"; fi
  return 0
}

# _lab_kill_ns NS: TERM every process in namespace NS, KILL what is left after 2 s.
_lab_kill_ns() {
  local ns=$1 pids i
  pids=$(ip netns pids "$ns" 2>/dev/null)
  [[ -n "$pids" ]] || return 0
  # shellcheck disable=SC2086 # one pid per word
  kill $pids 2>/dev/null
  for ((i = 0; i < 40; i++)); do
    [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && return 0
    sleep 0.05
  done
  pids=$(ip netns pids "$ns" 2>/dev/null)
  # shellcheck disable=SC2086
  [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
  return 0
}

# lab_gc_stale: delete lab namespaces of runs that died without lab_down, i.e. names
# tcpreq<PID>-{prober,r1,r2,target} (and stacks.sh's targets) whose PID no longer exists.
# Never touches live runs or other prefixes.
lab_gc_stale() {
  local -
  set +e
  local name pid
  for name in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ "$name" =~ ^tcpreq([0-9]+)-(prober|r1|r2|target|lwip|gvisor|cookies|nosynretry|nots)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    [[ -d /proc/$pid ]] && continue
    ip netns pids "$name" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$name" 2>/dev/null && echo "lab: removed stale namespace $name" >&2
  done
  return 0
}

# lab_prober_firewall: load firewall/tcpreq.nft in the prober namespace (drop the prober
# kernel's RSTs from ports 49152-65535 unless marked 0x74637271, i.e. sent by tcpreq).
lab_prober_firewall() {
  local -
  set -euo pipefail
  _lab_names
  _lab_in "$LAB_PROBER_NS" nft -f "$LAB_REPO/firewall/tcpreq.nft"
}

# lab_target_listen PORT [--body-size N]: dual-stack HTTP-ish listener on the target (v4, v6,
# AnyIP), one event loop for all connections, answers "HTTP/1.1 200" to anything (with a body
# of N bytes: a reply of many segments), then closes. Returns once the port is listening.
# lab_down kills it.
lab_target_listen() {
  local -
  set -euo pipefail
  _lab_names
  local port=${1:?usage: lab_target_listen PORT}
  # Output goes to a file, not the caller's stdout: a background process holding a pipe
  # open would hang `out=$(...)` or ctest's output capture.
  local log=/dev/null
  if [[ -n "${LAB_TMP:-}" && -d "$LAB_TMP" ]]; then log=$LAB_TMP/listen-$port.log; fi
  _lab_in "$LAB_TARGET_NS" python3 "$LAB_NET_PY" serve "$port" "${@:2}" >"$log" 2>&1 </dev/null &
  local pid=$!
  LAB_LISTENER_PIDS+=("$pid")
  _lab_wait_listen "$port" "$pid" "$log"
}

# _lab_wait_listen PORT PID LOG: poll until something listens on the target's TCP PORT;
# fails (showing LOG) if PID died first or after 10 s.
_lab_wait_listen() {
  local port=$1 pid=$2 log=$3 i
  for ((i = 0; i < 200; i++)); do
    if [[ -n "$(_lab_in "$LAB_TARGET_NS" ss -Hltn "sport = :$port")" ]]; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      _lab_err "listener on port $port died: $(cat "$log" 2>/dev/null)"
      return 1
    fi
    sleep 0.05
  done
  _lab_err "listener on port $port not up after 10 s"
  return 1
}

# lab_target_tls [PORT]: a TLS server on the target's PORT (default 443), IPv4, IPv6 and the
# AnyIP prefixes: `openssl s_server -www` with a self-signed P-256 certificate generated
# into $LAB_TMP at first use (CN tcpreq-lab; nobody verifies it). -www answers an HTTP GET
# inside TLS with a status page, and a ClientHello alone with the server's whole first
# flight (several segments: what the MSS tests measure).
#   Dual stack: given only a port, s_server resolves the wildcard address for both
#   families and, when the first answer is IPv6 and an IPv4 one follows, binds one [::]
#   socket with IPV6_V6ONLY cleared (`ss` shows *:PORT). An explicit [::]:PORT would be
#   IPv6-only -- hence the bare port. The check below insists on the dual-stack socket.
#   Sequential connections: s_server serves one connection at a time, forever (no
#   -naccept); a failed or reset handshake only ends that connection. A connection left
#   established and idle blocks the next ones until it closes -- a prober that leaves
#   connections open (instead of resetting them) therefore shows up here.
# Returns once the port is listening; lab_down kills the server.
lab_target_tls() {
  local -
  set -euo pipefail
  _lab_names
  local port=${1:-443}
  if [[ -z "${LAB_TMP:-}" || ! -d "$LAB_TMP" ]]; then _lab_err "lab_target_tls: lab_up first"; return 1; fi
  command -v openssl >/dev/null || { _lab_err "missing tool: openssl"; return 1; }
  local cert=$LAB_TMP/tls-cert.pem key=$LAB_TMP/tls-key.pem log=$LAB_TMP/tls-$port.log
  if [[ ! -s "$cert" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj /CN=tcpreq-lab -days 7 -keyout "$key" -out "$cert" >"$LAB_TMP/tls-req.log" 2>&1 ||
      { _lab_err "openssl req failed: $(cat "$LAB_TMP/tls-req.log")"; return 1; }
  fi
  _lab_in "$LAB_TARGET_NS" openssl s_server -quiet -www -accept "$port" \
    -cert "$cert" -key "$key" >"$log" 2>&1 </dev/null &
  local pid=$!
  LAB_LISTENER_PIDS+=("$pid")
  _lab_wait_listen "$port" "$pid" "$log"
  if [[ -z "$(_lab_in "$LAB_TARGET_NS" ss -Hltn "sport = :$port" | awk '$4 == "*:'"$port"'"')" ]]; then
    _lab_err "TLS server on $port is not dual-stack: $(_lab_in "$LAB_TARGET_NS" ss -Hltn "sport = :$port")"
    return 1
  fi
}

# lab_target_closed_port: nothing listens on the target's port $LAB_CLOSED_PORT (81), so a
# SYN there gets RST+ACK from the kernel. Prints the port.
lab_target_closed_port() { echo "$LAB_CLOSED_PORT"; }

# --- Captures ------------------------------------------------------------------------------
# tcpdump stopped by a signal drops whatever it has not yet read from its capture ring, and on
# a loaded machine that is the last packets of a run. So a capture is stopped only once its
# file holds what the run is known to have sent: lab_capture_wait, then lab_capture_stop.

# lab_capture_start VAR NS DEV FILE [FILTER...]: tcpdump on DEV in NS into FILE (written
# packet by packet, stderr in FILE.err), its pid in VAR. Returns once tcpdump is listening,
# so nothing sent afterwards is missed.
lab_capture_start() {
  local -
  set -euo pipefail
  # (underscored locals: printf -v must not land in one of them when VAR has the same name)
  local _cap_var=$1 _cap_ns=$2 _cap_dev=$3 _cap_file=$4 _cap_i
  shift 4
  ip netns exec "$_cap_ns" tcpdump --immediate-mode -U -ni "$_cap_dev" -w "$_cap_file" "$@" \
    2>"$_cap_file.err" &
  printf -v "$_cap_var" %s "$!"
  for ((_cap_i = 0; _cap_i < 200; _cap_i++)); do
    grep -q "listening on" "$_cap_file.err" 2>/dev/null && return 0
    sleep 0.05
  done
  _lab_err "tcpdump did not start: $(cat "$_cap_file.err")"
  return 1
}

# lab_capture_count FILE [FILTER]: how many packets (matching FILTER) FILE holds so far.
lab_capture_count() {
  local -
  set -eu +o pipefail # a packet half written as we read makes tcpdump fail after the rest
  local filter=()
  if [[ -n ${2:-} ]]; then filter=("$2"); fi
  tcpdump -nr "$1" "${filter[@]}" 2>/dev/null | wc -l
}

# lab_capture_wait FILE COUNT [FILTER]: wait (up to 10 s) until FILE holds at least COUNT
# packets matching FILTER. Fails on the deadline; the caller's own count check says more.
lab_capture_wait() {
  local -
  set -euo pipefail
  local want=${2:-} i
  if ! [[ $want =~ ^[0-9]+$ ]]; then _lab_err "$1: no packet count to wait for"; return 1; fi
  for ((i = 0; i < 200; i++)); do
    (($(lab_capture_count "$1" "${3:-}") >= want)) && return 0
    sleep 0.05
  done
  _lab_err "$1: fewer than $2 packets${3:+ matching '$3'} after 10 s"
  return 1
}

# lab_capture_stop PID...: stop the captures and wait for them to write their files out.
lab_capture_stop() {
  local -
  set +e
  local pid
  for pid in "$@"; do kill -INT "$pid" 2>/dev/null; done
  for pid in "$@"; do wait "$pid" 2>/dev/null; done
  return 0
}

# lab_capture_max_copies FILE: across the prober's flows in FILE (captured at a host), the
# most copies of one SYN (same port and sequence number) or one data segment (same port,
# sequence number and length) the host received: 1 when each probe arrived exactly once.
lab_capture_max_copies() {
  local -
  set -eu +o pipefail
  tshark -r "$1" -Y "ip.src == $LAB_PROBER4 or ipv6.src == $LAB_PROBER6" -T fields \
    -e tcp.srcport -e tcp.seq_raw -e tcp.flags.syn -e tcp.len 2>/dev/null |
    awk -F'\t' '$3 == 1 || $4 > 0 { n[$1 " " $2 " " $3 " " $4]++ }
                END { m = 0; for (k in n) if (n[k] > m) m = n[k]; print m }'
}

# lab_packets_sent ERRFILE: the packet count from tcpreq's closing summary on stderr
# ("tcpreq: done: N targets done, S packets sent, R received"; not written with -q).
lab_packets_sent() {
  sed -n 's/^tcpreq: [a-z]*: .* \([0-9]*\) packets sent, .*/\1/p' "$1"
}

# --- Middleboxes on r2 -----------------------------------------------------------------
#
# tcpreq's OptionSupportTest SYN carries the options 01 01 00 00 (NOP, NOP, EOL, one pad
# byte; data offset 6), i.e. TCP header bytes 20..23 = bits 160..191 (@th,160,32).
#
# Where the rewrite happens matters. The rules hook PREROUTING, which runs before the
# routing decision and thus before the TTL check in ip_forward()/ip6_forward(): a probe
# whose TTL expires at r2 is quoted in r2's time-exceeded *after* the rewrite, so tcpreq
# attributes the change to hop 2. A rewrite in the FORWARD hook would run after the TTL
# check: r2's quote would still show the original bytes and only hop 3 onward (here the
# target) would see the change.
#
# nftables raw payload writes (@th,...) do not update the TCP checksum (nft 1.0.6 only
# adds checksum fix-ups for named header fields such as "tcp dport set"). Hence:
#
# lab_mbox_overwrite_nop_eol -- a transparent, checksum-neutral rewrite:
#     01 01 00 00  ->  fe 04 02 fc   (kind 254 = RFC 6994 experimental, len 4, ExID 0x02fc)
#   The TCP checksum is the one's-complement of the one's-complement sum of 16-bit words;
#   it stays valid if the replaced words have the same one's-complement sum:
#     old: 0x0101 + 0x0000                    = 0x0101
#     new: 0xfe04 + 0x02fc = 0x10100 -> fold: 0x0100 + 0x0001 = 0x0101
#   (0x02fc = 0x0101 - 0xfe04 in one's complement = 0x0101 + ~0xfe04 = 0x0101 + 0x01fb.)
#   The target sees a valid SYN carrying an unknown option (ignored), so the handshake
#   completes; the NOP/EOL bytes are gone both there and in r2's quote.
#
# lab_mbox_break_nop_eol -- the same bytes overwritten, but the handshake breaks:
#     01 01 00 00  ->  fe 04 ab cd  in PREROUTING (so r2's quote shows it), which is NOT
#   checksum-neutral (0xfe04 + 0xabcd -> 0xa9d2 != 0x0101): the target's checksum check
#   would discard the SYN. To not depend on the receiver verifying checksums, the FORWARD
#   hook also drops the rewritten SYNs explicitly. Net effect: TTL-limited probes expiring
#   at r2 are quoted with fe04abcd; nothing reaches the target; no SYN-ACK ever comes.
#
# lab_mbox_clear -- remove r2's middlebox table (idempotent).

_LAB_SYN_MATCH='meta l4proto tcp tcp flags & (fin | syn | rst | ack) == syn tcp doff 6 @th,160,32 0x01010000'

_lab_mbox_load() {
  lab_mbox_clear
  _lab_in "$LAB_R2_NS" nft -f - <<<"$1"
}

lab_mbox_overwrite_nop_eol() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_SYN_MATCH counter @th,160,32 set 0xfe0402fc
  }
}"
}

lab_mbox_break_nop_eol() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_SYN_MATCH counter @th,160,32 set 0xfe04abcd
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    meta l4proto tcp tcp flags & (fin | syn | rst | ack) == syn @th,160,32 0xfe04abcd counter drop
  }
}"
}

# --- Middleboxes for the remaining test cases ---------------------------------------------
#
# All of them act in r2's PREROUTING hook (or, for the BPF one, at tc ingress, which runs
# even earlier), only on segments arriving from r1 (iifname "to-r1", the prober's side),
# so r2's own time-exceeded quote shows the change and tcpreq attributes it to hop 2. All
# keep the TCP checksum valid: they use typed nftables statements, for which nft 1.0.6
# emits a checksum fix-up (`payload write ... csum_type 1 csum_off 16`, `exthdr write
# tcpopt`, `exthdr reset tcpopt`; see `nft --debug=netlink list ruleset`), so the target
# accepts the rewritten segment and answers as if the path were clean.
#
# lab_mbox_mss_rewrite N -- the MSS option of SYNs becomes N (`tcp option maxseg size set
#   N`). The kernel's exthdr write only ever LOWERS an MSS (it is meant for clamping): N
#   must be below the MSS the SYN carries (MSSSupportTest 515, MultiMSSTest 550 first),
#   e.g. 500; a larger N leaves the option untouched. Only the first MSS option is changed.
#   -> MSSSupportTest UNK "... at or before hop 2 (MSS modified or deleted)".
# lab_mbox_clear_reserved -- the four reserved bits (low nibble of header byte 12, RFC 9293
#   3.1 "Rsrvd") are zeroed in every segment (`tcp reserved set 0`).
#   -> ReservedFlagsTest UNK "... (reserved flags reset)".
# lab_mbox_clear_urg -- segments with URG lose the flag and their urgent pointer becomes 0:
#   `tcp urgptr set 0`, then one rule per flags value with URG set mapping it to the same
#   value without URG (nft 1.0.6 rejects `tcp flags set tcp flags & ~urg` and maps in a set
#   statement, so the 128 values are enumerated). Segments without URG are not touched
#   (other tests encode the TTL in the urgent pointer). The target receives plain data.
#   -> UrgentPointerTest UNK "... (URG/UP modified)".
# lab_mbox_unknown_option_to_nops -- option kind 158 (UnknownOptionTest's 9e 05 58 fa 89) is
#   overwritten with NOOPs of the same total length (`reset tcp option 158`; the kernel
#   updates the checksum per rewritten byte pair). Other options are untouched.
#   -> UnknownOptionTest UNK "... (unknown header option deleted)".
# lab_mbox_fix_checksum -- every TCP segment from r1 gets its checksum recomputed (tc
#   ingress BPF, tests/lab/bpf/tcp_csum.c): a segment sent with a wrong checksum arrives,
#   and is quoted by r2, with the right one. Needs clang (built once into $LAB_TMP).
#   -> IncorrectChecksumTest UNK "... (checksum corrected)".
# lab_mbox_drop_unknown_option -- SYNs carrying option kind 158 are dropped in r2's
#   prerouting hook, before its TTL check: r2 sends no time-exceeded for them either, so the
#   probe simply vanishes at hop 2 (`tcp option 158 exists drop`).
#   -> UnknownOptionTest UNK "... at or before hop 2 (probe dropped)", path [[1, r1]].
# lab_mbox_raise_mss_after_r2 -- the MSS options of SYNs are raised to 1460 on their way
#   OUT of r2 to the target (FORWARD hook, after r2's TTL check, so no quote shows it: a
#   change at the egress of the last router that quotes, invisible to tracebox). nftables
#   only lowers an MSS with its typed statement, so raw payload writes change the option
#   values and a tc BPF program at r2's egress to the target (tests/lab/bpf/tcp_csum.c)
#   makes the checksum valid again. The target then sends 1460-byte segments to a prober
#   that announced 515: tcpreq's MSS tests FAIL (the host is blamed: nothing on the path it
#   can see changed), and `tcpreq analyze` of the --pcap reaches the same verdict.
# lab_mbox_clear_ecn_setup -- ECN-setup SYNs (SYN with exactly ECE and CWR, RFC 3168 6.1.1)
#   lose ECE and CWR (`tcp flags == (syn | ecn | cwr) tcp flags set syn`; nft 1.0.6 names ECE
#   "ecn" and rejects "ece"): the target sees a plain SYN and never negotiates ECN, as behind
#   the middleboxes RFC 3168 6.1.1.1 describes.
#   -> EcnSetupTest UNK "... at or before hop 2 (ECN flags or codepoint modified)".
# lab_mbox_bleach_ecn -- every packet loses its ECN codepoint (`ip ecn set not-ect`, `ip6 ecn
#   set not-ect`; the IPv4 header checksum is fixed up): ECT and CE never reach the target.
#   -> EcnEchoTest UNK "... at or before hop 2 (ECT bleached or ECN flags modified)".
# lab_mbox_reset_timestamps -- the Timestamps option of SYNs (not SYN-ACKs) is overwritten
#   with NOOPs (`reset tcp option timestamp`): the host sees no TSopt and does not use
#   timestamps. -> TsecrIgnoredWithoutAckTest UNK "... (timestamps option modified or
#   deleted)"; TimestampsEverySegmentTest (untraced) UNK "Timestamps not negotiated".
# lab_mbox_junk_after_eol_to_prober -- on the way BACK, the target's SYN-ACKs whose options
#   are Linux's answer to a SYN offering SACK-permitted alone (MSS, NOP, NOP, SACK-permitted)
#   get option bytes 4..7 rewritten to SACK-permitted, EOL, 0x55: a non-zero byte after
#   EOL (RFC 9293 MUST-69) in r2's FORWARD hook, the checksum made valid again by the tc
#   BPF program at r2's egress to r1. Nothing quotes the host's segments: tcpreq's
#   ZeroPaddingAfterEolTest FAILs (the host is blamed for its return path), and
#   `tcpreq analyze` of the --pcap reports nonzero-after-eol (the same rule).
# lab_mbox_clear -- remove all of r2's middleboxes (nft table and tc clsact qdiscs;
#   idempotent).

_LAB_FROM_R1='iifname "to-r1" meta l4proto tcp'
LAB_R2_FROM_R1_DEV=to-r1
LAB_R2_TO_TARGET_DEV=to-target
LAB_UNKNOWN_OPTION_KIND=158

lab_mbox_mss_rewrite() {
  local -
  set -euo pipefail
  _lab_names
  local mss=${1:?usage: lab_mbox_mss_rewrite MSS}
  if [[ ! "$mss" =~ ^[0-9]+$ ]] || ((mss == 0 || mss > 65535)); then
    _lab_err "bad MSS '$mss'"
    return 1
  fi
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp flags & (syn | rst) == syn tcp option maxseg exists counter tcp option maxseg size set $mss
  }
}"
}

lab_mbox_clear_reserved() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp reserved != 0 counter tcp reserved set 0
  }
}"
}

lab_mbox_clear_urg() {
  local -
  set -euo pipefail
  _lab_names
  local rules="    $_LAB_FROM_R1 tcp flags & urg == urg counter tcp urgptr set 0" flags
  for ((flags = 0; flags < 256; flags++)); do
    ((flags & 0x20)) || continue
    rules+=$'\n'"    $_LAB_FROM_R1 tcp flags == $flags tcp flags set $((flags & ~0x20))"
  done
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
$rules
  }
}"
}

lab_mbox_unknown_option_to_nops() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp option $LAB_UNKNOWN_OPTION_KIND exists counter reset tcp option $LAB_UNKNOWN_OPTION_KIND
  }
}"
}

lab_mbox_reset_timestamps() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp flags & (syn | ack) == syn tcp option timestamp exists counter reset tcp option timestamp
  }
}"
}

# _lab_bpf_build NAME: compile tests/lab/bpf/NAME.c into $LAB_TMP/NAME.o (once per lab) and
# print the object's path. Only clang and the kernel UAPI headers (linux-libc-dev) are
# needed; the multiarch include directory supplies <asm/types.h>, which clang does not
# search when targeting bpf.
_lab_bpf_build() {
  local src=$LAB_DIR/bpf/$1.c obj=$LAB_TMP/$1.o multiarch
  if [[ ! -s "$obj" ]]; then
    command -v clang >/dev/null || { _lab_err "missing tool: clang (tests/install-deps.sh)"; return 1; }
    multiarch=$(${CC:-cc} -print-multiarch 2>/dev/null || true)
    [[ -n "$multiarch" ]] || multiarch=$(uname -m)-linux-gnu
    clang -O2 -g -Wall -Wextra -Werror -target bpf -I"/usr/include/$multiarch" \
      -c "$src" -o "$obj" >&2 || { _lab_err "BPF build of $src failed"; return 1; }
  fi
  echo "$obj"
}

lab_mbox_fix_checksum() {
  local -
  set -euo pipefail
  _lab_names
  lab_mbox_clear
  local obj
  obj=$(_lab_bpf_build tcp_csum)
  _lab_in "$LAB_R2_NS" tc qdisc add dev "$LAB_R2_FROM_R1_DEV" clsact
  _lab_in "$LAB_R2_NS" tc filter add dev "$LAB_R2_FROM_R1_DEV" ingress bpf direct-action \
    obj "$obj" sec tc
}

lab_mbox_drop_unknown_option() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp option $LAB_UNKNOWN_OPTION_KIND exists counter drop
  }
}"
}

# The MSS option (kind 2, length 4) of a SYN may sit at option bytes 0, 4 or 8 (MSSSupportTest
# and LateOptionTest: 515 at 0; MultiMSSTest: 550, 505, 515 at 0, 4, 8): each one found is
# rewritten to 1460 (0x05b4). @th,160 is the first option byte.
lab_mbox_raise_mss_after_r2() {
  local -
  set -euo pipefail
  _lab_names
  lab_mbox_clear
  local rules="" at
  for at in 160 192 224; do
    rules+="    iifname \"to-r1\" meta l4proto tcp tcp flags & (syn | ack) == syn @th,$at,16 0x0204 counter @th,$((at + 16)),16 set 0x05b4"$'\n'
  done
  _lab_in "$LAB_R2_NS" nft -f - <<<"table inet $LAB_MBOX_TABLE {
  chain forward {
    type filter hook forward priority mangle; policy accept;
$rules  }
}"
  local obj
  obj=$(_lab_bpf_build tcp_csum)
  _lab_in "$LAB_R2_NS" tc qdisc add dev "$LAB_R2_TO_TARGET_DEV" clsact
  _lab_in "$LAB_R2_NS" tc filter add dev "$LAB_R2_TO_TARGET_DEV" egress bpf direct-action \
    obj "$obj" sec tc
}

lab_mbox_clear_ecn_setup() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    $_LAB_FROM_R1 tcp flags == (syn | ecn | cwr) counter tcp flags set syn
  }
}"
}

lab_mbox_bleach_ecn() {
  local -
  set -euo pipefail
  _lab_names
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname \"$LAB_R2_FROM_R1_DEV\" ip ecn != not-ect counter ip ecn set not-ect
    iifname \"$LAB_R2_FROM_R1_DEV\" ip6 ecn != not-ect counter ip6 ecn set not-ect
  }
}"
}

# Option bytes 4..7 (@th,192,32) of a 28-byte SYN-ACK header: NOP, NOP, SACK-permitted.
lab_mbox_junk_after_eol_to_prober() {
  local -
  set -euo pipefail
  _lab_names
  lab_mbox_clear
  _lab_in "$LAB_R2_NS" nft -f - <<<"table inet $LAB_MBOX_TABLE {
  chain forward {
    type filter hook forward priority mangle; policy accept;
    iifname \"$LAB_R2_TO_TARGET_DEV\" meta l4proto tcp tcp flags & (syn | ack) == (syn | ack) tcp doff 7 @th,192,32 0x01010402 counter @th,192,32 set 0x04020055
  }
}"
  local obj
  obj=$(_lab_bpf_build tcp_csum)
  _lab_in "$LAB_R2_NS" tc qdisc add dev "$LAB_R2_FROM_R1_DEV" clsact
  _lab_in "$LAB_R2_NS" tc filter add dev "$LAB_R2_FROM_R1_DEV" egress bpf direct-action \
    obj "$obj" sec tc
}

lab_mbox_clear() {
  local -
  set -euo pipefail
  _lab_names
  if _lab_in "$LAB_R2_NS" nft list table inet "$LAB_MBOX_TABLE" >/dev/null 2>&1; then
    _lab_in "$LAB_R2_NS" nft delete table inet "$LAB_MBOX_TABLE"
  fi
  local qdiscs dev
  for dev in "$LAB_R2_FROM_R1_DEV" "$LAB_R2_TO_TARGET_DEV"; do
    qdiscs=$(_lab_in "$LAB_R2_NS" tc qdisc show dev "$dev" clsact)
    if grep -q clsact <<<"$qdiscs"; then
      _lab_in "$LAB_R2_NS" tc qdisc del dev "$dev" clsact
    fi
  done
}

# --- Non-conforming target ---------------------------------------------------------------
#
# Real non-conformance of the host itself, made with nftables on the target's own input
# hook: segments the stack should act on never reach it, so it behaves exactly like a stack
# that ignores them. Nothing on the path shows a change, so tcpreq must report FAIL (the
# host), never UNK (the path).
#
# lab_target_ignore_rst    -- every RST is dropped: the stack "ignores" plain RSTs.
# lab_target_ignore_rstack -- only RST+ACK is dropped: a connection in SYN-RECEIVED
#                             survives a RST-ACK (RSTACKTest) while plain RSTs still work.
# lab_target_silent_port P -- every segment to port P is dropped: a filtered port that never
#                             answers (the absence of a reply, waited for without spinning).
# lab_target_set_reserved  -- the target's own output sets reserved bit 0x08 of header
#                             byte 12 in every TCP segment it sends (`tcp reserved set 8`
#                             in the OUTPUT hook; the typed write keeps the checksum
#                             valid: the stack still fills in the checksum after the hook
#                             since offloads are off). Nothing on the path changes our
#                             probes, so ReservedFlagsTest must FAIL ("Reserved flags not
#                             zeroed in reply to SYN during handshake with reserved flag").
# lab_target_clear         -- remove the target's table (idempotent).

LAB_TARGET_TABLE=tcpreq_host

lab_target_clear() {
  local -
  set -euo pipefail
  _lab_names
  if _lab_in "$LAB_TARGET_NS" nft list table inet "$LAB_TARGET_TABLE" >/dev/null 2>&1; then
    _lab_in "$LAB_TARGET_NS" nft delete table inet "$LAB_TARGET_TABLE"
  fi
}

_lab_target_drop() {
  lab_target_clear
  _lab_in "$LAB_TARGET_NS" nft -f - <<<"table inet $LAB_TARGET_TABLE {
  chain input {
    type filter hook input priority filter; policy accept;
    meta l4proto tcp $1 counter drop
  }
}"
}

lab_target_ignore_rst() {
  local -
  set -euo pipefail
  _lab_names
  _lab_target_drop 'tcp dport 80 tcp flags & rst == rst'
}

lab_target_silent_port() {
  local -
  set -euo pipefail
  _lab_names
  _lab_target_drop "tcp dport ${1:?port}"
}

LAB_TARGET_RESERVED_BIT=8

lab_target_set_reserved() {
  local -
  set -euo pipefail
  _lab_names
  lab_target_clear
  _lab_in "$LAB_TARGET_NS" nft -f - <<<"table inet $LAB_TARGET_TABLE {
  chain output {
    type filter hook output priority mangle; policy accept;
    meta l4proto tcp counter tcp reserved set $LAB_TARGET_RESERVED_BIT
  }
}"
}

lab_target_ignore_rstack() {
  local -
  set -euo pipefail
  _lab_names
  _lab_target_drop 'tcp dport 80 tcp flags & (rst | ack) == rst | ack'
}

# Run directly: `LAB_PREFIX=mylab tests/lab/lab.sh up` ... `LAB_PREFIX=mylab tests/lab/lab.sh down`
# (for poking at the lab by hand; set LAB_PREFIX, or the namespaces carry this process's pid).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  cmd=${1:?usage: LAB_PREFIX=name lab.sh up|down|gc|firewall|listen PORT|tls PORT|mbox-overwrite|mbox-break|mbox-mss N|mbox-reserved|mbox-urg|mbox-unknown|mbox-csum|mbox-drop-unknown|mbox-raise-mss|mbox-ecn-setup|mbox-bleach-ecn|mbox-clear|target-reserved|target-clear}
  shift
  case $cmd in
  up) lab_up && env | grep '^LAB_' | sort ;;
  down) lab_down ;;
  gc) lab_gc_stale ;;
  firewall) lab_prober_firewall ;;
  listen) lab_target_listen "${1:?listen PORT}" ;;  # keeps running after this script exits
  mbox-overwrite) lab_mbox_overwrite_nop_eol ;;
  mbox-break) lab_mbox_break_nop_eol ;;
  tls) lab_target_tls "${1:-443}" ;;  # keeps running after this script exits
  mbox-mss) lab_mbox_mss_rewrite "${1:?mbox-mss N}" ;;
  mbox-reserved) lab_mbox_clear_reserved ;;
  mbox-urg) lab_mbox_clear_urg ;;
  mbox-unknown) lab_mbox_unknown_option_to_nops ;;
  mbox-csum) LAB_TMP=${LAB_TMP:-$(mktemp -d)} lab_mbox_fix_checksum ;;
  mbox-drop-unknown) lab_mbox_drop_unknown_option ;;
  mbox-raise-mss) LAB_TMP=${LAB_TMP:-$(mktemp -d)} lab_mbox_raise_mss_after_r2 ;;
  mbox-ecn-setup) lab_mbox_clear_ecn_setup ;;
  mbox-bleach-ecn) lab_mbox_bleach_ecn ;;
  mbox-clear) lab_mbox_clear ;;
  target-reserved) lab_target_set_reserved ;;
  target-clear) lab_target_clear ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
  esac
fi
