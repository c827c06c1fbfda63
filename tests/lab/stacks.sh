#!/usr/bin/env bash
# shellcheck shell=bash
# Independent TCP stacks as lab targets, beside the Linux target of tests/lab/lab.sh. Source it
# after lab.sh, then:
#
#     . tests/lab/lab.sh
#     . tests/lab/stacks.sh
#     trap lab_down EXIT            # lab_down also stops the stacks
#     lab_up
#     lab_stacks_up                 # all of them; or e.g. lab_stacks_up lwip gvisor
#     ip netns exec "$LAB_PROBER_NS" tcpreq ... "$(lab_stack_addr lwip 4):80"
#
# Each stack NAME is a namespace $LAB_PREFIX-NAME linked to r2 by its own veth (r2 side
# to-NAME, stack side to-r2), so it sits at hop 3 like the Linux target: r1 and r2 answer
# TTL 1 and 2 with time-exceeded. Stack k (its place in LAB_STACKS, from 1) owns
# 198.18.(3+k).0/24 and fd00:7463:(3+k)::/64: .1 / ::1 is r2, .2 / ::2 the stack. Every one
# serves HTTP on port 80 (LAB_STACK_PORT) over IPv4 and IPv6 with labnet.py's answer and a
# body of LAB_STACK_BODY_SIZE (131072) bytes: several segments at any MSS, and a reply that
# outgrows a congestion window of 16384 octets in one round (WindowScaleClampTest).
#
#   NAME        TCP/IP stack                              host-side capture (in its namespace)
#   lwip        lwIP 2.1.3 (Debian's liblwip0) on a tap   tap0 (the frames lwIP reads/writes)
#   gvisor      gVisor netstack (Debian's runsc)          to-r2 (runsc's AF_PACKET device)
#   cookies     Linux, net.ipv4.tcp_syncookies=2          to-r2
#   nosynretry  Linux, net.ipv4.tcp_synack_retries=0      to-r2
#   nots        Linux, net.ipv4.tcp_timestamps=0          to-r2
#
# Functions: lab_stacks_up [NAME...], lab_stack_ns NAME, lab_stack_dev NAME, lab_stack_addr
# NAME 4|6, lab_stacks_table (all of these for the stacks that are up), lab_stack_alive NAME
# (server running and answering HTTP in both families), lab_stacks_down (called by lab_down).
# Run directly (`LAB_PREFIX=name tests/lab/stacks.sh [NAME...]`), it brings up the lab, its
# prober firewall and the stacks, prints the table, and tears it all down on Ctrl-C. The Linux variants' sysctls are all per network
# namespace (net.ipv4.tcp_* since Linux 4.x-5.x), set in the stack's namespace only.
#
# lwip: tests/lab/stacks/lwip_http.c (+ lwip_tap.c), built with cc against liblwip-dev at
#   first use into $LAB_TMP. Its namespace has no addresses of its own: a bridge br0 joins
#   the veth from r2 and a persistent tap0 that the server attaches to, so lwIP is on r2's
#   link (layer 2, no extra hop). The namespace kernel has IPv6 disabled and no IPv4
#   address: it never answers for lwIP. lwIP has no static IPv6 routes and learns its default
#   router only from Router Advertisements, so r2 sends one (labnet.py ra, lifetime 9000 s)
#   once the server runs. Why a tap driver of our own and NETIF_FLAG_MLD6: lwip_tap.c and
#   lwip_http.c.
# gvisor: `runsc run` of an OCI bundle whose root is the host's / (read-only) and whose
#   process is `python3 labnet.py serve 80 --body-size 131072`, in the stack's namespace.
#   --network=sandbox: runsc moves the namespace's addresses and routes of to-r2 into
#     netstack (they disappear from the Linux interface) and reads/writes frames through an
#     AF_PACKET socket, so tcpdump on to-r2 still sees them.
#   --rx-checksum-offload=false: by default netstack trusts the "device" to have verified
#     checksums and accepts segments with a wrong TCP checksum.
#   --platform=ptrace: no KVM here. --ignore-cgroups: `ip netns exec` mounts a fresh /sys for
#     the namespace, without /sys/fs/cgroup/*, and runsc fails with "cannot set up cgroup
#     for root"; the lab needs no resource limits.
#   A tmpfs over /proc/sys/net/core (in the mount namespace of `ip netns exec` only):
#     runsc 20221219 refuses --network=sandbox "in root network namespace", which it
#     detects by /proc/sys/net/core/rmem_default existing; recent kernels have that file in
#     every network namespace.
#   runsc's control socket is an abstract Unix socket, i.e. per network namespace: runsc
#     kill/state/delete run inside the stack's namespace.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  # shellcheck source-path=SCRIPTDIR
  . "$(dirname "$0")/lab.sh"
fi
: "${LAB_DIR:?source tests/lab/lab.sh first}"
LAB_STACKS=(lwip gvisor cookies nosynretry nots)
LAB_STACK_PORT=80
LAB_STACK_BODY_SIZE=${LAB_STACK_BODY_SIZE:-131072}
LAB_STACK_RA_LIFETIME=9000
LAB_STACK_UP=()            # stacks brought up by lab_stacks_up (lab_stacks_down stops them)
declare -gA _LAB_STACK_PID # NAME -> pid of its server process (ip netns exec ...)
export LAB_STACK_PORT LAB_STACK_BODY_SIZE

# _lab_stack_k NAME: prints k, the stack's place in LAB_STACKS counted from 1.
_lab_stack_k() {
  local i
  for i in "${!LAB_STACKS[@]}"; do
    if [[ "${LAB_STACKS[$i]}" == "$1" ]]; then
      echo $((i + 1))
      return 0
    fi
  done
  _lab_err "unknown stack '$1' (known: ${LAB_STACKS[*]})"
  return 1
}

lab_stack_ns() {
  local -
  set -euo pipefail
  _lab_names
  _lab_stack_k "$1" >/dev/null
  echo "$LAB_PREFIX-$1"
}

lab_stack_dev() {
  local -
  set -euo pipefail
  _lab_stack_k "$1" >/dev/null
  if [[ $1 == lwip ]]; then echo tap0; else echo to-r2; fi
}

# lab_stack_addr NAME 4|6 [HOST]: the stack's address (HOST 2, default) or r2's (HOST 1).
lab_stack_addr() {
  local -
  set -euo pipefail
  local k host=${3:-2}
  k=$(_lab_stack_k "$1")
  case $2 in
  4) echo "198.18.$((3 + k)).$host" ;;
  6) echo "fd00:7463:$((3 + k))::$host" ;;
  *) _lab_err "lab_stack_addr: family 4 or 6, not '$2'"; return 1 ;;
  esac
}

# _lab_stack_link NAME KERNEL_ADDRS: namespace, veth to r2, r2's addresses, r1's routes; with
# KERNEL_ADDRS=1 also the stack's addresses on to-r2 and its routes to the lab prefixes.
_lab_stack_link() {
  local name=$1 kernel_addrs=$2 ns k
  ns=$(lab_stack_ns "$name") && k=$(_lab_stack_k "$name") || return 1
  if _lab_ns_exists "$ns"; then _lab_err "namespace $ns already exists"; return 1; fi
  ip netns add "$ns" || return 1
  _lab_in "$ns" ip link set lo up || return 1
  # As for lab.sh's hosts: no DAD (new interfaces copy conf/default), no RA/SLAAC noise, no
  # ICMP rate limits.
  _lab_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0 \
    net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || return 1
  _lab_veth "$LAB_R2_NS" "to-$name" "$ns" to-r2 || return 1
  _lab_addr "$LAB_R2_NS" "to-$name" "$(lab_stack_addr "$name" 4 1)/24" \
    "$(lab_stack_addr "$name" 6 1)/64" || return 1
  _lab_in "$LAB_R1_NS" ip route add "198.18.$((3 + k)).0/24" via 198.18.2.2 || return 1
  _lab_in "$LAB_R1_NS" ip -6 route add "fd00:7463:$((3 + k))::/64" via fd00:7463:2::2 || return 1
  if ((kernel_addrs)); then
    _lab_addr "$ns" to-r2 "$(lab_stack_addr "$name" 4)/24" "$(lab_stack_addr "$name" 6)/64" &&
      _lab_in "$ns" ip route add 198.18.0.0/15 via "$(lab_stack_addr "$name" 4 1)" &&
      _lab_in "$ns" ip -6 route add fd00:7463::/32 via "$(lab_stack_addr "$name" 6 1)" || return 1
  else
    _lab_in "$ns" ip link set to-r2 up || return 1
  fi
}

# _lab_stack_wait_http NAME PID LOG [EVERY]: poll until the stack answers HTTP from the
# prober in both families; fails at once (showing LOG) if PID dies, or after 20 s. EVERY is
# a command run before each attempt (lwip: the Router Advertisement).
_lab_stack_wait_http() {
  local name=$1 pid=$2 log=$3 every=${4:-} fam deadline=$((SECONDS + 20)) pending
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      _lab_err "$name: server died: $(tail -n 20 "$log" 2>/dev/null)"
      return 1
    fi
    if [[ -n "$every" ]]; then $every; fi
    pending=
    for fam in 4 6; do
      _lab_in "$LAB_PROBER_NS" timeout 2 python3 "$LAB_NET_PY" http \
        "$(lab_stack_addr "$name" "$fam")" "$LAB_STACK_PORT" >/dev/null 2>&1 || pending+=" IPv$fam"
    done
    [[ -z "$pending" ]] && return 0
    if ((SECONDS >= deadline)); then
      _lab_err "$name: no HTTP answer over$pending on port $LAB_STACK_PORT after 20 s"
      return 1
    fi
    sleep 0.1 # a refused or unreachable connect fails at once: do not spin
  done
}

# _lab_stack_build_lwip: compile the lwIP server into $LAB_TMP (once per lab); prints its path.
_lab_stack_build_lwip() {
  local bin=$LAB_TMP/lwip_http src=$LAB_DIR/stacks
  if [[ ! -x "$bin" ]]; then
    if ! { command -v pkg-config >/dev/null && pkg-config --exists lwip; }; then
      _lab_err "lwip: liblwip-dev not installed (tests/install-deps.sh)"
      return 1
    fi
    # shellcheck disable=SC2046 # pkg-config prints one flag per word
    ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(pkg-config --cflags lwip) \
      "$src/lwip_http.c" "$src/lwip_tap.c" -o "$bin" $(pkg-config --libs lwip) -pthread >&2 ||
      { _lab_err "lwip: build of $src failed"; return 1; }
  fi
  echo "$bin"
}

# Servers start as `ip netns exec ... &`, not through _lab_in: a backgrounded function would be
# a subshell, $! its pid instead of the server's, and the server an orphan once it is killed.
_lab_stack_up_lwip() {
  local ns bin log=$LAB_TMP/stack-lwip.log
  ns=$(lab_stack_ns lwip) && bin=$(_lab_stack_build_lwip) && _lab_stack_link lwip 0 || return 1
  # The namespace's own kernel stays out of the way: no IPv6 at all (no link-local address,
  # MLD or ND of its own on the bridge), no IPv4 address. Set before br0/tap0 exist.
  _lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
    _lab_in "$ns" ip tuntap add dev tap0 mode tap || return 1 # persistent, no packet-info header
  # mcast_snooping 0: the bridge floods multicast (neighbour solicitations) instead of
  # guessing membership; forward_delay 0: ports forward at once (STP is off anyway).
  _lab_in "$ns" ip link add br0 type bridge forward_delay 0 mcast_snooping 0 || return 1
  local dev
  for dev in tap0 br0; do
    _lab_in "$ns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null || return 1
  done
  for dev in to-r2 tap0; do _lab_in "$ns" ip link set "$dev" master br0 || return 1; done
  for dev in br0 tap0; do _lab_in "$ns" ip link set "$dev" up || return 1; done
  ip netns exec "$ns" "$bin" tap0 "$(lab_stack_addr lwip 4)/24" "$(lab_stack_addr lwip 4 1)" \
    "$(lab_stack_addr lwip 6)" "$LAB_STACK_PORT" "$LAB_STACK_BODY_SIZE" >"$log" 2>&1 </dev/null &
  _LAB_STACK_PID[lwip]=$!
  LAB_LISTENER_PIDS+=("$!")
  _lab_stack_wait_http lwip "$!" "$log" _lab_stack_ra_lwip
}

# r2 advertises itself as lwIP's IPv6 default router (see the top of this file).
_lab_stack_ra_lwip() {
  _lab_in "$LAB_R2_NS" python3 "$LAB_NET_PY" ra to-lwip --lifetime "$LAB_STACK_RA_LIFETIME" >&2
}

_lab_stack_gvisor_dir() { echo "$LAB_TMP/gvisor"; }
_lab_stack_gvisor_id() { echo "$LAB_PREFIX-gvisor"; }
# _lab_runsc ARGS...: runsc with the lab's state directory, inside the gvisor namespace
_lab_runsc() {
  _lab_in "$(lab_stack_ns gvisor)" runsc --root="$(_lab_stack_gvisor_dir)/state" "$@"
}

_lab_stack_up_gvisor() {
  command -v runsc >/dev/null || { _lab_err "gvisor: runsc not installed (tests/install-deps.sh)"; return 1; }
  local ns dir py net_dir log=$LAB_TMP/stack-gvisor.log
  ns=$(lab_stack_ns gvisor) && dir=$(_lab_stack_gvisor_dir) && _lab_stack_link gvisor 1 &&
    mkdir -p "$dir/bundle" "$dir/state" "$dir/log" || return 1
  # The interpreter itself, not a wrapper (a pyenv shim is a shell script).
  py=$(python3 -c 'import sys; print(sys.executable)') || return 1
  # The sandbox gets a /tmp of its own: labnet.py's directory is bound in after it (a
  # checkout under /tmp is hidden otherwise).
  net_dir=$(cd "$(dirname "$LAB_NET_PY")" && pwd) || return 1
  cat >"$dir/bundle/config.json" <<EOF
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["$py", "$LAB_NET_PY", "serve", "$LAB_STACK_PORT", "--body-size", "$LAB_STACK_BODY_SIZE"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONDONTWRITEBYTECODE=1"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
      "inheritable": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 4096}]
  },
  "root": {"path": "/", "readonly": true},
  "hostname": "gvisor",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "$net_dir", "type": "bind", "source": "$net_dir", "options": ["rbind", "ro"]}
  ],
  "linux": {
    "namespaces": [
      {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
      {"type": "network", "path": "/run/netns/$ns"}
    ]
  }
}
EOF
  # shellcheck disable=SC2016 # $0..$@ belong to the inner shell
  ip netns exec "$ns" sh -c 'mount -t tmpfs -o size=64k tmpfs /proc/sys/net/core && exec "$@"' sh \
    runsc --root="$dir/state" --debug-log="$dir/log/" --network=sandbox \
    --rx-checksum-offload=false --platform=ptrace --ignore-cgroups \
    run --bundle "$dir/bundle" "$(_lab_stack_gvisor_id)" >"$log" 2>&1 </dev/null &
  _LAB_STACK_PID[gvisor]=$!
  LAB_LISTENER_PIDS+=("$!")
  _lab_stack_wait_http gvisor "$!" "$log"
}

# _lab_stack_up_linux NAME SYSCTL...: the kernel's stack with SYSCTLs, labnet.py serve.
_lab_stack_up_linux() {
  local name=$1 ns log=$LAB_TMP/stack-$1.log kv
  shift
  ns=$(lab_stack_ns "$name") && _lab_stack_link "$name" 1 && _lab_sysctl "$ns" "$@" || return 1
  for kv in "$@"; do # read back: a sysctl that is not per namespace would fail or differ
    if [[ "$(_lab_in "$ns" sysctl -n "${kv%%=*}")" != "${kv#*=}" ]]; then
      _lab_err "$name: ${kv%%=*} did not take the value ${kv#*=}"
      return 1
    fi
  done
  ip netns exec "$ns" python3 "$LAB_NET_PY" serve "$LAB_STACK_PORT" --body-size "$LAB_STACK_BODY_SIZE" \
    >"$log" 2>&1 </dev/null &
  _LAB_STACK_PID[$name]=$!
  LAB_LISTENER_PIDS+=("$!")
  _lab_stack_wait_http "$name" "$!" "$log"
}

# lab_stacks_up [NAME...]: bring up the named stacks (default: all of LAB_STACKS) after
# lab_up. Returns once each answers HTTP over IPv4 and IPv6 from the prober.
lab_stacks_up() {
  local -
  set -euo pipefail
  _lab_names
  if [[ -z "${LAB_TMP:-}" || ! -d "$LAB_TMP" ]] || ! _lab_ns_exists "$LAB_R2_NS"; then
    _lab_err "lab_stacks_up: lab_up first"
    return 1
  fi
  local name names=("$@")
  ((${#names[@]})) || names=("${LAB_STACKS[@]}")
  for name in "${names[@]}"; do _lab_stack_k "$name" >/dev/null; done
  for name in "${names[@]}"; do
    LAB_STACK_UP+=("$name")
    # Checked explicitly: called as `lab_stacks_up || ...`, bash ignores errexit inside.
    case $name in
    lwip) _lab_stack_up_lwip ;;
    gvisor) _lab_stack_up_gvisor ;;
    cookies) _lab_stack_up_linux cookies net.ipv4.tcp_syncookies=2 ;;
    nosynretry) _lab_stack_up_linux nosynretry net.ipv4.tcp_synack_retries=0 ;;
    nots) _lab_stack_up_linux nots net.ipv4.tcp_timestamps=0 ;;
    esac || { _lab_err "stack $name did not come up"; return 1; }
  done
}

# lab_stacks_table: one line per stack that is up: NAME NAMESPACE CAPTURE_DEV IPV4 IPV6
lab_stacks_table() {
  local -
  set -euo pipefail
  local name
  for name in "${LAB_STACK_UP[@]}"; do
    echo "$name $(lab_stack_ns "$name") $(lab_stack_dev "$name") $(lab_stack_addr "$name" 4)" \
      "$(lab_stack_addr "$name" 6)"
  done
}

# lab_stack_alive NAME: its server process still runs and answers HTTP in both families.
lab_stack_alive() {
  local -
  set -uo pipefail
  _lab_names
  local name=$1 pid fam
  pid=${_LAB_STACK_PID[$name]:-}
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    _lab_err "$name: server not running"
    return 1
  fi
  for fam in 4 6; do
    if ! _lab_in "$LAB_PROBER_NS" timeout 8 python3 "$LAB_NET_PY" http \
      "$(lab_stack_addr "$name" "$fam")" "$LAB_STACK_PORT" >/dev/null 2>&1; then
      _lab_err "$name: no HTTP answer over IPv$fam"
      return 1
    fi
  done
}

# lab_stacks_down: stop the stacks' servers (runsc gracefully: its gofer lives outside the
# namespace) and delete their namespaces. Idempotent, never fails; lab_down calls it.
lab_stacks_down() {
  local -
  set +e
  _lab_names || return 0
  local name ns pid i
  if [[ -n "${_LAB_STACK_PID[gvisor]:-}" ]] && _lab_ns_exists "$(lab_stack_ns gvisor)"; then
    _lab_runsc kill "$(_lab_stack_gvisor_id)" KILL >/dev/null 2>&1
    pid=${_LAB_STACK_PID[gvisor]}
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    _lab_runsc delete -force "$(_lab_stack_gvisor_id)" >/dev/null 2>&1
  fi
  for name in "${LAB_STACKS[@]}"; do
    pid=${_LAB_STACK_PID[$name]:-}
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
    ns=$LAB_PREFIX-$name
    _lab_ns_exists "$ns" || continue
    _lab_kill_ns "$ns"
    ip netns del "$ns" 2>/dev/null
  done
  _LAB_STACK_PID=()
  LAB_STACK_UP=()
  return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  trap lab_down EXIT
  trap 'exit 130' INT TERM
  lab_up
  lab_prober_firewall
  lab_stacks_up "$@"
  echo "# NAME NAMESPACE CAPTURE_DEV IPV4 IPV6 (prober: $LAB_PROBER_NS)"
  lab_stacks_table
  echo "# up; Ctrl-C (or kill $$) tears the lab down"
  sleep infinity &
  hold=$!
  trap 'kill "$hold" 2>/dev/null; lab_down' EXIT
  wait "$hold"
fi
