#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Scale-out on a real scheduler: Slurm from Debian (munged, slurmctld and slurmd on one node,
# in a network namespace of their own, cgroup plugins off) runs an array job of 4 tasks; each
# task runs `tcpreq --shard I/4` with `ip netns exec` in the lab's prober namespace, from a
# source address of its own (as workers on separate machines would), against the lab's
# targets. `tcpreq summary` merges the 4 outputs; the test checks them against an unsharded
# run: no target twice (no overlap), none missing (no gap), DISC and FLTR records once, and
# every task's results sent from its own address. The munge key and slurm.conf are made in
# a temporary directory; the daemons are started here and killed by PID at the end, also on
# failure. Usage: test_scaleout.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_scaleout.sh TCPREQ}")

SHARDS=4
TESTS=(-T OptionSupportTest)
# Slurm's own network: a veth pair inside its namespace (glibc's getaddrinfo with
# AI_ADDRCONFIG, which Slurm uses, resolves nothing where only loopback has an address).
SLURM_NS=$LAB_PREFIX-slurm
SLURM_ADDR=198.18.64.1
# Each task's source address: 198.18.1.(10+I) and fd00:7463:1::(10+I), on the prober.
WORKER_BASE=10
DEADLINE_S=60

work=$(mktemp -d)
daemon_pids=()
cleanup() {
  local pid
  for pid in "${daemon_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${daemon_pids[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$SLURM_NS" 2>/dev/null
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
lab_target_listen 80
for i in $(seq 0 $((SHARDS - 1))); do
  ip -n "$LAB_PROBER_NS" addr add "198.18.1.$((WORKER_BASE + i))/24" dev "$LAB_PROBER_DEV"
  ip -n "$LAB_PROBER_NS" addr add "fd00:7463:1::$((WORKER_BASE + i))/64" dev "$LAB_PROBER_DEV" nodad
done

# the list: AnyIP targets of both families, a DISC, a blocklisted one and a duplicate line
{
  for i in $(seq 1 40); do echo "198.18.128.$i:80"; done
  for i in $(seq 1 8); do echo "[fd00:7463:8000::$i]:80"; done
  echo "192.0.2.7:80"
  echo "198.18.129.1:80"
  echo "198.18.128.5:80"
} >"$work/targets.txt"
echo "198.18.129.0/24" >"$work/block.txt"

# the reference: one unsharded run
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" "${TESTS[@]}" \
  -b "$work/block.txt" -o "$work/ref.jsonl" "@$work/targets.txt"
assert_eq "unsharded run: exit code" 0 "$?"

# --- Slurm on one node
ip netns add "$SLURM_NS"
ip -n "$SLURM_NS" link set lo up
ip -n "$SLURM_NS" link add slurm0 type veth peer name slurm1
ip -n "$SLURM_NS" addr add "$SLURM_ADDR/24" dev slurm0
ip -n "$SLURM_NS" link set slurm0 up
ip -n "$SLURM_NS" link set slurm1 up
mkdir -m 700 "$work/slurm" "$work/slurm/state" "$work/slurm/spool"
(umask 077 && head -c 1024 /dev/urandom >"$work/slurm/munge.key")
chmod 400 "$work/slurm/munge.key"
node=$(hostname -s)
conf=$work/slurm/slurm.conf
cat >"$conf" <<SLURM_CONF
ClusterName=tcpreqlab
SlurmctldHost=$node($SLURM_ADDR)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/slurm/munge.sock
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/slurmctld.log
SlurmdLogFile=$work/slurm/slurmd.log
# cgroup plugins off: processes tracked through /proc, no task containment, no accounting
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=$node NodeAddr=$SLURM_ADDR CPUs=$(nproc) State=UNKNOWN
PartitionName=lab Nodes=$node Default=YES MaxTime=10 State=UP
SLURM_CONF
chmod 644 "$conf"
export SLURM_CONF=$conf
in_slurm() { ip netns exec "$SLURM_NS" "$@"; }
# started directly (not through in_slurm, whose subshell would hold $!), so that $! is the
# daemon itself: `ip netns exec` and nsenter exec it
ip netns exec "$SLURM_NS" munged -F --force --key-file="$work/slurm/munge.key" --socket="$work/slurm/munge.sock" \
  --pid-file="$work/slurm/munged.pid" --log-file="$work/slurm/munged.log" \
  --seed-file="$work/slurm/munged.seed" >/dev/null 2>&1 &
daemon_pids+=($!)
ip netns exec "$SLURM_NS" slurmctld -D -f "$conf" >"$work/slurm/slurmctld.out" 2>&1 &
daemon_pids+=($!)
# slurmd enters only the network namespace: `ip netns exec` remounts /sys, which hides the
# cgroup file systems slurmd looks at when it starts (it uses none with the plugins above)
nsenter --net="/run/netns/$SLURM_NS" slurmd -D -f "$conf" >"$work/slurm/slurmd.out" 2>&1 &
daemon_pids+=($!)
deadline=$(($(date +%s) + DEADLINE_S))
until [ "$(in_slurm sinfo -h -o %T 2>/dev/null)" = idle ] || [ "$(date +%s)" -ge "$deadline" ]; do
  sleep 0.2
done
assert_eq "slurm: the node is up" idle "$(in_slurm sinfo -h -o %T 2>/dev/null)"

# the array job: task I of N tests shard I/N from its own source address
cat >"$work/shard.sh" <<SHARD_JOB
#!/bin/bash
i=\$SLURM_ARRAY_TASK_ID n=\$SLURM_ARRAY_TASK_COUNT
exec ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q \\
  -B 198.18.1.\$(($WORKER_BASE + i)) -B fd00:7463:1::\$(($WORKER_BASE + i)) ${TESTS[*]} \\
  --shard "\$i/\$n" -b "$work/block.txt" -o "$work/shard-\$i.jsonl" "@$work/targets.txt"
SHARD_JOB
chmod 755 "$work/shard.sh"
in_slurm sbatch --wait --quiet --array=0-$((SHARDS - 1)) --job-name=tcpreq-shards \
  -D "$work" -o "$work/task-%a.log" "$work/shard.sh"
assert_eq "slurm: the array job succeeded" 0 "$?"
for i in $(seq 0 $((SHARDS - 1))); do
  if [ -s "$work/shard-$i.jsonl" ]; then
    pass "task $i wrote shard $i/$SHARDS"
  else
    fail "task $i wrote nothing: $(cat "$work/task-$i.log" 2>/dev/null)"
  fi
  assert_eq "task $i: every result sent from its own address" "" \
    "$(jq -r --arg a4 "198.18.1.$((WORKER_BASE + i))" --arg a6 "fd00:7463:1::$((WORKER_BASE + i))" \
      '.results[].src.ip | select(. != $a4 and . != $a6)' "$work/shard-$i.jsonl" | sort -u)"
done

# merged by summary: no overlap, the same totals as the unsharded run
shards=("$work"/shard-*.jsonl)
unshare -n "$TCPREQ" summary --json "${shards[@]}" >"$work/merged.json"
assert_eq "summary of the shards: exit code" 0 "$?"
unshare -n "$TCPREQ" summary --json "$work/ref.jsonl" >"$work/ref.json"
assert_eq "no overlap: no target in two shards" 0 "$(jq '.duplicates.records' "$work/merged.json")"
for key in records disc fltr results targets; do
  assert_eq "merged shards = unsharded run: $key" "$(jq -c ".$key" "$work/ref.json")" \
    "$(jq -c ".$key" "$work/merged.json")"
done
assert_eq "merged shards = unsharded run: tests" \
  "$(jq -c '.tests | map({test, runs, PASS, UNK, FAIL, ERR})' "$work/ref.json")" \
  "$(jq -c '.tests | map({test, runs, PASS, UNK, FAIL, ERR})' "$work/merged.json")"
# no gap: the very same records, target by target
records() { jq -r '[.ip, (.port | tostring), (._status // "TESTED")] | join(" ")' "$@" | sort; }
assert_eq "no gap: every record of the unsharded run in exactly one shard" \
  "$(records "$work/ref.jsonl")" "$(records "${shards[@]}")"
assert_eq "the list: 48 tested, 1 DISC, 2 FLTR" "48 1 2" \
  "$(jq -r '[.targets.tested, .disc, .fltr] | join(" ")' "$work/merged.json")"
assert_eq "every tested target PASSed" 48 "$(jq '.targets.all_pass' "$work/merged.json")"

assert_done
